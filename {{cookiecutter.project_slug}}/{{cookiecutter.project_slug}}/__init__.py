{% from "quoted.jinja" import quoted -%}
import click
from dotenv import find_dotenv, load_dotenv
from flask import Flask
from flask.helpers import get_load_dotenv

try:
    from flask_debugtoolbar import DebugToolbarExtension
except ImportError:  # production installs leave out the dev extra
    DebugToolbarExtension = None

toolbar = DebugToolbarExtension() if DebugToolbarExtension else None


class MissingSecretKeyError(click.ClickException):
    """No secret key is configured; the message says how to make one."""

    def __init__(self):
        super().__init__(
            "FLASK_SECRET_KEY is not set. Create a key in .env with "
            f"'python -m {__name__}.keyfile' in the project root, or set "
            "FLASK_SECRET_KEY in the environment."
        )


def create_app(test_config=None):
    """Create and configure an instance of the Flask application."""
    app = Flask(__name__)
    app.config.from_mapping(
        PROJECT_NAME={{ quoted(cookiecutter.project_name) }},
        # the toolbar runs in debug mode only, for this machine only
        DEBUG_TB_HOSTS=["127.0.0.1", "::1"],
        DEBUG_TB_INTERCEPT_REDIRECTS=False,
        # leave out the config panel: it shows SECRET_KEY in the page
        DEBUG_TB_PANELS=[
            "flask_debugtoolbar.panels.versions.VersionDebugPanel",
            "flask_debugtoolbar.panels.timer.TimerDebugPanel",
            "flask_debugtoolbar.panels.headers.HeaderDebugPanel",
            "flask_debugtoolbar.panels.request_vars.RequestVarsDebugPanel",
            "flask_debugtoolbar.panels.template.TemplateDebugPanel",
            "flask_debugtoolbar.panels.logger.LoggingPanel",
            "flask_debugtoolbar.panels.route_list.RouteListDebugPanel",
            "flask_debugtoolbar.panels.profiler.ProfilerDebugPanel",
            "flask_debugtoolbar.panels.g.GDebugPanel",
        ],
    )

    # gunicorn does not read .env, so look it up the way `flask run` does;
    # the real environment wins over it
    if get_load_dotenv():
        load_dotenv(find_dotenv(".env", usecwd=True), override=False)
    app.config.from_prefixed_env()

    if test_config is not None:
        app.config.from_mapping(test_config)

    if not app.config.get("SECRET_KEY"):
        raise MissingSecretKeyError()

    if toolbar is not None and app.debug:
        toolbar.init_app(app)

    from . import pages

    app.register_blueprint(pages.bp)

    return app
