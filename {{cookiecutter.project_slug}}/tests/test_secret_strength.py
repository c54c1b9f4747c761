import secrets

import pytest

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.secret import WeakSecretKeyError, strength

# printed in Flask's documentation, so in every attacker's wordlist
# pragma: allowlist nextline secret
DOCS_KEY = "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf"


def test_generated_keys_are_strong():
    for _ in range(100):
        assert strength.key_problem(secrets.token_hex(32)) is None


def test_messages_never_hold_the_key():
    problem = strength.find_problem(DOCS_KEY)
    assert problem == (
        "SECRET_KEY is publicly known: it is in the wordlist attackers try first"
    )
    assert DOCS_KEY not in problem


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


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        pytest.param(CONSONANTS[:31], "too short: 31 characters", id="31-chars"),
        pytest.param(CONSONANTS[:32], None, id="32-chars"),
        pytest.param("bkzqpwtvbkzqpwtq" * 2, "one block of 16", id="two-copies"),
        pytest.param("zqxjvkwp" + "pzkqxvjw" * 3, None, id="8-distinct"),
        pytest.param("zqxjvkw" + "wzkqxvj" * 4, "7 different", id="7-distinct"),
        pytest.param("qwertyuiopzxcvbn" + CONSONANTS[:16], "keyboard walk", id="walk"),
        pytest.param("poiuytrewq" + CONSONANTS[:22], None, id="walk-under-half"),
        pytest.param("1234567890qwertyuiop" + CONSONANTS[:12], "walk", id="most"),
        pytest.param("lkjhgfdsamnbvcxz" + CONSONANTS[:16], "walk", id="back"),
        pytest.param("secret" + CONSONANTS[:27], "placeholder", id="127-bits"),
        pytest.param("secret" + CONSONANTS[:28], None, id="131-bits"),
        pytest.param("SECRET" + CONSONANTS[:27].upper(), "placeholder", id="upper"),
        pytest.param("secret4096" + CONSONANTS[:27], "placeholder", id="year"),
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


def test_known_keys_are_refused_in_any_case_and_reversed():
    for variant in (DOCS_KEY.upper(), DOCS_KEY[::-1], DOCS_KEY[::-1].upper()):
        assert strength.key_problem(variant).startswith("is publicly known")
    assert strength.fingerprint("SS") == strength.fingerprint("ß")
    assert strength.fingerprint("I") == strength.fingerprint("ı")
    assert len(strength.fingerprint("x")) == 12


def test_find_problem_names_a_fallbacks_value_that_is_not_a_list():
    assert strength.find_problem(secrets.token_hex(32), "old") == (
        'SECRET_KEY_FALLBACKS is not a list of keys, e.g. ["old key"]'
    )
    assert strength.find_problem(secrets.token_hex(32), ()) is None
