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

import functools
import hashlib
import io
import json
import os
import secrets

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
    except BaseException:
        os.unlink(path)
        raise


def replace_private(path, text):
    """Replace the file at `path` (a symlink's target) atomically with a new
    owner-only file: a crash leaves either the old file or the new one."""
    path = os.path.realpath(path)
    # a name nobody else can guess, in the same folder so the rename is atomic
    tmp = f"{path}.{secrets.token_hex(8)}.tmp"
    create_private(tmp, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    fsync_folder(os.path.dirname(path))


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
        readable = os.name == "posix" and os.stat(path).st_mode & 0o077
        return "kept-open" if readable else "kept"
    return "created"


def describe(outcome, path):
    """Return what create_env did, for a person."""
    return {
        "created": f"Created {path} with a new secret key (owner-only, gitignored).",
        "kept": (
            f"Kept {path} as it is. If the app says FLASK_SECRET_KEY is not set, "
            "run 'flask secret init'."
        ),
        "kept-open": (
            f"Kept {path} as it is, but others can read it: run 'chmod 600 {path}'. "
            "If the app says FLASK_SECRET_KEY is not set, run 'flask secret init'."
        ),
    }[outcome]


# from here on: `flask secret`, with python-dotenv installed


def locked(action):
    """Run `action(path, ...)` holding an exclusive lock beside the file, so
    that concurrent changes run one after the other, each on what the one
    before wrote."""

    @functools.wraps(action)
    def run(path, *args, **kwargs):
        fd = os.open(f"{os.path.realpath(path)}.lock", os.O_RDWR | os.O_CREAT, PRIVATE)
        try:
            lock(fd)
            return action(path, *args, **kwargs)
        finally:
            os.close(fd)  # closing the file releases the lock

    return run


def lock(fd):
    """Wait for an exclusive lock on the open file `fd`."""
    if os.name == "nt":
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after 10 s; keep waiting
                continue
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX)


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
    form FLASK_SECRET_KEY_FILE and FLASK_SECRET_KEY_FALLBACKS_FILE read."""
    _, key, fallbacks, _ = read_keys(path)
    replace_private(key_file, key + "\n")
    if fallbacks_file:
        replace_private(fallbacks_file, json.dumps(fallbacks) + "\n")
