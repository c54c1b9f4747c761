"""Keep the secret key in the project's private .env file.

Standard library only: the cookiecutter hook that baked this project runs this
file before Flask is installed. Run ``python -m <package>.keyfile`` from the
project root to give a fresh clone its own key.
"""

import os
import re
import secrets
import sys
import tempfile
from pathlib import Path

KEY_NAME = "FLASK_SECRET_KEY"
KEY_LINE = re.compile(rf"^[ \t]*(?:export[ \t]+)?{KEY_NAME}[ \t]*=[ \t]*(.*)$", re.M)
HEADER = "# Private settings of this project. Owner-only; never commit this file.\n"
PRIVATE = 0o600


class KeyFileError(Exception):
    """The .env file cannot be read or written; the message says why."""


def new_key():
    """Return a fresh 256-bit key as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def has_key(text):
    """Tell whether .env text sets a non-empty key."""
    match = KEY_LINE.search(text)
    return match is not None and match.group(1).strip("'\" \t\r") != ""


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
    """Replace `path` atomically with a new owner-only file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    try:
        write_and_sync(fd, text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def ensure_key(path):
    """Give the .env file at `path` a key unless it has one; never replace a key.

    Return "created" (new file), "added" (key appended to an existing file)
    or "kept" (a key was there; the file is made owner-only if it was not).
    """
    path = Path(path)
    try:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            create_private(path, f"{HEADER}{KEY_NAME}={new_key()}\n")
            return "created"
        if has_key(text):
            if path.stat().st_mode & 0o077:
                path.chmod(PRIVATE)
            return "kept"
        if text and not text.endswith("\n"):
            text += "\n"
        replace_private(path, f"{text}{KEY_NAME}={new_key()}\n")
        return "added"
    except UnicodeDecodeError:
        raise KeyFileError(f"{path} is not UTF-8 text; fix or move it") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise KeyFileError(f"cannot write a key to {path}: {reason}") from None


def describe(outcome, path):
    """Return one line for a person saying what ensure_key did."""
    return {
        "created": f"Created {path} with a new secret key (owner-only, gitignored).",
        "added": f"Added a new secret key to {path}.",
        "kept": f"Kept the secret key already in {path}.",
    }[outcome]


def main():
    path = Path(".env")
    try:
        outcome = ensure_key(path)
    except KeyFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(describe(outcome, path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
