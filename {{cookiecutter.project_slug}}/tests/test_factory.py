import secrets

import pytest

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.secret import MissingSecretKeyError


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


def test_static_stylesheet(client):
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
    assert b'href="/static/style.css"' in client.get("/").data


def test_debug_cookies_work_over_http(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    config = create_app({"SECRET_KEY": secrets.token_hex(32)}).config
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    "settings",
    [
        {"FLASK_SECRET_KEY_FILE": "/no/such/file"},
        {"FLASK_SECRET_KEY_FALLBACKS_FILE": "/no/such/file"},
        {"FLASK_SECRET_KEY": "weak"},  # pragma: allowlist secret
        {"FLASK_DEBUG": "1", "FLASK_SECRET_KEY_FALLBACKS": '["x"]'},
    ],
    ids=["key-file", "fallbacks-file", "weak-key", "debug"],
)
def test_test_config_wins_over_every_setting(monkeypatch, settings):
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    key, old = secrets.token_hex(32), secrets.token_hex(32)
    app = create_app({"SECRET_KEY": key, "SECRET_KEY_FALLBACKS": [old], "DEBUG": False})
    assert (app.secret_key, app.config["SECRET_KEY_FALLBACKS"]) == (key, [old])
    assert not app.debug
