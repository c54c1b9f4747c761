import json
import secrets

import click
import pytest
from flask import request

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.secret import (
    KeySourceError,
    WeakSecretKeyError,
)


@pytest.fixture
def key_file(project_dir, monkeypatch):
    def write(name, text):
        path = project_dir / name.lower()
        path.write_text(text)
        monkeypatch.setenv(f"FLASK_{name}_FILE", str(path))
        return path

    return write


def test_key_and_fallbacks_from_files(key_file):
    key, old = secrets.token_hex(32), secrets.token_hex(32)
    key_file("SECRET_KEY", key + "\n")
    key_file("SECRET_KEY_FALLBACKS", json.dumps([old]) + "\r\n")
    app = create_app()
    assert app.secret_key == key
    assert app.config["SECRET_KEY_FALLBACKS"] == [old]
    assert "SECRET_KEY_FILE" not in app.config


def test_only_one_trailing_newline_is_stripped(key_file):
    key = secrets.token_hex(32)
    key_file("SECRET_KEY", key + "\n\n")
    assert create_app({"TESTING": True}).secret_key == key + "\n"


def test_key_and_key_file_both_set(key_file, monkeypatch):
    key_file("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("FLASK_SECRET_KEY", secrets.token_hex(32))
    with pytest.raises(KeySourceError, match="are both set"):
        create_app()


def test_missing_key_file(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(project_dir / "missing"))
    with pytest.raises(KeySourceError) as error:
        create_app()
    assert str(error.value) == (
        f"FLASK_SECRET_KEY_FILE: cannot read {project_dir / 'missing'}: "
        "No such file or directory"
    )


def test_fallbacks_file_must_hold_json(key_file):
    key_file("SECRET_KEY", secrets.token_hex(32))
    key_file("SECRET_KEY_FALLBACKS", "not json")
    with pytest.raises(KeySourceError, match="is not a JSON list of keys"):
        create_app()


def test_weak_key_in_a_file_is_refused(key_file):
    key_file("SECRET_KEY", "dev\n")
    with pytest.raises(WeakSecretKeyError, match="too short"):
        create_app()


@pytest.mark.parametrize(("proxies", "scheme"), [(None, "http"), ("1", "https")])
def test_trusted_proxies(project_dir, monkeypatch, proxies, scheme):
    if proxies is not None:
        monkeypatch.setenv("FLASK_TRUSTED_PROXIES", proxies)
    app = create_app({"SECRET_KEY": secrets.token_hex(32)})

    @app.get("/scheme")
    def show_scheme():
        return request.scheme

    headers = {"X-Forwarded-Proto": "https"}
    assert app.test_client().get("/scheme", headers=headers).text == scheme


@pytest.mark.parametrize("proxies", ["-1", "true", '"one"'])
def test_trusted_proxies_must_be_a_count(project_dir, monkeypatch, proxies):
    monkeypatch.setenv("FLASK_TRUSTED_PROXIES", proxies)
    with pytest.raises(click.ClickException, match="must be a whole number"):
        create_app({"SECRET_KEY": secrets.token_hex(32)})
