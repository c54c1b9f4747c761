import json
import os
import secrets
import stat
import threading

import pytest
from dotenv import dotenv_values

from {{ cookiecutter.project_slug }}.secret import editing, envfile


def change(action, path, *args):
    """Run an editing action on the env file at `path`, as flask secret does."""
    with editing.editing(str(path)) as edit:
        return action(edit, *args)


def key_of(env):
    return dotenv_values(env)["FLASK_SECRET_KEY"]


def fallbacks_of(env):
    return json.loads(dotenv_values(env)["FLASK_SECRET_KEY_FALLBACKS"])


def test_new_key():
    keys = {envfile.new_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.posix_modes
def test_create_env_makes_a_private_file(tmp_path):
    env = tmp_path / ".env"
    assert envfile.create_env(str(env)) == "created"
    assert mode(env) == 0o600
    assert len(key_of(env)) == 64
    assert env.read_text().startswith("# Private settings")
    said = envfile.describe("created", str(env))
    assert said.startswith(f"Created {env} with a new secret key (owner-only")


@pytest.mark.posix_modes
def test_create_env_is_private_from_its_first_moment(tmp_path, monkeypatch):
    """Owner-only the moment the file exists, whatever the umask."""
    modes = []
    real_open = os.open

    def spying_open(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        if flags & os.O_CREAT:
            modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return fd

    monkeypatch.setattr(os, "open", spying_open)
    old_umask = os.umask(0)  # a kind umask must not be what makes it private
    try:
        envfile.create_env(str(tmp_path / ".env"))
    finally:
        os.umask(old_umask)
    assert modes == [0o600]


@pytest.mark.parametrize(
    "text",
    [b"FLASK_SECRET_KEY=abc\n", b"FLASK_SECRET_KEY= # fill me\n", b"\xff\xfe", b"A=1"],
    ids=["key", "empty-key", "not-utf8", "no-key"],
)
def test_create_env_leaves_a_file_unread_and_untouched(tmp_path, text):
    env = tmp_path / ".env"
    env.write_bytes(text)
    env.chmod(0o600)
    assert envfile.create_env(str(env)) == "kept"
    assert env.read_bytes() == text
    assert [path.name for path in tmp_path.iterdir()] == [".env"]
    assert envfile.describe("kept", ".env") == (
        "Kept .env as it is. If the app says FLASK_SECRET_KEY is not set, "
        "run 'flask secret init'."
    )


@pytest.mark.posix_modes
@pytest.mark.parametrize("bits", [0o644, 0o601, 0o610, 0o604])
def test_create_env_says_when_others_can_read(tmp_path, bits):
    env = tmp_path / ".env"
    env.write_text("A=1\n")
    env.chmod(bits)
    assert envfile.create_env(str(env)) == "kept-open"
    assert mode(env) == bits  # told, not changed
    assert envfile.describe("kept-open", ".env") == (
        "Kept .env as it is, but others can read it: run 'chmod 600 .env'. "
        "If the app says FLASK_SECRET_KEY is not set, run 'flask secret init'."
    )


@pytest.mark.posix_modes
def test_create_env_never_follows_a_link(tmp_path):
    """A .env that links elsewhere: neither its target nor its mode change."""
    outside = tmp_path / "outside.env"
    outside.write_text("SHARED=1\n")
    outside.chmod(0o644)
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").symlink_to(outside)
    assert envfile.create_env(str(project / ".env")) == "kept-open"
    assert outside.read_text() == "SHARED=1\n"
    assert mode(outside) == 0o644
    dangling = tmp_path / "dangling"
    dangling.mkdir()
    (dangling / ".env").symlink_to(tmp_path / "missing")
    with pytest.raises(envfile.KeyFileError, match="links to nothing"):
        envfile.create_env(str(dangling / ".env"))
    assert not (tmp_path / "missing").exists()


def test_a_change_syncs_the_new_file_then_its_folder(tmp_path, monkeypatch):
    # so that after a power cut .env holds the old keys or the new ones
    env = env_with(tmp_path, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    synced, fsync = [], os.fsync

    def spying_fsync(fd):
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        fsync(fd)

    monkeypatch.setattr(envfile.os, "fsync", spying_fsync)
    change(editing.rotate, env, 3)
    assert synced == (["file", "folder"] if os.name == "posix" else ["file"])


def test_create_env_failure_leaves_no_file(tmp_path, monkeypatch):
    def fail(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(envfile.os, "fsync", fail)
    with pytest.raises(envfile.KeyFileError, match="No space left on device"):
        envfile.create_env(str(tmp_path / ".env"))
    assert list(tmp_path.iterdir()) == []


def test_owned_by_me_compares_user_ids_by_value(monkeypatch):
    # a uid such as 1000 is a new int object each time it is computed
    info = os.stat_result((0o100600, 0, 0, 1, 100_000, 0, 0, 0, 0, 0))
    monkeypatch.setattr(os, "geteuid", lambda: int("100000"), raising=False)
    assert envfile.owned_by_me(info)
    monkeypatch.setattr(os, "geteuid", lambda: int("100001"), raising=False)
    assert not envfile.owned_by_me(info)


def test_create_env_refuses_a_folder(tmp_path):
    (tmp_path / ".env").mkdir()
    with pytest.raises(envfile.KeyFileError) as error:
        envfile.create_env(str(tmp_path / ".env"))
    assert str(error.value) == f"{tmp_path / '.env'} is a folder, not a file; move it"


@pytest.mark.parametrize(
    ("marker", "start", "found"),
    [
        pytest.param("pyproject.toml", "pkg/sub", ".env", id="pyproject"),
        pytest.param(".flaskenv", "pkg/sub", ".env", id="flaskenv"),
        pytest.param(".flaskenv", "", ".env", id="at-the-root"),
        pytest.param(None, "pkg", "pkg/.env", id="no-project"),
        pytest.param("pyproject.toml/", "pkg", "pkg/.env", id="marker-is-a-folder"),
    ],
)
def test_find_env_file_is_bounded_by_the_project_root(tmp_path, marker, start, found):
    """The .env of the root that .flaskenv or pyproject.toml marks (the
    folder started in, outside a project); a .env above it is never used."""
    (tmp_path / ".env").write_text("FLASK_SECRET_KEY=someone-else's\n")
    root = tmp_path / "project"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / ".env").write_text("")  # not the root: ignored inside one
    if marker and marker.endswith("/"):
        (root / marker).mkdir()
    elif marker:
        (root / marker).write_text("")
    assert envfile.find_env_file(root / start) == str(root / found)
    assert envfile.find_project_root(tmp_path) is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        pytest.param("\ufeffFLASK_SECRET_KEY=old\r\nA=1\r\n", "A=1\r\n", id="bom-crlf"),
        pytest.param("'FLASK_SECRET_KEY'=old\n# note\n", "# note\n", id="quoted-name"),
        pytest.param("FLASK_SECRET_KEY=old\nFLASK_SECRET_KEY\n", "", id="bare-last"),
        pytest.param(
            'B="x\nFLASK_SECRET_KEY=inside\n"\nFLASK_SECRET_KEY=old\n',
            'B="x\nFLASK_SECRET_KEY=inside\n"\n',
            id="inside-a-value",
        ),
        pytest.param("FLASK_SECRET_KEY=old", "", id="no-final-newline"),
    ],
)
def test_rotate_edits_only_the_binding_in_force(tmp_path, text, kept):
    env = tmp_path / ".env"
    env.write_bytes(text.encode())
    old = key_of(env)
    if old is None:  # a bare last line unsets the key: nothing to rotate
        with pytest.raises(envfile.KeyFileError, match="has no key"):
            change(editing.rotate, str(env), 3)
        assert env.read_bytes() == text.encode()
        return
    change(editing.rotate, str(env), 3)
    values = dotenv_values(env)
    assert len(values["FLASK_SECRET_KEY"]) == 64
    assert fallbacks_of(env) == [old]
    assert kept in env.read_bytes().decode()
    assert env.read_bytes().startswith(b"\xef\xbb\xbf") == text.startswith("\ufeff")
    assert (b"\r\n" in env.read_bytes()) == ("\r\n" in text)


def test_rotate_refuses_what_python_dotenv_cannot_read(tmp_path):
    env = tmp_path / ".env"
    env.write_text("FLASK_SECRET_KEY=old\nA='unterminated\nB=2\n")
    before = env.read_bytes()
    with pytest.raises(envfile.KeyFileError, match="cannot read line 2"):
        change(editing.rotate, str(env), 3)
    assert env.read_bytes() == before


def test_rotate_glues_nothing_onto_a_last_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\nFLASK_SECRET_KEY=old")
    change(editing.rotate, str(env), 3)
    assert dotenv_values(env)["A"] == "1"
    assert fallbacks_of(env) == ["old"]


def test_rotate_keep_zero_empties_the_fallbacks(tmp_path):
    env = tmp_path / ".env"
    env.write_text("FLASK_SECRET_KEY=old\nFLASK_SECRET_KEY_FALLBACKS='[\"older\"]'\n")
    assert change(editing.rotate, str(env), 0) == (0, 0)
    assert fallbacks_of(env) == []


def test_rotate_through_a_symlink_changes_its_target(tmp_path):
    target = tmp_path / "real.env"
    target.write_text("FLASK_SECRET_KEY=old\n")
    link = tmp_path / ".env"
    link.symlink_to(target)
    change(editing.rotate, str(link), 3)
    assert link.is_symlink()
    assert fallbacks_of(target) == ["old"]


def test_concurrent_rotations_lose_nothing(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    errors = []

    def rotate():
        try:
            change(editing.rotate, str(env), 20)
        except Exception as error:  # noqa: BLE001 - collected, then asserted
            errors.append(error)

    threads = [threading.Thread(target=rotate) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(fallbacks_of(env))) == 20
    assert sorted(os.listdir(tmp_path)) == [".env", ".env.lock"]


def env_with(tmp_path, text):
    env = tmp_path / ".env"
    env.write_text(text)
    return env


EDITS = [
    (editing.init, ()),
    (editing.rotate, (3,)),
    (editing.stage, ()),
    (editing.promote, ()),
    (editing.retire, (0,)),
]


@pytest.mark.parametrize(
    ("action", "args"),
    [
        (envfile.create_env, ()),
        (editing.read_keys, ()),
        (editing.export_keys, ("key",)),
        *[(lambda path, a=a, *args: change(a, path, *args), args) for a, args in EDITS],
    ],
)
def test_every_action_fails_in_one_line(tmp_path, action, args):
    """A .env that is a folder: each action raises one KeyFileError line."""
    (tmp_path / ".env").mkdir()
    with pytest.raises(envfile.KeyFileError) as error:
        action(str(tmp_path / ".env"), *args)
    assert str(tmp_path / ".env") in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(("action", "args"), EDITS[:3] + EDITS[4:])
def test_every_change_takes_the_lock(tmp_path, action, args):
    env = tmp_path / "sub" / ".env"
    env.parent.mkdir()
    if action is not editing.init:
        env.write_text("FLASK_SECRET_KEY=old\n")
    change(action, env, *args)
    assert (tmp_path / "sub" / ".env.lock").exists()


def test_promote_takes_the_lock(tmp_path):
    env = env_with(tmp_path, "FLASK_SECRET_KEY=old\n")
    change(editing.stage, str(env))
    (tmp_path / ".env.lock").unlink()
    change(editing.promote, str(env))
    assert (tmp_path / ".env.lock").exists()


def test_keys_are_written_plain_and_lists_quoted(tmp_path):
    env = env_with(tmp_path, "FLASK_SECRET_KEY=old\n")
    change(editing.rotate, str(env), 3)
    lines = env.read_text().splitlines()
    assert lines[0].startswith("FLASK_SECRET_KEY=") and "'" not in lines[0]
    assert lines[1] == "FLASK_SECRET_KEY_FALLBACKS='[\"old\"]'"


def test_rotate_rewrites_the_last_of_two_key_lines_and_drops_the_other(tmp_path):
    first, second = secrets.token_hex(32), secrets.token_hex(32)
    env = env_with(
        tmp_path,
        f"A=1\n\n\nFLASK_SECRET_KEY={first}\nB=2\nFLASK_SECRET_KEY={second}\n",
    )
    change(editing.rotate, str(env), 0)
    text = env.read_text()
    assert first not in text and second not in text
    # the blank lines before the dropped line stay
    assert text == f"A=1\n\n\nB=2\nFLASK_SECRET_KEY={key_of(env)}\n"


def test_a_change_that_changes_nothing_leaves_the_file_alone(tmp_path):
    env = env_with(tmp_path, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    before = env.stat()
    assert change(editing.retire, env, 0) == 0
    after = env.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_rotate_keeps_each_old_key_once(tmp_path):
    env = env_with(
        tmp_path, 'FLASK_SECRET_KEY=k1\nFLASK_SECRET_KEY_FALLBACKS=\'["k1", "k0"]\'\n'
    )
    assert change(editing.rotate, str(env), 5) == (2, 0)
    assert fallbacks_of(env) == ["k1", "k0"]


def test_rotate_counts_the_weak_keys_it_drops(tmp_path):
    env = env_with(
        tmp_path, "FLASK_SECRET_KEY=weak\nFLASK_SECRET_KEY_FALLBACKS='[\"ok\"]'\n"
    )
    assert change(editing.rotate, str(env), 5, lambda key: key == "weak") == (1, 1)
    assert fallbacks_of(env) == ["ok"]


def test_promote_with_older_fallbacks(tmp_path):
    env = env_with(
        tmp_path, "FLASK_SECRET_KEY=k1\nFLASK_SECRET_KEY_FALLBACKS='[\"k0\"]'\n"
    )
    staged = change(editing.stage, str(env))
    new = fallbacks_of(env)[0]
    assert staged == envfile.key_id(new)
    assert change(editing.promote, str(env)) == staged
    assert (key_of(env), fallbacks_of(env)) == (new, ["k1", "k0"])


def test_promote_refuses_when_the_staged_key_is_gone(tmp_path):
    """The mark names a key that is no longer first among the fallbacks."""
    env = env_with(tmp_path, "FLASK_SECRET_KEY=k1\n")
    change(editing.stage, str(env))
    text = env.read_text().replace(fallbacks_of(env)[0], "edited-by-hand")
    env.write_text(text)
    with pytest.raises(envfile.KeyFileError, match="no staged key"):
        change(editing.promote, str(env))
    assert env.read_text() == text


def test_retire_counts_what_it_drops(tmp_path):
    env = env_with(
        tmp_path, 'FLASK_SECRET_KEY=k\nFLASK_SECRET_KEY_FALLBACKS=\'["a", "b", "c"]\'\n'
    )
    assert change(editing.retire, str(env), 1) == 2
    assert fallbacks_of(env) == ["a"]


def test_fingerprint():
    assert envfile.key_id("abc") == "sha256:ba7816bf8f01"


def test_export_writes_both_files(tmp_path):
    env = env_with(
        tmp_path, "FLASK_SECRET_KEY=k\nFLASK_SECRET_KEY_FALLBACKS='[\"a\"]'\n"
    )
    key_file, old_file = tmp_path / "key", tmp_path / "old"
    editing.export_keys(str(env), str(key_file), str(old_file))
    assert key_file.read_text() == "k\n"
    assert json.loads(old_file.read_text()) == ["a"]
    editing.export_keys(str(env), str(tmp_path / "only"))
    assert (tmp_path / "only").read_text() == "k\n"


def test_a_failed_write_leaves_the_old_file_and_no_other(tmp_path, monkeypatch):
    env = env_with(tmp_path, "FLASK_SECRET_KEY=old\n")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(envfile.os, "fsync", full)
    with pytest.raises(envfile.KeyFileError, match="No space left on device"):
        change(editing.rotate, str(env), 3)
    assert env.read_text() == "FLASK_SECRET_KEY=old\n"
    assert sorted(os.listdir(tmp_path)) == [".env", ".env.lock"]
    with pytest.raises(envfile.KeyFileError):
        envfile.create_env(str(tmp_path / "new.env"))
    assert not (tmp_path / "new.env").exists()


def test_write_errors_name_the_file_and_the_reason(tmp_path, monkeypatch):
    env = env_with(tmp_path, "FLASK_SECRET_KEY=old\n")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(envfile.os, "fsync", full)
    for action, args in EDITS[1:3]:  # retire changes nothing here: no write
        with pytest.raises(envfile.KeyFileError) as error:
            change(action, env, *args)
        assert str(error.value) == (
            f"cannot write a key to {env}: No space left on device"
        ), action.__name__
    with pytest.raises(envfile.KeyFileError) as error:
        editing.export_keys(str(env), str(tmp_path / "key"))
    assert str(error.value) == (
        f"cannot write a key to {tmp_path / 'key'}: No space left on device"
    )
    assert env.read_text() == "FLASK_SECRET_KEY=old\n"


def test_promote_write_error_is_one_line(tmp_path, monkeypatch):
    env = env_with(tmp_path, "FLASK_SECRET_KEY=old\n")
    change(editing.stage, str(env))

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(envfile.os, "fsync", full)
    with pytest.raises(envfile.KeyFileError, match="No space left on device"):
        change(editing.promote, str(env))


def test_each_line_keeps_its_own_ending(tmp_path):
    env = tmp_path / ".env"
    env.write_bytes(b"A=1\r\nFLASK_SECRET_KEY=old\nB=2\r\n")
    change(editing.rotate, str(env), 3)
    lines = env.read_bytes().split(b"\n")
    assert lines[0] == b"A=1\r"
    assert lines[1].startswith(b"FLASK_SECRET_KEY=") and not lines[1].endswith(b"\r")
    assert lines[2] == b"B=2\r"


def test_promote_refuses_a_mark_without_fallbacks(tmp_path):
    env = env_with(tmp_path, "FLASK_SECRET_KEY=k1\nSECRET_KEY_STAGED=sha256:abc\n")
    with pytest.raises(envfile.KeyFileError, match="no staged key"):
        change(editing.promote, str(env))


@pytest.mark.parametrize("value", ["not json", "[1]", '"one key"', '{"a": "b"}'])
def test_fallbacks_must_be_a_json_list_of_keys(tmp_path, value):
    env = env_with(
        tmp_path, f"FLASK_SECRET_KEY=k\nFLASK_SECRET_KEY_FALLBACKS='{value}'\n"
    )
    with pytest.raises(envfile.KeyFileError) as error:
        change(editing.rotate, str(env), 3)
    assert str(error.value) == (
        f"FLASK_SECRET_KEY_FALLBACKS in {env} is not a JSON list of keys; fix that line"
    )


def test_the_line_in_force_keeps_its_own_form(tmp_path):
    env = tmp_path / ".env"
    env.write_bytes(b"export FLASK_SECRET_KEY=first\r\nFLASK_SECRET_KEY=second\n")
    change(editing.rotate, str(env), 3)
    text = env.read_bytes()
    assert b"first" not in text  # a binding not in force is dropped, not kept
    line = text.split(b"\n")[0]  # its own ending: \n, not the other's \r\n
    assert line.startswith(b"FLASK_SECRET_KEY=") and not line.endswith(b"\r")


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("FLASK_SECRET_KEY=%s # issued 2024-05\n", ("", " # issued 2024-05\n")),
        ("export\tFLASK_SECRET_KEY=%s\n", ("export\t", "\n")),
        ("  FLASK_SECRET_KEY = '%s'\t# old one\r\n", ("  ", "\t# old one\r\n")),
        ('FLASK_SECRET_KEY="%s"   \n', ("", "   \n")),
    ],
    ids=["inline-comment", "export-tab", "spaces-quotes-crlf", "trailing-spaces"],
)
def test_rotate_keeps_what_stands_around_the_value(tmp_path, line, kept):
    old = secrets.token_hex(32)
    env = env_with(tmp_path, line.replace("%s", old))
    change(editing.rotate, env, 3)
    new_line = env.read_bytes().decode().splitlines(keepends=True)[0]
    before, after = kept
    assert new_line.startswith(before)
    assert new_line.endswith(after)
    assert key_of(env) != old and len(key_of(env)) == 64
    assert fallbacks_of(env) == [old]


@pytest.mark.parametrize(
    "old",
    [
        "Lm4${Tq8" + secrets.token_hex(16),  # no "}" of its own: read as it is
        "a$b" + secrets.token_hex(16),
        "quote'and\\back" + secrets.token_hex(16),
        "$$" + secrets.token_hex(16),
        'it\'s a \\ "strong" key: ' + secrets.token_hex(16),
    ],
    ids=["dollar-brace", "dollar", "quote-backslash", "two-dollars", "sentence"],
)
def test_old_keys_read_back_verbatim(tmp_path, old):
    """What rotate writes, python-dotenv reads back as the app calls it,
    interpolation on: a "$" in one old key and a "}" in another would
    otherwise make one ${...} of the JSON list."""
    other = "x}" + secrets.token_hex(16)
    fallbacks = editing.quote(json.dumps([other]))
    env = env_with(
        tmp_path,
        f"FLASK_SECRET_KEY={editing.quote(old)}\n"
        f"FLASK_SECRET_KEY_FALLBACKS={fallbacks}\n",
    )
    assert dotenv_values(env, interpolate=True)["FLASK_SECRET_KEY"] == old
    assert change(editing.rotate, env, 3) == (2, 0)
    settings = dotenv_values(env, interpolate=True)
    assert json.loads(settings["FLASK_SECRET_KEY_FALLBACKS"]) == [old, other]


# python-dotenv expands ${...}: read back, these keys would be longer or shorter
@pytest.mark.parametrize("expanded", ["${HOME}", "k${FLASK_NO_SUCH_SETTING}!"])
def test_a_key_that_would_not_read_back_is_refused(tmp_path, expanded):
    env = env_with(tmp_path, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    before = env.read_bytes()
    refused = pytest.raises(envfile.KeyFileError, match="read FLASK_SECRET_KEY back")
    with refused, editing.editing(str(env)) as edit:
        edit.keys = editing.Keys(expanded + secrets.token_hex(16))
    assert env.read_bytes() == before


@pytest.mark.parametrize("old", ["", "dev"])
def test_a_short_old_key_dropped_takes_no_text_with_it(tmp_path, old):
    # under 16 characters it is in too many words to be taken out of the text
    key = secrets.token_hex(32)
    env = env_with(
        tmp_path,
        f"# dev settings\nFLASK_SECRET_KEY={key}\n"
        f"FLASK_SECRET_KEY_FALLBACKS='[\"{old}\"]'\n",
    )
    change(editing.rotate, env, 1)
    assert fallbacks_of(env) == [key]
    assert env.read_text().startswith("# dev settings\nFLASK_SECRET_KEY=")


@pytest.mark.parametrize("length", [32, 8], ids=["hex-64", "hex-16"])
def test_keep_zero_leaves_no_text_of_the_old_keys(tmp_path, length):
    # 16 characters, the shortest key taken out of the text wherever it stands
    key, old, older = (secrets.token_hex(length) for _ in range(3))
    env = env_with(
        tmp_path,
        f"# was {older} until May\nFLASK_SECRET_KEY={older}\n"
        f"FLASK_SECRET_KEY={key}  # leaked {old}\n"
        f"FLASK_SECRET_KEY_FALLBACKS='[\"{old}\"]'\n",
    )
    change(editing.rotate, env, 0)
    text = env.read_text()
    assert [k in text for k in (key, old, older)] == [False, False, False]
    assert "# was (removed key) until May" in text


def test_init_fills_a_bare_name_on_the_last_line(tmp_path):
    env = env_with(tmp_path, "A=1\nFLASK_SECRET_KEY")
    assert change(editing.init, env) == "added"
    assert env.read_text() == f"A=1\nFLASK_SECRET_KEY={key_of(env)}\n"


@pytest.mark.parametrize("mark", ["sha256:000000000000", "sha256:ffffffffffff"])
def test_promote_refuses_a_mark_of_another_key(tmp_path, mark):
    """Whichever way the wrong mark sorts against the fallback's fingerprint."""
    env = env_with(tmp_path, "FLASK_SECRET_KEY=k1\n")
    change(editing.stage, str(env))
    text = env.read_text().replace(envfile.key_id(fallbacks_of(env)[0]), mark)
    env.write_text(text)
    with pytest.raises(envfile.KeyFileError, match="no staged key"):
        change(editing.promote, str(env))
    assert env.read_text() == text


def test_export_replaces_a_link_planted_after_its_check(tmp_path, monkeypatch):
    # a link planted between export's check and its write changes nothing
    key, old = secrets.token_hex(32), secrets.token_hex(32)
    env = env_with(tmp_path, f"FLASK_SECRET_KEY={key}\n")
    env.write_text(env.read_text() + f"FLASK_SECRET_KEY_FALLBACKS='[\"{old}\"]'\n")
    check = editing.check_export_target

    def check_then_plant(target, env_path):
        check(target, env_path)
        victim = f"{target}.theirs"
        with open(victim, "w") as theirs:
            theirs.write("theirs\n")
        os.symlink(victim, target)

    monkeypatch.setattr(editing, "check_export_target", check_then_plant)
    targets = [tmp_path / "key", tmp_path / "fallbacks"]
    editing.export_keys(str(env), *map(str, targets))
    victims = [path.with_name(path.name + ".theirs") for path in targets]
    assert [path.read_text() for path in victims] == ["theirs\n", "theirs\n"]
    assert [path.is_symlink() for path in targets] == [False, False]
    assert targets[0].read_text() == key + "\n"
    assert json.loads(targets[1].read_text()) == [old]


@pytest.fixture
def fake_icacls(tmp_path, monkeypatch):
    """An icacls on PATH that records its arguments and exits as told."""
    calls = tmp_path / "icacls-calls"
    script = tmp_path / "bin" / "icacls"
    script.parent.mkdir()
    record = f'printf "%s\\n" "$@" >> "{calls}"'
    said = "echo Successfully processed 1 files"  # as icacls does
    script.write_text(f"#!/bin/sh\n{record}\n{said}\nexit 0\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("USERNAME", "ada")
    monkeypatch.setenv("USERDOMAIN", "LAB")
    return calls


windows_branch = pytest.mark.skipif(
    os.name == "nt", reason="the fake icacls is a shell script; Windows has a real one"
)


@windows_branch
def test_windows_files_are_restricted_with_icacls(
    tmp_path, fake_icacls, monkeypatch, capfd
):
    monkeypatch.setattr(envfile.os, "name", "nt")
    env = tmp_path / ".env"
    assert envfile.create_env(str(env)) == "created"
    assert capfd.readouterr() == ("", "")  # what icacls says is not shown
    assert fake_icacls.read_text().splitlines() == [
        str(env), "/inheritance:r", "/grant:r", "LAB\\ada:F"
    ]  # fmt: skip
    assert envfile.describe("created", str(env)).startswith(f"Created {env} ")


@windows_branch
@pytest.mark.parametrize("ending", ["exit 5", "kill -KILL $$"], ids=["code", "signal"])
def test_windows_file_is_removed_when_icacls_fails(
    tmp_path, fake_icacls, monkeypatch, ending
):
    monkeypatch.setattr(envfile.os, "name", "nt")
    script = tmp_path / "bin" / "icacls"
    script.write_text(script.read_text().replace("exit 0", ending))
    env = tmp_path / ".env"
    with pytest.raises(envfile.KeyFileError) as error:
        envfile.create_env(str(env))
    assert str(error.value) == (
        f"cannot write a key to {env}: icacls could not make {env} owner-only"
    )
    assert not env.exists()


@windows_branch
def test_windows_without_icacls_writes_no_key(tmp_path, monkeypatch):
    monkeypatch.setattr(envfile.os, "name", "nt")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("USERNAME", "ada")
    with pytest.raises(envfile.KeyFileError) as error:
        envfile.create_env(str(tmp_path / ".env"))
    assert str(error.value).endswith("icacls could not run: No such file or directory")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "nt", reason="icacls and its access lists are Windows'")
def test_windows_env_is_for_its_owner_alone(tmp_path):
    import subprocess

    env = tmp_path / ".env"
    envfile.create_env(str(env))
    listing = subprocess.run(
        ["icacls", str(env)], capture_output=True, text=True, check=True
    ).stdout
    user = os.environ["USERNAME"].lower()
    grants = [line for line in listing.lower().splitlines() if ":(" in line]
    assert grants and all(user in line for line in grants), listing
