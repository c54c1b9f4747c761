"""The secret key's machinery: find it, check it, write it, rotate it.

Your own code rarely needs to change anything here. create_app() calls
load_env(), read_key_files() and check_key(); envfile.py writes .env (for
the bake's post-generation hook and `flask secret`), strength.py tells a
strong key from a weak one, cli.py is the `flask secret` command.
"""

import json
import os

import click
from dotenv import find_dotenv, load_dotenv
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
    the fallbacks a JSON list of keys; one trailing newline is not part of it.

    A value that names no file may be a key pasted in by mistake: errors
    name the variable and the value's length, never the value.
    """
    variable = f"FLASK_{name}_FILE"
    if not isinstance(path, str):  # from_prefixed_env parsed it as JSON
        raise KeySourceError(
            f"{variable} holds a JSON {type(path).__name__}, not a path: set it "
            "to the path of the file"
        )
    try:
        with open(path, encoding="utf-8", newline="") as file:  # as written
            text = file.read()
    except UnicodeDecodeError:
        raise KeySourceError(f"{variable}: {path} is not UTF-8 text") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        if not os.path.lexists(path):
            raise KeySourceError(
                f"{variable} names no file (its value, {len(path)} characters, "
                f"is not shown): {reason}; set it to the path of the file"
            ) from None
        raise KeySourceError(f"{variable}: cannot read {path}: {reason}") from None
    text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    if name == "SECRET_KEY":
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise KeySourceError(
            f'{variable}: {path} is not a JSON list of keys, e.g. ["old key"]'
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
        config[name] = read_key_file(path, name)


def load_env():
    """Read the project's .env the way `flask run` does; the real environment
    wins over it. A .env above the project root is never used."""
    path = envfile.find_env_file()
    if get_load_dotenv():
        try:
            load_dotenv(path, override=False)
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "it is not UTF-8 text"
            raise KeySourceError(f"cannot read {path}: {reason}") from None
    outside = outside_env_file(path)
    if outside:
        raise KeySourceError(
            f"FLASK_SECRET_KEY comes from {outside}, outside this project (the "
            "flask command reads the nearest .env up from here): run 'flask "
            "secret init' to give this project a key of its own"
        )


def outside_env_file(project_env):
    """Return the .env above the project root from which the `flask` command
    took the key in the environment, or None."""
    found = find_dotenv(".env", usecwd=True)
    root = os.path.dirname(project_env)
    if not found or os.path.commonpath([root, os.path.realpath(found)]) == root:
        return None
    key = os.environ.get(envfile.KEY_NAME)
    try:
        theirs = envfile.values(envfile.read_env(found) or "").get(envfile.KEY_NAME)
    except (OSError, UnicodeDecodeError):
        return None
    return found if key and key == theirs else None


def check_key(app, testing):
    """Stop the app with one line when its key is missing, not text, or weak;
    in debug mode a weak key only warns, unless it is too short to hide from
    debug pages. `testing` (from test_config only, never the environment)
    lets tests use throwaway keys."""
    key = app.config.get("SECRET_KEY")
    fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
    if not key:
        raise MissingSecretKeyError()
    problem = strength.type_problem(key, fallbacks)
    if problem:
        raise WeakSecretKeyError(problem)
    if testing:
        return
    problem = strength.find_problem(key, fallbacks)
    if problem and app.debug and not strength.too_short_to_hide(key, fallbacks):
        app.logger.warning("FLASK_%s. Run 'flask secret rotate'.", problem)
    elif problem:
        raise WeakSecretKeyError(problem)
