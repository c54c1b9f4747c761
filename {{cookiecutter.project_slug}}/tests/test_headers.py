import re
import secrets

import pytest
from flask import render_template_string

from {{ cookiecutter.project_slug }} import create_app, headers


def policy_of(response):
    """Return the response's policy as {directive: [sources]}."""
    value = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in value.split("; ")}


def test_pages_get_the_strict_policy_and_the_headers(client):
    response = client.get("/")
    assert policy_of(response) == {n: list(v) for n, v in headers.POLICY.items()}
    for name, value in headers.HEADERS.items():
        assert response.headers[name] == value
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/healthz", "/static/style.css"])
def test_other_responses_get_the_headers_but_no_policy(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" not in response.headers


@pytest.mark.parametrize(
    ("seconds", "scheme", "sent"),
    [
        (31536000, "https", True),
        (31536000, "http", False),
        (0, "https", False),
        (None, "https", False),
    ],
)
def test_hsts_only_when_asked_and_over_https(seconds, scheme, sent):
    config = {"TESTING": True, "SECRET_KEY": secrets.token_hex(32)}
    if seconds is not None:
        config["HSTS_SECONDS"] = seconds
    app = create_app(config)
    response = app.test_client().get("/", base_url=f"{scheme}://localhost")
    hsts = response.headers.get("Strict-Transport-Security")
    assert hsts == (f"max-age={seconds}; includeSubDomains" if sent else None)


def test_a_nonce_allows_one_inline_script_per_response(app):
    @app.get("/nonce")
    def with_nonce():
        nonce = "{" * 2 + " csp_nonce() " + "}" * 2  # Jinja's braces
        return render_template_string(
            f'<html><body><script nonce="{nonce}"></script></body></html>'
        )

    client = app.test_client()
    first, second = client.get("/nonce"), client.get("/nonce")
    nonce = re.search(r'nonce="([^"]+)"', first.text).group(1)
    assert len(nonce) == 22  # 128 random bits, base64
    assert f"'nonce-{nonce}'" in policy_of(first)["script-src"]
    assert f"'nonce-{nonce}'" not in policy_of(second)["script-src"]
    assert "'nonce-" not in " ".join(policy_of(client.get("/"))["script-src"])


def test_one_view_may_loosen_one_directive(app):
    @app.get("/pictures")
    @headers.csp(img_src="https://images.example", connect_src=("https://api.example",))
    def pictures():
        return "<html><body></body></html>"

    policy = policy_of(app.test_client().get("/pictures"))
    assert policy["img-src"] == ["'self'", "data:", "https://images.example"]
    assert policy["connect-src"] == ["'self'", "https://api.example"]
    elsewhere = policy_of(app.test_client().get("/"))
    assert "https://images.example" not in elsewhere["img-src"]


def test_views_loosened_keep_their_names(app):
    @app.get("/maps")
    @headers.csp(img_src="https://maps.example")
    def maps():
        return "<html><body></body></html>"

    @app.get("/fonts")
    @headers.csp(font_src="https://fonts.example")
    def fonts():
        return "<html><body></body></html>"

    assert app.view_functions["maps"].__name__ == "maps"
    assert "font-src" in policy_of(app.test_client().get("/fonts"))


UNSAFE = "'unsafe-hashes'"


def sources(text):
    """A keyword as it is; anything else as the hash that allows it."""
    return text if text.startswith("'") else headers.digest(text)


@pytest.mark.parametrize(
    ("page", "script_src", "style_src"),
    [
        ('<p onclick="x()">mine</p>', [], []),
        ('<div id="flDebug" style="a:b">', [], [UNSAFE, "a:b"]),
        ('<div id="flDebug"><script>y()</script>', ["y()"], []),
        ('<div id="flDebug" onclick="x()">', [UNSAFE, "x()"], []),
        ('<p onclick="z()"></p><div id="flDebug">', [], []),
        ('<div id="flDebug" onclick="x()"><script>x()</script>', [UNSAFE, "x()"], []),
    ],
    ids=["no-toolbar", "style-at-start", "script", "handler", "handler-before",
         "same-text"],
)  # fmt: skip
def test_only_what_the_toolbar_wrote_is_allowed(page, script_src, style_src):
    policy = {"script-src": [], "style-src": []}
    headers.allow_the_toolbar(policy, page)
    assert policy["script-src"] == [sources(s) for s in script_src]
    assert policy["style-src"] == [sources(s) for s in style_src]


def test_debug_policy_allows_the_toolbar_only(project_dir):
    app = create_app({"DEBUG": True, "SECRET_KEY": secrets.token_hex(32)})
    mine = "window.mine = 1"

    @app.get("/inline")
    def inline():
        return f"<html><body><script>{mine}</script></body></html>"

    response = app.test_client().get("/inline")
    policy = policy_of(response)
    toolbar_script = "var DEBUG_TOOLBAR_STATIC_PATH = '/_debug_toolbar/static/'"
    assert headers.digest(toolbar_script) in policy["script-src"]
    assert headers.digest(mine) not in policy["script-src"]
    assert headers.digest("display:none;") in policy["style-src"]
    assert "'unsafe-inline'" not in " ".join(sum(policy.values(), []))


def test_production_allows_nothing_by_hash(app):
    # a page of yours that looks like the toolbar gets nothing in production
    @app.get("/lookalike")
    @headers.csp(img_src="https://images.example")
    def lookalike():
        return '<html><body><div id="flDebug" style="a:b"></div></body></html>'

    policy = policy_of(app.test_client().get("/lookalike"))
    assert policy["style-src"] == ["'self'"]
