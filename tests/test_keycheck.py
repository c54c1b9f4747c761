"""The baked strength, envfile and editing modules, against the attackers'
real wordlist.

STRENGTH_UNDER_TEST, ENVFILE_UNDER_TEST and EDITING_UNDER_TEST name other
copies of the modules to test (scripts/mutation.py points them at mutated
ones).
"""

import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from dotenv import dotenv_values

from tests.helpers import (
    TEMPLATE,
    TEMPLATE_PROJECT,
    load_module,
    load_package_module,
    wordlist_entries,
)

SECRET = TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}/secret"
keycheck = load_module(
    Path(os.environ.get("STRENGTH_UNDER_TEST", SECRET / "strength.py")), "strength"
)
keyfile = load_module(
    Path(os.environ.get("ENVFILE_UNDER_TEST", SECRET / "envfile.py")),
    "envfile_for_strength_tests",
)
editing = load_package_module(
    Path(os.environ.get("EDITING_UNDER_TEST", SECRET / "editing.py")), "editing", SECRET
)


@pytest.mark.wordlist
def test_every_wordlist_entry_is_refused():
    """All 55,982 keys attackers try first are refused, by rule or by the list."""
    entries = wordlist_entries()
    assert len(entries) == 55982
    accepted = [i for i, key in enumerate(entries) if keycheck.key_problem(key) is None]
    assert accepted == []


@pytest.mark.wordlist
def test_known_keys_file_is_up_to_date(tmp_path):
    """scripts/known_keys.py, run now, writes the known_keys.txt that is committed."""
    fresh = tmp_path / "known_keys.txt"
    script = str(TEMPLATE / "scripts/known_keys.py")
    subprocess.run(
        [sys.executable, script, str(fresh)], check=True, capture_output=True
    )
    assert fresh.read_text() == (SECRET / "known_keys.txt").read_text()


DJANGO_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"
# how keys are made at random, and how many of each the slow test tries
RANDOM_KINDS = {
    "token_hex(32)": (lambda: secrets.token_hex(32), 100_000),
    "token_urlsafe(32)": (lambda: secrets.token_urlsafe(32), 100_000),
    "token_urlsafe(64)": (lambda: secrets.token_urlsafe(64), 100_000),
    "django-50": (
        lambda: "".join(secrets.choice(DJANGO_CHARS) for _ in range(50)),
        100_000,
    ),
    "token_hex(16)": (lambda: secrets.token_hex(16), 30_000),
    "uuid4": (lambda: str(uuid.uuid4()), 30_000),
    "token_urlsafe(24)": (lambda: secrets.token_urlsafe(24), 30_000),
}


def test_generated_keys_pass():
    for make, _ in RANDOM_KINDS.values():
        assert [keycheck.key_problem(make()) for _ in range(200)] == [None] * 200


@pytest.mark.slow
@pytest.mark.parametrize("kind", RANDOM_KINDS)
def test_no_random_key_is_refused(kind):
    """Zero false refusals: 100,000 random keys of each kind people use (and
    30,000 of each shorter one) all pass every rule."""
    make, count = RANDOM_KINDS[kind]
    refused = [p for p in (keycheck.key_problem(make()) for _ in range(count)) if p]
    assert refused == []


@pytest.mark.wordlist
def test_wordlist_variants_are_refused():
    """Every wordlist key that is long and varied enough to pass the rules is
    refused upper-cased and reversed too."""
    entries = [k for k in wordlist_entries() if isinstance(k, str)]
    variants = [v for k in entries for v in (k.upper(), k[::-1], k.swapcase())]
    accepted = [v for v in variants if keycheck.key_problem(v) is None]
    assert len(variants) > 100_000
    assert accepted == []


def test_random_keys_with_a_word_in_them_pass():
    """A random key is never refused because a word appears in it by chance."""
    for word in ("secret", "password", "changeme", "default", "example"):
        for _ in range(200):
            token = secrets.token_urlsafe(32)
            at = secrets.randbelow(len(token))
            key = token[:at] + word + token[at:]
            assert keycheck.estimated_bits(key) >= keycheck.STRONG_BITS
            assert keycheck.key_problem(key) is None


def test_type_problems_are_one_line():
    assert keycheck.type_problem(b"x" * 32, []).startswith(
        "SECRET_KEY is not text but bytes"
    )
    assert keycheck.type_problem("k" * 32, "old") == (
        'SECRET_KEY_FALLBACKS is not a list of keys, e.g. ["old key"]'
    )
    assert keycheck.type_problem("k" * 32, ["ok", 1]) == (
        "SECRET_KEY_FALLBACKS[1] is not text but int"
    )
    assert keycheck.type_problem("k" * 32, ("a", "b")) is None


def test_too_short_to_hide():
    assert keycheck.too_short_to_hide("a" * 15)
    assert keycheck.too_short_to_hide("a" * 16, ["b" * 15])
    assert not keycheck.too_short_to_hide("a" * 16, ["b" * 16])


def test_messages_never_hold_the_key():
    for key in ("hunter2", "a" * 40, "the-default-key-of-this-app-123456"):
        problem = keycheck.find_problem(secrets.token_hex(32), [key])
        assert problem.startswith("SECRET_KEY_FALLBACKS[0] ")
        assert key not in problem


def test_rotated_fallbacks_read_back_by_python_dotenv(tmp_path):
    """Odd old keys survive rotate's quoting as python-dotenv and Flask read it."""
    env = tmp_path / ".env"
    old = 'it\'s a \\ "strong" key: ' + secrets.token_hex(16)
    env.write_text(
        "FLASK_SECRET_KEY='" + old.replace("\\", "\\\\").replace("'", "\\'") + "'\n"
    )
    assert dotenv_values(env)["FLASK_SECRET_KEY"] == old
    with editing.editing(str(env)) as edit:
        kept, dropped = editing.rotate(edit, keep=3)
    assert (kept, dropped) == (1, 0)
    values = dotenv_values(env)
    assert json.loads(values["FLASK_SECRET_KEY_FALLBACKS"]) == [old]
    assert len(values["FLASK_SECRET_KEY"]) == 64
