"""gunicorn's settings: `gunicorn` run in the project root reads this file.

Every worker builds its own app with create_app(), and all of them sign
sessions with the one FLASK_SECRET_KEY of the environment (or .env), so any
worker accepts a cookie that another worker signed.
"""

import multiprocessing
import os
import sys

import click

wsgi_app = "{{ cookiecutter.project_slug }}:create_app()"

# WEB_CONCURRENCY is the name hosting platforms use for the worker count
workers = os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)

# this machine only by default; BIND=0.0.0.0:8000 to listen on every interface
bind = os.environ.get("BIND", "127.0.0.1:8000")

# one line per request on stdout
accesslog = "-"

# gunicorn itself believes X-Forwarded-Proto, X-Forwarded-Protocol and
# X-Forwarded-Ssl (the scheme) and the forwarder headers from the addresses
# in forwarded_allow_ips, by default 127.0.0.1 and ::1: any local process, or
# a client behind a local proxy that passes them on, could claim https. The
# app decides whom to believe instead (FLASK_TRUSTED_PROXIES), so gunicorn
# believes no one unless FORWARDED_ALLOW_IPS says otherwise.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")


def on_starting(server):
    """Check the configuration once, before any worker starts.

    A missing or weak key then stops gunicorn with one line, instead of a
    traceback from every worker.
    """
    from {{ cookiecutter.project_slug }} import create_app

    try:
        create_app()
    except click.ClickException as error:
        print(f"Error: {error.format_message()}", file=sys.stderr)
        sys.exit(1)
