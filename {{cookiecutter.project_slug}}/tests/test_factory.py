import pytest

from {{ cookiecutter.project_slug }} import MissingSecretKeyError, create_app


@pytest.fixture
def project_dir(tmp_path, monkeypatch):
    # a project root of its own, with no key in .env or the environment;
    # setenv first so that monkeypatch undoes what load_dotenv sets
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASK_SECRET_KEY", "")
    monkeypatch.delenv("FLASK_SECRET_KEY")
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    return tmp_path


def test_config(app):
    assert not create_app({"SECRET_KEY": "x" * 64}).testing
    assert app.testing


def test_key_from_dotenv(project_dir):
    (project_dir / ".env").write_text("FLASK_SECRET_KEY=from-dotenv\n")
    assert create_app().secret_key == "from-dotenv"


def test_environment_beats_dotenv(project_dir, monkeypatch):
    (project_dir / ".env").write_text("FLASK_SECRET_KEY=from-dotenv\n")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-environment")
    assert create_app().secret_key == "from-environment"


def test_missing_key(project_dir):
    with pytest.raises(MissingSecretKeyError, match="keyfile"):
        create_app()


def test_empty_key(project_dir):
    (project_dir / ".env").write_text("FLASK_SECRET_KEY=\n")
    with pytest.raises(MissingSecretKeyError):
        create_app()


def test_toolbar_only_in_debug(app):
    assert "debugtoolbar" not in app.blueprints
    debug_app = create_app({"DEBUG": True, "SECRET_KEY": "x" * 64})
    assert "debugtoolbar" in debug_app.blueprints
