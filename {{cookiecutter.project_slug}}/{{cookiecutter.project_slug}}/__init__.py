import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import headers, secret, toolbar


def create_app(test_config=None):
    """Create and configure an instance of the Flask application."""
    # the key lives in .env, which gunicorn does not read: read it here
    secret.load_env()
    app = Flask(__name__)
    app.config.from_mapping(
        PROJECT_NAME={{ cookiecutter.project_name | python_string(21, 8) }},
        # session cookies: https only outside debug mode, no scripts, same site
        SESSION_COOKIE_SECURE=not app.debug,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    # FLASK_SECRET_KEY and any other FLASK_* variable
    app.config.from_prefixed_env()

    # test_config, then the key from wherever the app takes it (a key file
    # too), checked: a missing or weak one stops the app with one line
    secret.init_app(app, test_config)

    trust_proxies(app)

    # security headers and a Content-Security-Policy (before the toolbar, so
    # that they see the page it has drawn)
    headers.init_app(app)

    # the debug toolbar, in debug mode only, with every secret hidden
    toolbar.init_app(app)

    from . import health, pages

    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)

    return app


def trust_proxies(app):
    """Behind FLASK_TRUSTED_PROXIES proxies (0, the default, trusts none),
    take the client's address and scheme from their X-Forwarded-For and
    X-Forwarded-Proto headers: trusting them from anyone else would let
    clients lie. X-Forwarded-Host, which many proxies pass on from the client
    as it came, only behind FLASK_TRUSTED_HOST_PROXIES proxies."""
    proxies = proxy_count(app.config, "TRUSTED_PROXIES")
    host_proxies = proxy_count(app.config, "TRUSTED_HOST_PROXIES")
    if proxies or host_proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=host_proxies
        )


def proxy_count(config, name):
    """Return the number of proxies the setting `name` trusts (default 0)."""
    count = config.get(name, 0)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise click.ClickException(
            f"FLASK_{name} must be a whole number of proxies, such as 1"
        )
    return count
