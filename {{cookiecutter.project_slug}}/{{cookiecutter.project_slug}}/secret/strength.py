"""Tell a strong secret key from a weak or publicly known one.

Standard library only, like envfile.py. Messages name what is wrong with a
key, never the key itself.

Attackers try every key of the public flask-unsign wordlist against a session
cookie. Most of its 56,000 entries are short, repetitive or placeholder words,
which the rules below reject anyway; known_keys.txt holds a 48-bit SHA-256
prefix of each entry that passes them (about 15,000), so the check is one set
lookup, the file is read once and only when a key is checked, and no leaked
key is stored in this project as text.
"""

import functools
import hashlib
import re
from pathlib import Path

MIN_LENGTH = 32
MIN_DISTINCT = 8
PLACEHOLDER = re.compile(
    r"change.?me|secret|passw(?:or)?d|example|placeholder|replace|insecure"
    r"|default|dummy|sample|your.?key",
    re.IGNORECASE,
)
KNOWN_KEYS = Path(__file__).with_name("known_keys.txt")
PREFIX_LENGTH = 12  # hex characters of SHA-256 kept per known key


def fingerprint(key):
    """Return the SHA-256 prefix that known_keys.txt stores for `key`."""
    if isinstance(key, str):
        key = key.encode("utf-8", "surrogatepass")
    return hashlib.sha256(key).hexdigest()[:PREFIX_LENGTH]


@functools.lru_cache(maxsize=1)
def known_fingerprints():
    """Return the fingerprints of publicly known keys, read once."""
    lines = KNOWN_KEYS.read_text(encoding="ascii").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def rule_problem(key):
    """Return why `key` breaks a rule that needs no list, or None."""
    if not isinstance(key, (str, bytes)):
        return f"is not text but a JSON {type(key).__name__}"
    if len(key) < MIN_LENGTH:
        return f"is too short: {len(key)} characters, at least {MIN_LENGTH} needed"
    if len(set(key)) < MIN_DISTINCT:
        return (
            f"is too repetitive: {len(set(key))} different characters, "
            f"at least {MIN_DISTINCT} needed"
        )
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    if PLACEHOLDER.search(text):
        return "looks like a placeholder or a made-up phrase, not a random key"
    return None


def key_problem(key):
    """Return why `key` must not sign sessions, or None if it is strong."""
    problem = rule_problem(key)
    if problem is None and fingerprint(key) in known_fingerprints():
        problem = "is publicly known: it is in the wordlist attackers try first"
    return problem


def find_problem(key, fallbacks=()):
    """Return one line naming the first weak key among `key` and `fallbacks`."""
    fallbacks = fallbacks or []
    if not isinstance(fallbacks, (list, tuple)):
        return "SECRET_KEY_FALLBACKS is not a list of keys"
    named = [("SECRET_KEY", key)]
    named += [(f"SECRET_KEY_FALLBACKS[{i}]", old) for i, old in enumerate(fallbacks)]
    for name, value in named:
        problem = key_problem(value)
        if problem is not None:
            return f"{name} {problem}"
    return None
