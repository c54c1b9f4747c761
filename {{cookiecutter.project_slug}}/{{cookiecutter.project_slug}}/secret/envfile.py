"""Keep the secret key in the project's private .env file.

The cookiecutter post-generation hook that baked this project imports this
file from the project it had just rendered, before anything is installed. It
only creates .env (create_env), so that part needs the standard library, and
it never parses a .env that is there already.

`flask secret` reads and edits .env with python-dotenv's own parser, the
reader the app uses: each binding comes with its original text, so a change
replaces exactly that binding and leaves every other byte as it was
(comments, order, CRLF, a byte-order mark). Every change runs under a lock,
re-reads the file, and replaces it atomically with an owner-only file; a
symlinked .env has its target replaced.

For a fleet, a key changes in two phases, so that no host ever meets a
cookie signed with a key it does not know: stage_key() adds a new key to the
fallbacks (signing is unchanged), promote_key() then lets it sign and keeps
the old key as the first fallback. The staged key is marked in the file by
its fingerprint (SECRET_KEY_STAGED, no FLASK_ prefix, so the app never reads
it), never by the key itself.
"""

import fnmatch
import functools
import hashlib
import io
import json
import os
import secrets
import stat
import subprocess
import time

KEY_NAME = "FLASK_SECRET_KEY"
FALLBACKS_NAME = "FLASK_SECRET_KEY_FALLBACKS"
STAGED_NAME = "SECRET_KEY_STAGED"
HEADER = "# Private settings of this project. Owner-only; never commit this file.\n"
PRIVATE = 0o600
BOM = "\ufeff"
# what makes a folder the project root: the file `flask` reads its app from,
# or the project's metadata
ROOT_MARKERS = (".flaskenv", "pyproject.toml")
# characters a value may hold unquoted in .env
PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/+=@,"
)


class KeyFileError(Exception):
    """The .env file cannot be read or written; the message says why."""


def new_key():
    """Return a fresh 256-bit key as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def fingerprint(key):
    """Return a short SHA-256 fingerprint that names `key` without showing it."""
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
    except (OSError, UnicodeDecodeError):
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


def explained(action):
    """Make `action(path, ...)` turn the errors of reading or writing the file
    at `path` into one KeyFileError."""

    @functools.wraps(action)
    def run(path, *args, **kwargs):
        try:
            return action(path, *args, **kwargs)
        except UnicodeDecodeError:
            raise KeyFileError(f"{path} is not UTF-8 text; fix or move it") from None
        except OSError as error:
            reason = error.strerror or str(error)
            raise KeyFileError(f"cannot write a key to {path}: {reason}") from None

    return run


@explained
def create_env(path):
    """Create .env at `path` with a new key, owner-only from its first byte.

    A file (or link) already at `path` is left as it is, unread: return
    "kept", or "kept-open" when others may read it; else "created".
    """
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
    """Return what create_env or init_key did, for a person."""
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


# from here on: `flask secret`, with python-dotenv installed


def locked(action):
    """Run `action(path, ...)` holding an exclusive lock beside the file, so
    that concurrent changes run one after the other, each on what the one
    before wrote."""

    @functools.wraps(action)
    def run(path, *args, **kwargs):
        name = f"{os.path.realpath(path)}.lock"
        # never through a link, nor on a lock that another user could hold
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(name, flags, PRIVATE)
        except OSError as error:
            if os.path.islink(name):
                raise KeyFileError(
                    f"{name} is a symbolic link, not a lock; remove it"
                ) from None
            raise error
        try:
            if not owned_by_me(os.fstat(fd)):
                raise KeyFileError(f"{name} belongs to another user; remove it")
            lock(fd, name)
            return action(path, *args, **kwargs)
        finally:
            os.close(fd)  # closing the file releases the lock

    return run


def owned_by_me(info):
    """Tell whether the file `info` (an os.stat result) is the current
    user's (always on Windows, which has no uid)."""
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


LOCK_WAIT = 30.0  # seconds to wait for another command's lock


def lock(fd, name):
    """Take an exclusive lock on the open file `fd`, waiting at most
    LOCK_WAIT seconds for another command to let it go."""
    if os.name == "nt":
        import msvcrt

        def try_lock():
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        def try_lock():
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            try_lock()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise KeyFileError(
                    f"another command has held {name} for {LOCK_WAIT:.0f} s; "
                    "try again when it is done"
                ) from None
            time.sleep(0.05)


def read_env(path):
    """Return the text of the .env file at `path`, or None if there is none."""
    try:
        with open(path, encoding="utf-8", newline="") as file:
            return file.read()
    except FileNotFoundError:
        return None


def parse(text, path):
    """Return the bindings of .env text as python-dotenv reads them; refuse a
    file it cannot make sense of."""
    from dotenv.parser import parse_stream

    bindings = list(parse_stream(io.StringIO(text.removeprefix(BOM))))
    for binding in bindings:
        if binding.error:
            raise KeyFileError(
                f"python-dotenv cannot read line {binding.original.line} of {path}; "
                "fix that line, then run this again"
            )
    return bindings


def values(text):
    """Return the settings of .env text, as the app reads them."""
    from dotenv import dotenv_values

    return dotenv_values(stream=io.StringIO(text.removeprefix(BOM)))


def quote(value):
    """Return `value` as python-dotenv reads it back: plain, or single-quoted."""
    if value and set(value) <= PLAIN:
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def set_binding(text, path, name, value):
    """Return .env text with `name` set to `value`: its last binding (the one
    in force) rewritten in place, other bindings of it left alone, or a new
    line at the end. None removes every binding of `name`."""
    prefix = BOM if text.startswith(BOM) else ""
    bindings = parse(text, path)
    parts = [binding.original.string for binding in bindings]
    where = [i for i, binding in enumerate(bindings) if binding.key == name]
    if value is None:
        for i in where:
            parts[i] = ""
        return prefix + "".join(parts)
    newline = "\r\n" if "\r\n" in text else "\n"
    if where:
        original = parts[where[-1]]
        ending = original[len(original.rstrip("\r\n")) :]
        export = "export " if original.lstrip().startswith("export ") else ""
        parts[where[-1]] = f"{export}{name}={quote(value)}{ending or newline}"
    else:
        if parts and not parts[-1].endswith(("\n", "\r")):
            parts[-1] += newline
        parts.append(f"{name}={quote(value)}{newline}")
    return prefix + "".join(parts)


def read_fallbacks(settings, path):
    """Return the list of old keys that .env keeps, or [] if none."""
    raw = settings.get(FALLBACKS_NAME)
    if not raw:
        return []
    try:
        keys = json.loads(raw)
    except ValueError:
        keys = None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise KeyFileError(
            f"{FALLBACKS_NAME} in {path} is not a JSON list of keys; fix that line"
        )
    return keys


@explained
def read_keys(path):
    """Return (text, key, fallbacks, staged fingerprint or None) of .env."""
    text = read_env(path)
    if text is not None:
        parse(text, path)  # refuses a file python-dotenv cannot read
    settings = values(text) if text is not None else {}
    key = settings.get(KEY_NAME)
    if not key:
        raise KeyFileError(f"{path} has no key; run 'flask secret init'")
    return text, key, read_fallbacks(settings, path), settings.get(STAGED_NAME)


def write_keys(path, text, key, fallbacks, staged=None):
    """Set the key, the fallbacks and the staged mark in .env text, changing
    only their bindings, and replace the file at `path` with it."""
    text = set_binding(text, path, KEY_NAME, key)
    if fallbacks or FALLBACKS_NAME in values(text):
        text = set_binding(text, path, FALLBACKS_NAME, json.dumps(fallbacks))
    text = set_binding(text, path, STAGED_NAME, staged)
    replace_private(path, text)


@explained
def has_key(path):
    """Tell whether the .env file at `path` exists and sets a key."""
    text = read_env(path)
    return text is not None and bool(values(text).get(KEY_NAME))


@explained
@locked
def init_key(path):
    """Give the .env file at `path` a key; refuse, changing nothing, if it has one."""
    text = read_env(path)
    if text is None:
        create_private(path, f"{HEADER}{KEY_NAME}={new_key()}\n")
        return "created"
    if values(text).get(KEY_NAME):
        raise KeyFileError(
            f"{path} already has a key; to replace it, run 'flask secret rotate'"
        )
    replace_private(path, set_binding(text, path, KEY_NAME, new_key()))
    return "added"


@explained
@locked
def rotate_key(path, keep, is_weak=lambda key: False):
    """Put a new key in .env and move the old one to the front of the fallbacks.

    At most `keep` old keys are kept; weak ones (`is_weak`) are dropped, as a
    session signed with a weak key may be forged. Every other line stays as it
    was. Return (number of old keys kept, number dropped as weak).
    """
    text, old, fallbacks, staged = read_keys(path)
    if staged:
        raise KeyFileError(
            f"{path} has a staged key; run 'flask secret promote' to finish "
            "that rotation first"
        )
    previous = [old, *(k for k in fallbacks if k != old)]
    strong = [k for k in previous if not is_weak(k)]
    kept = strong[:keep]
    write_keys(path, text, new_key(), kept)
    return len(kept), len(previous) - len(strong)


@explained
@locked
def stage_key(path):
    """Add a new key to the front of the fallbacks; the key still signs.

    Return the new key's fingerprint. Once every host has restarted with it,
    every host accepts cookies signed with it: promote_key() is then safe.
    """
    text, key, fallbacks, staged = read_keys(path)
    if staged:
        raise KeyFileError(
            f"{path} has a staged key already ({staged}); run 'flask secret promote'"
        )
    new = new_key()
    write_keys(path, text, key, [new, *fallbacks], fingerprint(new))
    return fingerprint(new)


@explained
@locked
def promote_key(path):
    """Let the staged key sign, and keep the old key as the first fallback.

    Return the promoted key's fingerprint.
    """
    text, key, fallbacks, staged = read_keys(path)
    if not staged or not fallbacks or fingerprint(fallbacks[0]) != staged:
        raise KeyFileError(f"{path} has no staged key; run 'flask secret stage' first")
    write_keys(path, text, fallbacks[0], [key, *fallbacks[1:]])
    return staged


@explained
@locked
def retire_keys(path, keep):
    """Keep only the `keep` newest old keys (and a staged key); return how
    many were dropped."""
    text, key, fallbacks, staged = read_keys(path)
    pinned = fallbacks[:1] if staged else []
    kept = pinned + fallbacks[len(pinned) :][:keep]
    write_keys(path, text, key, kept, staged)
    return len(fallbacks) - len(kept)


@explained
def export_keys(path, key_file, fallbacks_file=None):
    """Write the key of the .env file at `path` into `key_file`, and its
    fallbacks as a JSON list into `fallbacks_file`: owner-only files in the
    form FLASK_SECRET_KEY_FILE and FLASK_SECRET_KEY_FALLBACKS_FILE read.

    Each is written at the path named, never through a link or over another
    user's file (in a shared folder, someone else's link would send the key
    where they chose), and never over the env file or the other target.
    """
    targets = [f for f in (key_file, fallbacks_file) if f]
    for target in targets:
        check_export_target(target, path)
    if len(targets) == 2 and same_file(*targets):
        raise KeyFileError(
            f"--key-file and --fallbacks-file both name {key_file}; name two files"
        )
    _, key, fallbacks, _ = read_keys(path)
    replace_private(key_file, key + "\n", follow=False)
    if fallbacks_file:
        replace_private(fallbacks_file, json.dumps(fallbacks) + "\n", follow=False)


def check_export_target(target, env_path):
    """Refuse to export into a link, another user's file or the env file."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise KeyFileError(
            f"{target} is a symbolic link; a key is only written to a file "
            "itself: remove the link or name another file"
        )
    if info is not None and not owned_by_me(info):
        raise KeyFileError(f"{target} belongs to another user; name another file")
    if same_file(target, env_path):
        raise KeyFileError(f"{target} is the env file itself; name another file")


def same_file(one, other):
    """Tell whether two paths name the same file (through links, or as hard
    links of one file)."""
    if os.path.realpath(one) == os.path.realpath(other):
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist yet
        return False
