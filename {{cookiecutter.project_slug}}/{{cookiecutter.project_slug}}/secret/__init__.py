"""The secret key's machinery: find it, check it, write it, rotate it.

Your own code rarely needs to change anything here. create_app() calls
load_env(), read_key_files() and check_key(); envfile.py writes .env (for
the bake's post-generation hook and `flask secret`), strength.py tells a
strong key from a weak one, cli.py is the `flask secret` command.
"""

import json

import click
from dotenv import load_dotenv
from flask.helpers import get_load_dotenv

from . import envfile, strength


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


class KeySourceError(click.ClickException):
    """A key is given twice, or its file cannot be used; the message says why."""


def read_key_file(path, name):
    """Return what the file at `path` holds for FLASK_`name`: the key, or for
    the fallbacks a JSON list of keys; one trailing newline is not part of it."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except UnicodeDecodeError:
        raise KeySourceError(f"FLASK_{name}_FILE: {path} is not UTF-8 text") from None
    except OSError as error:
        raise KeySourceError(
            f"FLASK_{name}_FILE: cannot read {path}: {error.strerror or error}"
        ) from None
    text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    if name == "SECRET_KEY":
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise KeySourceError(
            f'FLASK_{name}_FILE: {path} is not a JSON list of keys, e.g. ["old key"]'
        ) from None


def read_key_files(config):
    """Take SECRET_KEY and SECRET_KEY_FALLBACKS from the files that
    FLASK_SECRET_KEY_FILE and FLASK_SECRET_KEY_FALLBACKS_FILE name, the way
    container platforms hand out secrets (/run/secrets/...)."""
    for name in ("SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        path = config.pop(f"{name}_FILE", None)
        if not path:
            continue
        if config.get(name):
            raise KeySourceError(
                f"FLASK_{name} and FLASK_{name}_FILE are both set (in the "
                "environment or .env): keep one"
            )
        config[name] = read_key_file(str(path), name)


def load_env():
    """Read .env the way `flask run` does; the real environment wins over it."""
    # gunicorn does not read .env, so the app looks it up itself, in the
    # file `flask secret` writes: the nearest .env up from here
    if get_load_dotenv():
        load_dotenv(envfile.find_env_file(), override=False)


def check_key(app):
    """Refuse a weak key outside debug mode and testing; warn in debug mode."""
    if not app.config.get("SECRET_KEY"):
        raise MissingSecretKeyError()
    problem = strength.find_problem(
        app.config["SECRET_KEY"], app.config.get("SECRET_KEY_FALLBACKS")
    )
    if problem and app.debug:
        app.logger.warning("FLASK_%s. Run 'flask secret rotate'.", problem)
    elif problem and not app.testing:
        raise WeakSecretKeyError(problem)
