from flask import Flask

from . import secret, toolbar


def create_app(test_config=None):
    """Create and configure an instance of the Flask application."""
    # the key lives in .env, which gunicorn does not read: read it here
    secret.load_env()
    app = Flask(__name__)
    app.config.from_mapping(
        PROJECT_NAME={{ cookiecutter.project_name | quoted }},
        # session cookies: https only outside debug mode, no scripts, same site
        SESSION_COOKIE_SECURE=not app.debug,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    # FLASK_SECRET_KEY and any other FLASK_* variable
    app.config.from_prefixed_env()

    if test_config is not None:
        app.config.from_mapping(test_config)

    # no key, or a weak one outside debug mode: stop with one line
    secret.check_key(app)

    # the debug toolbar, in debug mode only, with every secret hidden
    toolbar.init_app(app)

    from . import pages

    app.register_blueprint(pages.bp)

    return app
