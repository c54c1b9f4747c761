"""`flask secret`: the life of the key, from the command line.

A Flask plugin command (see pyproject.toml), so it works where the app cannot
start, such as a fresh clone with no key yet. It asks resolve(), as the app
does, which key is in force and where it comes from, and refuses to change a
file the app would not take the key from; it changes .env through
editing.py and judges keys with strength.py, the rules the app applies. It
never prints a key: `export` writes one only to a file you name, or to
standard output when you ask for it.
"""

import contextlib
import os
import sys

import click

from . import (
    editing,
    envfile,
    is_outside_project,
    resolve,
    settings_of_the_app,
    strength,
    weak_key_error,
)

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


@contextlib.contextmanager
def one_line():
    """Turn an env file's errors into one line and exit status 1."""
    try:
        yield
    except envfile.KeyFileError as error:
        fail(str(error))


def env_file_for(env_file, creating=False):
    """Return the env file a command works on: --env-file as given (a file
    you hand out to hosts), or the project's .env, when the app takes its
    key from there (or, `creating`, has none yet); else stop with one line
    that names where the key comes from."""
    path = envfile.find_env_file()
    if env_file and not editing.same_file(env_file, path):
        return env_file
    key, _, source, _ = resolve(settings_of_the_app())
    if source == "the environment" and not creating:
        with one_line():
            if key in editing.read_keys(path).fallbacks:
                # the flask command loaded .env as it was when it started;
                # another command has rotated it since
                source = path
    if source is None or source == path or (creating and is_outside_project(source)):
        return path
    if creating:
        fail(
            f"the app's key comes from {source}; leaving it (to use .env "
            "instead, unset it there first)"
        )
    fail(
        f"the app's key comes from {source}, not {path}: changing {path} would "
        "not change the key in use; change it where it is set, or unset it there "
        "and run 'flask secret init'"
    )


def is_weak(key):
    return strength.key_problem(key) is not None


@click.group()
def secret():
    """Create, rotate, stage, promote, retire, export and check the secret
    key."""


@secret.command()
@env_file_option
def init(env_file):
    """Give .env a fresh key; refuse if a key is set."""
    path = env_file_for(env_file, creating=True)
    with one_line(), editing.editing(path) as edit:
        outcome = editing.init(edit)
    click.echo(envfile.describe(outcome, path))


@secret.command()
@keep_option(3, "How many old keys may still verify sessions signed before.")
@env_file_option
def rotate(keep, env_file):
    """Put a fresh key in .env; the old one verifies only (one host)."""
    path = env_file_for(env_file)
    with one_line(), editing.editing(path) as edit:
        kept, dropped = editing.rotate(edit, keep, is_weak)
    click.echo(f"New secret key in {path}; {kept} old key(s) kept as fallbacks.")
    if dropped:
        click.echo(f"Dropped {dropped} weak old key(s): their sessions end now.")
    click.echo("Restart the app to sign with the new key.")


@secret.command()
@env_file_option
def stage(env_file):
    """Fleet rotation, phase 1: a fresh key verifies only."""
    path = env_file_for(env_file)
    with one_line(), editing.editing(path) as edit:
        staged = editing.stage(edit)
    click.echo(f"Staged a new key ({staged}) as a fallback in {path}.")
    click.echo(
        "Give every host this file and restart each; then run 'flask secret promote'."
    )


@secret.command()
@env_file_option
def promote(env_file):
    """Fleet rotation, phase 2: the staged key signs."""
    path = env_file_for(env_file)
    with one_line(), editing.editing(path) as edit:
        promoted = editing.promote(edit)
    click.echo(f"The staged key ({promoted}) now signs; the old key is a fallback.")
    click.echo(f"Give every host {path} again and restart each.")


@secret.command()
@keep_option(0, "How many of the newest old keys to keep.")
@env_file_option
def retire(keep, env_file):
    """Drop old keys: the sessions they signed end."""
    path = env_file_for(env_file)
    with one_line(), editing.editing(path) as edit:
        dropped = editing.retire(edit, keep)
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
    """Write the key into key files, or a pipe to a secret store.

    The files are what FLASK_SECRET_KEY_FILE and
    FLASK_SECRET_KEY_FALLBACKS_FILE read.
    """
    path = env_file_for(env_file)
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
        with one_line():
            keys = editing.read_keys(path)
        if not keys.key:
            fail(f"{path} has no key; run 'flask secret init'")
        click.echo(keys.key)
        return
    if to_stdout:
        fail("--to-stdout goes with --key-file - only")
    with one_line():
        editing.export_keys(path, key_file, fallbacks_file)
    for written in (f for f in (key_file, fallbacks_file) if f):
        click.echo(
            f"Wrote {written} ({envfile.privacy(written)}) from {path}.", err=True
        )


def permission_problem(path):
    """Return why the key file at `path` is not private, or None. A file on
    a platform's secret mount passes: see on_secret_mount()."""
    if os.name != "posix" or not os.path.exists(path):
        return None
    info = os.stat(path)
    mode = info.st_mode & 0o777
    if mode & 0o077 and not on_secret_mount(path, info):
        return f"{path} is readable by others (mode {mode:04o}); run: chmod 600 {path}"
    return None


def on_secret_mount(path, info):
    """Tell whether the file at `path` is a secret that the platform mounted:
    on a read-only file system (Kubernetes secret volumes, Docker Swarm's
    /run/secrets), owned by another account (root) and not writable by this
    one. Its mode is then the platform's to set (defaultMode, fsGroup), and
    no one in the container can change it."""
    read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    theirs = not envfile.owned_by_me(info)
    return read_only and theirs and not os.access(path, os.W_OK)


@secret.command()
def check():
    """Check the key the app uses, and its files; print no key.

    The key and its fallbacks must be strong, and the files they come from
    owner-only.
    """
    resolved = resolve(settings_of_the_app())
    key, fallbacks, source = resolved.key, resolved.fallbacks, resolved.source
    if not key:
        fail(f"{envfile.KEY_NAME} is not set; run 'flask secret init'")
    if is_outside_project(source):
        fail(
            f"{envfile.KEY_NAME} comes from {source}, outside this project; run "
            "'flask secret init'"
        )
    problem = strength.find_problem(key, fallbacks)
    if problem:
        fail(weak_key_error(problem, resolved).message)
    files = [envfile.find_env_file(), resolved.source, resolved.fallbacks_file]
    private = [f for f in dict.fromkeys(files) if f and os.path.exists(f)]
    problem = next(filter(None, map(permission_problem, private)), None)
    if problem:
        fail(problem)
    click.echo(f"ok: {envfile.KEY_NAME} from {source}, {len(key)} characters")
    click.echo(f"ok: {len(fallbacks)} fallback key(s), none weak or known")
    for file in private:
        readable = os.name == "posix" and os.stat(file).st_mode & 0o077
        kind = "on the platform's read-only secret mount" if readable else "owner-only"
        click.echo(f"ok: {file} is {kind}")
