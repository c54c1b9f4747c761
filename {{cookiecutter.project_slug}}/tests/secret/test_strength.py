import base64
import hashlib
import secrets
import uuid

import pytest

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.secret import WeakSecretKeyError, strength

# printed in Flask's documentation, so in every attacker's wordlist
# pragma: allowlist nextline secret
DOCS_KEY = "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf"
# hard-coded in a tutorial: 32 characters, the shortest key allowed
# pragma: allowlist nextline secret
TUTORIAL_KEY = "d5fb8c4fa8bd46638dadc4e751e0d68d"


def test_generated_keys_are_strong():
    for _ in range(100):
        assert strength.key_problem(secrets.token_hex(32)) is None


def test_messages_never_hold_the_key():
    problem = strength.find_problem(DOCS_KEY)
    assert problem == (
        "SECRET_KEY is publicly known: it is in the wordlist attackers try first"
    )
    assert DOCS_KEY not in problem
    for old in ("hunter2", "a" * 40, "the-default-key-of-this-app-123456"):
        problem = strength.find_problem(secrets.token_hex(32), [old])
        assert problem.startswith("SECRET_KEY_FALLBACKS[0] ")
        assert old not in problem


def test_type_problems_are_one_line():
    key = secrets.token_hex(32)
    assert strength.type_problem(b"x" * 32, []).startswith(
        "SECRET_KEY is not text but bytes"
    )
    assert strength.type_problem(key, "old") == (
        'SECRET_KEY_FALLBACKS is not a list of keys, e.g. ["old key"]'
    )
    assert strength.type_problem(key, ["ok", 1]) == (
        "SECRET_KEY_FALLBACKS[1] is not text but int"
    )
    assert strength.type_problem(key, ("a", "b")) is None


def test_too_short_to_hide():
    # debug pages can only be scrubbed of keys of 16 characters or more
    assert strength.too_short_to_hide("a" * 15)
    assert strength.too_short_to_hide("a" * 16, ["b" * 15])
    assert not strength.too_short_to_hide("a" * 16, ["b" * 16])


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("dev", "too short"),
        ("ab" * 32, "too repetitive"),
        ("please-change-me-to-something-long-and-random", "placeholder"),
        (DOCS_KEY, "publicly known"),
        (12345678901234567890123456789012, "not text"),
    ],
)
def test_weak_key_is_refused(key, reason):
    with pytest.raises(WeakSecretKeyError, match=reason) as error:
        create_app({"SECRET_KEY": key})
    assert "flask secret rotate" in str(error.value)


def test_weak_fallback_is_refused():
    config = {"SECRET_KEY": secrets.token_hex(32), "SECRET_KEY_FALLBACKS": ["dev"]}
    with pytest.raises(WeakSecretKeyError, match=r"FALLBACKS\[0\] is too short"):
        create_app(config)


def test_weak_key_only_warns_in_debug(caplog):
    app = create_app({"DEBUG": True, "SECRET_KEY": DOCS_KEY})
    assert app.debug
    assert "publicly known" in caplog.text
    assert DOCS_KEY not in caplog.text


def test_testing_in_test_config_lets_tests_use_any_key():
    weak = "dev"
    assert create_app({"TESTING": True, "SECRET_KEY": weak}).secret_key == weak
    with pytest.raises(WeakSecretKeyError, match="too short"):
        create_app({"TESTING": False, "SECRET_KEY": weak})


def test_flask_testing_in_the_environment_relaxes_nothing(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_TESTING", "true")
    with pytest.raises(WeakSecretKeyError, match="too short"):
        create_app({"SECRET_KEY": "dev"})  # pragma: allowlist secret


def test_a_key_too_short_to_hide_is_refused_in_debug():
    with pytest.raises(WeakSecretKeyError, match="too short"):
        create_app({"DEBUG": True, "SECRET_KEY": "a"})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"SECRET_KEY": secrets.token_bytes(32)}, "SECRET_KEY is not text but bytes"),
        (
            {"SECRET_KEY": secrets.token_hex(32), "SECRET_KEY_FALLBACKS": [1]},
            r"SECRET_KEY_FALLBACKS\[0\] is not text but int",
        ),
        (
            {"SECRET_KEY": secrets.token_hex(32), "SECRET_KEY_FALLBACKS": "old"},
            "SECRET_KEY_FALLBACKS is not a list of keys",
        ),
    ],
)
def test_keys_that_are_not_text_stop_the_app_even_in_debug(config, message):
    for mode in ({"DEBUG": True}, {"TESTING": True}, {}):
        with pytest.raises(WeakSecretKeyError, match=message):
            create_app({**config, **mode})


# consonants only: no word, no walk, no repeat in them
CONSONANTS = "bkzqpwtvmcrxjnlgdsfhbqzkwptmvcxrnjglds"
# words the estimate takes out: what is left of a key after them counts
WORDY = "mysecretkeyforthis"
MIDDLE = CONSONANTS[:18]
# mixed case and symbols that leetspeak folding leaves alone
MIXED = "bKzQ#pWtVmC%rXjNlG*dSfHbQ^zKwP~TvMc"
DOUBLED = "".join(c * 2 for c in CONSONANTS[:20])


def interleave(first, second):
    return "".join(a + b for a, b in zip(first, second, strict=True))


# four words, one or two of them letters only
PROSE = "correct {} 7x9k2mqz8w4v 3j5nbx7q2p9r"
# a block of letters beyond Latin-1 repeated, two of them changed
CYRILLIC = "жщфыцЖйкнгзхэжщфыцуйЮнгзхэжщфыцуйкнгзхэ"
# digits among letters, as in a random key: entropy, not years or numbers
SPRINKLED = interleave(CONSONANTS[:14], "83920571946275")


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        pytest.param(CONSONANTS[:31], "too short: 31 characters", id="31-chars"),
        pytest.param(CONSONANTS[:32], None, id="32-chars"),
        pytest.param("bkzqpwtvbkzqpwtq" * 2, "one block of 16", id="two-copies"),
        pytest.param("zqxjvkwpvzqkxpjwkxpzwvqjjwxkqzpv", None, id="8-distinct"),
        pytest.param("zqxjvkw" + "wzkqxvj" * 4, "7 different", id="7-distinct"),
        pytest.param("qwertyuiopzxcvbn" + CONSONANTS[:16], "keyboard walk", id="walk"),
        pytest.param("poiuytrewq" + CONSONANTS[:22], None, id="walk-under-half"),
        pytest.param("1234567890qwertyuiop" + CONSONANTS[:12], "walk", id="most"),
        pytest.param("lkjhgfdsamnbvcxz" + CONSONANTS[:16], "walk", id="back"),
        pytest.param("secret" + CONSONANTS[:27], "placeholder", id="127-bits"),
        pytest.param("secret" + CONSONANTS[:28], None, id="131-bits"),
        pytest.param("SECRET" + CONSONANTS[:27].upper(), "placeholder", id="upper"),
        pytest.param("secret_" + MIDDLE + "_2024_flask", "placeholder", id="year"),
        pytest.param("secret-" + MIDDLE + "-2024-app", "placeholder", id="year-"),
        pytest.param("secret" + MIDDLE + "2024-flask", None, id="digits-in-a-run"),
        pytest.param("secret" + SPRINKLED, None, id="digits-among-letters"),
        pytest.param(PROSE.format("horse"), "words of text", id="half-words"),
        pytest.param(PROSE.format("8m2k4z7q"), None, id="a-quarter-words"),
        pytest.param(CYRILLIC, "small changes", id="near-repeat-cyrillic"),
        pytest.param("2024-01-15T10:30:00" + CONSONANTS[:17], "date", id="half-date"),
        pytest.param("2024-01-15T10:30:00" + CONSONANTS[:18], None, id="under-half"),
        pytest.param("3141592k6535897q9323846z2643383w", None, id="pi-by-7"),
        # two-letter words are not counted as words of text, only taken out
        pytest.param("secret" + "itismyto" * 3 + MIXED[:30], None, id="short-words"),
        # 128.2 bits, but half of it words: made up all the same
        pytest.param("secretflaskdjangoapp" + MIXED[:20], "placeholder", id="wordy"),
        pytest.param("correct horse 7x9k2mqz8w4v3j5nbx7q2p9r", None, id="three-words"),
        # 18 runs of two and 4 of one are 22 runs, 0.55 of 40; 23 are fewer doubles
        pytest.param(DOUBLED[:36] + "XYZQ", "doubles", id="22-runs-of-40"),
        pytest.param(DOUBLED[:34] + "XYZQWR", None, id="23-runs-of-40"),
        # a block of 10 four times over: 18 of 30 characters (0.6) as before
        pytest.param("bkzqpwtvmcbLzqpNZvmWbkzqXwXvmcRkzqXwHWmc", "changes", id="18/30"),
        pytest.param("bkzqpwtvmcbkzGpLtvmNbkzqpwtQMcbYzqpwRvmY", None, id="17/30"),
        pytest.param(interleave(CONSONANTS[:16], "12345678abcdefgh"), None, id="odd"),
        pytest.param(interleave("12345678abcdefgh", CONSONANTS[:16]), None, id="even"),
        pytest.param("31415926k53589793q23846264z3383279", "constant", id="pi-by-8"),
        pytest.param(
            interleave("abcdefghzqxjvkwp", "12345678mqzvxkjw"),
            "interleaves",
            id="interleaved-half-walks",
        ),
        pytest.param(
            interleave("abcdefgzqxjvkwpm", "1234567mqzvxkjwb"),
            None,
            id="interleaved-under-half",
        ),
        pytest.param(
            "secret839205719462750318462970153846297031586", None, id="long-number"
        ),
        pytest.param("zqxjvkwp" * 4 + "zqx", "one block of 8", id="block-and-a-bit"),
        pytest.param("zqxjvkwpbm" * 3 + "zqxjv", "one block of 10", id="odd-copies"),
        pytest.param("bkzqpwtvmcrxjnlgd" + "bkzqpwtvmcrxjnlg", None, id="not-twice"),
        pytest.param("bkzqpwtvmcrxjnlgd" * 2, "one block of 17", id="twice-17"),
        pytest.param("qwerasdfzxcvuiop" + CONSONANTS[:16], "walk", id="4-runs"),
        pytest.param(CONSONANTS[:16] + "qwertyuiopzxcvbnm", "walk", id="odd-length"),
        pytest.param(
            WORDY + "83920571946275031846297015384629703158",
            "placeholder",
            id="38-digits",
        ),
        pytest.param("qwezxcrtyfghvbnuiojkl" + CONSONANTS[:11], None, id="3-runs"),
        pytest.param(CONSONANTS[:16] + "qwertyuiopzxcvbn", "walk", id="walk-at-end"),
        pytest.param("qwertyuiopasdf" + CONSONANTS[:15] + "zxc", None, id="end-tail"),
        pytest.param(WORDY + "bkzqpwtv-83920mcrxjnl", None, id="128.3-bits"),
        pytest.param(WORDY + "bKzQpWtV-xCrJnLgDsFh", None, id="128.2-bits"),
        pytest.param(WORDY + "bKzQpWtV-xCrJnLgDsF", "placeholder", id="121.8-bits"),
    ],
)
def test_key_rules_at_their_limits(key, problem):
    found = strength.key_problem(key)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_a_key_of_16_characters_only_warns_in_debug(caplog):
    key = CONSONANTS[:16]
    assert create_app({"DEBUG": True, "SECRET_KEY": key}).debug
    assert "too short" in caplog.text
    with pytest.raises(WeakSecretKeyError, match="too short"):
        create_app({"DEBUG": True, "SECRET_KEY": CONSONANTS[:15]})
    with pytest.raises(WeakSecretKeyError, match="too short"):
        create_app(
            {
                "DEBUG": True,
                "SECRET_KEY": secrets.token_hex(32),
                "SECRET_KEY_FALLBACKS": [key[:15]],
            }
        )


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        pytest.param("", "too short", id="empty"),
        pytest.param("x" * 31 + "y", "too repetitive", id="repetitive"),
        pytest.param("abc" * 10, "too short", id="short-repeat"),
        pytest.param("0123456" * 10, "too repetitive", id="seven-letters"),
        pytest.param("abcdefgh" * 4, "one block of 8 characters", id="block"),
        pytest.param("Xy7!pQ2#" * 5, "one block of 8 characters", id="mixed-block"),
        # pragma: allowlist nextline secret
        pytest.param("qwertyuiopasdfghjklzxcvbnm123456", "keyboard walk", id="rows"),
        pytest.param("1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,", "keyboard walk", id="cols"),
        pytest.param("abcdefghijklmnopqrstuvwxyz0123456789", "sequence", id="abc"),
        pytest.param("Please-CHANGE-me-before-deploying-2024", "placeholder", id="a"),
        pytest.param("my_super_secret_key_for_this_flask_app", "placeholder", id="b"),
        pytest.param(b"\x00" * 40, "not text", id="bytes"),
        pytest.param(["a list"], "not text", id="json-list"),
    ],
)
def test_key_problem_names_the_rule(key, reason):
    assert reason in strength.key_problem(key)


# placeholder words, as people spell them: each one makes a key made up
PLACEHOLDERS = [
    "changeme", "change-me", "change_me", "change me", "secret", "password",
    "passwd", "example", "placeholder", "replace", "insecure", "default",
    "dummy", "sample", "yourkey", "your-key", "your_key", "YourKey",
]  # fmt: skip
# other words people string into made-up keys: they add no entropy
FILLERS = [
    "key", "pass", "change", "me", "my", "your", "our", "the", "this", "that",
    "for", "and", "not", "so", "very", "super", "top", "really", "flask",
    "django", "app", "application", "web", "site", "dev", "development",
    "prod", "production", "test", "testing", "local", "token", "session",
    "cookie", "sign", "signing", "random", "string", "long", "strong",
    "value", "here", "put", "set", "it", "is", "a", "to", "of", "in", "with",
    "admin", "user", "hello", "world", "please", "do", "no", "never", "share",
    "commit", "-2024-", "_7_",
]  # fmt: skip


@pytest.mark.parametrize("word", PLACEHOLDERS)
def test_each_placeholder_word_marks_a_made_up_key(word):
    # 27 consonants are 127 bits: what is left once the word is taken out
    assert "placeholder" in strength.key_problem(word + CONSONANTS[:27])
    assert strength.key_problem(word + CONSONANTS[:27].upper() + "x") is None


def test_each_filler_word_adds_no_entropy():
    kept = {word: strength.WORDS.sub("", word) for word in PLACEHOLDERS + FILLERS}
    assert {word: rest for word, rest in kept.items() if rest.strip("-_")} == {}


def test_known_keys_are_refused_in_any_case_and_reversed():
    for variant in (DOCS_KEY.upper(), DOCS_KEY[::-1], DOCS_KEY[::-1].upper()):
        assert strength.key_problem(variant).startswith("is publicly known")
    assert strength.fingerprint("SS") == strength.fingerprint("ß")
    assert strength.fingerprint("I") == strength.fingerprint("ı")
    assert len(strength.fingerprint("x")) == 13


def test_known_keys_are_read_once():
    # 28,000 lines: read on the first check, not on every one
    assert strength.known_fingerprints() is strength.known_fingerprints()
    assert strength.fingerprint(DOCS_KEY) in strength.known_fingerprints()


def test_find_problem_names_a_fallbacks_value_that_is_not_a_list():
    assert strength.find_problem(secrets.token_hex(32), "old") == (
        'SECRET_KEY_FALLBACKS is not a list of keys, e.g. ["old key"]'
    )
    assert strength.find_problem(secrets.token_hex(32), ()) is None


def digest(name, word, form="hex"):
    raw = hashlib.new(name, word.encode()).digest()
    if form == "hex":
        return raw.hex()
    text = base64.b64encode(raw).decode()
    return text.translate(str.maketrans("+/", "-_")) if form == "urlsafe" else text


def time_uuid(version):
    """A UUID of `version` with a time in it, in its usual form."""
    made = uuid.uuid1()
    return str(uuid.UUID(int=(made.int & ~(0xF << 76)) | (version << 76)))


# how people really make bad keys, several of each kind; none is in the
# wordlist as it stands, and each passes the rules that came before these
HOW_PEOPLE_MAKE_KEYS = {
    "derived": (
        "publicly known",
        [
            digest("sha256", ""),
            digest("sha256", "password"),
            digest("md5", "secret"),
            digest("sha1", "dev"),
            digest("sha512", "changeme"),
            digest("sha256", "letmein", "base64"),
            digest("sha256", "admin", "urlsafe"),
            digest("sha1", "flask").upper(),
            digest("sha256", "super-secret-key"),
            digest("sha512", "qwerty", "base64"),
        ],
    ),
    "dated": (
        "date or a time",
        [
            "2024-01-15T10:30:00.000000+00:00",
            "2026-12-02 21:47:13.123456+00:00",
            "created 2024-01-15 at 10:30:00 UTC!",
            "15/01/2024 10:30:00 and 16/01/2024",
            "Mon, 15 Jan 2024 10:30:00 +0000 GMT",
        ],
    ),
    "time-uuid": (
        "time-based UUID",
        [str(uuid.uuid1()), time_uuid(6), time_uuid(7), str(uuid.uuid1()).upper()],
    ),
    "doubled": (
        "doubles its characters",
        [
            "aabbccddeeffgghhiijjkkllmmnnoopp",
            "xxyyzz1122334455qqwweerrttyyuuii",
            "ppQQrrSSttUU8899!!@@##$$%%^^&&**",
        ],
    ),
    "interleaved": (
        "interleaves sequences",
        [
            "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",  # pragma: allowlist secret
            "z9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4",  # pragma: allowlist secret
            "1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p",  # pragma: allowlist secret
        ],
    ),
    "repeated": (
        "repeats a short block",
        [
            "hunter2" * 5 + "x",
            "Tr0ub4dor&3" * 3 + "!",
            "xK9#mQ2" * 4 + "xK9#mQ3!",
            "qzj" + "bkzqpwtvm" * 4,
        ],
    ),
    "constant": (
        "well-known constant",
        [
            "3.14159265358979323846264338327950288",
            "2.718281828459045235360287471352662497",
            "1.6180339887498948482045868343656381177",
            "14142135623730950488016887242096980785",
        ],
    ),
    "leet": (
        "placeholder",
        [
            "ch4ng3m3pl34s3-1n-pr0duct10n-n0w!",
            "$3cr3t-k3y-f0r-my-fl4sk-4pp-2o24!!",
            "r3pl4c3_w1th_y0ur_0wn_s3cr3t_k3y!",
        ],
    ),
    "pem": (
        "PEM block",
        ["-----BEGIN CERTIFICATE-----MIIBszCCAVmgAwIBAgIUQ" + secrets.token_hex(16)],
    ),
    "lines": (
        "several lines",
        [
            'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\nHOME_URL=x',
            secrets.token_hex(16) + "\r\n" + secrets.token_hex(16),
        ],
    ),
    "prose": (
        "words of text",
        [
            "This program is free software: you can redistribute it and/or modify",
            "correct horse battery staple and then some more words",
        ],
    ),
}


@pytest.mark.parametrize(
    ("kind", "key"),
    [(kind, key) for kind, (_, keys) in HOW_PEOPLE_MAKE_KEYS.items() for key in keys],
)
def test_keys_made_the_way_people_make_them_are_refused(kind, key):
    problem = strength.key_problem(key)
    assert problem is not None
    assert HOW_PEOPLE_MAKE_KEYS[kind][0] in problem
    assert key not in problem


@pytest.mark.parametrize(
    "tweak",
    [
        lambda k: k + "1",
        lambda k: "x" + k,
        lambda k: k + "!!!",
        lambda k: "ab" + k + "c",
        lambda k: "abc" + k + "def",
        lambda k: k[:-1] + ("0" if k[-1] != "0" else "1"),
        lambda k: "Z" + k[1:],
        lambda k: (k + "2").upper(),
    ],
    ids=["append-1", "prepend", "append-3", "both-ends", "3-each-end", "last-changed",
         "first-changed", "upper-appended"],
)  # fmt: skip
@pytest.mark.parametrize("known", [DOCS_KEY, TUTORIAL_KEY], ids=["64", "32"])
def test_a_known_key_tweaked_is_refused(tweak, known):
    problem = strength.key_problem(tweak(known))
    assert problem is not None
    assert "publicly known" in problem


def test_a_known_digest_with_characters_around_it_is_refused():
    # a base64 SHA-1 is 27 characters: 5 more make a key long enough
    sha1 = hashlib.sha1(b"password", usedforsecurity=False)
    digest = base64.b64encode(sha1.digest()).decode()
    assert "publicly known" in strength.key_problem("ab" + digest.rstrip("=") + "xyz")


def test_the_policy_in_one_place():
    key = secrets.token_hex(32)
    assert strength.judge(key) == (None, None)
    assert strength.judge(DOCS_KEY, debug=True)[0] == "warn"
    assert strength.judge(DOCS_KEY)[0] == "refuse"
    assert strength.judge(DOCS_KEY, testing=True) == (None, None)
    assert strength.judge("short-key", debug=True)[0] == "refuse"  # can't hide
    assert strength.judge(12345, testing=True)[0] == "refuse"  # not text
    assert strength.judge(key, [DOCS_KEY], debug=True)[0] == "warn"


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_hex(32),
        lambda: secrets.token_urlsafe(32),
        lambda: str(uuid.uuid4()),
        lambda: uuid.uuid4().hex,
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    ],
    ids=["hex", "urlsafe", "uuid4", "uuid4-hex", "base64"],
)
def test_random_keys_pass(make):
    # the template's own suite tries 100,000 of each kind; a failure names
    # the rules that refused, not the keys
    problems = (strength.key_problem(make()) for _ in range(300))
    assert [problem for problem in problems if problem] == []
