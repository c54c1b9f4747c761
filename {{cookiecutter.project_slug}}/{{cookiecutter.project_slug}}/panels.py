"""Debug toolbar pieces that never show a secret.

Flask-DebugToolbar's own Config panel prints all of app.config, the secret key
included, into every page. ConfigPanel shows the same table with each value
whose name marks it as secret redacted, the way Django's debug pages cleanse
settings. hide_keys() then takes out the key and its fallbacks wherever else
they would reach a debug page.
"""

import html
import re

from flask import current_app
from flask_debugtoolbar.panels.config_vars import ConfigVarsDebugPanel

SECRET_NAME = re.compile(
    r"API|AUTH|CREDENTIAL|KEY|PASS|PRIVATE|SECRET|SIGNATURE|TOKEN", re.IGNORECASE
)
REDACTED = "********"


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


def hide_keys(response):
    """Replace the secret key and its fallbacks in an HTML response."""
    if (
        response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    config = current_app.config
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    body = response.get_data()
    for key in keys:
        forms = {key, html.escape(key)} if isinstance(key, str) else {key}
        for form in forms:
            raw = form.encode() if isinstance(form, str) else form
            if raw:
                body = body.replace(raw, REDACTED.encode())
    response.set_data(body)
    return response
