import io
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Response, redirect, render_template_string
from werkzeug.debug import DebuggedApplication
from werkzeug.test import Client

from {{ cookiecutter.project_slug }} import create_app, toolbar
from {{ cookiecutter.project_slug }}.toolbar import PANELS, REDACTED, redact


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


def test_every_panel_is_drawn(debug_client):
    # a panel that breaks (on a new Flask, say) would otherwise vanish quietly
    page = debug_client.get("/").get_data(as_text=True)
    drawn = re.findall(r'<li id="flDebug(\w+)Panel">', page)
    assert len(drawn) == len(PANELS)
    assert set(drawn) == {
        "Version", "Timer", "Header", "RequestVars", "ConfigVars",
        "Template", "Logging", "RouteList", "Profiler", "g",
    }  # fmt: skip


def test_panels_see_the_view(project_dir):
    # the toolbar's dispatch hands each view to the panels: the profiler runs it
    app = create_app(
        {
            "DEBUG": True,
            "SECRET_KEY": secrets.token_hex(32),
            "DEBUG_TB_PROFILER_ENABLED": True,
        }
    )
    page = app.test_client().get("/").get_data(as_text=True)
    assert 'id="flDebugProfilerPanel-content"' in page
    assert "pages.py" in page.split('id="flDebugProfilerPanel-content"')[1]


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_dispatch_answers_options_and_unknown_paths(project_dir, debug):
    app = create_app({"DEBUG": debug, "SECRET_KEY": secrets.token_hex(32)})
    plain = {"Content-Type": "text/plain"}
    app.add_url_rule("/form", "form", lambda: ("sent", plain), methods=["POST", "PUT"])
    client = app.test_client()
    other_host = {"REMOTE_ADDR": "192.0.2.1"}  # no toolbar on a bodiless answer
    options = client.open("/", method="OPTIONS", environ_base=other_host)
    assert options.status_code == 200
    assert set(options.allow) == {"GET", "HEAD", "OPTIONS"}
    assert client.get("/no-such-page").status_code == 404
    assert client.post("/").status_code == 405
    # only OPTIONS gets the automatic answer: other methods reach the view
    for method in ("POST", "PUT"):
        answer = client.open("/form", method=method)
        assert (answer.status_code, answer.text) == (200, "sent")


def test_key_is_hidden_wherever_it_appears(debug_client, keys):
    app = debug_client.application

    @app.get("/leak")
    def leak():
        return f"<html><body>{app.secret_key}</body></html>"

    page = debug_client.get("/leak").get_data(as_text=True)
    assert keys["SECRET_KEY"] not in page
    assert REDACTED in page


TRICKY_KEY = 'it\'s a "quoted" \\ cl\u00e9\twith <tags> & ' + secrets.token_hex(8)


# pages that show the key the ways Jinja can, and what is left of them{% raw %}
@pytest.mark.parametrize(
    ("show", "scrubbed"),
    [
        ("{{ key }}", "********"),  # jinja escapes ' and " as &#39; and &#34;
        ("{{ key | tojson }}", '"********"'),  # \u0027, \u003c, ...
        ("{{ [key] }}", "[&#39;********&#39;]"),  # repr, escaped
        ("<pre>{{ key | e }}</pre>", "<pre>********</pre>"),
        ("{{ key | safe }}", "********"),
    ],
)  # {% endraw %}as it is, as JSON, as repr, escaped
@pytest.mark.parametrize(
    "key", [TRICKY_KEY, "a<b>&c " + secrets.token_hex(12)], ids=["quotes", "tags"]
)
def test_key_is_hidden_in_every_form(project_dir, show, scrubbed, key):
    app = create_app({"DEBUG": True, "SECRET_KEY": key, "TESTING": True})

    @app.get("/show")
    def show_key():
        return render_template_string(f"<html><body>{show}</body></html>", key=key)

    page = app.test_client().get("/show").get_data(as_text=True)
    assert page.split('<div id="flDebug"')[0] == f"<html><body>{scrubbed}"
    assert key[-16:] not in page  # nor anywhere in the toolbar


@pytest.mark.parametrize("ascii_only", [True, False])
def test_key_is_hidden_in_json_written_into_a_page(project_dir, ascii_only):
    app = create_app({"DEBUG": True, "SECRET_KEY": TRICKY_KEY, "TESTING": True})

    @app.get("/json")
    def show_json():
        data = json.dumps({"k": app.secret_key}, ensure_ascii=ascii_only)
        return f"<html><body>{data}</body></html>"

    page = app.test_client().get("/json").get_data(as_text=True)
    assert page.split('<div id="flDebug"')[0] == '<html><body>{"k": "********"}'
    assert TRICKY_KEY[-16:] not in page


def test_only_whole_html_pages_are_scrubbed(project_dir):
    """JSON, files and streamed pages pass as they are (reading a stream
    would consume it)."""
    key = secrets.token_hex(32)
    app = create_app({"DEBUG": True, "SECRET_KEY": key, "TESTING": True})

    @app.get("/api")
    def api():
        return {"note": key}

    @app.get("/stream")
    def stream():
        return Response(
            iter(["<html><body>", key, "</body></html>"]), mimetype="text/html"
        )

    @app.get("/text")
    def text():
        return key, {"Content-Type": "text/plain"}

    client = app.test_client()
    assert client.get("/api").json == {"note": key}
    assert client.get("/text").get_data(as_text=True) == key
    assert client.get("/stream").get_data(as_text=True) == (
        f"<html><body>{key}</body></html>"
    )


@pytest.mark.parametrize("code", [301, 302, 303, 307])
def test_redirects_are_not_intercepted(project_dir, code):
    # each code given: Flask 3.1 redirects with 302 by default, 3.2 with 303
    app = create_app({"DEBUG": True, "SECRET_KEY": secrets.token_hex(32)})
    app.add_url_rule("/away", "away", lambda: redirect("/", code))
    response = app.test_client().get("/away")
    assert response.status_code == code
    assert response.location == "/"


def run_python(code, folder):
    """Run `code` in a fresh Python in `folder`, with this project's package
    importable (and no .env there); return what it printed."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_app_starts_without_the_toolbar_installed(project_dir):
    """A production install has no Flask-DebugToolbar; debug mode still starts."""
    code = (
        "import sys, secrets\n"
        "sys.modules['flask_debugtoolbar'] = None  # as if not installed\n"
        "from {{ cookiecutter.project_slug }} import create_app\n"
        "app = create_app({'DEBUG': True, 'SECRET_KEY': secrets.token_hex(32)})\n"
        "print(app.test_client().get('/').status_code)\n"
    )
    assert run_python(code, project_dir) == "200\n"


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_the_toolbar_is_imported_in_debug_mode_only(project_dir, debug):
    """A production worker starts without Flask-DebugToolbar and Pygments,
    even where the dev group is installed."""
    code = (
        "import sys, secrets\n"
        "from {{ cookiecutter.project_slug }} import create_app\n"
        f"create_app(dict(DEBUG={debug}, SECRET_KEY=secrets.token_hex(32)))\n"
        "print(sorted({'flask_debugtoolbar', 'pygments'} & set(sys.modules)))\n"
    )
    loaded = run_python(code, project_dir)
    if debug:
        assert "flask_debugtoolbar" in loaded
    else:
        assert loaded == "[]\n"


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


def test_the_module_makes_the_config_panel_once_and_nothing_else():
    # the toolbar looks the panel up by name in DEBUG_TB_PANELS
    assert toolbar.ConfigPanel is toolbar.ConfigPanel
    for name in ("AnyPanel", "ConfigPanelX", "Zed"):
        with pytest.raises(AttributeError, match=name):
            getattr(toolbar, name)


def test_redact():
    config = {"API_TOKEN": "t", "DB": {"PASSWORD": "p", "HOST": "h"}, "NAME": "n"}
    assert redact(config) == {
        "API_TOKEN": REDACTED,
        "DB": {"PASSWORD": REDACTED, "HOST": "h"},
        "NAME": "n",
    }


# each holds one of the words that mark a setting as secret, in any case
SECRET_NAMES = [
    "OPENAI_API", "GITHUB_AUTH", "AWS_CREDENTIALS", "STRIPE_KEY", "DB_PASS",
    "SSH_PRIVATE", "MAIL_SECRET", "WEBHOOK_SIGNATURE", "slack_token",
]  # fmt: skip


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_settings_named_as_secrets_are_redacted(name):
    assert redact({name: "value", "DB_HOST": "h"}) == {name: REDACTED, "DB_HOST": "h"}


def test_each_form_becomes_one_mark(project_dir, caplog):
    """The longest forms go first: a key of backslashes (weak, so debug mode
    only warns) shown by repr is one mark, not its raw form twice."""
    key = "\\" * 8 + "xyzzy" * 3 + "q"
    app = create_app({"DEBUG": True, "SECRET_KEY": key})
    assert "Run 'flask secret rotate'" in caplog.text  # weak: warned

    @app.get("/repr")
    def show_repr():
        return f"<html><body>{key!r}</body></html>"

    page = app.test_client().get("/repr").get_data(as_text=True)
    assert page.split('<div id="flDebug"')[0] == f"<html><body>'{REDACTED}'"


def raise_int(key):
    return int(key)


def raise_lookup(key):
    return {}[key]


def raise_repr(key):
    raise ValueError(f"unexpected key {key!r}")


def raise_with_note(key):
    error = RuntimeError("signing failed")
    error.add_note(f"key was {key}")
    raise error


def raise_from_cause(key):
    raise RuntimeError("wrapped") from KeyError(key)


def raise_in_handler(key):
    try:
        {}[key]
    except KeyError:
        raise TypeError("while handling")  # noqa: B904 (its context holds the key)


@pytest.mark.parametrize(
    "fail",
    [raise_int, raise_lookup, raise_repr, raise_with_note, raise_from_cause,
     raise_in_handler],
)  # fmt: skip
@pytest.mark.parametrize("which", ["key", "fallback"])
def test_debugger_pages_and_log_hold_no_key(project_dir, fail, which):
    """Werkzeug's debugger (flask run --debug) shows an exception's text, its
    causes and notes on the page, in its copy-paste traceback and the log."""
    keys = {"key": TRICKY_KEY, "fallback": "<b>old</b> " + secrets.token_hex(16)}
    app = create_app(
        {
            "DEBUG": True,
            "SECRET_KEY": keys["key"],
            "SECRET_KEY_FALLBACKS": [keys["fallback"]],
        }
    )

    @app.get("/fail")
    def fail_view():
        return fail(keys[which])

    log = io.StringIO()
    response = Client(DebuggedApplication(app, evalex=True)).get(
        "/fail", errors_stream=log
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" in log.getvalue()
    for key in keys.values():
        assert key[-16:] not in page + log.getvalue()
    assert REDACTED in log.getvalue()
    assert "fail_view" in page  # the frames are still there


def test_debugger_shows_other_errors_as_they_are(debug_client):
    app = debug_client.application

    @app.get("/fail")
    def fail_view():
        raise LookupError("nothing secret here")

    log = io.StringIO()
    response = Client(DebuggedApplication(app)).get("/fail", errors_stream=log)
    page = response.get_data(as_text=True)  # the log is written once it is read
    assert "LookupError: nothing secret here" in page
    assert "LookupError: nothing secret here" in log.getvalue()
