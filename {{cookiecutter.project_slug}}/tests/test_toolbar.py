import secrets

import pytest
from flask import render_template_string

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.toolbar import REDACTED, redact


@pytest.fixture
def keys():
    return {"SECRET_KEY": secrets.token_hex(32), "old": secrets.token_hex(32)}


@pytest.fixture
def debug_client(keys):
    app = create_app(
        {
            "DEBUG": True,
            "SECRET_KEY": keys["SECRET_KEY"],
            "SECRET_KEY_FALLBACKS": [keys["old"]],
            "MAIL_PASSWORD": "a-mail-password-value",  # pragma: allowlist secret
        }
    )
    return app.test_client()


def test_toolbar_only_in_debug(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG_TB_ENABLED", "true")
    app = create_app({"SECRET_KEY": secrets.token_hex(32)})
    assert "debugtoolbar" not in app.blueprints
    assert b"flDebug" not in app.test_client().get("/").data


def test_debug_page_hides_secrets(debug_client, keys):
    page = debug_client.get("/").get_data(as_text=True)
    assert 'id="flDebug"' in page
    assert "SECRET_KEY_FALLBACKS" in page  # the config panel is there
    assert REDACTED in page
    assert keys["SECRET_KEY"] not in page
    assert keys["old"] not in page
    assert "a-mail-password-value" not in page


def test_key_is_hidden_wherever_it_appears(debug_client, keys):
    app = debug_client.application

    @app.get("/leak")
    def leak():
        return f"<html><body>{app.secret_key}</body></html>"

    page = debug_client.get("/leak").get_data(as_text=True)
    assert keys["SECRET_KEY"] not in page
    assert REDACTED in page


# pages that show the key the ways Jinja can{% raw %}
@pytest.mark.parametrize(
    "show",
    [
        "{{ key }}",  # jinja escapes ' and " as &#39; and &#34;
        "{{ key | tojson }}",
        "{{ [key] }}",  # repr: backslashes doubled, tabs as \\t
        "<pre>{{ key | e }}</pre>",
    ],
)  # {% endraw %}that is, as it is, as JSON, as repr, escaped
def test_key_is_hidden_in_every_form(project_dir, show):
    tail = secrets.token_hex(8)  # a key's random part: never on the page
    key = 'it\'s a "quoted" \\ key\twith <tags> & ' + tail
    app = create_app({"DEBUG": True, "SECRET_KEY": key, "TESTING": True})

    @app.get("/show")
    def show_key():
        return render_template_string(f"<html><body>{show}</body></html>", key=key)

    page = app.test_client().get("/show").get_data(as_text=True)
    assert REDACTED in page
    assert tail not in page


def test_template_editor_is_off(debug_client):
    app = debug_client.application
    assert app.config["DEBUG_TB_TEMPLATE_EDITOR_ENABLED"] is False
    assert debug_client.get("/_debug_toolbar/views/template/x").status_code == 403


def test_toolbar_for_this_machine_only(debug_client):
    page = debug_client.get("/", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert b"flDebug" not in page.data


def test_toolbar_hosts_from_the_environment(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG_TB_HOSTS", '["192.0.2.1"]')
    app = create_app({"DEBUG": True, "SECRET_KEY": secrets.token_hex(32)})
    page = app.test_client().get("/", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert b"flDebug" in page.data


def test_redact():
    config = {"API_TOKEN": "t", "DB": {"PASSWORD": "p", "HOST": "h"}, "NAME": "n"}
    assert redact(config) == {
        "API_TOKEN": REDACTED,
        "DB": {"PASSWORD": REDACTED, "HOST": "h"},
        "NAME": "n",
    }
