import re
import secrets
import shlex
import sys
import tarfile
import zipfile

import pytest

from tests.helpers import (
    TEMPLATE,
    bin_path,
    browser_like_opener,
    free_port,
    gunicorn,
    read_key,
    run,
    serving,
    wait_for_page,
)

README = TEMPLATE / "README.md"


def documented_settings(project):
    """Return every FLASK_* setting .env.example documents, with its example
    value (the key itself left out: it stays as the bake made it)."""
    text = (project / ".env.example").read_text()
    lines = re.findall(r"^# (FLASK_[A-Z_]+)=(.*)$", text, re.M)
    return dict(lines)


@pytest.mark.parametrize("where", ["dotenv", "environment"])
def test_bake_tests_ignore_the_developers_settings(bake, where):
    """The baked suite passes with every setting .env.example documents put
    in the developer's .env, or in their shell: its tests bring their own."""
    project = bake().project_path
    settings = documented_settings(project)
    assert {"FLASK_DEBUG", "FLASK_SECRET_KEY_FILE", "FLASK_TRUSTED_PROXIES"} <= set(
        settings
    )
    env = {}
    if where == "dotenv":
        with (project / ".env").open("a") as dotenv:
            dotenv.writelines(f"{name}={value}\n" for name, value in settings.items())
    else:
        env = {name: value.strip("'\"") for name, value in settings.items()}
    tests = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=project,
        env=env,
    )
    assert re.search(r"^\d+ passed", tests.stdout.splitlines()[-1]), tests.stdout


# key files left in the package and beside it, as a developer might
PLANTED = [
    ".env.production",
    "deploy/prod.env",
    "flask_secret_key",
    "my_flask_app/.env",
    "my_flask_app/.env.local",
    "my_flask_app/templates/staging.env",
    "my_flask_app/static/server.pem",
    "my_flask_app/secret/signing.key",
    "my_flask_app/secrets/token",
    "my_flask_app/static/fleet.env.lock",
]


def archive_texts(path):
    """Return {member name: text} of a wheel (zip) or an sdist (tar.gz)."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return {n: wheel.read(n).decode("latin-1") for n in wheel.namelist()}
    with tarfile.open(path) as sdist:
        return {
            m.name.split("/", 1)[1]: sdist.extractfile(m).read().decode("latin-1")
            for m in sdist
            if m.isfile()
        }


def test_bake_wheel_and_sdist_never_pack_a_key(bake):
    """Key files planted in the package and other folders stay out of the
    wheel (which the container image installs) and the sdist, even with no
    .gitignore to help; the package and .env.example go in."""
    project = bake().project_path
    (project / ".gitignore").unlink()
    markers = []
    for name in PLANTED:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        markers.append(secrets.token_hex(32))
        (project / name).write_text(f"FLASK_SECRET_KEY={markers[-1]}\n")
    markers.append(read_key(project).value)
    wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps"]
    run([*wheel, "--no-build-isolation", "-w", "dist", "."], cwd=project)
    sdist = "from hatchling.build import build_sdist; build_sdist('dist')"
    run([sys.executable, "-c", sdist], cwd=project)

    (wheel_file,) = (project / "dist").glob("*.whl")
    (sdist_file,) = (project / "dist").glob("*.tar.gz")
    for archive in (wheel_file, sdist_file):
        texts = archive_texts(archive)
        assert "my_flask_app/secret/envfile.py" in texts
        leaked = [n for n, text in texts.items() if any(m in text for m in markers)]
        assert leaked == [], archive.name
    assert ".env.example" in archive_texts(sdist_file)


def test_bake_flask_run_debug_shows_page_and_toolbar(default_project):
    """`flask run --debug` serves the page with the toolbar and a working session."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    opener = browser_like_opener()
    args = [bin_path("flask"), "run", "--debug", "--port", str(port)]
    with serving(args, cwd=default_project, env={"FLASK_SECRET_KEY": None}) as server:
        status, first = wait_for_page(url, opener)
        _, second = wait_for_page(url, opener)
    output = server.output

    assert status == 200
    assert "the secret key is necessary to run the debug toolbar" in first
    assert '<strong id="visits">1</strong>' in first
    assert '<strong id="visits">2</strong>' in second
    assert 'id="flDebug"' in first  # the toolbar
    assert "Debug mode: on" in output
    key = read_key(default_project)
    assert not key.found_in(first + second + output)


def test_bake_missing_key_gives_one_clear_error(bake, install):
    """Without a key `flask run --debug` points to `flask secret init`, which works."""
    project = bake().project_path
    (project / ".env").unlink()
    python = install(project)
    no_key = {"FLASK_SECRET_KEY": None}
    flask_run = [python, "-m", "flask", "run", "--debug", "--port", str(free_port())]
    result = run(flask_run, cwd=project, env=no_key, check=False, timeout=30)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: FLASK_SECRET_KEY is not set. Run 'flask secret init' in the project "
        "root to create a key in .env, or set FLASK_SECRET_KEY in the environment."
    ]

    made = run([python, "-m", "flask", "secret", "init"], cwd=project, env=no_key)
    assert made.stdout == (
        f"Created {project / '.env'} with a new secret key (owner-only, gitignored).\n"
    )
    assert read_key(project).is_hex_256()
    routes = run([python, "-m", "flask", "routes"], cwd=project, env=no_key)
    assert "index" in routes.stdout


def test_bake_same_key_under_flask_gunicorn_and_python(default_project):
    """flask run, gunicorn and plain Python in the project root share the .env key.

    gunicorn does not read .env itself: a session cookie signed under
    `flask run` and accepted by gunicorn proves that create_app found the key.
    """
    key = read_key(default_project)
    code = (
        "import hashlib\n"
        "from my_flask_app import create_app\n"
        "print(hashlib.sha256(create_app().secret_key.encode()).hexdigest())\n"
    )
    found = run(
        [sys.executable, "-c", code],
        cwd=default_project,
        env={"FLASK_SECRET_KEY": None},
    )
    assert found.stdout.strip() == key.fingerprint()

    flask_port, gunicorn_port = free_port(), free_port()
    flask = [bin_path("flask"), "run", "--port", str(flask_port)]
    gunicorn_args = [
        "--bind",
        f"127.0.0.1:{gunicorn_port}",
        "--workers",
        "2",
        "my_flask_app:create_app()",
    ]
    # one cookie jar: cookies are shared across ports of one host
    opener = browser_like_opener()
    no_key = {"FLASK_SECRET_KEY": None}
    with (
        serving(flask, cwd=default_project, env=no_key),
        serving(
            gunicorn(sys.executable, *gunicorn_args), cwd=default_project, env=no_key
        ) as server,
    ):
        _, first = wait_for_page(f"http://127.0.0.1:{flask_port}/", opener)
        status, second = wait_for_page(f"http://127.0.0.1:{gunicorn_port}/", opener)
        _, third = wait_for_page(f"http://127.0.0.1:{flask_port}/", opener)

    assert status == 200, server.output
    assert '<strong id="visits">1</strong>' in first
    assert '<strong id="visits">2</strong>' in second
    assert '<strong id="visits">3</strong>' in third
    assert 'id="flDebug"' not in second


@pytest.mark.install
def test_bake_in_bare_python_then_install_for_production(tmp_path):
    """cookiecutter alone (no Flask) bakes; `pip install .` serves, toolbar-free."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = str(venv / "bin/python")
    pip = [python, "-m", "pip", "install", "-q"]
    run([*pip, "cookiecutter"], cwd=tmp_path, timeout=300)
    run(
        [python, "-m", "cookiecutter", "--no-input", str(TEMPLATE)],
        cwd=tmp_path,
        env={"HOME": str(tmp_path)},
    )
    project = tmp_path / "my_flask_app"
    assert read_key(project).is_hex_256()

    run([*pip, str(project)], cwd=tmp_path, timeout=300)
    missing = run(
        [python, "-c", "import flask_debugtoolbar"], cwd=tmp_path, check=False
    )
    assert "No module named 'flask_debugtoolbar'" in missing.stderr

    port = free_port()
    args = [
        str(venv / "bin/gunicorn"),
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "my_flask_app:create_app()",
    ]
    env = {"FLASK_SECRET_KEY": secrets.token_hex(32)}
    with serving(args, cwd=tmp_path, env=env):  # outside the project: the wheel
        status, page = wait_for_page(f"http://127.0.0.1:{port}/")
    assert status == 200
    assert '<strong id="visits">1</strong>' in page


def readme_command(name):
    """Return the command of the README's code block marked
    `<!-- NAME command -->`: one line, the block's only one."""
    text = README.read_text()
    marked = re.search(rf"<!-- {name} command -->\n```bash\n(.*?)```", text, re.S)
    (command,) = marked.group(1).splitlines()
    return command


def test_readme_starts_with_the_two_commands():
    """The bake command, then the test command, before anything else the
    README shows."""
    text = README.read_text()
    first_blocks = re.findall(r"```bash\n(.*?)```", text, re.S)[:2]
    commands = [readme_command(name) + "\n" for name in ("bake", "test")]
    assert first_blocks == commands


def test_bake_readme_bake_command(tmp_path):
    """The README's bake command works (with this checkout as the template)."""
    bake_command = readme_command("bake")
    assert "gh:org/flask-secret-template" in bake_command
    local = bake_command.replace(
        "gh:org/flask-secret-template", shlex.quote(str(TEMPLATE))
    )
    run(["bash", "-c", local], cwd=tmp_path, env={"HOME": str(tmp_path)})
    assert read_key(tmp_path / "my_flask_app").is_hex_256()


def test_readme_test_command_is_what_ci_runs():
    """.ci/run runs exactly the README's test command."""
    test_command = readme_command("test")
    ci_script = (TEMPLATE / ".ci/run").read_text()
    assert test_command in ci_script.splitlines()
    assert "pytest" in test_command
