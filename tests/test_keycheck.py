"""The baked strength module against the attackers' real wordlist and
hundreds of thousands of random keys (its other behaviour is specified by
the baked project's own tests).

STRENGTH_UNDER_TEST names another copy of the module to test
(scripts/mutation.py points it at mutated ones).
"""

import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.helpers import (
    TEMPLATE,
    TEMPLATE_PROJECT,
    load_module,
    wordlist_entries,
)

SECRET = TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}/secret"
keycheck = load_module(
    Path(os.environ.get("STRENGTH_UNDER_TEST", SECRET / "strength.py")), "strength"
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
