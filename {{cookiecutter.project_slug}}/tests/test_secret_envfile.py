import json
import os
import secrets
import stat
import threading

import pytest
from dotenv import dotenv_values

from {{ cookiecutter.project_slug }}.secret import envfile


def key_of(env):
    return dotenv_values(env)["FLASK_SECRET_KEY"]


def fallbacks_of(env):
    return json.loads(dotenv_values(env)["FLASK_SECRET_KEY_FALLBACKS"])


def test_new_key():
    keys = {envfile.new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)


@pytest.mark.posix_modes
def test_create_env_makes_a_private_file(tmp_path):
    env = tmp_path / ".env"
    assert envfile.create_env(str(env)) == "created"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert len(key_of(env)) == 64


def test_create_env_leaves_a_file_untouched(tmp_path):
    env = tmp_path / ".env"
    env.write_text("FLASK_SECRET_KEY= # fill me in\n")
    env.chmod(0o600)
    before = env.read_bytes()
    assert envfile.create_env(str(env)) == "kept"
    assert env.read_bytes() == before
    assert "flask secret init" in envfile.describe("kept", ".env")


@pytest.mark.posix_modes
def test_create_env_says_when_others_can_read(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\n")
    env.chmod(0o644)
    assert envfile.create_env(str(env)) == "kept-open"
    assert stat.S_IMODE(env.stat().st_mode) == 0o644  # told, not changed
    assert "chmod 600" in envfile.describe("kept-open", ".env")


def test_find_env_file_stops_at_the_project_root(tmp_path):
    (tmp_path / ".env").write_text("FLASK_SECRET_KEY=parent\n")  # a home folder's
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    assert envfile.find_env_file(project / "docs") == str(project / ".env")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        pytest.param("\ufeffFLASK_SECRET_KEY=old\r\nA=1\r\n", "A=1\r\n", id="bom-crlf"),
        pytest.param("'FLASK_SECRET_KEY'=old\n# note\n", "# note\n", id="quoted-name"),
        pytest.param("FLASK_SECRET_KEY=old\nFLASK_SECRET_KEY\n", "", id="bare-last"),
        pytest.param(
            'B="x\nFLASK_SECRET_KEY=inside\n"\nFLASK_SECRET_KEY=old\n',
            'B="x\nFLASK_SECRET_KEY=inside\n"\n',
            id="inside-a-value",
        ),
        pytest.param("FLASK_SECRET_KEY=old", "", id="no-final-newline"),
    ],
)
def test_rotate_edits_only_the_binding_in_force(tmp_path, text, kept):
    env = tmp_path / ".env"
    env.write_bytes(text.encode())
    old = key_of(env)
    if old is None:  # a bare last line unsets the key: nothing to rotate
        with pytest.raises(envfile.KeyFileError, match="has no key"):
            envfile.rotate_key(str(env), 3)
        assert env.read_bytes() == text.encode()
        return
    envfile.rotate_key(str(env), 3)
    values = dotenv_values(env)
    assert len(values["FLASK_SECRET_KEY"]) == 64
    assert fallbacks_of(env) == [old]
    assert kept in env.read_bytes().decode()
    assert env.read_bytes().startswith(b"\xef\xbb\xbf") == text.startswith("\ufeff")
    assert (b"\r\n" in env.read_bytes()) == ("\r\n" in text)


def test_rotate_refuses_what_python_dotenv_cannot_read(tmp_path):
    env = tmp_path / ".env"
    env.write_text("FLASK_SECRET_KEY=old\nA='unterminated\nB=2\n")
    before = env.read_bytes()
    with pytest.raises(envfile.KeyFileError, match="cannot read line 2"):
        envfile.rotate_key(str(env), 3)
    assert env.read_bytes() == before


def test_rotate_glues_nothing_onto_a_last_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\nFLASK_SECRET_KEY=old")
    envfile.rotate_key(str(env), 3)
    assert dotenv_values(env)["A"] == "1"
    assert fallbacks_of(env) == ["old"]


def test_rotate_keep_zero_empties_the_fallbacks(tmp_path):
    env = tmp_path / ".env"
    env.write_text("FLASK_SECRET_KEY=old\nFLASK_SECRET_KEY_FALLBACKS='[\"older\"]'\n")
    assert envfile.rotate_key(str(env), 0) == (0, 0)
    assert fallbacks_of(env) == []


def test_rotate_through_a_symlink_changes_its_target(tmp_path):
    target = tmp_path / "real.env"
    target.write_text("FLASK_SECRET_KEY=old\n")
    link = tmp_path / ".env"
    link.symlink_to(target)
    envfile.rotate_key(str(link), 3)
    assert link.is_symlink()
    assert fallbacks_of(target) == ["old"]


def test_concurrent_rotations_lose_nothing(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    errors = []

    def rotate():
        try:
            envfile.rotate_key(str(env), 20)
        except Exception as error:  # noqa: BLE001 - collected, then asserted
            errors.append(error)

    threads = [threading.Thread(target=rotate) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(fallbacks_of(env))) == 20
    assert sorted(os.listdir(tmp_path)) == [".env", ".env.lock"]
