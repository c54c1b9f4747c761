"""Change the secret key in .env, the way the app reads it.

`flask secret` reads and edits .env with python-dotenv's own parser, the
reader the app uses (interpolation on, as load_dotenv has it): each binding
comes with its original text, so a change replaces exactly the value of the
binding in force, keeps what stands around it on its line (`export `, spaces,
an inline comment, the line ending) and every other byte of the file
(comments, order, CRLF, a byte-order mark). What is written is read back
through python-dotenv before the file is replaced: a value it would read
differently is refused, never written.

Every change runs in `with editing(path) as keys:`, which takes a lock beside
the file, reads it, lets the block change `keys`, then replaces the file
atomically with an owner-only one (a symlinked .env has its target replaced)
and turns any error into one line. A key dropped from the file leaves no text
behind, duplicates and comments included.

For a fleet, a key changes in two phases, so that no host ever meets a
cookie signed with a key it does not know: stage() adds a new key to the
fallbacks (signing is unchanged), promote() then lets it sign and keeps the
old key as the first fallback. The staged key is marked in the file by its
key_id() (SECRET_KEY_STAGED, no FLASK_ prefix, so the app never reads it),
never by the key itself.
"""

import contextlib
import dataclasses
import io
import json
import os
import re
import time

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from .envfile import (
    BOM,
    FALLBACKS_NAME,
    HEADER,
    KEY_NAME,
    NOT_JSON,
    PRIVATE,
    STAGED_NAME,
    KeyFileError,
    create_private,
    key_id,
    new_key,
    one_line,
    owned_by_me,
    replace_private,
)
from .strength import is_key_list

LOCK_WAIT = 30.0  # seconds to wait for another command's lock
# characters a value may hold unquoted in .env
PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/+=@,"
)
# a binding as python-dotenv reads it: the name and "=", the value (quoted or
# not), then spaces, an inline comment and the line ending
BINDING = re.compile(
    r"(?P<head>\s*(?:export[^\S\r\n]+)?(?:'[^']+'|[^=#\s]+)[^\S\r\n]*=[^\S\r\n]*)"
    r"(?P<value>'(?:\\'|[^'])*'|\"(?:\\\"|[^\"])*\"|[^\r\n]*?)"
    r"(?P<tail>(?:[^\S\r\n]+#[^\r\n]*)?[^\S\r\n]*(?:\r\n|\n|\r)?)\Z"
)
# a dropped key shorter than this is not searched for in the rest of the
# file: it would match ordinary text (the app never uses one that short)
MIN_SCRUBBED = 16
REMOVED = "(removed key)"


@dataclasses.dataclass
class Keys:
    """The key, the old keys that still verify sessions, and the staged
    mark of an env file, as the app reads them."""

    key: str | None = None
    fallbacks: list = dataclasses.field(default_factory=list)
    staged: str | None = None


class Edit:
    """An env file being changed: its path, its text and its keys."""

    def __init__(self, path, text):
        self.path, self.text = path, text
        bindings = parse(text, path) if text is not None else []
        settings = values(text) if text is not None else {}
        # every key the file has held under the name: a line not in force too
        self.seen = {b.value for b in bindings if b.key == KEY_NAME and b.value}
        self.before = Keys(
            settings.get(KEY_NAME) or None,
            read_fallbacks(settings.get(FALLBACKS_NAME), path),
            settings.get(STAGED_NAME),
        )
        self.keys = dataclasses.replace(self.before)

    def need_key(self):
        """Return the key; refuse a file without one."""
        if not self.keys.key:
            raise KeyFileError(f"{self.path} has no key; run 'flask secret init'")
        return self.keys.key

    def render(self):
        """Return the file's text with the keys as they are now; no text of a
        key dropped from them stays behind."""
        keys, text = self.keys, self.text
        if text is None:
            text = HEADER
        text = set_binding(text, self.path, KEY_NAME, keys.key)
        if keys.fallbacks or FALLBACKS_NAME in values(text):
            text = set_binding(
                text, self.path, FALLBACKS_NAME, json_text(keys.fallbacks)
            )
        text = set_binding(text, self.path, STAGED_NAME, keys.staged)
        kept = {keys.key, *keys.fallbacks}
        for old in {*self.seen, *self.before.fallbacks} - kept:
            if old and len(old) >= MIN_SCRUBBED:
                text = text.replace(old, REMOVED)
        return text


@contextlib.contextmanager
def editing(path):
    """Lock the env file at `path`, read it, let the block change its keys
    (`as edit`: edit.keys), and replace the file when they changed; every
    error of reading or writing becomes one KeyFileError."""
    with one_line(path, "write a key to"), locked(path):
        text = read_env(path)
        edit = Edit(path, text)  # refuses a file python-dotenv cannot read
        yield edit
        if edit.keys == edit.before:
            return
        if text is None:
            create_private(path, edit.render())
        else:
            replace_private(path, edit.render())


def read_keys(path):
    """Return the Keys of the env file at `path` (empty when there is none)."""
    with one_line(path, "read"):
        return Edit(path, read_env(path)).keys


def init(edit):
    """Give the file a key; refuse, changing nothing, if it has one."""
    if edit.keys.key:
        raise KeyFileError(
            f"{edit.path} already has a key; to replace it, run 'flask secret rotate'"
        )
    edit.keys.key = new_key()
    return "created" if edit.text is None else "added"


def rotate(edit, keep, is_weak=lambda key: False):
    """Put a new key in and move the old one to the front of the fallbacks.

    At most `keep` old keys are kept; weak ones (`is_weak`) are dropped, as a
    session signed with a weak key may be forged. Return (number of old keys
    kept, number dropped as weak).
    """
    old = edit.need_key()
    if edit.keys.staged:
        raise KeyFileError(
            f"{edit.path} has a staged key; run 'flask secret promote' to finish "
            "that rotation first"
        )
    previous = [old, *(k for k in edit.keys.fallbacks if k != old)]
    strong = [k for k in previous if not is_weak(k)]
    edit.keys = Keys(new_key(), strong[:keep])
    return len(edit.keys.fallbacks), len(previous) - len(strong)


def stage(edit):
    """Add a new key to the front of the fallbacks; the key still signs.

    Return the new key's id. Once every host has restarted with it, every
    host accepts cookies signed with it: promote() is then safe.
    """
    key = edit.need_key()
    if edit.keys.staged:
        raise KeyFileError(
            f"{edit.path} has a staged key already ({edit.keys.staged}); run "
            "'flask secret promote'"
        )
    new = new_key()
    edit.keys = Keys(key, [new, *edit.keys.fallbacks], key_id(new))
    return key_id(new)


def promote(edit):
    """Let the staged key sign and keep the old key as the first fallback;
    return the promoted key's id."""
    key = edit.need_key()
    staged, fallbacks = edit.keys.staged, edit.keys.fallbacks
    if not staged or not fallbacks or key_id(fallbacks[0]) != staged:
        raise KeyFileError(
            f"{edit.path} has no staged key; run 'flask secret stage' first"
        )
    edit.keys = Keys(fallbacks[0], [key, *fallbacks[1:]])
    return staged


def retire(edit, keep):
    """Keep only the `keep` newest old keys (and a staged key); return how
    many were dropped."""
    key = edit.need_key()
    fallbacks, staged = edit.keys.fallbacks, edit.keys.staged
    pinned = fallbacks[:1] if staged else []
    kept = pinned + fallbacks[len(pinned) :][:keep]
    edit.keys = Keys(key, kept, staged)
    return len(fallbacks) - len(kept)


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock beside the file at `path` (its target, for a
    link), so that concurrent changes run one after the other, each on what
    the one before wrote. The lock is never opened through a link, nor used
    when another user owns it (they could hold it for ever)."""
    name = f"{os.path.realpath(path)}.lock"
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(name, flags, PRIVATE)
    except OSError:
        if os.path.islink(name):
            raise KeyFileError(
                f"{name} is a symbolic link, not a lock; remove it"
            ) from None
        raise
    try:
        if not owned_by_me(os.fstat(fd)):
            raise KeyFileError(f"{name} belongs to another user; remove it")
        lock(fd, name)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


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
    bindings = list(parse_stream(io.StringIO(text.removeprefix(BOM))))
    for binding in bindings:
        if binding.error:
            raise KeyFileError(
                f"python-dotenv cannot read line {binding.original.line} of {path}; "
                "fix that line, then run this again"
            )
    return bindings


def values(text):
    """Return the settings of .env text, as the app reads them (load_dotenv
    expands ${NAME}, in single quotes too)."""
    return dotenv_values(stream=io.StringIO(text.removeprefix(BOM)), interpolate=True)


def read_fallbacks(raw, path):
    """Return the list of old keys that FLASK_SECRET_KEY_FALLBACKS holds."""
    if not raw:
        return []
    try:
        keys = json.loads(raw)
    except NOT_JSON:
        keys = None
    if not isinstance(keys, list) or not is_key_list(keys):
        raise KeyFileError(
            f"{FALLBACKS_NAME} in {path} is not a JSON list of keys; fix that line"
        )
    return keys


def json_text(keys):
    """Return a JSON list of `keys` with no "$": python-dotenv expands
    ${...}, so "$" is written as \\u0024, which JSON reads back as "$"."""
    return json.dumps(keys).replace("$", "\\u0024")


def quote(value):
    """Return `value` as python-dotenv reads it back: plain, or single-quoted."""
    if value and set(value) <= PLAIN:
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def set_binding(text, path, name, value):
    """Return .env text with `name` set to `value`: the value of its last
    binding (the one in force) replaced in place, any earlier binding of it
    removed, or a new line at the end. None removes every binding of it."""
    prefix = BOM if text.startswith(BOM) else ""
    bindings = parse(text, path)
    parts = [binding.original.string for binding in bindings]
    where = [i for i, binding in enumerate(bindings) if binding.key == name]
    for i in where[:-1] if value is not None else where:
        # keep the blank lines python-dotenv counts into the binding
        parts[i] = parts[i][: len(parts[i]) - len(parts[i].lstrip())]
    if value is None:
        return prefix + "".join(parts)
    newline = "\r\n" if "\r\n" in text else "\n"
    if where:
        parts[where[-1]] = with_value(parts[where[-1]], name, quote(value), newline)
    else:
        if parts and not parts[-1].endswith(("\n", "\r")):
            parts[-1] += newline
        parts.append(f"{name}={quote(value)}{newline}")
    changed = prefix + "".join(parts)
    if values(changed).get(name) != value:  # such as ${...}, which it expands
        raise KeyFileError(
            f"python-dotenv would not read {name} back from {path} as it would "
            "be written; nothing was changed"
        )
    return changed


def with_value(original, name, value, newline):
    """Return the binding text `original` with its value replaced by `value`
    (already quoted), keeping what stands around it."""
    match = BINDING.match(original)
    if match is None:  # a name without "=": a line of its own
        ending = original[len(original.rstrip("\r\n")) :]
        return f"{name}={value}{ending or newline}"
    return match["head"] + value + match["tail"]


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
    keys = read_keys(path)
    if not keys.key:
        raise KeyFileError(f"{path} has no key; run 'flask secret init'")
    with one_line(key_file, "write a key to"):
        replace_private(key_file, keys.key + "\n", follow=False)
    if fallbacks_file:
        with one_line(fallbacks_file, "write a key to"):
            text = json.dumps(keys.fallbacks) + "\n"
            replace_private(fallbacks_file, text, follow=False)


def check_export_target(target, env_path):
    """Refuse to export into a link, another user's file or the env file."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and os.path.islink(target):
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
