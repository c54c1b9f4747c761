import os
import secrets

import pytest

from {{ cookiecutter.project_slug }} import create_app


def pytest_collection_modifyitems(items):
    if os.name != "nt":
        return
    # chmod on Windows only sets the read-only flag: who may read .env
    # follows the folder's access control list
    skip = pytest.mark.skip(reason="Windows has no owner-only file modes")
    for item in items:
        if item.get_closest_marker("posix_modes"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch):
    # no FLASK_* setting of your shell or your .env reaches a test (the
    # tests bring their own), and what create_app loads into os.environ
    # from a test's .env is gone after it
    saved = dict(os.environ)
    for name in [name for name in os.environ if name.startswith("FLASK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def app():
    # a throwaway key: tests never need the one in .env
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32)})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def project_dir(tmp_path, monkeypatch):
    # a project root of its own, with no key in .env or the environment;
    # setenv first so that monkeypatch undoes what load_dotenv sets
    monkeypatch.chdir(tmp_path)
    for name in ("FLASK_SECRET_KEY", "FLASK_SECRET_KEY_FALLBACKS", "FLASK_DEBUG"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    return tmp_path
