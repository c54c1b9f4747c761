"""Keep the secret key in the project's private .env file.

The cookiecutter post-generation hook that baked this project imports this
file from the project it had just rendered, before anything is installed, so
it needs the standard library alone: it makes keys, finds the project's .env,
creates it (create_env) and writes owner-only files atomically, the way
editing.py (`flask secret`, with python-dotenv) then changes them. It never
parses a .env that is there already.
"""

import contextlib
import fnmatch
import hashlib
import os
import secrets
import subprocess

KEY_NAME = "FLASK_SECRET_KEY"
FALLBACKS_NAME = "FLASK_SECRET_KEY_FALLBACKS"
STAGED_NAME = "SECRET_KEY_STAGED"
HEADER = "# Private settings of this project. Owner-only; never commit this file.\n"
PRIVATE = 0o600
BOM = "\ufeff"
# what makes a folder the project root: the file `flask` reads its app from,
# or the project's metadata
ROOT_MARKERS = (".flaskenv", "pyproject.toml")
# errors of a file that cannot be read as text, and of text that is not
# JSON; named, as `except (A, B)` and `except A, B` (Python 3.14) would each
# need its own formatting for the project's oldest Python
UNREADABLE = (OSError, UnicodeDecodeError)
NOT_JSON = (ValueError, RecursionError)


class KeyFileError(Exception):
    """The .env file cannot be read or written; the message says why."""


def new_key():
    """Return a fresh 256-bit key as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def key_id(key):
    """Return a short SHA-256 digest that names `key` without showing it."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest[:12]}"


def find_project_root(start=None):
    """Return the nearest folder up from `start` that holds .flaskenv or
    pyproject.toml, or None."""
    folder = os.path.realpath(start or os.getcwd())
    while True:
        if any(os.path.isfile(os.path.join(folder, m)) for m in ROOT_MARKERS):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def find_env_file(start=None):
    """Return the path of the project's .env, in the project root (or in
    `start` outside a project). A .env above the root is never used."""
    start = os.path.realpath(start or os.getcwd())
    return os.path.join(find_project_root(start) or start, ".env")


def fsync_folder(folder):
    """Make a rename inside `folder` survive a crash (POSIX only)."""
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_and_sync(fd, text):
    """Write `text` as it is (no newline translation) to the open file `fd`,
    push it to disk and close it."""
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def create_private(path, text):
    """Write a new owner-only file; fail if anything is at `path` already."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    try:
        write_and_sync(fd, text)
        if os.name == "nt":
            restrict_to_owner(path)
    except BaseException:
        os.unlink(path)
        raise


def restrict_to_owner(path):
    """Let only the current user read the file at `path` on Windows, where
    chmod only sets the read-only flag: drop the inherited access control
    entries and grant the user alone full control (icacls ships with
    Windows). Fail with OSError when icacls cannot."""
    user = os.environ.get("USERNAME", "")
    domain = os.environ.get("USERDOMAIN", "")
    account = f"{domain}\\{user}" if domain else user
    command = ["icacls", path, "/inheritance:r", "/grant:r", f"{account}:F"]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as error:
        raise OSError(f"icacls could not run: {error.strerror or error}") from None
    if not user or done.returncode != 0:
        raise OSError(f"icacls could not make {path} owner-only")


def is_owner_only(path):
    """Tell whether no account but the owner may read the file at `path`
    (on Windows, create_private has made sure or failed)."""
    return os.name == "nt" or not os.stat(path).st_mode & 0o077


def gitignored(path):
    """Tell whether git would leave the file at `path` out of a commit:
    True or False inside a repository (a tracked file is not ignored), and
    outside one, whether the project's .gitignore lists its name; None when
    neither can tell (no git, no .gitignore)."""
    folder, name = os.path.split(os.path.abspath(path))
    try:
        done = subprocess.run(
            ["git", "check-ignore", "-q", "--", name],
            cwd=folder,
            capture_output=True,
        )
    except OSError:
        done = None
    if done is not None and done.returncode in (0, 1):
        return done.returncode == 0
    return listed_in_gitignore(folder, name)


def listed_in_gitignore(folder, name):
    """Tell whether the .gitignore of the project that holds `folder` ignores
    the file `name`, reading only patterns without a slash (which git
    matches against names in every folder); the last match wins."""
    root = find_project_root(folder) or folder
    try:
        with open(os.path.join(root, ".gitignore"), encoding="utf-8") as file:
            lines = file.read().splitlines()
    except UNREADABLE:
        return None
    ignored = False
    for line in map(str.strip, lines):
        pattern = line.removeprefix("!")
        if line.startswith("#") or not pattern or "/" in pattern:
            continue
        if fnmatch.fnmatchcase(name, pattern):
            ignored = not line.startswith("!")
    return ignored


def privacy(path):
    """Say how private the file at `path` is, for a person: owner-only or
    not, and whether git leaves it out of commits."""
    words = ["owner-only" if is_owner_only(path) else "readable by others"]
    ignored = gitignored(path)
    if ignored:
        words.append("gitignored")
    elif ignored is False:
        words.append("NOT gitignored: add it to .gitignore before any commit")
    return ", ".join(words)


def replace_private(path, text, follow=True):
    """Replace the file at `path` (with `follow`, a symlink's target)
    atomically with a new owner-only file: a crash leaves either the old
    file or the new one."""
    if follow:
        path = os.path.realpath(path)
    # a name nobody else can guess, in the same folder so the rename is atomic
    tmp = f"{path}.{secrets.token_hex(8)}.tmp"
    create_private(tmp, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    fsync_folder(os.path.dirname(os.path.abspath(path)))


@contextlib.contextmanager
def one_line(path, doing="read", error_class=None):
    """Turn the errors of reading or writing the file at `path` into one
    error (KeyFileError, or `error_class`) that names the file and says what
    went wrong."""
    error_class = error_class or KeyFileError
    try:
        yield
    except UnicodeDecodeError:
        raise error_class(f"{path} is not UTF-8 text; fix or move it") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise error_class(f"cannot {doing} {path}: {reason}") from None


def create_env(path):
    """Create .env at `path` with a new key, owner-only from its first byte.

    A file (or link) already at `path` is left as it is, unread: return
    "kept", or "kept-open" when others may read it; else "created".
    """
    with one_line(path, "write a key to"):
        try:
            create_private(path, f"{HEADER}{KEY_NAME}={new_key()}\n")
        except FileExistsError:
            if os.path.isdir(path):
                raise KeyFileError(f"{path} is a folder, not a file; move it") from None
            if not os.path.exists(path):
                raise KeyFileError(
                    f"{path} links to nothing: remove the link, or point it at a file"
                ) from None
            return "kept" if is_owner_only(path) else "kept-open"
        return "created"


def describe(outcome, path):
    """Return what create_env or editing.init did, for a person."""
    if outcome in ("created", "added"):
        made = "Created" if outcome == "created" else "Added a new secret key to"
        key = " with a new secret key" if outcome == "created" else ""
        return f"{made} {path}{key} ({privacy(path)})."
    advice = "If the app says FLASK_SECRET_KEY is not set, run 'flask secret init'."
    if outcome == "kept-open":
        return (
            f"Kept {path} as it is, but others can read it: run 'chmod 600 {path}'. "
            + advice
        )
    return f"Kept {path} as it is. {advice}"


def owned_by_me(info):
    """Tell whether the file `info` (an os.stat result) is the current
    user's (always on Windows, which has no uid)."""
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()
