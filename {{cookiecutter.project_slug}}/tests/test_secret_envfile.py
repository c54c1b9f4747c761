import stat

import pytest
from dotenv import dotenv_values

from {{ cookiecutter.project_slug }}.secret import envfile


def test_new_key():
    keys = {envfile.new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)


@pytest.mark.posix_modes
def test_ensure_key_creates_a_private_file(tmp_path):
    env = tmp_path / ".env"
    assert envfile.ensure_key(str(env)) == "created"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert len(dotenv_values(env)["FLASK_SECRET_KEY"]) == 64


def test_ensure_key_keeps_a_key(tmp_path):
    env = tmp_path / ".env"
    envfile.ensure_key(str(env))
    before = env.read_bytes()
    assert envfile.ensure_key(str(env)) == "kept"
    assert env.read_bytes() == before


def test_ensure_key_keeps_other_settings(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite:///app.db\n")
    assert envfile.ensure_key(str(env)) == "added"
    values = dotenv_values(env)
    assert values["DATABASE_URL"] == "sqlite:///app.db"
    assert len(values["FLASK_SECRET_KEY"]) == 64
