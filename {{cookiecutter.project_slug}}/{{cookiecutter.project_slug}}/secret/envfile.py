"""Keep the secret key in the project's private .env file.

One implementation for everybody who writes the key: the cookiecutter
post-generation hook that baked this project imports this file from the
project it had just rendered, before Flask is installed (so it uses the
standard library only), and ``flask secret`` calls it later.

For a fleet, a key changes in two phases, so that no host ever meets a
cookie signed with a key it does not know: stage_key() adds a new key to the
fallbacks of every host (signing is unchanged), promote_key() then lets it
sign and keeps the old key as the first fallback. The staged key is marked in
the file by its fingerprint (SECRET_KEY_STAGED, no FLASK_ prefix, so the app
never reads it), never by the key itself.
"""

import functools
import hashlib
import json
import os
import re
import secrets

KEY_NAME = "FLASK_SECRET_KEY"
FALLBACKS_NAME = "FLASK_SECRET_KEY_FALLBACKS"
HEADER = "# Private settings of this project. Owner-only; never commit this file.\n"
PRIVATE = 0o600
ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def setting_line(name):
    """Return a pattern for the .env line that sets `name`."""
    return re.compile(rf"^([ \t]*(?:export[ \t]+)?{name}[ \t]*=[ \t]*)(.*)$", re.M)


KEY_LINE = setting_line(KEY_NAME)
FALLBACKS_LINE = setting_line(FALLBACKS_NAME)
STAGED_NAME = "SECRET_KEY_STAGED"
STAGED_LINE = setting_line(STAGED_NAME)


class KeyFileError(Exception):
    """The .env file cannot be read or written; the message says why."""


def new_key():
    """Return a fresh 256-bit key as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def parse_value(raw):
    """Return the value of a .env line's right-hand side, as python-dotenv reads it."""
    raw = raw.strip()
    single = re.match(r"'((?:\\'|[^'])*)'", raw)
    if single:
        return re.sub(r"\\([\\'])", r"\1", single[1])
    double = re.match(r'"((?:\\"|[^"])*)"', raw)
    if double:
        escape = re.compile(r"\\([\\'\"abfnrtv])")
        return escape.sub(lambda m: ESCAPES.get(m[1], m[1]), double[1])
    return re.sub(r"[ \t]+#.*$", "", raw)


def read_setting(text, pattern):
    """Return the value that the last line matching `pattern` sets, or None."""
    matches = list(pattern.finditer(text))
    return parse_value(matches[-1].group(2)) if matches else None


def has_key(text):
    """Tell whether .env text sets a non-empty key."""
    return bool(read_setting(text, KEY_LINE))


def folders_up(start):
    """Yield `start` and each folder above it, up to the root."""
    folder = start
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def find_env_file(start=None):
    """Return the path of the project's .env: the nearest one up from `start`,
    else a new one beside the nearest .flaskenv (the project root), else in
    `start`."""
    start = os.path.realpath(start or os.getcwd())
    for name in (".env", ".flaskenv"):
        for folder in folders_up(start):
            if os.path.isfile(os.path.join(folder, name)):
                return os.path.join(folder, ".env")
    return os.path.join(start, ".env")


def fsync_folder(folder):
    """Make a rename inside `folder` survive a crash (POSIX only)."""
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_and_sync(fd, text):
    """Write `text` to the open file `fd`, push it to disk and close it."""
    with os.fdopen(fd, "w", encoding="utf-8") as file:
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
    """Replace `path` atomically with a new owner-only file: a crash leaves
    either the old file or the new one, never a part of either."""
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


def read_env(path):
    """Return the text of the .env file at `path`, or None if there is none."""
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except FileNotFoundError:
        return None


def add_key(path, text):
    """Give `path` (with `text`, None if absent) a new key line; return the outcome."""
    if text is None:
        create_private(path, f"{HEADER}{KEY_NAME}={new_key()}\n")
        return "created"
    if text and not text.endswith("\n"):
        text += "\n"
    replace_private(path, f"{text}{KEY_NAME}={new_key()}\n")
    return "added"


@explained
def ensure_key(path):
    """Give the .env file at `path` a key unless it has one; never replace a key.

    Return "created" (new file), "added" (key appended to an existing file),
    "kept" (a key was there; the file is made owner-only if it was not) or
    "kept-open" (a key was there, and the disk refused to make it owner-only).
    """
    text = read_env(path)
    if text is None or not has_key(text):
        return add_key(path, text)
    if os.name == "posix" and os.stat(path).st_mode & 0o077:
        try:
            os.chmod(path, PRIVATE)
        except PermissionError:  # some mounts refuse chmod
            return "kept-open"
    return "kept"


@explained
def file_has_key(path):
    """Tell whether the .env file at `path` exists and sets a key."""
    text = read_env(path)
    return text is not None and has_key(text)


@explained
def init_key(path):
    """Give the .env file at `path` a key; refuse, changing nothing, if it has one."""
    text = read_env(path)
    if text is not None and has_key(text):
        raise KeyFileError(
            f"{path} already has a key; to replace it, run 'flask secret rotate'"
        )
    return add_key(path, text)


def read_fallbacks(text, path):
    """Return the list of old keys that .env text keeps, or [] if none."""
    raw = read_setting(text, FALLBACKS_LINE)
    if not raw:
        return []
    try:
        keys = json.loads(raw)
    except ValueError:
        keys = None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise KeyFileError(
            f"{FALLBACKS_NAME} in {path} is not a JSON list of strings; fix that line"
        )
    return keys


def set_line(text, pattern, name, value):
    """Return `text` with the last line setting `name` (or a new line) set to
    `value`, which is written single-quoted when it needs quotes."""
    if re.search(r"[\s'\"#\\]", value):
        value = "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    matches = list(pattern.finditer(text))
    if not matches:
        return f"{text}{name}={value}\n"
    last = matches[-1]
    return f"{text[: last.start(2)]}{value}{text[last.end(2) :]}"


def remove_line(text, pattern):
    """Return `text` without the lines that match `pattern`."""
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not pattern.match(line.rstrip("\r\n")))


def fingerprint(key):
    """Return a short SHA-256 fingerprint that names `key` without showing it."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest[:12]}"


@explained
def read_keys(path):
    """Return (text, key, fallbacks, staged fingerprint or None) of `path`."""
    text = read_env(path)
    key = read_setting(text, KEY_LINE) if text is not None else None
    if not key:
        raise KeyFileError(f"{path} has no key; run 'flask secret init'")
    return text, key, read_fallbacks(text, path), read_setting(text, STAGED_LINE)


def write_keys(path, text, key, fallbacks, staged=None):
    """Write `key`, `fallbacks` and the staged mark into .env text, changing
    only their lines, and replace the file at `path` with it."""
    text = set_line(text, KEY_LINE, KEY_NAME, key)
    if not text.endswith("\n"):
        text += "\n"
    if fallbacks or read_setting(text, FALLBACKS_LINE) is not None:
        text = set_line(text, FALLBACKS_LINE, FALLBACKS_NAME, json.dumps(fallbacks))
    text = remove_line(text, STAGED_LINE)
    if staged:
        text = set_line(text, STAGED_LINE, STAGED_NAME, staged)
    replace_private(path, text)


@explained
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


def describe(outcome, path):
    """Return one line for a person saying what ensure_key did."""
    return {
        "created": f"Created {path} with a new secret key (owner-only, gitignored).",
        "added": f"Added a new secret key to {path}.",
        "kept": f"Kept the secret key already in {path}.",
        "kept-open": (
            f"Kept the secret key already in {path}; this disk refused to make "
            "the file owner-only (chmod 600)."
        ),
    }[outcome]
