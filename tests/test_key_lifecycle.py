"""The key's life in real baked projects: attacked, tampered with, rotated, cloned."""

import contextlib
import json
import os
import pty
import secrets
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from dotenv import dotenv_values

from tests.helpers import (
    TEMPLATE_PROJECT,
    Key,
    bin_path,
    environment,
    fetch,
    free_port,
    gunicorn,
    load_module,
    mode,
    read_key,
    run,
    serving,
    visits,
    wait_for_page,
    wordlist_entries,
)

# printed in Flask's docs and in a popular tutorial; both in the wordlist
DOCS_KEY = "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf"
ARTICLE_KEY = "d5fb8c4fa8bd46638dadc4e751e0d68d"


def serve(python, port):
    """Return the command that serves the baked app in production."""
    return gunicorn(python, "--bind", f"127.0.0.1:{port}", "my_flask_app:create_app()")


def flask_unsign(cookie):
    """Run the attackers' tool with its default wordlist against `cookie`."""
    command = [bin_path("flask-unsign"), "--unsign", "--cookie", cookie]
    return run(command, cwd="/", check=False, timeout=300)


def test_bake_flask_unsign_cannot_recover_the_key(default_project):
    """flask-unsign fails on a baked app's cookie and finds a planted weak key."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    no_key = {"FLASK_SECRET_KEY": None}
    with serving(serve(sys.executable, port), cwd=default_project, env=no_key):
        wait_for_page(url)
        _, cookie = fetch(url)
    attack = flask_unsign(cookie)
    assert attack.returncode == 1
    assert "Failed to find secret key after 55982 attempts" in attack.stderr

    weak = {"FLASK_SECRET_KEY": ARTICLE_KEY}
    flask_debug = [bin_path("flask"), "run", "--debug", "--port", str(port)]
    with serving(flask_debug, cwd=default_project, env=weak) as server:
        wait_for_page(url)
        _, cookie = fetch(url)
    assert "publicly known" in server.output  # debug mode warns, then runs
    assert ARTICLE_KEY not in server.output
    attack = flask_unsign(cookie)
    assert attack.returncode == 0
    assert attack.stdout.strip() == repr(ARTICLE_KEY)


def issue_cookie(project):
    """Return a session cookie that the project's app signs with its .env key."""
    code = (
        "from my_flask_app import create_app\n"
        "client = create_app().test_client()\n"
        "client.get('/')\n"
        "print(client.get_cookie('session').value)\n"
    )
    return run(
        [sys.executable, "-c", code], cwd=project, env={"FLASK_SECRET_KEY": None}
    )


def test_bake_rejects_tampered_and_foreign_cookies(default_project, bake):
    """Production cookies are Secure, HttpOnly, SameSite=Lax; a changed cookie,
    or one from another baked project, starts a fresh session."""
    other = issue_cookie(bake().project_path).stdout.strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    no_key = {"FLASK_SECRET_KEY": None}
    with serving(serve(sys.executable, port), cwd=default_project, env=no_key):
        wait_for_page(url)
        with urllib.request.urlopen(url, timeout=10) as response:
            flags = response.headers["Set-Cookie"].split("; ")[1:]
        _, cookie = fetch(url)
        accepted, _ = fetch(url, cookie)
        payload, stamp, signature = cookie.split(".")
        flipped = (
            signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
        )
        tampered = {
            "signature": f"{payload}.{stamp}.{flipped}",
            "payload": f"eyJ2aXNpdHMiOjk5fQ.{stamp}.{signature}",  # {"visits":99}
            "foreign": other,
        }
        pages = {name: fetch(url, value)[0] for name, value in tampered.items()}
    assert sorted(flags) == ["HttpOnly", "Path=/", "SameSite=Lax", "Secure"]
    assert visits(accepted) == 2
    assert {name: visits(page) for name, page in pages.items()} == {
        "signature": 1,
        "payload": 1,
        "foreign": 1,
    }


def test_bake_rotation_keeps_sessions_until_the_old_key_leaves(bake, install):
    """A cookie from before `flask secret rotate` works after it, until dropped."""
    project = bake().project_path
    python = install(project)
    no_key = {"FLASK_SECRET_KEY": None, "FLASK_SECRET_KEY_FALLBACKS": None}
    port = free_port()
    url = f"http://127.0.0.1:{port}/"

    def serve_and_fetch(cookie):
        with serving(serve(python, port), cwd=project, env=no_key) as server:
            wait_for_page(url)
            body, new_cookie = fetch(url, cookie)
        assert "Traceback" not in server.output
        return visits(body), new_cookie

    def flask_secret(*args):
        command = [python, "-m", "flask", "secret", *args]
        return run(command, cwd=project, env=no_key)

    first_key = read_key(project)
    count, old_cookie = serve_and_fetch(None)
    assert count == 1

    rotated = flask_secret("rotate")
    assert "1 old key(s) kept" in rotated.stdout
    assert read_key(project) != first_key
    count, newer_cookie = serve_and_fetch(old_cookie)
    assert count == 2  # signed with the old key, still valid

    flask_secret("rotate", "--keep", "1")  # the first key leaves the fallbacks
    count, _ = serve_and_fetch(old_cookie)
    assert count == 1
    count, _ = serve_and_fetch(newer_cookie)
    assert count == 3
    assert not first_key.found_in(rotated.stdout + rotated.stderr)


def wordlist_key_of_32_or_more():
    """Return a long, varied key from flask-unsign's list that breaks none of
    the rules: only the list catches it."""
    strength = load_module(
        TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}/secret/strength.py",
        "strength_for_lifecycle_tests",
    )
    for key in wordlist_entries():
        varied = isinstance(key, str) and len(set(key)) >= 16
        long_enough = varied and len(key) >= 40 and key.isalnum()
        if long_enough and strength.rule_problem(key) is None:
            return key
    raise AssertionError("no such key in the wordlist")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({"FLASK_SECRET_KEY": "dev"}, "is too short", id="short"),
        pytest.param({"FLASK_SECRET_KEY": "ab" * 32}, "is too repetitive", id="repeat"),
        pytest.param(
            {"FLASK_SECRET_KEY": "change-me-to-a-long-random-string-in-production"},
            "placeholder",
            id="placeholder",
        ),
        pytest.param({"FLASK_SECRET_KEY": DOCS_KEY}, "publicly known", id="flask-docs"),
        pytest.param({"FLASK_SECRET_KEY": ARTICLE_KEY}, "publicly known", id="article"),
        pytest.param(
            {"FLASK_SECRET_KEY": wordlist_key_of_32_or_more()},
            "publicly known",
            id="wordlist",
        ),
        pytest.param(
            {
                "FLASK_SECRET_KEY": secrets.token_hex(32),
                "FLASK_SECRET_KEY_FALLBACKS": json.dumps(["not-so-secret"]),
            },
            "FLASK_SECRET_KEY_FALLBACKS[0] is too short",
            id="fallback",
        ),
    ],
)
def test_bake_guard_refuses_weak_keys(default_project, env, message):
    """Outside debug mode the app will not start on a weak key: one line says why."""
    result = run(
        [bin_path("flask"), "routes"], cwd=default_project, env=env, check=False
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: FLASK_SECRET_KEY")
    assert message in line
    assert "flask secret rotate" in line
    for value in env.values():
        assert value not in line


def test_bake_guard_accepts_a_generated_key(default_project):
    env = {"FLASK_SECRET_KEY": secrets.token_hex(32)}
    result = run([bin_path("flask"), "routes"], cwd=default_project, env=env)
    assert "pages.index" in result.stdout


def test_bake_debug_page_shows_no_key(bake):
    """`flask run --debug`: the Config panel lists the settings, keys redacted."""
    project = bake().project_path
    key = read_key(project)
    fallback, token = secrets.token_hex(32), secrets.token_hex(16)
    env = {
        "FLASK_SECRET_KEY": None,
        "FLASK_SECRET_KEY_FALLBACKS": json.dumps([fallback]),
        "FLASK_API_TOKEN": token,  # any secret-looking name is redacted too
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [bin_path("flask"), "run", "--debug", "--port", str(port)]
    with serving(args, cwd=project, env=env) as server:
        wait_for_page(url)
        page, _ = fetch(url)
    assert 'id="flDebugConfigVarsPanel-content"' in page
    assert "SECRET_KEY_FALLBACKS" in page
    assert "********" in page
    assert not key.found_in(page + server.output)
    assert fallback not in page + server.output
    assert "API_TOKEN" in page
    assert token not in page


# an app whose views raise with a key in the exception's text
LEAKY_APP = """\
from flask import current_app

from my_flask_app import create_app


def app():
    app = create_app()
    config = app.config
    app.add_url_rule("/int", "int", lambda: str(int(current_app.secret_key)))
    app.add_url_rule("/old", "old", lambda: {}[config["SECRET_KEY_FALLBACKS"][0]])
    return app
"""


def test_bake_debugger_shows_no_key(bake, tmp_path):
    """`flask run --debug`, views that raise with the key or a fallback in
    the exception's text: Werkzeug's debugger page, its copy-paste
    traceback and the server's log show ******** in their place."""
    project = bake().project_path
    key = read_key(project)
    fallback = secrets.token_hex(32)
    (tmp_path / "leaky.py").write_text(LEAKY_APP)
    env = {
        "FLASK_SECRET_KEY": None,
        "FLASK_SECRET_KEY_FALLBACKS": json.dumps([fallback]),
        "FLASK_APP": "leaky:app()",
        "PYTHONPATH": str(tmp_path),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [bin_path("flask"), "run", "--debug", "--port", str(port)]
    pages = {}
    with serving(args, cwd=project, env=env) as server:
        wait_for_page(url)
        for path in ("int", "old"):
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(url + path, timeout=10)
            assert error.value.code == 500
            pages[path] = error.value.read().decode()
    # booleans first: a failing assertion must not print a page with a key
    text = "".join(pages.values()) + server.output
    shown = key.found_in(text) or fallback in text
    assert not shown
    assert "ValueError: invalid literal for int() with base 10" in pages["int"]
    assert "KeyError" in pages["old"]
    assert "Werkzeug Debugger" in pages["int"]
    assert [page.count("********") > 0 for page in pages.values()] == [True, True]
    assert "Traceback (most recent call last)" in server.output


def test_bake_scanners_find_nothing_to_commit(bake):
    """detect-secrets finds no secret in what `git add -A` stages; bandit no issue."""
    project = bake().project_path
    run(["git", "init", "-q"], cwd=project)
    run(["git", "add", "-A"], cwd=project)
    staged = run(["git", "ls-files"], cwd=project).stdout.split()
    assert "my_flask_app/secret/known_keys.txt" in staged
    scan = run([bin_path("detect-secrets"), "scan", *staged], cwd=project)
    assert json.loads(scan.stdout)["results"] == {}
    # the scanner does see a key of ours: it flags the uncommitted .env
    control = run([bin_path("detect-secrets"), "scan", ".env"], cwd=project)
    assert json.loads(control.stdout)["results"] != {}

    bandit = [bin_path("bandit"), "-r", ".", "-ll", "-f", "json", "-q"]
    report = json.loads(run(bandit, cwd=project).stdout)
    assert report["results"] == []
    assert report["metrics"]["_totals"]["loc"] > 300


def test_bake_fresh_clone_gets_a_key_with_flask_secret_init(bake, install, tmp_path):
    """A teammate's clone has no .env; `flask secret init` makes the app work."""
    project = bake().project_path
    run(["git", "init", "-q"], cwd=project)
    run(["git", "add", "-A"], cwd=project)
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    run(["git", *identity, "commit", "-qm", "baked"], cwd=project)
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(project), str(clone)], cwd=tmp_path)
    assert not (clone / ".env").exists()
    python = install(clone)
    no_key = {"FLASK_SECRET_KEY": None}

    made = run([python, "-m", "flask", "secret", "init"], cwd=clone, env=no_key)
    assert "Created" in made.stdout
    assert read_key(clone) != read_key(project)
    subfolder = clone / "tests"
    check = [python, "-m", "flask", "--app", "my_flask_app", "secret", "check"]
    checked = run(check, cwd=subfolder, env=no_key)
    assert f"from {clone / '.env'}" in checked.stdout

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with serving(serve(python, port), cwd=clone, env=no_key):
        status, page = wait_for_page(url)
    assert status == 200
    assert visits(page) == 1


def test_bake_export_never_prints_a_key_on_a_terminal(bake, install):
    """`flask secret export --key-file - --to-stdout` refuses a terminal,
    and writes the key into a pipe, where a secret store's command can read
    it; without --to-stdout it refuses a pipe too (ssh, docker exec without
    -t and CI steps send it into logs)."""
    project = bake().project_path
    python = install(project)
    key = read_key(project)
    export = [python, "-m", "flask", "secret", "export", "--key-file", "-"]
    logged = run(export, cwd=project, env={"FLASK_SECRET_KEY": None}, check=False)
    assert logged.returncode == 1
    assert not key.found_in(logged.stdout + logged.stderr)
    assert "add --to-stdout" in logged.stderr
    command = [*export, "--to-stdout"]
    primary, secondary = pty.openpty()
    try:
        process = subprocess.run(
            command,
            cwd=project,
            env=environment({"FLASK_SECRET_KEY": None}),
            stdin=subprocess.DEVNULL,
            stdout=secondary,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        os.close(secondary)
        shown = b""
        with contextlib.suppress(OSError):  # EIO once the terminal is empty
            while chunk := os.read(primary, 4096):
                shown += chunk
    finally:
        os.close(primary)
    assert process.returncode == 1
    assert process.stderr.decode().strip() == (
        "Error: refusing to print a key on a terminal: pipe it, or use --key-file"
    )
    assert not key.found_in(shown.decode() + process.stderr.decode())

    piped = run(command, cwd=project, env={"FLASK_SECRET_KEY": None})
    assert Key(piped.stdout.strip()) == key


def test_bake_parent_env_is_never_used(bake, install, tmp_path):
    """A clone inside a folder with a .env of its own (a home folder): the
    app refuses the key the flask command took from there, `flask secret
    init` writes the project's own .env, and the parent's is untouched."""
    project = bake().project_path
    python = install(project)
    (project / ".env").unlink()
    parent_env = project.parent / ".env"
    parent_key = secrets.token_hex(32)
    parent_env.write_text(f"FLASK_SECRET_KEY={parent_key}\n")
    parent_env.chmod(0o644)
    before = parent_env.read_bytes()
    flask = [python, "-m", "flask"]
    no_key = {"FLASK_SECRET_KEY": None}

    refused = run([*flask, "routes"], cwd=project, env=no_key, check=False)
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"Error: FLASK_SECRET_KEY comes from {parent_env}")
    assert parent_key not in line

    made = run([*flask, "secret", "init"], cwd=project / "tests", env=no_key)
    assert f"Created {project / '.env'}" in made.stdout
    assert read_key(project).value != parent_key
    assert parent_env.read_bytes() == before
    assert mode(parent_env) == 0o644
    checked = run([*flask, "secret", "check"], cwd=project, env=no_key)
    assert f"from {project / '.env'}" in checked.stdout


def test_bake_parallel_rotations_lose_no_key(bake, install):
    """20 `flask secret rotate --keep 20` at once keep 20 old keys."""
    project = bake().project_path
    python = install(project)
    command = [python, "-m", "flask", "secret", "rotate", "--keep", "20"]
    processes = [
        subprocess.Popen(
            command,
            cwd=project,
            env=environment({"FLASK_SECRET_KEY": None}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(20)
    ]
    failures = [p.stderr.read() for p in processes if p.wait(timeout=120) != 0]
    for process in processes:
        process.stderr.close()
    assert failures == []
    fallbacks = json.loads(
        dotenv_values(project / ".env")["FLASK_SECRET_KEY_FALLBACKS"]
    )
    assert len(set(fallbacks)) == 20
    assert mode(project / ".env") == 0o600
