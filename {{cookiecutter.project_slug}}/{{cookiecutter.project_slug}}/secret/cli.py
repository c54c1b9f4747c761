"""`flask secret`: the life of the key, from the command line.

A Flask plugin command (see pyproject.toml), so it works where the app cannot
start, such as a fresh clone with no key yet. It writes .env through
envfile.py, the code the cookiecutter hook used, and judges keys with
strength.py, the rules create_app applies. It never prints a key: `export`
writes one only to a file you name or into a pipe.
"""

import os
import sys

import click
from flask import Config

from . import envfile, load_env, outside_env_file, read_key_files, strength

env_file_option = click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    help="The env file to change, such as the one you hand out to your hosts "
    "(default: the project's .env).",
)


def keep_option(default, help):
    """Return the --keep option: how many old keys to keep, 0 to 20."""
    return click.option(
        "--keep",
        default=default,
        show_default=True,
        type=click.IntRange(0, 20),
        help=help,
    )


def fail(message):
    """Stop with one line on stderr and exit status 1."""
    raise click.ClickException(message)


def change(action, path, *args):
    """Run an envfile action on `path`; its errors become one line."""
    try:
        return action(path, *args)
    except envfile.KeyFileError as error:
        fail(str(error))


def is_weak(key):
    return strength.key_problem(key) is not None


@click.group()
def secret():
    """Create, rotate and check the secret key in .env."""


@secret.command()
@env_file_option
def init(env_file):
    """Create .env with a fresh key; refuse if a key exists."""
    path = env_file or envfile.find_env_file()
    # a key in the environment wins over .env, unless the flask command took
    # it from a .env outside the project
    in_dotenv = change(envfile.has_key, path)
    from_environment = os.environ.get(envfile.KEY_NAME) and not in_dotenv
    if not env_file and from_environment and not outside_env_file(path):
        fail(f"{envfile.KEY_NAME} is already set in the environment; leaving it")
    outcome = change(envfile.init_key, path)
    click.echo(envfile.describe(outcome, path))


@secret.command()
@keep_option(3, "How many old keys may still verify sessions signed before.")
@env_file_option
def rotate(keep, env_file):
    """Put a fresh key in .env and keep the old one as a fallback (one host)."""
    path = env_file or envfile.find_env_file()
    kept, dropped = change(envfile.rotate_key, path, keep, is_weak)
    click.echo(f"New secret key in {path}; {kept} old key(s) kept as fallbacks.")
    if dropped:
        click.echo(f"Dropped {dropped} weak old key(s): their sessions end now.")
    click.echo("Restart the app to sign with the new key.")


@secret.command()
@env_file_option
def stage(env_file):
    """Fleet rotation, phase 1: add a fresh key as a fallback; signing is unchanged."""
    path = env_file or envfile.find_env_file()
    staged = change(envfile.stage_key, path)
    click.echo(f"Staged a new key ({staged}) as a fallback in {path}.")
    click.echo(
        "Give every host this file and restart each; then run 'flask secret promote'."
    )


@secret.command()
@env_file_option
def promote(env_file):
    """Fleet rotation, phase 2: the staged key signs; the old one is a fallback."""
    path = env_file or envfile.find_env_file()
    promoted = change(envfile.promote_key, path)
    click.echo(f"The staged key ({promoted}) now signs; the old key is a fallback.")
    click.echo(f"Give every host {path} again and restart each.")


@secret.command()
@keep_option(0, "How many of the newest old keys to keep.")
@env_file_option
def retire(keep, env_file):
    """Drop old keys from the fallbacks: sessions they signed end."""
    path = env_file or envfile.find_env_file()
    dropped = change(envfile.retire_keys, path, keep)
    click.echo(f"Dropped {dropped} old key(s) from {path}; restart every host.")


@secret.command()
@click.option(
    "--key-file",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Where to write the key, owner-only; - writes it to standard output "
    "(with --to-stdout).",
)
@click.option(
    "--fallbacks-file",
    type=click.Path(dir_okay=False),
    help="Where to write the old keys, as a JSON list, owner-only.",
)
@click.option(
    "--to-stdout",
    is_flag=True,
    help="With --key-file -: yes, write the key to standard output, which "
    "goes into a pipe to a secret store (never a terminal, a log or CI output).",
)
@env_file_option
def export(key_file, fallbacks_file, to_stdout, env_file):
    """Write the key into files for FLASK_SECRET_KEY_FILE and
    FLASK_SECRET_KEY_FALLBACKS_FILE, or into a pipe for a secret store."""
    path = env_file or envfile.find_env_file()
    if key_file == "-":
        # ssh, docker exec or kubectl exec without a terminal, and CI steps,
        # pipe stdout into a log: only an explicit choice sends the key there
        if not to_stdout:
            fail(
                "--key-file - writes the key to standard output, where logs "
                "can keep it: add --to-stdout if it goes into a pipe to a "
                "secret store, or name a file"
            )
        if sys.stdout.isatty():
            fail("refusing to print a key on a terminal: pipe it, or use --key-file")
        _, key, _, _ = change(envfile.read_keys, path)
        click.echo(key)
        return
    if to_stdout:
        fail("--to-stdout goes with --key-file - only")
    change(envfile.export_keys, path, key_file, fallbacks_file)
    for written in (f for f in (key_file, fallbacks_file) if f):
        click.echo(
            f"Wrote {written} ({envfile.privacy(written)}) from {path}.", err=True
        )


def permission_problem(path):
    """Return why the key file at `path` is not private, or None."""
    if os.name != "posix" or not os.path.exists(path):
        return None
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:
        return f"{path} is readable by others (mode {mode:04o}); run: chmod 600 {path}"
    return None


@secret.command()
def check():
    """Check the key the app would use and the files it comes from; never
    print a key."""
    load_env()
    config = Config(os.getcwd())
    config.from_prefixed_env()
    key_file = config.get("SECRET_KEY_FILE")
    files = [f for f in (key_file, config.get("SECRET_KEY_FALLBACKS_FILE")) if f]
    read_key_files(config)
    key = config.get("SECRET_KEY")
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    path = envfile.find_env_file()
    if not key:
        fail(f"{envfile.KEY_NAME} is not set; run 'flask secret init'")
    problem = strength.find_problem(key, fallbacks)
    if problem:
        fail(f"FLASK_{problem}; run 'flask secret rotate'")
    private = [f for f in (path, *files) if os.path.exists(f)]
    problem = next(filter(None, map(permission_problem, private)), None)
    if problem:
        fail(problem)
    text = envfile.read_env(path) or ""
    if key_file:
        source = key_file
    elif envfile.values(text).get(envfile.KEY_NAME) == key:
        source = path
    else:
        source = "the environment"
    click.echo(f"ok: {envfile.KEY_NAME} from {source}, {len(key)} characters")
    click.echo(f"ok: {len(fallbacks)} fallback key(s), none weak or known")
    for file in private:
        click.echo(f"ok: {file} is owner-only")
