"""Security headers on every response, and a Content-Security-Policy.

Every response says nosniff, sends no more referrer than the origin to other
sites, keeps its window from other origins' (Cross-Origin-Opener-Policy) and
may not be framed. Every HTML response gets a strict Content-Security-Policy:
scripts, styles and everything else from this site only, no inline script
or style, no plugins, no other base or form target. HSTS is sent over HTTPS
only, when FLASK_HSTS_SECONDS asks for it.

In debug mode the policy stays as strict, so your pages meet the failures
they would meet in production, but the debug toolbar still works: the hashes
of its own inline script, style attributes and event handlers, read from the
page it has just drawn, are allowed, and nothing else is.

Your own pages: load scripts and styles from static/ (allowed as 'self'), or
give an inline one the nonce of the response (the template global
csp_nonce(), as its nonce attribute); loosen one directive for one view with
@csp(img_src="https://images.example").
"""

import base64
import functools
import hashlib
import html
import re
import secrets

from flask import current_app, g, request

POLICY = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# the toolbar's part of a page, and what it writes inline there
TOOLBAR = '<div id="flDebug"'
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S)
STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
EVENT_HANDLER = re.compile(r'\son[a-z]+="([^"]*)"')


def init_app(app):
    """Add the headers to every response; register csp_nonce() for
    templates. Call it before the toolbar's init_app, so that it runs after
    the toolbar has drawn itself."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_headers)


def csp_nonce():
    """Return this response's nonce, for <script nonce="..."> and
    <style nonce="..."> in your templates."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def csp(**sources):
    """Add sources to directives of the policy for one view:
    @csp(img_src="https://images.example", connect_src=("https://api.example",))."""

    def decorate(view):
        @functools.wraps(view)
        def loosened(*args, **kwargs):
            g.csp_sources = sources
            return view(*args, **kwargs)

        return loosened

    return decorate


def add_headers(response):
    """Add the security headers, and to HTML the policy."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    seconds = current_app.config.get("HSTS_SECONDS", 0)
    if seconds and request.is_secure:
        response.headers["Strict-Transport-Security"] = (
            f"max-age={int(seconds)}; includeSubDomains"
        )
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = policy_for(response)
    return response


def as_header(policy):
    """Return a policy as the value of the Content-Security-Policy header."""
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


# the policy of a page that adds nothing to it, written once
STRICT = as_header(POLICY)


def policy_for(response):
    """Return the policy of an HTML response, as a header value."""
    if not current_app.debug and "csp_nonce" not in g and "csp_sources" not in g:
        return STRICT
    policy = {name: list(sources) for name, sources in POLICY.items()}
    if "csp_nonce" in g:
        for name in ("script-src", "style-src"):
            policy[name].append(f"'nonce-{g.csp_nonce}'")
    for name, sources in g.get("csp_sources", {}).items():
        more = [sources] if isinstance(sources, str) else list(sources)
        policy.setdefault(name.replace("_", "-"), list(POLICY["default-src"]))
        policy[name.replace("_", "-")] += more
    if current_app.debug and not response.is_streamed:
        allow_the_toolbar(policy, response.get_data(as_text=True))
    return as_header(policy)


def allow_the_toolbar(policy, page):
    """Allow, by hash, what the debug toolbar wrote inline into `page`: its
    script, its style attributes and its event handlers. Only the toolbar's
    part of the page counts, so your own inline code is blocked as in
    production."""
    start = page.find(TOOLBAR)
    if start < 0:
        return
    toolbar = page[start:]
    scripts = {digest(body) for body in INLINE_SCRIPT.findall(toolbar)}
    styles = {digest(html.unescape(v)) for v in STYLE_ATTRIBUTE.findall(toolbar)}
    handlers = {digest(html.unescape(v)) for v in EVENT_HANDLER.findall(toolbar)}
    if handlers:
        policy["script-src"] += ["'unsafe-hashes'"]
    policy["script-src"] += sorted(scripts | handlers)
    if styles:
        policy["style-src"] += ["'unsafe-hashes'", *sorted(styles)]


def digest(text):
    """Return the CSP source that allows exactly `text`."""
    value = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{value}'"
