"""The secret key's machinery: find it, check it, write it, rotate it.

Your own code rarely needs to change anything here. create_app() calls
init_app(), which reads the settings as `flask run` and gunicorn see them and
gives the app its key through resolve(), the one place that decides which
key is in force and where it comes from; `flask secret` (cli.py) asks the
same function. envfile.py creates .env (the bake's post-generation hook uses
it), editing.py changes it, strength.py tells a strong key from a weak one.
"""

import collections
import json
import os
import stat

import click
from dotenv import dotenv_values, find_dotenv, load_dotenv
from flask import Config
from flask.helpers import get_load_dotenv

from . import envfile, strength

NAMES = ("SECRET_KEY", "SECRET_KEY_FALLBACKS")
# every setting of the key; none belongs in the committed .flaskenv
SETTINGS = [f"FLASK_{name}{end}" for name in NAMES for end in ("", "_FILE")]
MAX_KEY_FILE = 64 * 1024  # bytes: far more than any key file holds


class MissingSecretKeyError(click.ClickException):
    """No secret key is configured; the message says how to make one."""

    def __init__(self):
        super().__init__(
            "FLASK_SECRET_KEY is not set. Run 'flask secret init' in the project "
            "root to create a key in .env, or set FLASK_SECRET_KEY in the environment."
        )


class WeakSecretKeyError(click.ClickException):
    """The secret key or a fallback is weak or publicly known; the message
    says how to replace it where it comes from."""

    def __init__(self, problem, key_file=None):
        if key_file:
            fix = f"Put a strong key in {key_file} (flask secret export writes one)"
        else:
            fix = "Run 'flask secret rotate' to replace it"
        super().__init__(
            f"FLASK_{problem}. {fix}, or set a strong key in the environment."
        )


class KeySourceError(click.ClickException):
    """A key is given twice, or where the app cannot use it; the message
    says why and what to do."""


# the key in force, its fallbacks, where the key comes from (a file's path:
# .env or a key file; "test_config" or "the environment"), and the file the
# fallbacks come from when a _FILE setting names one (else None)
Resolved = collections.namedtuple("Resolved", "key fallbacks source fallbacks_file")


def init_app(app, test_config=None):
    """Apply `test_config` to `app`, configured from .env (load_env) and the
    FLASK_* variables, and give it its key (resolve).

    Stop with one line when the key is missing, weak or set where the app
    must not take it from. Only `test_config` (tests) relaxes the strength
    check, never an environment variable.
    """
    if test_config is not None:
        app.config.from_mapping(test_config)
    resolved = resolve(app.config, given=test_config or {})
    if is_outside_project(resolved.source):
        raise KeySourceError(
            f"FLASK_SECRET_KEY comes from {resolved.source}, outside this project "
            "(the flask command reads the nearest .env up from here): run 'flask "
            "secret init' to give this project a key of its own"
        )
    app.config["SECRET_KEY"] = resolved.key
    app.config["SECRET_KEY_FALLBACKS"] = resolved.fallbacks
    testing = bool(test_config and test_config.get("TESTING"))
    check_key(app, testing, resolved)


def resolve(config, given=()):
    """Return the Resolved key of `config` (FLASK_* settings read by
    from_prefixed_env, then `given`, the test_config): from the file a
    `_FILE` setting names, never together with the setting itself, unless
    `given` sets the key; where it comes from, as the app would take it.

    The `_FILE` settings are taken out of `config`.
    """
    found = {}
    for name in NAMES:
        path = config.pop(f"{name}_FILE", None)
        if name in given or not path:
            found[name] = (config.get(name), None)
        elif config.get(name):
            raise KeySourceError(
                f"FLASK_{name} and FLASK_{name}_FILE are both set (in the "
                "environment or .env): keep one"
            )
        else:
            found[name] = read_key_file(path, name)
    key, key_file = found["SECRET_KEY"]
    fallbacks, fallbacks_file = found["SECRET_KEY_FALLBACKS"]
    in_test = "SECRET_KEY" in given
    source = "test_config" if in_test else (key_file or key_source(key))
    return Resolved(key, fallbacks or [], source, fallbacks_file)


def settings_of_the_app():
    """Return the FLASK_* settings as create_app reads them, for the
    commands that run without the app."""
    load_env()
    config = Config(os.getcwd())
    config.from_prefixed_env()
    return config


def load_env():
    """Read the project's .env the way `flask run` does; the real environment
    wins over it. A .env above the project root is never read; secret
    settings in the committed .flaskenv are refused."""
    path = envfile.find_env_file()
    if get_load_dotenv():
        with one_line(path):
            load_dotenv(path, override=False)
    flaskenv = os.path.join(os.path.dirname(path), ".flaskenv")
    with one_line(flaskenv):
        public = dotenv_values(flaskenv) if os.path.isfile(flaskenv) else {}
    committed = [name for name in SETTINGS if public.get(name)]
    if committed:
        verb, it = ("is", "it") if len(committed) == 1 else ("are", "them")
        raise KeySourceError(
            f"{' and '.join(committed)} {verb} set in {flaskenv}, which is "
            f"committed to git and which gunicorn does not read: remove {it} there "
            f"and run 'flask secret init' (.env is the place for {it})"
        )


def one_line(path):
    """Turn the errors of reading the file at `path` into one KeySourceError."""
    return envfile.one_line(path, "read", KeySourceError)


def key_source(key):
    """Return where FLASK_SECRET_KEY's value `key` in the environment came
    from: the project's .env, a .env above the project that the flask
    command loaded (its nearest one up from here), or the environment."""
    if not key:
        return None
    project_env = envfile.find_env_file()
    found = find_dotenv(".env", usecwd=True)
    for path in dict.fromkeys([project_env, found]):
        if path and os.path.isfile(path) and read_setting(path) == key:
            return path
    return "the environment"


def read_setting(path, name=envfile.KEY_NAME):
    """Return the value of `name` in the env file at `path`, as load_dotenv
    reads it (None when unreadable: the app reports that itself)."""
    try:
        return dotenv_values(path).get(name)
    except envfile.UNREADABLE:
        return None


def is_env_file(source):
    """Tell whether `source` is a .env file (not a key file)."""
    return bool(source) and os.path.basename(source) == ".env"


def is_outside_project(source):
    """Tell whether the key comes from a .env above the project root."""
    if not is_env_file(source):
        return False
    root = os.path.dirname(envfile.find_env_file())
    return os.path.commonpath([root, os.path.realpath(source)]) != root


def read_key_file(path, name):
    """Return (what the file at `path` holds for FLASK_`name`, its path):
    the key, or for the fallbacks a JSON list of keys. A relative path is
    taken from the project root, where .env is.

    Read like a secret: a regular file of at most 64 KiB, UTF-8 with no
    byte-order mark; one trailing newline is not part of it, but no other
    space, tab or line. A value that names no file may be a key pasted in by
    mistake: errors name the variable and the value's length, never the
    value.
    """
    variable = f"FLASK_{name}_FILE"
    if not isinstance(path, str):  # from_prefixed_env parsed it as JSON
        raise KeySourceError(
            f"{variable} holds a JSON {type(path).__name__}, not a path: set it "
            "to the path of the file"
        )
    root = envfile.find_project_root() or os.getcwd()
    full = os.path.join(root, path)
    if not os.path.lexists(full):
        raise KeySourceError(
            f"{variable} names no file (its value, {len(path)} characters, is "
            "not shown): set it to the path of the file"
        )
    with one_line(f"{variable} ({full})"):
        data = read_regular_file(full, variable)
        text = data.decode("utf-8")
    problem = key_file_problem(text, name)
    if problem:
        raise KeySourceError(f"{variable}: {full} {problem}")
    text = without_line_ending(text)
    if name == "SECRET_KEY":
        return text, full
    try:
        keys = json.loads(text)
    except envfile.NOT_JSON:
        keys = None
    if not isinstance(keys, list) or not strength.is_key_list(keys):
        raise KeySourceError(
            f'{variable}: {full} is not a JSON list of keys, such as ["old key"] '
            "(flask secret export --fallbacks-file writes one)"
        )
    return keys, full


def read_regular_file(path, variable):
    """Return the bytes of the regular file at `path`; refuse a FIFO (which
    would hang), a device or a folder, and a file over MAX_KEY_FILE."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise KeySourceError(
            f"{variable}: {path} is {kind}; point it at the key file itself"
        )
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_KEY_FILE + 1)
    if len(data) > MAX_KEY_FILE:
        raise KeySourceError(
            f"{variable}: {path} is larger than {MAX_KEY_FILE // 1024} KiB: "
            "not a key file"
        )
    return data


def without_line_ending(text):
    """Return `text` without one line ending at its end (CRLF or LF)."""
    return text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")


def key_file_problem(text, name):
    """Return what makes `text` unfit as the content of a key file, or None."""
    if not text.strip("\r\n"):
        return "is empty: write the key into it (flask secret export does)"
    if text.startswith(envfile.BOM):
        return "starts with a byte-order mark: save it as UTF-8 without one"
    body = without_line_ending(text)
    if name == "SECRET_KEY" and body != body.strip():
        return "has spaces, tabs or line breaks around the key: keep the key alone"
    if name == "SECRET_KEY" and any(c in body for c in "\r\n"):
        return "has more than one line: keep the key alone, on one line"
    return None


def check_key(app, testing, resolved):
    """Stop the app with one line when its key is missing, or as
    strength.judge() rules (where the policy is: testing, debug mode and
    production); a warning goes to the app's log. The message says how to
    replace the key where `resolved` says it comes from."""
    key = app.config.get("SECRET_KEY")
    fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
    if not key:
        raise MissingSecretKeyError()
    verdict, problem = strength.judge(key, fallbacks, testing, app.debug)
    if verdict == "warn":
        app.logger.warning("%s", weak_key_error(problem, resolved).message)
    elif verdict == "refuse":
        raise weak_key_error(problem, resolved)


def weak_key_error(problem, resolved):
    """Return the WeakSecretKeyError for `problem`, saying how to replace
    the weak key where `resolved` says it comes from."""
    fallback = problem.startswith("SECRET_KEY_FALLBACKS")
    where = resolved.fallbacks_file if fallback else resolved.source
    key_file = where and os.path.isfile(where) and not is_env_file(where)
    return WeakSecretKeyError(problem, where if key_file else None)
