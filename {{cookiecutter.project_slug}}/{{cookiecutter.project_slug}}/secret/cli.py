"""`flask secret init|rotate|check`: the life of the key, from the command line.

A Flask plugin command (see pyproject.toml), so it works where the app cannot
start, such as a fresh clone with no key yet. It writes .env through
envfile.py, the code the cookiecutter hook used, and judges keys with
strength.py, the rules create_app applies. It never prints a key.
"""

import os

import click
from flask import Config

from . import envfile, load_env, strength


def fail(message):
    """Stop with one line on stderr and exit status 1."""
    raise click.ClickException(message)


def is_weak(key):
    return strength.key_problem(key) is not None


@click.group()
def secret():
    """Create, rotate and check the secret key in .env."""


@secret.command()
def init():
    """Create .env with a fresh key; refuse if a key exists."""
    path = envfile.find_env_file()
    try:
        # a key in the environment that .env did not put there wins over .env
        in_dotenv = envfile.file_has_key(path)
        if os.environ.get(envfile.KEY_NAME) and not in_dotenv:
            fail(f"{envfile.KEY_NAME} is already set in the environment; leaving it")
        outcome = envfile.init_key(path)
    except envfile.KeyFileError as error:
        fail(str(error))
    click.echo(envfile.describe(outcome, path))


@secret.command()
@click.option(
    "--keep",
    default=3,
    show_default=True,
    type=click.IntRange(0, 20),
    help="How many old keys may still verify sessions signed before.",
)
def rotate(keep):
    """Put a fresh key in .env and keep the old one as a fallback."""
    path = envfile.find_env_file()
    try:
        kept, dropped = envfile.rotate_key(path, keep, is_weak)
    except envfile.KeyFileError as error:
        fail(str(error))
    click.echo(f"New secret key in {path}; {kept} old key(s) kept as fallbacks.")
    if dropped:
        click.echo(f"Dropped {dropped} weak old key(s): their sessions end now.")
    click.echo("Restart the app to sign with the new key.")


def permission_problem(path):
    """Return why the .env file at `path` is not private, or None."""
    if os.name != "posix" or not os.path.exists(path):
        return None
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:
        return f"{path} is readable by others (mode {mode:04o}); run: chmod 600 {path}"
    return None


@secret.command()
def check():
    """Check the key the app would use and the .env file; never print a key."""
    load_env()
    config = Config(os.getcwd())
    config.from_prefixed_env()
    key = config.get("SECRET_KEY")
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    path = envfile.find_env_file()
    if not key:
        fail(f"{envfile.KEY_NAME} is not set; run 'flask secret init'")
    problem = strength.find_problem(key, fallbacks)
    if problem:
        fail(f"FLASK_{problem}; run 'flask secret rotate'")
    problem = permission_problem(path)
    if problem:
        fail(problem)
    text = envfile.read_env(path) or ""
    in_dotenv = envfile.read_setting(text, envfile.KEY_LINE) == key
    source = path if in_dotenv else "the environment"
    click.echo(f"ok: {envfile.KEY_NAME} from {source}, {len(key)} characters")
    click.echo(f"ok: {len(fallbacks)} fallback key(s), none weak or known")
    if os.path.exists(path):
        click.echo(f"ok: {path} is owner-only")
