"""The debug toolbar, in debug mode only, never showing a secret.

Flask-DebugToolbar's own Config panel prints all of app.config, the secret key
included, into every page. ConfigPanel shows the same table with each value
whose name marks it as secret redacted, the way Django's debug pages cleanse
settings. hide_keys() then takes out the key and its fallbacks wherever else
they would reach a debug page, and hide_keys_from_debugger() out of the
exceptions that Werkzeug's debugger shows (`flask run --debug`) and logs.
"""

import functools
import html
import json
import re
import warnings

from flask import current_app, request
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape

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
    """Turn on the toolbar, with secrets redacted, in debug mode only.

    Flask-DebugToolbar is imported here, in debug mode only: it brings
    Pygments, which a production worker has no use for (with the dev group
    installed, it would cost every worker's start).
    """
    if not app.debug:
        return
    hide_keys_from_debugger(app)
    toolbar = import_toolbar()
    if toolbar is None:  # production installs leave out the dev dependencies
        return
    extension = toolbar.DebugToolbarExtension()
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
    app.dispatch_request = functools.partial(dispatch_request, extension)


def import_toolbar():
    """Return the flask_debugtoolbar module, or None if it is not installed."""
    try:
        # Flask 3.2 warns that flask.globals.request_ctx, which
        # Flask-DebugToolbar 0.16 imports, has merged with app_ctx (it still
        # works until Flask 4.0); Flask 3.1 does not warn. Drop the filter
        # once a toolbar release stops importing it.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", "'request_ctx' has merged", DeprecationWarning
            )
            import flask_debugtoolbar
    except ImportError:
        return None
    return flask_debugtoolbar


def dispatch_request(extension, *ctx):
    """Flask's dispatch_request, letting the toolbar's panels wrap the view
    (the profiler does), as the toolbar's own does.

    Flask 3.1 calls it with no argument and Flask 3.2 with the app context
    (`ctx`), which it also passes on to make_default_options_response; the
    toolbar's own (0.16 and its main branch, July 2026) only knows the first
    and raises TypeError on every request under 3.2. This one serves both:
    remove it once a toolbar release supports Flask 3.2.
    """
    app = current_app._get_current_object()
    if request.routing_exception is not None:
        app.raise_routing_exception(request)
    rule = request.url_rule
    if (
        getattr(rule, "provide_automatic_options", False)
        and request.method == "OPTIONS"
    ):
        return app.make_default_options_response(*ctx)
    view = extension.process_view(
        app, app.view_functions[rule.endpoint], request.view_args
    )
    return app.ensure_sync(view)(**request.view_args)


def redact(value, name=""):
    """Return `value` with each part whose name marks it as secret redacted."""
    if SECRET_NAME.search(name):
        return REDACTED
    if isinstance(value, dict):
        return {key: redact(item, str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(item) for item in value)
    return value


def __getattr__(name):
    # the toolbar loads ConfigPanel by its name in DEBUG_TB_PANELS, in debug
    # mode only: the class is made then, from the toolbar's own panel
    if name == "ConfigPanel":
        return config_panel()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def config_panel():
    """Return the toolbar's Config panel class, with secret values redacted."""
    from flask_debugtoolbar.panels.config_vars import ConfigVarsDebugPanel

    class ConfigPanel(ConfigVarsDebugPanel):
        """The toolbar's Config panel, with secret values redacted."""

        def content(self):
            context = {**self.context, "config": redact(dict(current_app.config))}
            return self.render("panels/config_vars.html", context)

    return ConfigPanel


def key_forms(key):
    """Return every form in which a page may show `key`: as it is, as repr()
    and JSON write it (Jinja's tojson included), and each of those
    HTML-escaped the ways html.escape and Jinja (markupsafe) escape."""
    forms = {key, repr(key)[1:-1], json.dumps(key)[1:-1]}
    forms |= {json.dumps(key, ensure_ascii=False)[1:-1]}
    forms |= {str(htmlsafe_json_dumps(key))[1:-1]}
    forms |= {html.escape(form) for form in forms} | {str(escape(f)) for f in forms}
    return forms


def sorted_key_forms(config):
    """Return every form of the secret key and its fallbacks, longest first
    (so that a form inside a longer one is not replaced first)."""
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    forms = set().union(*(key_forms(key) for key in keys))
    return sorted(forms, key=len, reverse=True)


def hide_keys(response):
    """Replace the secret key and its fallbacks in an HTML response, in every
    form a page may show them."""
    if (
        response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    body = response.get_data()
    for form in sorted_key_forms(current_app.config):
        body = body.replace(form.encode("utf-8", "surrogatepass"), REDACTED.encode())
    response.set_data(body)
    return response


def hide_keys_from_debugger(app):
    """Let no exception leave the app with a key in its text.

    In debug mode Flask lets a view's exception through to Werkzeug's
    debugger, which puts its text on the error page, into the page's
    copy-paste traceback and into the server log: `int(app.secret_key)`
    would show the key there. An exception whose text (or a cause's, or a
    note) holds a form of a key goes on as a stand-in of the same name whose
    text has the key replaced, with the same traceback, so the page, its
    frames and its console work as before.
    """
    wsgi_app = app.wsgi_app

    def run(environ, start_response):
        try:
            return wsgi_app(environ, start_response)
        except Exception as error:
            forms = sorted_key_forms(app.config)
            if not shows_a_key(error, forms):
                raise
            copy = stand_in(error, forms)
        raise copy  # outside the except block: its causes stay as they are

    app.wsgi_app = run


def exception_texts(error):
    """Return the texts a traceback shows of `error` and its causes."""
    texts = []
    while error is not None:
        texts += [str(error), *getattr(error, "__notes__", [])]
        error = error.__cause__ or error.__context__
    return texts


def shows_a_key(error, forms):
    """Tell whether the traceback of `error` would show a form of a key."""
    return any(form in text for text in exception_texts(error) for form in forms)


def scrub(text, forms):
    """Return `text` with each form of a key replaced."""
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


def stand_in(error, forms):
    """Return an exception that reads as `error` does, keys replaced: of a
    class with its name and module, with its traceback, notes and causes."""
    if error is None:
        return None
    kind = type(error)
    names = {"__module__": kind.__module__, "__qualname__": kind.__qualname__}
    copy = type(kind.__name__, (Exception,), names)(scrub(str(error), forms))
    copy.__traceback__ = error.__traceback__
    for note in getattr(error, "__notes__", []):
        copy.add_note(scrub(note, forms))
    copy.__cause__ = stand_in(error.__cause__, forms)
    copy.__context__ = stand_in(error.__context__, forms)
    copy.__suppress_context__ = error.__suppress_context__
    return copy
