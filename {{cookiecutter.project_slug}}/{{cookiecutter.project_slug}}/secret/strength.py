"""Tell a strong secret key from a weak or publicly known one.

Standard library only. Messages name what is wrong with a key, never the key
itself. judge() is the one public function and holds the policy:

- a key or fallback that is not text is refused, in every mode;
- `testing` (a test's test_config, never the environment) accepts the rest;
- a key shorter than 16 characters is refused in every mode: it cannot be
  scrubbed from debug pages without mangling them;
- any other rule only warns in debug mode and refuses otherwise.

The rules are one table, RULES, of a test and a message each: what people
really make keys from, as an attacker's generator would try it first. Keys
too short, too few characters, a block repeated (with small changes too),
doubled letters, keyboard walks and sequences (interleaved too), the digits
of a well-known constant, a date or time, a time-based UUID, a PEM block,
several lines or words of prose, placeholder phrases (leetspeak folded
first), and publicly known keys: the flask-unsign wordlist, the digests (MD5,
SHA-1, SHA-2; hex and base64) of its words, of common passwords and of
placeholder words, and a known key with a few characters added, taken away
or changed at either end.

known_keys.txt holds a 52-bit SHA-256 prefix, case-folded, of each known key
that passes the other rules, and of each such digest; no leaked key is stored
here as text. scripts/known_keys.py in the template repository writes it
from these rules: run it again whenever a rule changes.
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
# words of placeholder phrases ("change-me-in-production"), and other words
# people string together into made-up keys: they add no entropy
PLACEHOLDER_WORDS = [
    "change.?me", "secret", "passw(?:or)?d", "example", "placeholder",
    "replace", "insecure", "default", "dummy", "sample", "your.?key",
]  # fmt: skip
OTHER_WORDS = [
    "key", "pass", "change", "me", "my", "your", "our", "the",
    "this", "that", "for", "and", "not", "so", "very", "super", "top",
    "really", "flask", "django", "app", "application", "web", "site", "dev",
    "development", "prod", "production", "test", "testing", "local", "token",
    "session", "cookie", "sign", "signing", "random", "string", "long",
    "strong", "value", "here", "put", "set", "it", "is", "a", "to", "of",
    "in", "with", "admin", "user", "hello", "world", "please", "do", "no",
    "never", "share", "commit",
]  # fmt: skip
PLACEHOLDER = re.compile("|".join(PLACEHOLDER_WORDS), re.IGNORECASE)
WORDS = re.compile(
    # longest first: "application" is taken out whole, not as "app" and "a"
    "|".join(sorted([*PLACEHOLDER_WORDS, *OTHER_WORDS], key=len, reverse=True))
    # a year or a short number, standing apart from letters and digits (in a
    # random key digits sit among letters: they are entropy, not a year)
    + r"|(?<![^\W_])\d{1,4}(?![^\W_])",
    re.IGNORECASE,
)
# leetspeak, folded before the words are looked for
LEET = str.maketrans("4@3106$5!7+", "aaeiogssitt")
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
# the first 100 digits of pi, e, the golden ratio and the square root of 2
CONSTANTS = [
    "31415926535897932384626433832795028841971693993751"
    "05820974944592307816406286208998628034825342117067",
    "27182818284590452353602874713526624977572470936999"
    "59574966967627724076630353547594571382178525166427",
    "16180339887498948482045868343656381177203091798057"
    "62862135448622705260462818902449707207204189391137",
    "14142135623730950488016887242096980785696718753769"
    "48073176679737990732478462107038850387534327641572",
]
CONSTANT_RUN = 8  # digits in a row of a constant that count
# the parts of a date or a time, as ISO 8601, RFC 2822, logs and
# str(datetime) write them, and a Unix time in seconds or milliseconds
TIMESTAMP = re.compile(
    r"(?:19|20)\d\d[-/.](?:0[1-9]|1[0-2])[-/.](?:0[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/. ](?:0?[1-9]|1[0-2]|[A-Za-z]{3})[-/. ]"
    r"(?:19|20)\d\d"
    r"|(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?"
    r"|[+-](?:[01]\d|2[0-3]):?[0-5]\d(?!\d)"
    r"|(?<!\d)1[5-9]\d{8}(?:[.]\d+|\d{3})?(?!\d)",
)
TIME_SHARE = 0.5  # share of a key in date and time parts that makes it one
# a UUID whose version carries a time (1, 2, 6, 7), as str(uuid1()) writes
# it. Version 4 holds 122 random bits and passes; without its dashes a
# time-based UUID is 32 hex characters that only its version and clock
# fields tell from random ones, which would refuse one random key in about
# 10,000 of that shape: those pass too
TIME_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[1267][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    re.IGNORECASE,
)
NEAR_REPEAT = 0.6  # share of characters equal to the one a period before
KNOWN_KEYS = Path(__file__).with_name("known_keys.txt")
PREFIX_LENGTH = 13  # hex characters of SHA-256 kept per known key (52 bits)
EDIT = 3  # characters added or taken away at either end of a known key
PRINTABLE = "".join(map(chr, range(32, 127)))


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


def digest_forms(key):
    """Return the forms in which a digest written as `key` is looked up: as
    it is, and as standard base64 without padding (urlsafe letters turned)."""
    return {key, key.rstrip("=").translate(str.maketrans("-_", "+/"))}


def is_known(key):
    """Tell whether `key`, reversed, or as a digest is a known key."""
    candidates = {key, key[::-1], *digest_forms(key)}
    return bool({fingerprint(k) for k in candidates} & known_fingerprints())


def near_known(key):
    """Tell whether `key` is a known key with up to EDIT characters added
    or taken away at either end, or its first or last character changed:
    the tweaks people make to a key they copied."""
    known = known_fingerprints()
    trimmed = {
        key[start : len(key) - end]
        for start in range(EDIT + 1)
        for end in range(EDIT + 1)
        if start + end
    }
    changed = {key[:i] + c + key[i + 1 :] for i in {0, len(key) - 1} for c in PRINTABLE}
    return bool({fingerprint(k) for k in trimmed | changed} & known)


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


def coverage(key, lines, run):
    """Return the share of `key` that lies in runs of `run` characters found
    in one of `lines`, read in either direction."""
    lowered = key.lower()
    covered = set()
    for line in lines:
        for text in (line, line[::-1]):
            for start in range(len(lowered) - run + 1):
                if lowered[start : start + run] in text:
                    covered.update(range(start, start + run))
    return len(covered) / len(key) if key else 0.0


def walk_share(key):
    """Return the share of `key` that lies in keyboard walks or sequences."""
    return coverage(key, WALKS, WALK_RUN)


def repeated_block(key):
    """Return the length of a block that `key` repeats, or None."""
    for size in range(1, len(key) // 2 + 1):
        if (key[:size] * (len(key) // size + 1))[: len(key)] == key:
            return size
    return None


def near_period(key):
    """Return a period of `key` that most of it keeps (a word repeated with
    small changes, "hunter2hunter2hunter2x"), or None. Periods of up to a
    third of the key only: random keys never come close."""
    for size in range(1, len(key) // 3 + 1):
        same = sum(key[i] == key[i + size] for i in range(len(key) - size))
        if same >= NEAR_REPEAT * (len(key) - size):
            return size
    return None


def doubled(key):
    """Tell whether most characters of `key` stand twice in a row."""
    runs = 1 + sum(a != b for a, b in zip(key, key[1:], strict=False))
    return runs <= 0.55 * len(key)


def interleaved(key):
    """Tell whether `key` interleaves two sequences ("a1b2c3d4...")."""
    return all(walk_share(part) >= 0.5 for part in (key[0::2], key[1::2]))


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


def word_share(text):
    """Return the share of `text` in common words of three letters or more."""
    words = (m.group() for m in WORDS.finditer(text))
    return sum(len(word) for word in words if len(word) >= 3) / len(text)


def placeholder_like(key):
    """Tell whether `key` holds a placeholder word (leetspeak folded first)
    and is either not random enough for that to be chance, or mostly words
    once folded ("ch4ng3m3pl34s3...")."""
    folded = key.translate(LEET)
    if not PLACEHOLDER.search(folded):
        return False
    return estimated_bits(key) < STRONG_BITS or word_share(folded) >= 0.5


def time_share(key):
    """Return the share of `key` taken by the parts of dates and times."""
    return sum(len(m.group()) for m in TIMESTAMP.finditer(key)) / len(key)


def looks_like_prose(key):
    """Tell whether `key` reads as words of text, not random characters."""
    words = key.split()
    return len(words) >= 4 and sum(w.isalpha() for w in words) >= len(words) / 2


# (test, message): a test gets the key as text and returns a true value when
# the rule is broken, a dict of values for the message where it needs them
RULES = [
    (
        lambda key: len(key) < MIN_LENGTH and {"n": len(key)},
        "is too short: {n} characters, at least " + str(MIN_LENGTH) + " needed",
    ),
    (
        lambda key: len(set(key)) < MIN_DISTINCT and {"n": len(set(key))},
        "is too repetitive: {n} different characters, at least "
        + str(MIN_DISTINCT)
        + " needed",
    ),
    (
        lambda key: (block := repeated_block(key)) and {"n": block},
        "is too repetitive: one block of {n} characters, repeated",
    ),
    (near_period, "repeats a short block with small changes, not a random key"),
    (doubled, "doubles its characters, not a random key"),
    (
        lambda key: walk_share(key) >= 0.5,
        "is a keyboard walk or a sequence, not a random key",
    ),
    (interleaved, "interleaves sequences, not a random key"),
    (
        lambda key: coverage(key.replace(".", ""), CONSTANTS, CONSTANT_RUN) >= 0.5,
        "is made of the digits of a well-known constant, not a random key",
    ),
    (
        lambda key: time_share(key) >= TIME_SHARE,
        "is mostly a date or a time, which anyone can guess",
    ),
    (TIME_UUID.search, "is a time-based UUID (versions 1, 2, 6, 7), not random"),
    (
        lambda key: "-----BEGIN" in key,
        "is a PEM block (a certificate or private key file), not a secret key",
    ),
    (lambda key: "\n" in key or "\r" in key, "has several lines: text, not a key"),
    (looks_like_prose, "reads like words of text, not a random key"),
    (
        placeholder_like,
        "looks like a placeholder or a made-up phrase, not a random key",
    ),
]
KNOWN = "is publicly known: it is in the wordlist attackers try first"
NEAR_KNOWN = "is a publicly known key with a few characters changed"


def rule_problem(key):
    """Return why the text `key` breaks a rule that needs no list, or None."""
    for test, message in RULES:
        found = test(key)
        if found:
            return message.format(**found) if isinstance(found, dict) else message
    return None


def key_problem(key):
    """Return why the text `key` must not sign sessions, or None."""
    if not isinstance(key, str):
        return f"is not text but {type(key).__name__}"
    problem = rule_problem(key)
    if problem is None and is_known(key):
        problem = KNOWN
    if problem is None and near_known(key):
        problem = NEAR_KNOWN
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


def judge(key, fallbacks=(), testing=False, debug=False):
    """Return (verdict, problem) for the key and its fallbacks: (None,
    None) when they may sign and verify, ("warn", problem) or ("refuse",
    problem) as the policy above says."""
    problem = type_problem(key, fallbacks or [])
    if problem:
        return "refuse", problem
    if testing:
        return None, None
    problem = find_problem(key, fallbacks)
    if not problem:
        return None, None
    if debug and not too_short_to_hide(key, fallbacks):
        return "warn", problem
    return "refuse", problem
