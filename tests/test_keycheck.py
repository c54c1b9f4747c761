"""The baked strength and envfile modules, against the attackers' real wordlist."""

import json
import secrets
import subprocess
import sys

import pytest
from dotenv import dotenv_values

from tests.helpers import TEMPLATE, TEMPLATE_PROJECT, load_module, wordlist_entries

SECRET = TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}/secret"
keycheck = load_module(SECRET / "strength.py", "strength")
keyfile = load_module(SECRET / "envfile.py", "envfile_for_strength_tests")


def test_every_wordlist_entry_is_refused():
    """All 55,982 keys attackers try first are refused, by rule or by the list."""
    entries = wordlist_entries()
    assert len(entries) == 55982
    accepted = [i for i, key in enumerate(entries) if keycheck.key_problem(key) is None]
    assert accepted == []


def test_known_keys_file_is_up_to_date(tmp_path):
    """scripts/known_keys.py, run now, writes the known_keys.txt that is committed."""
    fresh = tmp_path / "known_keys.txt"
    script = str(TEMPLATE / "scripts/known_keys.py")
    subprocess.run(
        [sys.executable, script, str(fresh)], check=True, capture_output=True
    )
    assert fresh.read_text() == (SECRET / "known_keys.txt").read_text()


def test_generated_keys_pass():
    for _ in range(1000):
        assert keycheck.key_problem(secrets.token_hex(32)) is None
    assert keycheck.key_problem(secrets.token_urlsafe(32)) is None


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        pytest.param("", "too short", id="empty"),
        pytest.param("x" * 31 + "y", "too repetitive", id="repetitive"),
        pytest.param("abc" * 10, "too short", id="short-repeat"),
        pytest.param("0123456" * 10, "too repetitive", id="seven-letters"),
        pytest.param(
            "Please-CHANGE-me-before-deploying-2024", "placeholder", id="change"
        ),
        pytest.param(
            "my_super_secret_key_for_this_flask_app", "placeholder", id="phrase"
        ),
        pytest.param(b"\x00" * 40, "too repetitive", id="bytes"),
        pytest.param(["a list"], "not text", id="json-list"),
    ],
)
def test_key_problem(key, reason):
    assert reason in keycheck.key_problem(key)


def test_messages_never_hold_the_key():
    for key in ("hunter2", "a" * 40, "the-default-key-of-this-app-123456"):
        problem = keycheck.find_problem(secrets.token_hex(32), [key])
        assert problem.startswith("SECRET_KEY_FALLBACKS[0] ")
        assert key not in problem


@pytest.mark.parametrize(
    "line",
    [
        "FLASK_SECRET_KEY=plain",
        "FLASK_SECRET_KEY=plain # comment",
        "FLASK_SECRET_KEY='single # not a comment'",
        "FLASK_SECRET_KEY='it\\'s'",
        'FLASK_SECRET_KEY="double \\"quoted\\" \\\\ \\n"',
        "export FLASK_SECRET_KEY = spaced  ",
        'FLASK_SECRET_KEY_FALLBACKS=\'["a\\\\\\\\b", "c\\\'d"]\'',
    ],
)
def test_parse_value_agrees_with_python_dotenv(tmp_path, line):
    env = tmp_path / ".env"
    env.write_text(line + "\n")
    name = line.split("=")[0].replace("export", "").strip()
    expected = dotenv_values(env)[name]
    pattern = keyfile.setting_line(name)
    assert keyfile.read_setting(env.read_text(), pattern) == expected


def test_rotated_fallbacks_read_back_by_python_dotenv(tmp_path):
    """Odd old keys survive rotate's quoting as python-dotenv and Flask read it."""
    env = tmp_path / ".env"
    old = 'it\'s a \\ "strong" key: ' + secrets.token_hex(16)
    env.write_text(
        "FLASK_SECRET_KEY='" + old.replace("\\", "\\\\").replace("'", "\\'") + "'\n"
    )
    assert keyfile.read_setting(env.read_text(), keyfile.KEY_LINE) == old
    kept, dropped = keyfile.rotate_key(env, keep=3)
    assert (kept, dropped) == (1, 0)
    values = dotenv_values(env)
    assert json.loads(values["FLASK_SECRET_KEY_FALLBACKS"]) == [old]
    assert len(values["FLASK_SECRET_KEY"]) == 64


def test_find_env_file(tmp_path):
    root = tmp_path / "project"
    (root / "pkg" / "sub").mkdir(parents=True)
    assert keyfile.find_env_file(root / "pkg") == str(root / "pkg" / ".env")
    (root / ".flaskenv").write_text("FLASK_APP=pkg\n")
    assert keyfile.find_env_file(root / "pkg" / "sub") == str(root / ".env")
    (root / "pkg" / ".env").write_text("")
    assert keyfile.find_env_file(root / "pkg" / "sub") == str(root / "pkg" / ".env")
