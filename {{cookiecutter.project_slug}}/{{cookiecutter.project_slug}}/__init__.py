import click
from dotenv import load_dotenv
from flask import Flask
from flask.helpers import get_load_dotenv

from . import keycheck, keyfile

try:
    from flask_debugtoolbar import DebugToolbarExtension
except ImportError:  # production installs leave out the dev extra
    DebugToolbarExtension = None

toolbar = DebugToolbarExtension() if DebugToolbarExtension else None


class MissingSecretKeyError(click.ClickException):
    """No secret key is configured; the message says how to make one."""

    def __init__(self):
        super().__init__(
            "FLASK_SECRET_KEY is not set. Run 'flask secret init' in the project "
            "root to create a key in .env, or set FLASK_SECRET_KEY in the environment."
        )


class WeakSecretKeyError(click.ClickException):
    """The secret key or a fallback is weak or publicly known."""

    def __init__(self, problem):
        super().__init__(
            f"FLASK_{problem}. Run 'flask secret rotate' to replace it, "
            "or set a strong key in the environment."
        )


def load_env():
    """Read .env the way `flask run` does; the real environment wins over it."""
    # gunicorn does not read .env, so the app looks it up itself, in the
    # file `flask secret` writes: the nearest .env up from here
    if get_load_dotenv():
        load_dotenv(keyfile.find_env_file(), override=False)


def check_key(app):
    """Refuse a weak key outside debug mode and testing; warn in debug mode."""
    if not app.config.get("SECRET_KEY"):
        raise MissingSecretKeyError()
    problem = keycheck.find_problem(
        app.config["SECRET_KEY"], app.config.get("SECRET_KEY_FALLBACKS")
    )
    if problem and app.debug:
        app.logger.warning("FLASK_%s. Run 'flask secret rotate'.", problem)
    elif problem and not app.testing:
        raise WeakSecretKeyError(problem)


def init_toolbar(app):
    """Turn on the debug toolbar, with secrets redacted, in debug mode only."""
    from . import panels

    app.config.from_mapping(
        # the template editor writes to disk without a CSRF check: always off
        DEBUG_TB_TEMPLATE_EDITOR_ENABLED=False,
        DEBUG_TB_PANELS=[
            "flask_debugtoolbar.panels.versions.VersionDebugPanel",
            "flask_debugtoolbar.panels.timer.TimerDebugPanel",
            "flask_debugtoolbar.panels.headers.HeaderDebugPanel",
            "flask_debugtoolbar.panels.request_vars.RequestVarsDebugPanel",
            f"{__name__}.panels.ConfigPanel",
            "flask_debugtoolbar.panels.template.TemplateDebugPanel",
            "flask_debugtoolbar.panels.logger.LoggingPanel",
            "flask_debugtoolbar.panels.route_list.RouteListDebugPanel",
            "flask_debugtoolbar.panels.profiler.ProfilerDebugPanel",
            "flask_debugtoolbar.panels.g.GDebugPanel",
        ],
    )
    # registered first so that it runs last, after the toolbar has drawn itself
    app.after_request(panels.hide_keys)
    toolbar.init_app(app)


def create_app(test_config=None):
    """Create and configure an instance of the Flask application."""
    load_env()
    app = Flask(__name__)
    app.config.from_mapping(
        PROJECT_NAME={{ cookiecutter.project_name | quoted }},
        # session cookies: https only outside debug mode, no scripts, same site
        SESSION_COOKIE_SECURE=not app.debug,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # the toolbar serves this machine only; FLASK_DEBUG_TB_HOSTS widens it
        DEBUG_TB_HOSTS=["127.0.0.1", "::1"],
        DEBUG_TB_INTERCEPT_REDIRECTS=False,
    )
    app.config.from_prefixed_env()

    if test_config is not None:
        app.config.from_mapping(test_config)

    check_key(app)

    if toolbar is not None and app.debug:
        init_toolbar(app)

    from . import pages

    app.register_blueprint(pages.bp)

    return app
