import secrets

import pytest

from {{ cookiecutter.project_slug }} import (
    MissingSecretKeyError,
    WeakSecretKeyError,
    create_app,
)

# printed in Flask's documentation, so in every attacker's wordlist
# pragma: allowlist nextline secret
DOCS_KEY = "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf"


def test_config(app):
    assert not create_app({"SECRET_KEY": secrets.token_hex(32)}).testing
    assert app.testing


def test_key_from_dotenv(project_dir):
    key = secrets.token_hex(32)
    (project_dir / ".env").write_text(f"FLASK_SECRET_KEY={key}\n")
    assert create_app().secret_key == key


def test_environment_beats_dotenv(project_dir, monkeypatch):
    (project_dir / ".env").write_text(f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    key = secrets.token_hex(32)
    monkeypatch.setenv("FLASK_SECRET_KEY", key)
    assert create_app().secret_key == key


def test_missing_key(project_dir):
    with pytest.raises(MissingSecretKeyError, match="flask secret init"):
        create_app()


def test_empty_key(project_dir):
    (project_dir / ".env").write_text("FLASK_SECRET_KEY=\n")
    with pytest.raises(MissingSecretKeyError):
        create_app()


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("dev", "too short"),
        ("ab" * 32, "too repetitive"),
        ("please-change-me-to-something-long-and-random", "placeholder"),
        (DOCS_KEY, "publicly known"),
        (12345678901234567890123456789012, "not text"),
    ],
)
def test_weak_key_is_refused(key, reason):
    with pytest.raises(WeakSecretKeyError, match=reason) as error:
        create_app({"SECRET_KEY": key})
    assert "flask secret rotate" in str(error.value)


def test_weak_fallback_is_refused():
    config = {"SECRET_KEY": secrets.token_hex(32), "SECRET_KEY_FALLBACKS": ["dev"]}
    with pytest.raises(WeakSecretKeyError, match=r"FALLBACKS\[0\] is too short"):
        create_app(config)


def test_weak_key_only_warns_in_debug(caplog):
    app = create_app({"DEBUG": True, "SECRET_KEY": DOCS_KEY})
    assert app.debug
    assert "publicly known" in caplog.text
    assert DOCS_KEY not in caplog.text


def test_fallback_key_verifies_old_sessions():
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    before = create_app({"TESTING": True, "SECRET_KEY": old}).test_client()
    before.get("/")
    cookie = before.get_cookie("session").value
    after = create_app(
        {"TESTING": True, "SECRET_KEY": new, "SECRET_KEY_FALLBACKS": [old]}
    )
    client = after.test_client()
    client.set_cookie("session", cookie)
    assert b'<strong id="visits">2</strong>' in client.get("/").data
    alone = create_app({"TESTING": True, "SECRET_KEY": new}).test_client()
    alone.set_cookie("session", cookie)
    assert b'<strong id="visits">1</strong>' in alone.get("/").data


def test_production_cookies(project_dir):
    config = create_app({"SECRET_KEY": secrets.token_hex(32)}).config
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_cookie_settings_from_environment(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SAMESITE", "Strict")
    config = create_app({"SECRET_KEY": secrets.token_hex(32)}).config
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_SAMESITE"] == "Strict"


def test_debug_cookies_work_over_http(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    config = create_app({"SECRET_KEY": secrets.token_hex(32)}).config
    assert config["SESSION_COOKIE_SECURE"] is False
