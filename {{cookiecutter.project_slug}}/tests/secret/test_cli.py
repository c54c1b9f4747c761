import contextlib
import json
import os
import secrets
import shutil
import stat
import subprocess
import threading

import click
import pytest
from dotenv import dotenv_values

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.secret import editing, envfile
from {{ cookiecutter.project_slug }}.secret.cli import (
    permission_problem,
    secret,
)


@pytest.fixture
def flask_secret(runner, project_dir):
    def invoke(*args):
        # each in an environment of its own, as each command is a process
        saved = dict(os.environ)
        try:
            return runner.invoke(secret, args)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    return invoke


def private(path):
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def write_env(project_dir, text):
    env = project_dir / ".env"
    env.write_text(text)
    env.chmod(0o600)
    return env


def keys_in(env):
    values = dotenv_values(env)
    return values["FLASK_SECRET_KEY"], json.loads(values["FLASK_SECRET_KEY_FALLBACKS"])


def export_setup(project_dir):
    key = secrets.token_hex(32)
    env = write_env(project_dir, f"FLASK_SECRET_KEY={key}\n")
    victim = project_dir / "victim.txt"
    victim.write_text("someone else's file\n")
    return key, env, victim


def git(folder, *args):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


KEY_ELSEWHERE = ["environment", "key-file-in-env", "key-file-in-dotenv"]


def key_elsewhere(where, project_dir, monkeypatch):
    """Put the app's key somewhere other than .env; return (its source as
    the commands name it, the .env the commands would change)."""
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    if where == "environment":
        monkeypatch.setenv("FLASK_SECRET_KEY", secrets.token_hex(32))
        return "the environment", env
    key_file = project_dir / "key"
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(0o600)
    if where == "key-file-above":  # a path that sorts before the .env's
        key_file = key_file.rename(project_dir.parent / f"{project_dir.name}.key")
    if where in ("key-file-in-env", "key-file-above"):
        monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(key_file))
        env.write_text("# no key here\n")
    else:
        env.write_text(f"FLASK_SECRET_KEY_FILE={key_file}\n")
    return str(key_file), env


# init


@pytest.mark.posix_modes
def test_init_makes_a_private_env(flask_secret, project_dir):
    result = flask_secret("init")
    assert result.exit_code == 0, result.output
    env = project_dir / ".env"
    assert private(env)
    key = dotenv_values(env)["FLASK_SECRET_KEY"]
    assert len(key) == 64
    assert key not in result.output


def test_init_finds_the_project_root(flask_secret, project_dir, monkeypatch):
    (project_dir / ".flaskenv").write_text("FLASK_APP=app\n")
    (project_dir / "docs").mkdir()
    monkeypatch.chdir(project_dir / "docs")
    assert flask_secret("init").exit_code == 0
    assert (project_dir / ".env").is_file()


def test_init_never_replaces_a_key(flask_secret, project_dir):
    env = project_dir / ".env"
    env.write_text(f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    before = env.read_bytes(), env.stat()
    result = flask_secret("init")
    assert result.exit_code == 1
    assert "already has a key" in result.output
    assert (env.read_bytes(), env.stat()) == before


def test_init_on_a_copy_of_the_example(flask_secret, project_dir):
    # the newcomer's path: cp .env.example .env && flask secret init
    example = project_dir / ".env.example"
    example.write_text("# every variable\nFLASK_SECRET_KEY=\n# FLASK_DEBUG=1\n")
    env = project_dir / ".env"
    env.write_bytes(example.read_bytes())
    result = flask_secret("init")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Added a new secret key to {env} (")
    assert len(dotenv_values(env)["FLASK_SECRET_KEY"]) == 64
    assert env.read_text().count("FLASK_SECRET_KEY=") == 1
    assert "# FLASK_DEBUG=1" in env.read_text()


@pytest.mark.parametrize(
    "text", ["A=1\n", "", "# nothing yet\r\n", "export FLASK_SECRET_KEY=\n"]
)
def test_init_fills_any_env_without_a_key(flask_secret, project_dir, text):
    env = project_dir / ".env"
    env.write_text(text)
    result = flask_secret("init")
    assert result.exit_code == 0, result.output
    assert len(dotenv_values(env)["FLASK_SECRET_KEY"]) == 64


def test_init_leaves_a_key_from_the_environment(flask_secret, project_dir, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", secrets.token_hex(32))
    result = flask_secret("init")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the app's key comes from the environment; leaving it (to use "
        ".env instead, unset it there first)\n"
    )
    assert not (project_dir / ".env").exists()


# rotate and --keep


@pytest.mark.posix_modes
def test_rotate_keeps_the_old_key_as_a_fallback(flask_secret, project_dir):
    old = secrets.token_hex(32)
    env = write_env(
        project_dir,
        f"# my settings\nexport FLASK_SECRET_KEY='{old}'\nDATABASE_URL=x # keep\n",
    )
    result = flask_secret("rotate")
    assert result.exit_code == 0, result.output
    values = dotenv_values(env)
    assert values["FLASK_SECRET_KEY"] not in (old, None)
    assert json.loads(values["FLASK_SECRET_KEY_FALLBACKS"]) == [old]
    assert values["DATABASE_URL"] == "x"
    assert env.read_text().startswith("# my settings\nexport FLASK_SECRET_KEY=")
    assert private(env)
    assert old not in result.output


@pytest.mark.parametrize(
    ("args", "kept"),
    [([], 3), (["--keep", "2"], 2), (["--keep", "20"], 5), (["--keep", "0"], 0)],
    ids=["default-3", "keep-2", "keep-20", "keep-0"],
)
def test_rotate_keeps_a_bounded_list(flask_secret, project_dir, args, kept):
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    seen = []
    for _ in range(5):
        seen.insert(0, dotenv_values(env)["FLASK_SECRET_KEY"])
        assert flask_secret("rotate", *args).exit_code == 0
    fallbacks = dotenv_values(env).get("FLASK_SECRET_KEY_FALLBACKS")
    assert json.loads(fallbacks or "[]") == seen[:kept]


@pytest.mark.parametrize(
    ("command", "default"), [("rotate", "default: 3;"), ("retire", "default: 0;")]
)
def test_keep_shows_its_default_and_stays_within_0_to_20(
    flask_secret, command, default
):
    help_text = flask_secret(command, "--help").output
    assert default in " ".join(help_text.split())
    for keep in ("-1", "21"):
        refused = flask_secret(command, "--keep", keep)
        assert refused.exit_code == 2
        assert "0<=x<=20" in refused.output


def test_rotate_drops_weak_keys(flask_secret, project_dir):
    strong = secrets.token_hex(32)
    env = write_env(
        project_dir,
        f'FLASK_SECRET_KEY=dev\nFLASK_SECRET_KEY_FALLBACKS=\'["{strong}", "x"]\'\n',
    )
    result = flask_secret("rotate")
    assert result.exit_code == 0, result.output
    assert "Dropped 2 weak" in result.output
    assert json.loads(dotenv_values(env)["FLASK_SECRET_KEY_FALLBACKS"]) == [strong]


def test_rotate_needs_a_key(flask_secret, project_dir):
    result = flask_secret("rotate")
    assert result.exit_code == 1
    assert "flask secret init" in result.output
    assert not (project_dir / ".env").exists()


def test_rotate_keeps_the_old_file_when_writing_fails(
    flask_secret, project_dir, monkeypatch
):
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    before = env.read_bytes()

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(envfile.os, "replace", crash)
    result = flask_secret("rotate")
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert env.read_bytes() == before
    assert sorted(os.listdir(project_dir)) == [".env", ".env.lock"]


# stage, promote and retire: rotation across hosts


def test_each_change_says_what_it_did_and_what_comes_next(flask_secret, project_dir):
    env = write_env(project_dir, "# settings\n")

    def said(*args):
        result = flask_secret(*args)
        assert result.exit_code == 0, result.output
        return result.output.splitlines()

    assert said("init")[0].startswith(f"Added a new secret key to {env} (owner-only")
    assert said("rotate") == [
        f"New secret key in {env}; 1 old key(s) kept as fallbacks.",
        "Restart the app to sign with the new key.",
    ]
    before = keys_in(env)[1]
    lines = said("stage")
    staged = envfile.key_id(next(k for k in keys_in(env)[1] if k not in before))
    assert lines == [
        f"Staged a new key ({staged}) as a fallback in {env}.",
        "Give every host this file and restart each; then run 'flask secret promote'.",
    ]
    assert said("promote") == [
        f"The staged key ({staged}) now signs; the old key is a fallback.",
        f"Give every host {env} again and restart each.",
    ]
    assert envfile.key_id(keys_in(env)[0]) == staged
    assert said("retire") == [f"Dropped 2 old key(s) from {env}; restart every host."]


def test_stage_then_promote(flask_secret, project_dir):
    old = secrets.token_hex(32)
    env = write_env(project_dir, f"# mine\nFLASK_SECRET_KEY={old}\nA=1\n")
    staged = flask_secret("stage")
    assert staged.exit_code == 0, staged.output
    key, fallbacks = keys_in(env)
    assert key == old  # signing is unchanged
    new = fallbacks[0]
    assert len(new) == 64 and new != old
    assert new not in staged.output

    promoted = flask_secret("promote")
    assert promoted.exit_code == 0, promoted.output
    assert keys_in(env) == (new, [old])
    assert "SECRET_KEY_STAGED" not in env.read_text()
    assert env.read_text().startswith("# mine\n")
    assert dotenv_values(env)["A"] == "1"
    assert flask_secret("promote").exit_code == 1  # nothing staged any more


def test_stage_twice_and_rotate_while_staged_are_refused(flask_secret, project_dir):
    write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    assert flask_secret("stage").exit_code == 0
    again = flask_secret("stage")
    assert again.exit_code == 1
    assert "has a staged key already" in again.output
    rotated = flask_secret("rotate")
    assert rotated.exit_code == 1
    assert "flask secret promote" in rotated.output


def test_promote_needs_a_staged_key(flask_secret, project_dir):
    old = secrets.token_hex(32)
    env = write_env(
        project_dir,
        f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n"
        f"FLASK_SECRET_KEY_FALLBACKS='[\"{old}\"]'\n",
    )
    before = env.read_bytes()
    result = flask_secret("promote")
    assert result.exit_code == 1
    assert "no staged key" in result.output
    assert env.read_bytes() == before


def test_retire_keeps_the_staged_key(flask_secret, project_dir):
    env = write_env(
        project_dir,
        f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n"
        f"FLASK_SECRET_KEY_FALLBACKS='[\"{secrets.token_hex(32)}\"]'\n",
    )
    flask_secret("stage")
    staged = keys_in(env)[1][0]
    result = flask_secret("retire")
    assert result.exit_code == 0, result.output
    assert "Dropped 1 old key(s)" in result.output
    assert keys_in(env)[1] == [staged]
    assert flask_secret("promote").exit_code == 0


def test_commands_work_on_a_named_env_file(flask_secret, project_dir):
    fleet = project_dir / "fleet.env"
    assert flask_secret("init", "--env-file", str(fleet)).exit_code == 0
    assert flask_secret("stage", "--env-file", str(fleet)).exit_code == 0
    assert flask_secret("promote", "--env-file", str(fleet)).exit_code == 0
    assert not (project_dir / ".env").exists()
    assert len(keys_in(fleet)[1]) == 1


# check


def test_check_passes_a_good_key(flask_secret, project_dir):
    key = secrets.token_hex(32)
    write_env(project_dir, f"FLASK_SECRET_KEY={key}\n")
    result = flask_secret("check")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"ok: FLASK_SECRET_KEY from {project_dir / '.env'}, 64 characters",
        "ok: 0 fallback key(s), none weak or known",
        f"ok: {project_dir / '.env'} is owner-only",
    ]
    assert key not in result.output


@pytest.mark.parametrize(("in_env_file", "in_environment"), [("0", "f"), ("f", "0")])
def test_check_names_the_environment(
    flask_secret, project_dir, monkeypatch, in_env_file, in_environment
):
    # either key sorting first: only == may take one for the other
    write_env(project_dir, f"FLASK_SECRET_KEY={in_env_file}{secrets.token_hex(31)}x\n")
    key = in_environment + secrets.token_hex(31) + "x"
    monkeypatch.setenv("FLASK_SECRET_KEY", key)
    result = flask_secret("check")
    assert result.exit_code == 0, result.output
    assert "ok: FLASK_SECRET_KEY from the environment, 64 characters" in result.output


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("# no key\n", "not set"),
        ("FLASK_SECRET_KEY=not-so-secret\n", "too short"),
        (
            "FLASK_SECRET_KEY="
            "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf\n",
            "publicly known",
        ),
        (
            f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n"
            "FLASK_SECRET_KEY_FALLBACKS=[1]\n",
            "not text",
        ),
    ],
)
def test_check_fails_a_weak_key(flask_secret, project_dir, text, reason):
    write_env(project_dir, text)
    result = flask_secret("check")
    assert result.exit_code == 1
    assert reason in result.output


@pytest.mark.posix_modes
def test_check_fails_a_readable_env(flask_secret, project_dir):
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    env.chmod(0o644)
    result = flask_secret("check")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {env} is readable by others (mode 0644); run: chmod 600 {env}\n"
    )


@pytest.mark.posix_modes
@pytest.mark.parametrize("mode", [0o645, 0o601, 0o640])
def test_check_names_the_exact_mode(flask_secret, project_dir, mode):
    env = write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    env.chmod(mode)
    result = flask_secret("check")
    assert result.exit_code == 1
    assert f"(mode {mode:04o})" in result.output


def test_permission_problem_of_a_missing_file_is_none(project_dir):
    assert permission_problem(str(project_dir / "missing")) is None


def test_check_names_a_key_file(flask_secret, project_dir, monkeypatch):
    key_file = project_dir / "key"
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(key_file))
    result = flask_secret("check")
    assert result.exit_code == 0, result.output
    assert f"ok: FLASK_SECRET_KEY from {key_file}, 64 characters" in result.output
    assert f"ok: {key_file} is owner-only" in result.output


@pytest.mark.posix_modes
@pytest.mark.parametrize("readable", ["SECRET_KEY", "SECRET_KEY_FALLBACKS"])
def test_check_fails_a_readable_key_file(
    flask_secret, project_dir, monkeypatch, readable
):
    files = {
        "SECRET_KEY": secrets.token_hex(32),
        "SECRET_KEY_FALLBACKS": json.dumps([secrets.token_hex(32)]),
    }
    for name, text in files.items():
        path = project_dir / name.lower()
        path.write_text(text)
        path.chmod(0o644 if name == readable else 0o600)
        monkeypatch.setenv(f"FLASK_{name}_FILE", str(path))
    result = flask_secret("check")
    assert result.exit_code == 1
    assert f"{project_dir / readable.lower()} is readable by others" in result.output


def test_check_names_a_relative_key_file_from_anywhere_in_the_project(
    flask_secret, project_dir, monkeypatch
):
    (project_dir / "pyproject.toml").write_text("")
    key_file = project_dir / "key.txt"
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(0o600)
    write_env(project_dir, "FLASK_SECRET_KEY_FILE=key.txt\n")
    (project_dir / "tests").mkdir()
    for folder in (project_dir, project_dir / "tests"):
        monkeypatch.chdir(folder)
        result = flask_secret("check")
        assert result.exit_code == 0, result.output
        assert f"ok: FLASK_SECRET_KEY from {key_file}, 64 characters" in result.output


@pytest.mark.posix_modes
@pytest.mark.parametrize(
    ("read_only", "owner", "passes", "bits"),
    [
        (True, "root", True, 0o444),
        (True, "root", True, 0o401),
        (False, "root", False, 0o444),
        (True, "me", False, 0o444),
    ],
    ids=["secret-mount", "secret-mount-x", "writable-mount", "own-file"],
)
def test_check_accepts_a_platform_secret_mount(
    flask_secret, project_dir, monkeypatch, read_only, owner, passes, bits
):
    """Kubernetes (0644 by default) and Docker Swarm (0444) mount secrets
    read-only, owned by root: nobody else in the container could read more."""
    key_file = project_dir / "key"
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(bits)
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(key_file))
    real_statvfs = os.statvfs

    class Mount:
        def __init__(self, path):
            self.f_flag = real_statvfs(path).f_flag | (os.ST_RDONLY if read_only else 0)
            if not read_only:
                self.f_flag &= ~os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", Mount)
    if owner == "root":
        uid = key_file.stat().st_uid + 1
        monkeypatch.setattr(os, "geteuid", lambda: uid)
        monkeypatch.setattr(os, "access", lambda path, mode: False)
    result = flask_secret("check")
    assert (result.exit_code == 0) is passes, result.output
    if passes:
        assert f"ok: {key_file} is on the platform's read-only secret mount" in (
            result.output
        )
    else:
        assert f"{key_file} is readable by others (mode 0444)" in result.output


# export: key files for hosts and containers


@pytest.mark.posix_modes
def test_export_writes_owner_only_key_files(flask_secret, project_dir):
    key, old = secrets.token_hex(32), secrets.token_hex(32)
    write_env(
        project_dir,
        f"FLASK_SECRET_KEY={key}\nFLASK_SECRET_KEY_FALLBACKS='[\"{old}\"]'\n",
    )
    key_file, fallbacks_file = project_dir / "key", project_dir / "fallbacks"
    result = flask_secret(
        "export", "--key-file", str(key_file), "--fallbacks-file", str(fallbacks_file)
    )
    assert result.exit_code == 0, result.output
    assert key_file.read_text() == key + "\n"
    assert json.loads(fallbacks_file.read_text()) == [old]
    assert private(key_file) and private(fallbacks_file)
    assert key not in result.output


def test_export_needs_a_key_file(flask_secret, project_dir):
    write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    result = flask_secret("export")
    assert result.exit_code == 2
    assert "Missing option '--key-file'" in result.output


def test_export_reports_on_stderr_only(runner, project_dir):
    write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    key_file = project_dir / "key"
    result = runner.invoke(secret, ["export", "--key-file", str(key_file)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert (
        result.stderr == f"Wrote {key_file} (owner-only) from {project_dir / '.env'}.\n"
    )


def test_export_into_a_pipe(flask_secret, project_dir):
    key = secrets.token_hex(32)
    write_env(project_dir, f"FLASK_SECRET_KEY={key}\n")
    # the runner is no terminal
    result = flask_secret("export", "--key-file", "-", "--to-stdout")
    assert result.exit_code == 0
    assert result.output == key + "\n"


@pytest.mark.parametrize(
    "args",
    [["--key-file", "-"], ["--key-file", "-", "--fallbacks-file", "old"]],
    ids=["key", "with-fallbacks"],
)
def test_export_to_stdout_needs_the_opt_in(flask_secret, project_dir, args):
    # ssh, docker exec without -t and CI steps are no terminal, but log it all
    key = secrets.token_hex(32)
    write_env(project_dir, f"FLASK_SECRET_KEY={key}\n")
    result = flask_secret("export", *args)
    assert result.exit_code == 1
    assert key not in result.output
    assert result.output.splitlines() == [
        "Error: --key-file - writes the key to standard output, where logs can "
        "keep it: add --to-stdout if it goes into a pipe to a secret store, or "
        "name a file"
    ]
    assert not (project_dir / "old").exists()


def test_to_stdout_goes_with_a_dash_only(flask_secret, project_dir):
    write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    result = flask_secret("export", "--key-file", "key", "--to-stdout")
    assert result.exit_code == 1
    assert "--to-stdout goes with --key-file - only" in result.output
    assert not (project_dir / "key").exists()


def test_export_to_a_file_whose_name_sorts_before_a_dash(flask_secret, project_dir):
    key = secrets.token_hex(32)
    write_env(project_dir, f"FLASK_SECRET_KEY={key}\n")
    result = flask_secret("export", "--key-file", "+key")
    assert result.exit_code == 0
    assert (project_dir / "+key").read_text() == key + "\n"
    assert key not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["rotate", "--env-file", "."],
        ["export", "--key-file", "."],
        ["export", "--key-file", "key", "--fallbacks-file", "."],
    ],
)
def test_a_folder_is_no_file_to_write(flask_secret, project_dir, args):
    write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    result = flask_secret(*args)
    assert result.exit_code == 2
    assert "is a directory" in result.output


@pytest.mark.parametrize("option", ["--key-file", "--fallbacks-file"])
def test_export_never_writes_through_a_link(flask_secret, project_dir, option):
    # in a shared folder (mode 1777) another user's link would redirect it
    key, _, victim = export_setup(project_dir)
    link, dangling = project_dir / "planted", project_dir / "dangling"
    link.symlink_to(victim)
    dangling.symlink_to(project_dir / "chosen-by-them")
    for target in (link, dangling):
        args = ["--key-file", "k", option, str(target)]
        if option == "--key-file":
            args = ["--key-file", str(target)]
        result = flask_secret("export", *args)
        assert result.exit_code == 1
        assert result.output.splitlines() == [
            f"Error: {target} is a symbolic link; a key is only written to a "
            "file itself: remove the link or name another file"
        ]
    assert victim.read_text() == "someone else's file\n"
    assert not (project_dir / "chosen-by-them").exists()
    assert not (project_dir / "k").exists()
    assert key not in "".join(p.read_text() for p in project_dir.glob("*.txt"))


@pytest.mark.parametrize("their_uid", [-1, 1], ids=["below-mine", "above-mine"])
def test_export_never_writes_over_another_users_file(
    flask_secret, project_dir, monkeypatch, their_uid
):
    _, _, victim = export_setup(project_dir)
    mine = victim.stat().st_uid - their_uid  # the file's owner is not me
    monkeypatch.setattr(os, "geteuid", lambda: mine, raising=False)
    result = flask_secret("export", "--key-file", str(victim))
    assert result.exit_code == 1
    assert f"{victim} belongs to another user" in result.output
    assert victim.read_text() == "someone else's file\n"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--key-file", "f.env", "--fallbacks-file", "f.env"], "both name f.env"),
        (["--key-file", "k", "--fallbacks-file", "./k"], "both name k"),
        (["--key-file", ".env"], "is the env file itself"),
        (["--key-file", "k", "--fallbacks-file", ".env"], "is the env file itself"),
        (
            ["--key-file", "f.env", "--fallbacks-file", "g", "--env-file", "f.env"],
            "is the env file itself",
        ),
    ],
    ids=["same-name", "same-file", "key-on-env", "fallbacks-on-env", "named-env"],
)
def test_export_never_writes_over_itself(flask_secret, project_dir, args, problem):
    key = secrets.token_hex(32)
    text = f"FLASK_SECRET_KEY={key}\nSECRET_KEY_STAGED=sha256:0\n"
    for name in (".env", "f.env"):
        write_env(project_dir, text).rename(project_dir / name)
    before = {p.name: p.read_bytes() for p in project_dir.iterdir()}
    result = flask_secret("export", *args)
    assert result.exit_code == 1
    assert problem in result.output
    assert {p.name: p.read_bytes() for p in project_dir.iterdir()} == before


def test_export_through_a_hard_link_is_the_same_file(flask_secret, project_dir):
    key, env, _ = export_setup(project_dir)
    os.link(env, project_dir / "alias")
    result = flask_secret("export", "--key-file", "alias")
    assert result.exit_code == 1
    assert "alias is the env file itself" in result.output
    assert env.read_text() == f"FLASK_SECRET_KEY={key}\n"


# the lock every change takes


def test_a_linked_lock_is_refused(flask_secret, project_dir):
    _, env, victim = export_setup(project_dir)
    (project_dir / ".env.lock").symlink_to(victim)
    result = flask_secret("rotate")
    assert result.exit_code == 1
    assert f"{env}.lock is a symbolic link, not a lock; remove it" in result.output
    assert victim.read_text() == "someone else's file\n"


def test_another_users_lock_is_refused(flask_secret, project_dir, monkeypatch):
    _, env, _ = export_setup(project_dir)
    lock = project_dir / ".env.lock"
    lock.write_text("")
    monkeypatch.setattr(os, "geteuid", lambda: lock.stat().st_uid + 1, raising=False)
    result = flask_secret("rotate")
    assert result.exit_code == 1
    assert f"{lock} belongs to another user; remove it" in result.output


@contextlib.contextmanager
def lock_held(project_dir, let_go_after=None):
    """Hold .env.lock as another command would (flock locks belong to the
    open file: a second open() waits), letting go after some seconds."""
    fcntl = pytest.importorskip("fcntl", reason="POSIX locks; Windows uses msvcrt")
    with open(project_dir / ".env.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        timer = threading.Timer(let_go_after or 0, fcntl.flock, (held, fcntl.LOCK_UN))
        if let_go_after:
            timer.start()
        yield
        if let_go_after:
            timer.join()


def test_a_held_lock_times_out_in_one_line(flask_secret, project_dir, monkeypatch):
    key, env, _ = export_setup(project_dir)
    monkeypatch.setattr(editing, "LOCK_WAIT", 0.2)
    with lock_held(project_dir):
        result = flask_secret("rotate")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: another command has held {env}.lock for 0 s; try again when it is done"
    ]
    assert env.read_text() == f"FLASK_SECRET_KEY={key}\n"


def test_a_lock_let_go_within_the_wait_is_taken(flask_secret, project_dir, monkeypatch):
    _, env, _ = export_setup(project_dir)
    monkeypatch.setattr(editing, "LOCK_WAIT", 0.8)
    with lock_held(project_dir, let_go_after=0.2):
        result = flask_secret("rotate")
    assert result.exit_code == 0, result.output
    assert len(keys_in(env)[1]) == 1


# what is said about git


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("flask_secret_key", "gitignored"),
        ("prod.env", "gitignored"),
        ("certs/server.key", "gitignored"),
        ("mykey.txt", "NOT gitignored: add it to .gitignore before any commit"),
    ],
)
def test_export_says_whether_git_ignores_the_file(
    flask_secret, project_dir, name, said
):
    write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    (project_dir / ".gitignore").write_text("flask_secret_key*\n*.env\n*.key\n")
    (project_dir / "certs").mkdir()
    git(project_dir, "init", "-q")
    result = flask_secret("export", "--key-file", name)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines == [f"Wrote {name} (owner-only, {said}) from {project_dir / '.env'}."]


def test_a_tracked_file_is_not_gitignored(project_dir):
    tracked = project_dir / "flask_secret_key"
    tracked.write_text("x\n")
    (project_dir / ".gitignore").write_text("flask_secret_key\n")
    git(project_dir, "init", "-q")
    git(project_dir, "add", "-f", "flask_secret_key")
    assert envfile.gitignored(str(tracked)) is False
    assert envfile.gitignored(str(project_dir / ".gitignore")) is False


@pytest.mark.parametrize(
    ("lines", "ignored"),
    [
        ("", False),
        (".env\n", True),
        ("*.env\n!.env\n", False),
        ("# .env\n", False),
        ("# private\n.env\n", True),
        ("sub/.env\n", False),  # patterns with a slash are not read
        (".env.*\n", False),
    ],
)
def test_outside_a_repository_the_gitignore_is_read(project_dir, lines, ignored):
    (project_dir / "pyproject.toml").write_text("")
    (project_dir / ".gitignore").write_text(lines)
    (project_dir / "sub").mkdir()
    assert envfile.listed_in_gitignore(str(project_dir / "sub"), ".env") is ignored


def test_without_git_the_gitignore_is_read(project_dir, monkeypatch):
    (project_dir / "pyproject.toml").write_text("")
    (project_dir / ".gitignore").write_text(".env\n")
    monkeypatch.setenv("PATH", str(project_dir / "no-such-folder"))
    assert envfile.gitignored(str(project_dir / ".env")) is True
    assert envfile.gitignored(str(project_dir / "key")) is False


def test_asking_git_prints_nothing(project_dir, capfd):
    # outside a repository git says "fatal: not a git repository" on stderr
    assert envfile.gitignored(str(project_dir / ".env")) is None
    assert capfd.readouterr() == ("", "")


def test_a_comment_in_the_gitignore_ignores_nothing(project_dir):
    # as git reads it: a line starting with # is a comment, even one naming a file
    (project_dir / "pyproject.toml").write_text("")
    (project_dir / ".gitignore").write_text("#notes\n")
    assert envfile.listed_in_gitignore(str(project_dir), "#notes") is False


def test_without_a_gitignore_nothing_is_said_about_git(project_dir):
    assert envfile.listed_in_gitignore(str(project_dir), ".env") is None
    (project_dir / ".env").write_text("")
    (project_dir / ".env").chmod(0o600)
    assert envfile.privacy(str(project_dir / ".env")).startswith("owner-only")


# the commands change only the file the app takes its key from


@pytest.mark.parametrize("where", [*KEY_ELSEWHERE, "key-file-above"])
@pytest.mark.parametrize(
    "args",
    [
        ["rotate"],
        ["rotate", "--keep", "0"],
        ["stage"],
        ["promote"],
        ["retire"],
        ["export", "--key-file", "out"],
    ],
    ids=lambda a: "-".join(a),
)
def test_commands_refuse_a_file_the_app_takes_no_key_from(
    flask_secret, project_dir, monkeypatch, where, args
):
    # after a leak, rotating .env while the environment's key signs would
    # leave the leaked key in use
    source, env = key_elsewhere(where, project_dir, monkeypatch)
    before = env.read_bytes()
    result = flask_secret(*args)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: the app's key comes from {source}, not {env}: changing {env} "
        "would not change the key in use; change it where it is set, or unset it "
        "there and run 'flask secret init'\n"
    )
    assert env.read_bytes() == before
    assert not (project_dir / "out").exists()


@pytest.mark.parametrize("args", [["rotate"], ["stage"], ["retire"]])
def test_commands_follow_a_rotation_the_environment_has_not_seen(
    flask_secret, project_dir, monkeypatch, args
):
    """The flask command loaded .env when it started; when another command has
    rotated .env since, the key it loaded is a fallback there: the commands
    change .env, and init still leaves the key in the environment alone."""
    old = secrets.token_hex(32)
    env = write_env(
        project_dir,
        f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n"
        f"FLASK_SECRET_KEY_FALLBACKS='[\"{old}\"]'\n",
    )
    monkeypatch.setenv("FLASK_SECRET_KEY", old)
    before = env.read_bytes()
    result = flask_secret(*args)
    assert result.exit_code == 0, result.output
    assert env.read_bytes() != before
    result = flask_secret("init")
    assert result.exit_code == 1
    assert "the app's key comes from the environment; leaving it" in result.output


@pytest.mark.parametrize("where", KEY_ELSEWHERE)
def test_init_refuses_where_the_app_takes_its_key_elsewhere(
    flask_secret, project_dir, monkeypatch, where
):
    source, env = key_elsewhere(where, project_dir, monkeypatch)
    env.write_text(env.read_text().replace("FLASK_SECRET_KEY=", "OTHER="))
    before = env.read_bytes()
    result = flask_secret("init")
    assert result.exit_code == 1
    assert f"the app's key comes from {source}; leaving it" in result.output
    assert env.read_bytes() == before


@pytest.mark.parametrize(
    ("lines", "named"),
    [
        (["FLASK_SECRET_KEY=%s"], "FLASK_SECRET_KEY is"),
        (["FLASK_SECRET_KEY_FALLBACKS='[\"%s\"]'"], "FLASK_SECRET_KEY_FALLBACKS is"),
        (["FLASK_SECRET_KEY_FILE=/run/secrets/%s"], "FLASK_SECRET_KEY_FILE is"),
        (
            ["FLASK_SECRET_KEY_FALLBACKS_FILE=old", "FLASK_SECRET_KEY=%s"],
            "FLASK_SECRET_KEY and FLASK_SECRET_KEY_FALLBACKS_FILE are",
        ),
    ],
    ids=["key", "fallbacks", "key-file", "two"],
)
@pytest.mark.parametrize("args", [["init"], ["rotate"], ["check"], ["stage"]])
def test_no_key_setting_in_the_committed_flaskenv(
    flask_secret, project_dir, lines, named, args
):
    # flask run would take it from there, gunicorn would not: no loop of
    # commands, one answer everywhere
    flaskenv = project_dir / ".flaskenv"
    text = "".join(f"{line}\n" for line in ["FLASK_APP=app", *lines])
    flaskenv.write_text(text.replace("%s", secrets.token_hex(32)))
    write_env(project_dir, f"FLASK_SECRET_KEY={secrets.token_hex(32)}\n")
    it = "it" if len(lines) == 1 else "them"
    message = (
        f"Error: {named} set in {flaskenv}, which is committed to git and "
        f"which gunicorn does not read: remove {it} there and run 'flask secret "
        f"init' (.env is the place for {it})"
    )
    result = flask_secret(*args)
    assert result.exit_code == 1
    assert result.output.splitlines() == [message]
    with pytest.raises(click.ClickException) as error:
        create_app()
    assert f"Error: {error.value.message}" == message
