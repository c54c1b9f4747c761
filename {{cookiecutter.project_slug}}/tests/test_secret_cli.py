import json
import os
import secrets
import stat

import pytest
from dotenv import dotenv_values

from {{ cookiecutter.project_slug }}.secret import envfile
from {{ cookiecutter.project_slug }}.secret.cli import secret


@pytest.fixture
def flask_secret(runner, project_dir):
    def invoke(*args):
        return runner.invoke(secret, args)

    return invoke


def private(path):
    return stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.posix_modes
def test_init_makes_a_private_env(flask_secret, project_dir):
    result = flask_secret("init")
    assert result.exit_code == 0, result.output
    env = project_dir / ".env"
    assert private(env)
    key = dotenv_values(env)["FLASK_SECRET_KEY"]
    assert len(key) == 64
    assert key not in result.output


def test_init_finds_the_project_root(flask_secret, project_dir, monkeypatch):
    (project_dir / ".flaskenv").write_text("FLASK_APP=app\n")
    (project_dir / "docs").mkdir()
    monkeypatch.chdir(project_dir / "docs")
    assert flask_secret("init").exit_code == 0
    assert (project_dir / ".env").is_file()


def test_init_never_replaces_a_key(flask_secret, project_dir):
    env = project_dir / ".env"
    env.write_text(f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    before = env.read_bytes(), env.stat()
    result = flask_secret("init")
    assert result.exit_code == 1
    assert "already has a key" in result.output
    assert (env.read_bytes(), env.stat()) == before


def test_init_leaves_a_key_from_the_environment(flask_secret, project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", secrets.token_hex(32))
    result = flask_secret("init")
    assert result.exit_code == 1
    assert "already set in the environment" in result.output
    assert not (project_dir / ".env").exists()


def write_env(project_dir, text):
    env = project_dir / ".env"
    env.write_text(text)
    env.chmod(0o600)
    return env


@pytest.mark.posix_modes
def test_rotate_keeps_the_old_key_as_a_fallback(flask_secret, project_dir):
    old = secrets.token_hex(32)
    env = write_env(
        project_dir,
        f"# my settings\nexport FLASK_SECRET_KEY='{old}'\nDATABASE_URL=x # keep\n",
    )
    result = flask_secret("rotate")
    assert result.exit_code == 0, result.output
    values = dotenv_values(env)
    assert values["FLASK_SECRET_KEY"] not in (old, None)
    assert json.loads(values["FLASK_SECRET_KEY_FALLBACKS"]) == [old]
    assert values["DATABASE_URL"] == "x"
    assert env.read_text().startswith("# my settings\nexport FLASK_SECRET_KEY=")
    assert private(env)
    assert old not in result.output


def test_rotate_keeps_a_bounded_list(flask_secret, project_dir):
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    seen = []
    for _ in range(4):
        seen.insert(0, dotenv_values(env)["FLASK_SECRET_KEY"])
        assert flask_secret("rotate", "--keep", "2").exit_code == 0
    assert json.loads(dotenv_values(env)["FLASK_SECRET_KEY_FALLBACKS"]) == seen[:2]


def test_rotate_drops_weak_keys(flask_secret, project_dir):
    strong = secrets.token_hex(32)
    env = write_env(
        project_dir,
        f'FLASK_SECRET_KEY=dev\nFLASK_SECRET_KEY_FALLBACKS=\'["{strong}", "x"]\'\n',
    )
    result = flask_secret("rotate")
    assert result.exit_code == 0, result.output
    assert "Dropped 2 weak" in result.output
    assert json.loads(dotenv_values(env)["FLASK_SECRET_KEY_FALLBACKS"]) == [strong]


def test_rotate_needs_a_key(flask_secret, project_dir):
    result = flask_secret("rotate")
    assert result.exit_code == 1
    assert "flask secret init" in result.output
    assert not (project_dir / ".env").exists()


def test_rotate_keeps_the_old_file_when_writing_fails(
    flask_secret, project_dir, monkeypatch
):
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    before = env.read_bytes()

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(envfile.os, "replace", crash)
    result = flask_secret("rotate")
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert env.read_bytes() == before
    assert os.listdir(project_dir) == [".env"]


def test_check_passes_a_good_key(flask_secret, project_dir):
    key = secrets.token_hex(32)
    write_env(project_dir, f"FLASK_SECRET_KEY={key}\n")
    result = flask_secret("check")
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output
    assert key not in result.output


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("# no key\n", "not set"),
        ("FLASK_SECRET_KEY=not-so-secret\n", "too short"),
        (
            "FLASK_SECRET_KEY="
            "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf\n",
            "publicly known",
        ),
        (
            f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n"
            "FLASK_SECRET_KEY_FALLBACKS=[1]\n",
            "not text",
        ),
    ],
)
def test_check_fails_a_weak_key(flask_secret, project_dir, text, reason):
    write_env(project_dir, text)
    result = flask_secret("check")
    assert result.exit_code == 1
    assert reason in result.output


@pytest.mark.posix_modes
def test_check_fails_a_readable_env(flask_secret, project_dir):
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    env.chmod(0o644)
    result = flask_secret("check")
    assert result.exit_code == 1
    assert "chmod 600" in result.output
