"""Tell a strong secret key from a weak or publicly known one.

Standard library only. Messages name what is wrong with a key, never the key
itself.

Attackers try every key of the public flask-unsign wordlist against a session
cookie, and then its obvious variants. Most of its 56,000 entries are short,
repetitive or placeholder words, which the rules below reject anyway;
known_keys.txt holds a 48-bit SHA-256 prefix of each other entry, case-folded
(about 15,000), so the check is a few set lookups (the key and its reversal,
in any case), the file is read once and only when a key is checked, and no
leaked key is stored in this project as text.
"""

import functools
import hashlib
import math
import re
from pathlib import Path

MIN_LENGTH = 32
MIN_DISTINCT = 8
# a key shorter than this cannot be taken out of debug pages without
# mangling them (a 1-character key is in every word): never used at all
MIN_HIDDEN_LENGTH = 16
# a key with this many bits of estimated entropy is random enough that a
# word found in it is chance, not a placeholder
STRONG_BITS = 128
PLACEHOLDER = re.compile(
    r"change.?me|secret|passw(?:or)?d|example|placeholder|replace|insecure"
    r"|default|dummy|sample|your.?key",
    re.IGNORECASE,
)
# words people string together into made-up keys; they add no entropy
WORDS = re.compile(
    r"secret|key|password|passwd|pass|change|me|my|your|our|the|this|that|for"
    r"|and|not|so|very|super|top|really|flask|django|app|application|web|site"
    r"|dev|development|prod|production|test|testing|local|default|example"
    r"|sample|dummy|placeholder|replace|insecure|token|session|cookie|sign"
    r"|signing|random|string|long|strong|value|here|put|set|it|is|a|to|of"
    r"|in|with|admin|user|hello|world|please|do|no|never|share|commit"
    r"|(?<!\d)\d{1,4}(?!\d)",  # a year or a short number, standing alone
    re.IGNORECASE,
)
# keyboard rows and columns and plain sequences, walked in either direction
WALKS = [
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]",
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
]
WALK_RUN = 4  # keys in a row that count as a walk
KNOWN_KEYS = Path(__file__).with_name("known_keys.txt")
PREFIX_LENGTH = 12  # hex characters of SHA-256 kept per known key


def fingerprint(key):
    """Return the SHA-256 prefix that known_keys.txt stores for `key`, in any
    case: upper-cased, then case-folded, so "ß" and "SS", "ı" and "I" agree."""
    folded = key.upper().casefold().encode("utf-8", "surrogatepass")
    return hashlib.sha256(folded).hexdigest()[:PREFIX_LENGTH]


@functools.lru_cache(maxsize=1)
def known_fingerprints():
    """Return the fingerprints of publicly known keys, read once."""
    lines = KNOWN_KEYS.read_text(encoding="ascii").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_key_list(value):
    """Tell whether `value` is a list of keys, as SECRET_KEY_FALLBACKS must
    be (wherever it comes from: .env, a fallbacks file, test_config)."""
    return isinstance(value, (list, tuple)) and all(isinstance(k, str) for k in value)


def type_problem(key, fallbacks):
    """Return why the key or fallbacks are not what Flask can use, or None."""
    if not isinstance(key, str):
        return (
            f"SECRET_KEY is not text but {type(key).__name__}: use 64 hex "
            "characters, as 'flask secret init' makes"
        )
    if not isinstance(fallbacks, (list, tuple)):
        return 'SECRET_KEY_FALLBACKS is not a list of keys, e.g. ["old key"]'
    for i, old in enumerate(fallbacks):
        if not isinstance(old, str):
            return f"SECRET_KEY_FALLBACKS[{i}] is not text but {type(old).__name__}"
    return None


def too_short_to_hide(key, fallbacks=()):
    """Tell whether a key or fallback is too short to scrub from debug pages."""
    return any(len(k) < MIN_HIDDEN_LENGTH for k in [key, *fallbacks])


def walk_share(key):
    """Return the share of `key` that lies in keyboard walks or sequences."""
    lowered = key.lower()
    covered = set()
    for walk in WALKS:
        for line in (walk, walk[::-1]):
            for start in range(len(lowered) - WALK_RUN + 1):
                if lowered[start : start + WALK_RUN] in line:
                    covered.update(range(start, start + WALK_RUN))
    return len(covered) / len(key) if key else 0.0


def repeated_block(key):
    """Return the length of a block that `key` repeats, or None."""
    for size in range(1, len(key) // 2 + 1):
        if (key[:size] * (len(key) // size + 1))[: len(key)] == key:
            return size
    return None


def estimated_bits(key):
    """Estimate the entropy of `key` in bits: what is left once common words
    are taken out, at the size of the alphabet its characters come from."""
    rest = WORDS.sub("", key)
    pool = sum(
        size
        for chars, size in (
            (str.islower, 26),
            (str.isupper, 26),
            (str.isdigit, 10),
            (lambda c: not c.isalnum(), 33),
        )
        if any(chars(c) for c in rest)
    )
    return len(rest) * math.log2(pool) if pool else 0.0


def rule_problem(key):
    """Return why the text `key` breaks a rule that needs no list, or None."""
    if len(key) < MIN_LENGTH:
        return f"is too short: {len(key)} characters, at least {MIN_LENGTH} needed"
    if len(set(key)) < MIN_DISTINCT:
        return (
            f"is too repetitive: {len(set(key))} different characters, "
            f"at least {MIN_DISTINCT} needed"
        )
    block = repeated_block(key)
    if block:
        return f"is too repetitive: one block of {block} characters, repeated"
    if walk_share(key) >= 0.5:
        return "is a keyboard walk or a sequence, not a random key"
    if PLACEHOLDER.search(key) and estimated_bits(key) < STRONG_BITS:
        return "looks like a placeholder or a made-up phrase, not a random key"
    return None


def key_problem(key):
    """Return why `key` must not sign sessions, or None if it is strong."""
    if not isinstance(key, str):
        return f"is not text but {type(key).__name__}"
    problem = rule_problem(key)
    known = known_fingerprints()
    if problem is None and {fingerprint(key), fingerprint(key[::-1])} & known:
        problem = "is publicly known: it is in the wordlist attackers try first"
    return problem


def find_problem(key, fallbacks=()):
    """Return one line naming the first weak key among `key` and `fallbacks`."""
    problem = type_problem(key, fallbacks or [])
    if problem:
        return problem
    named = [("SECRET_KEY", key)]
    named += [(f"SECRET_KEY_FALLBACKS[{i}]", old) for i, old in enumerate(fallbacks)]
    for name, value in named:
        problem = key_problem(value)
        if problem is not None:
            return f"{name} {problem}"
    return None
