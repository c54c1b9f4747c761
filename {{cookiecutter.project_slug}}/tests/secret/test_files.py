import json
import os
import secrets

import click
import pytest
from flask import request

from {{ cookiecutter.project_slug }} import create_app, secret
from {{ cookiecutter.project_slug }}.secret import (
    KeySourceError,
    WeakSecretKeyError,
)


@pytest.fixture
def key_file(project_dir, monkeypatch):
    def write(name, text, filename=None):
        path = project_dir / (filename or name.lower())
        path.write_text(text)
        monkeypatch.setenv(f"FLASK_{name}_FILE", str(path))
        return path

    return write


def test_key_and_fallbacks_from_files(key_file):
    key, old = secrets.token_hex(32), secrets.token_hex(32)
    key_file("SECRET_KEY", key + "\n")
    key_file("SECRET_KEY_FALLBACKS", json.dumps([old]) + "\r\n")
    app = create_app()
    assert app.secret_key == key
    assert app.config["SECRET_KEY_FALLBACKS"] == [old]
    assert "SECRET_KEY_FILE" not in app.config


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("\ufeff%s\n", "starts with a byte-order mark"),  # Notepad, PowerShell 5
        ("%s \n", "has spaces, tabs or line breaks around the key"),
        ("%s \r\n", "has spaces, tabs or line breaks around the key"),
        ("\t%s", "has spaces, tabs or line breaks around the key"),
        ("%s\n\n", "has spaces, tabs or line breaks around the key"),
        ("%s\nsecond line\n", "has more than one line"),
        ("%s\r%s", "has more than one line"),
        ("", "is empty"),
        ("\n", "is empty"),
    ],
    ids=["bom", "space", "space-crlf", "tab", "blank-line", "second-line", "cr",
         "empty", "newline"],
)  # fmt: skip
def test_key_files_hold_the_key_alone(key_file, text, problem):
    # hosts given "the same" key would otherwise sign differently
    key = secrets.token_hex(32)
    path = key_file("SECRET_KEY", text.replace("%s", key))
    with pytest.raises(KeySourceError) as error:
        create_app()
    assert str(error.value).startswith(f"FLASK_SECRET_KEY_FILE: {path} {problem}")
    assert key not in str(error.value)


@pytest.mark.parametrize(
    "text",
    ["null", "0", "false", "{}", '"old"', '[1, "a"]', "[" * 30_000 + "]" * 30_000],
)
def test_fallbacks_files_hold_a_list_of_keys(key_file, text):
    key_file("SECRET_KEY", secrets.token_hex(32))
    path = key_file("SECRET_KEY_FALLBACKS", text)
    with pytest.raises(KeySourceError) as error:
        create_app()
    assert str(error.value).startswith(
        f"FLASK_SECRET_KEY_FALLBACKS_FILE: {path} is not a JSON list of keys"
    )
    assert "rotate" not in str(error.value)  # it edits .env, not this file


def test_a_fifo_is_refused_at_once(key_file, project_dir, monkeypatch):
    mkfifo = getattr(os, "mkfifo", None)
    if mkfifo is None:
        pytest.skip("Windows has no FIFOs")
    fifo = project_dir / "fifo"
    mkfifo(fifo)  # opening it to read would wait for a writer for ever
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(fifo))
    with pytest.raises(KeySourceError) as error:
        create_app()
    assert str(error.value) == (
        f"FLASK_SECRET_KEY_FILE: {fifo} is not a regular file; point it at the "
        "key file itself"
    )


def test_a_fallbacks_file_of_64_kib_written_as_people_write_json(key_file):
    # indented over several lines, and padded to exactly 64 KiB
    keys = [secrets.token_hex(32) for _ in range(3)]
    text = json.dumps(keys, indent=2) + "\n"
    key_file("SECRET_KEY", secrets.token_hex(32) + "\n")
    key_file("SECRET_KEY_FALLBACKS", text + " " * (64 * 1024 - len(text)))
    assert create_app().config["SECRET_KEY_FALLBACKS"] == keys


@pytest.mark.parametrize("kind", ["folder", "huge", "device"])
def test_key_files_are_small_regular_files(project_dir, monkeypatch, kind):
    if kind == "folder":
        path, problem = project_dir, "is a folder"
    elif kind == "huge":
        path = project_dir / "huge"
        path.write_bytes(b"0" * (64 * 1024 + 1))
        problem = "is larger than 64 KiB"
    else:
        path, problem = os.devnull, "is not a regular file"
        if not os.path.exists(path) or os.name == "nt":
            pytest.skip("no /dev/null device file here")
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(path))
    with pytest.raises(KeySourceError) as error:
        create_app()
    assert str(error.value).startswith(f"FLASK_SECRET_KEY_FILE: {path} {problem}")


def test_a_relative_key_file_is_found_from_the_project_root(project_dir, monkeypatch):
    key = secrets.token_hex(32)
    (project_dir / "pyproject.toml").write_text("")
    (project_dir / "key.txt").write_text(key + "\n")
    (project_dir / "tests").mkdir()
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", "key.txt")
    for folder in (project_dir, project_dir / "tests"):
        monkeypatch.chdir(folder)
        assert create_app().secret_key == key


def test_key_and_key_file_both_set(key_file, monkeypatch):
    key_file("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("FLASK_SECRET_KEY", secrets.token_hex(32))
    with pytest.raises(KeySourceError, match="are both set"):
        create_app()


def test_missing_key_file(project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(project_dir / "missing"))
    with pytest.raises(KeySourceError) as error:
        create_app()
    assert str(error.value) == (
        "FLASK_SECRET_KEY_FILE names no file (its value, "
        f"{len(str(project_dir / 'missing'))} characters, is not shown): "
        "set it to the path of the file"
    )


@pytest.mark.parametrize(
    "pasted",
    [
        secrets.token_hex(32),
        secrets.token_urlsafe(32),
        "k3y/with/slashes/" + secrets.token_hex(16),  # reads like a path
        " " + secrets.token_hex(24) + " ",
    ],
    ids=["hex", "urlsafe", "slashes", "spaces"],
)
@pytest.mark.parametrize("name", ["SECRET_KEY", "SECRET_KEY_FALLBACKS"])
def test_a_key_pasted_as_a_file_name_is_never_shown(
    project_dir, monkeypatch, capsys, pasted, name
):
    # a common slip: the key itself in the _FILE variable
    monkeypatch.setenv(f"FLASK_{name}_FILE", pasted)
    with pytest.raises(KeySourceError) as error:
        create_app({"SECRET_KEY": secrets.token_hex(32)} if "FALL" in name else None)
    message = str(error.value)
    assert pasted.strip() not in message
    assert pasted.strip()[:12] not in message
    assert f"FLASK_{name}_FILE names no file" in message
    assert f"{len(pasted)} characters" in message
    assert pasted.strip() not in capsys.readouterr().err


@pytest.mark.parametrize("value", ['["%s"]', "%s"], ids=["json-list", "number"])
def test_a_json_value_as_a_file_name_is_never_shown(project_dir, monkeypatch, value):
    key = str(secrets.randbits(128)) if value == "%s" else secrets.token_hex(32)
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS_FILE", value % key)
    with pytest.raises(KeySourceError) as error:
        create_app({"SECRET_KEY": secrets.token_hex(32)})
    assert key not in str(error.value)
    assert "FLASK_SECRET_KEY_FALLBACKS_FILE holds a JSON" in str(error.value)


def test_fallbacks_file_must_hold_json(key_file):
    key_file("SECRET_KEY", secrets.token_hex(32))
    key_file("SECRET_KEY_FALLBACKS", "not json")
    with pytest.raises(KeySourceError, match="is not a JSON list of keys"):
        create_app()


KEY, FALLBACKS = "SECRET_KEY", "SECRET_KEY_FALLBACKS"


@pytest.mark.parametrize(
    ("files", "weak", "named"),
    [
        ([KEY], KEY, "secret_key"),
        ([KEY], KEY, "+secret_key"),  # a name that sorts before ".env"
        ([KEY, FALLBACKS], FALLBACKS, "secret_key_fallbacks"),
        ([KEY], FALLBACKS, None),  # the weak fallback is not in the file
        ([FALLBACKS], KEY, None),
        ([".env"], KEY, None),
    ],
    ids=["key-file", "key-file-+", "fallbacks-file", "fallback-elsewhere",
         "key-elsewhere", ".env"],
)  # fmt: skip
def test_a_weak_key_is_to_be_replaced_where_it_is(
    key_file, project_dir, monkeypatch, files, weak, named
):
    """The message names a file only when the weak key is in that file."""
    values = {KEY: secrets.token_hex(32), FALLBACKS: "[]"}
    values[weak] = "dev" if weak == KEY else '["dev"]'
    for name, text in values.items():
        if name in files:
            key_file(name, text + "\n", named if name == weak else None)
        elif ".env" in files:
            with (project_dir / ".env").open("a") as env:
                env.write(f"FLASK_{name}='{text}'\n")
        else:
            monkeypatch.setenv(f"FLASK_{name}", text)
    with pytest.raises(WeakSecretKeyError, match="too short") as error:
        create_app()
    if named:
        assert f"Put a strong key in {project_dir / named} " in error.value.message
        assert "flask secret rotate" not in error.value.message
    else:
        assert "Put a strong key in" not in error.value.message
        assert "Run 'flask secret rotate' to replace it" in error.value.message


def probe_app(monkeypatch, settings, test_config=None):
    """An app with FLASK_* `settings` and a route that shows what it
    believes of the request: scheme, host and client address."""
    for name, value in settings.items():
        monkeypatch.setenv(f"FLASK_{name}", value)
    app = create_app({"SECRET_KEY": secrets.token_hex(32), **(test_config or {})})

    @app.get("/probe")
    def probe():
        return f"{request.scheme} {request.host} {request.remote_addr}"

    return app.test_client()


FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
}


@pytest.mark.parametrize(
    ("settings", "seen"),
    [
        ({}, "http localhost 127.0.0.1"),
        ({"TRUSTED_PROXIES": "1"}, "https localhost 203.0.113.9"),
        ({"TRUSTED_HOST_PROXIES": "1"}, "http evil.example 127.0.0.1"),
        (
            {"TRUSTED_PROXIES": "1", "TRUSTED_HOST_PROXIES": "1"},
            "https evil.example 203.0.113.9",
        ),
    ],
    ids=["none", "proxies", "host-proxies", "both"],
)
def test_forwarded_headers_are_believed_only_as_set(
    project_dir, monkeypatch, settings, seen
):
    client = probe_app(monkeypatch, settings)
    assert client.get("/probe", headers=FORGED).text == seen


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example"},
        {"Host": "example.com.evil.example"},
        {"Host": "localhost", "X-Forwarded-Host": "evil.example"},
    ],
    ids=["host", "suffix", "forwarded-host"],
)
def test_trusted_hosts_refuse_other_hosts(project_dir, monkeypatch, headers):
    settings = {"TRUSTED_HOSTS": '["example.com", ".example.org"]'}
    settings["TRUSTED_HOST_PROXIES"] = "1"
    client = probe_app(monkeypatch, settings)
    assert client.get("/probe", headers=headers).status_code == 400
    for host in ("example.com", "www.example.org"):
        assert client.get("/probe", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("name", ["TRUSTED_PROXIES", "TRUSTED_HOST_PROXIES"])
@pytest.mark.parametrize("proxies", ["-1", "true", '"one"', "1.5"])
def test_trusted_proxies_must_be_a_count(project_dir, monkeypatch, name, proxies):
    monkeypatch.setenv(f"FLASK_{name}", proxies)
    with pytest.raises(click.ClickException) as error:
        create_app({"SECRET_KEY": secrets.token_hex(32)})
    assert error.value.message == (
        f"FLASK_{name} must be a whole number of proxies, such as 1"
    )


@pytest.mark.parametrize("ending", ["\r\n", "\n", ""])
def test_one_line_ending_is_not_part_of_the_key(key_file, ending):
    key = secrets.token_hex(32)
    key_file("SECRET_KEY", key + ending)
    assert create_app().secret_key == key


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermissionError(13, "Permission denied"), "Permission denied"),
        (UnicodeDecodeError("utf-8", b"\xe9", 0, 1, "bad"), None),
    ],
)
def test_an_unreadable_env_is_one_line(project_dir, monkeypatch, error, reason):
    # as another user would meet it (root reads any file): a stand-in
    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(secret, "load_dotenv", refuse)
    with pytest.raises(KeySourceError) as raised:
        create_app()
    env = project_dir / ".env"
    assert str(raised.value) == (
        f"cannot read {env}: {reason}"
        if reason
        else f"{env} is not UTF-8 text; fix or move it"
    )


@pytest.fixture
def nested(tmp_path, monkeypatch):
    """A project inside a folder that has a .env of its own (a home folder)."""
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    monkeypatch.chdir(project / "docs")
    for name in ("FLASK_SECRET_KEY", "FLASK_SECRET_KEY_FALLBACKS"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return tmp_path, project


def test_a_key_from_a_parent_env_stops_the_app(nested, monkeypatch):
    home, project = nested
    key = secrets.token_hex(32)
    (home / ".env").write_text(f"FLASK_SECRET_KEY={key}\n")
    monkeypatch.setenv("FLASK_SECRET_KEY", key)  # as the flask command sets it
    with pytest.raises(KeySourceError) as error:
        create_app()
    assert str(error.value).startswith(
        f"FLASK_SECRET_KEY comes from {home / '.env'}, outside this project"
    )
    assert secret.key_source(key) == str(home / ".env")


@pytest.mark.parametrize(("theirs", "ours"), [("0", "f"), ("f", "0")])
def test_other_keys_are_not_blamed_on_a_parent_env(nested, monkeypatch, theirs, ours):
    home, project = nested
    (home / ".env").write_text(f"FLASK_SECRET_KEY={theirs}{secrets.token_hex(32)}\n")
    key = ours + secrets.token_hex(32)
    monkeypatch.setenv("FLASK_SECRET_KEY", key)  # the real environment's own
    assert create_app().secret_key == key
    assert secret.key_source(key) == "the environment"
    (project / ".env").write_text(f"FLASK_SECRET_KEY={key}\n")  # nearer
    assert secret.key_source(key) == str(project / ".env")


def test_a_fallbacks_file_alone(key_file, monkeypatch):
    key, old = secrets.token_hex(32), secrets.token_hex(32)
    monkeypatch.setenv("FLASK_SECRET_KEY", key)
    key_file("SECRET_KEY_FALLBACKS", json.dumps([old]))
    app = create_app()
    assert (app.secret_key, app.config["SECRET_KEY_FALLBACKS"]) == (key, [old])


def test_an_unreadable_parent_env_is_not_blamed(nested, monkeypatch):
    home, project = nested
    key = secrets.token_hex(32)
    (home / ".env").write_bytes(b"FLASK_SECRET_KEY=caf\xe9\n")  # not UTF-8
    monkeypatch.setenv("FLASK_SECRET_KEY", key)
    assert create_app().secret_key == key
    (home / ".env").write_text(f"FLASK_SECRET_KEY={key}\n")

    def refuse(*args, **kwargs):  # as another user would meet it
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(secret, "dotenv_values", refuse)
    assert secret.key_source(key) == "the environment"
