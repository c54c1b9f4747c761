"""The debug toolbar, in debug mode only, never showing a secret.

Flask-DebugToolbar's own Config panel prints all of app.config, the secret key
included, into every page. ConfigPanel shows the same table with each value
whose name marks it as secret redacted, the way Django's debug pages cleanse
settings. hide_keys() then takes out the key and its fallbacks wherever else
they would reach a debug page.
"""

import html
import json
import re

from flask import current_app
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape

try:
    from flask_debugtoolbar import DebugToolbarExtension
    from flask_debugtoolbar.panels.config_vars import ConfigVarsDebugPanel
except ImportError:  # production installs leave out the dev dependencies
    DebugToolbarExtension = None
    ConfigVarsDebugPanel = object  # ConfigPanel is then never used

extension = DebugToolbarExtension() if DebugToolbarExtension else None

SECRET_NAME = re.compile(
    r"API|AUTH|CREDENTIAL|KEY|PASS|PRIVATE|SECRET|SIGNATURE|TOKEN", re.IGNORECASE
)
REDACTED = "********"
PANELS = [
    "flask_debugtoolbar.panels.versions.VersionDebugPanel",
    "flask_debugtoolbar.panels.timer.TimerDebugPanel",
    "flask_debugtoolbar.panels.headers.HeaderDebugPanel",
    "flask_debugtoolbar.panels.request_vars.RequestVarsDebugPanel",
    f"{__name__}.ConfigPanel",
    "flask_debugtoolbar.panels.template.TemplateDebugPanel",
    "flask_debugtoolbar.panels.logger.LoggingPanel",
    "flask_debugtoolbar.panels.route_list.RouteListDebugPanel",
    "flask_debugtoolbar.panels.profiler.ProfilerDebugPanel",
    "flask_debugtoolbar.panels.g.GDebugPanel",
]


def init_app(app):
    """Turn on the toolbar, with secrets redacted, in debug mode only."""
    if extension is None or not app.debug:
        return
    # this machine only, unless FLASK_DEBUG_TB_HOSTS says otherwise
    app.config.setdefault("DEBUG_TB_HOSTS", ["127.0.0.1", "::1"])
    app.config.setdefault("DEBUG_TB_INTERCEPT_REDIRECTS", False)
    # the panel list is fixed here, so no setting brings the stock Config
    # panel back; the template editor writes to disk with no CSRF check
    app.config["DEBUG_TB_PANELS"] = PANELS
    app.config["DEBUG_TB_TEMPLATE_EDITOR_ENABLED"] = False
    # registered first so that it runs last, after the toolbar has drawn itself
    app.after_request(hide_keys)
    extension.init_app(app)


def redact(value, name=""):
    """Return `value` with each part whose name marks it as secret redacted."""
    if SECRET_NAME.search(name):
        return REDACTED
    if isinstance(value, dict):
        return {key: redact(item, str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(item) for item in value)
    return value


class ConfigPanel(ConfigVarsDebugPanel):
    """The toolbar's Config panel, with secret values redacted."""

    def content(self):
        context = {**self.context, "config": redact(dict(current_app.config))}
        return self.render("panels/config_vars.html", context)


def key_forms(key):
    """Return every form in which a page may show `key`: as it is, as repr()
    and JSON write it (Jinja's tojson included), and each of those
    HTML-escaped the ways html.escape and Jinja (markupsafe) escape."""
    forms = {key, repr(key)[1:-1], json.dumps(key)[1:-1]}
    forms |= {json.dumps(key, ensure_ascii=False)[1:-1]}
    forms |= {str(htmlsafe_json_dumps(key))[1:-1]}
    forms |= {html.escape(form) for form in forms} | {str(escape(f)) for f in forms}
    return forms


def hide_keys(response):
    """Replace the secret key and its fallbacks in an HTML response, in every
    form a page may show them; the longest forms first."""
    if (
        response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    config = current_app.config
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    forms = set().union(*(key_forms(key) for key in keys))
    body = response.get_data()
    for form in sorted(forms, key=len, reverse=True):
        body = body.replace(form.encode("utf-8", "surrogatepass"), REDACTED.encode())
    response.set_data(body)
    return response
