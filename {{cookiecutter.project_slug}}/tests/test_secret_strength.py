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
