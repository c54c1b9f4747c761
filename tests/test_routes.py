"""The two ways in, for real: uv (uvx cookiecutter, uv run) and pip.

These tests install packages from the package index, as a user does. uv may
not download a Python here (no network beyond the index): it is given the
Python that runs the tests, as a user's uv finds the one on their machine.
"""

import os
import re
import shlex
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.helpers import (
    TEMPLATE,
    bin_path,
    free_port,
    read_key,
    run,
    serving,
    wait_for_page,
)

pytestmark = pytest.mark.install


def uv_env(home):
    """Return the environment a uv user has: uv on PATH, a Python it finds."""
    return {
        "PATH": f"{Path(bin_path('uv')).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),  # cookiecutter's replay files go here
        "UV_CACHE_DIR": os.environ.get(
            "UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")
        ),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        "VIRTUAL_ENV": None,
    }


def readme_block(project, heading, number):
    """Return the commands of the `number`th code block under `heading` in
    the baked README, without comments."""
    section = (project / "README.md").read_text().split(f"## {heading}\n", 1)[1]
    block = re.findall(r"```bash\n(.*?)```", section, re.S)[number]
    return [line.split("  #")[0].strip() for line in block.splitlines()]


def debug_page(command, cwd, env):
    """Run `command` (a flask run --debug) on a free port; return the page."""
    port = free_port()
    args = [*shlex.split(command), "--port", str(port)]
    with serving(args, cwd=cwd, env=env) as server:
        status, page = wait_for_page(f"http://127.0.0.1:{port}/", timeout=120)
    assert status == 200, server.output
    return page, server.output


def test_bake_uv_route(tmp_path):
    """The template workflow's steps run as written (uvx cookiecutter, uv run
    pytest, ruff, flask secret check); then the baked README's one command,
    `uv run flask run --debug`, serves the page with the toolbar."""
    workflow = yaml.safe_load((TEMPLATE / ".github/workflows/ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    steps = {step["name"]: step for step in job["steps"] if "name" in step}
    env = {**uv_env(tmp_path), "RUNNER_TEMP": str(tmp_path)}
    baked = run(["bash", "-e", "-c", steps["Bake"]["run"]], cwd=TEMPLATE, env=env)
    project = tmp_path / "my_flask_app"
    assert read_key(project).is_hex_256()
    assert "uv run flask run --debug" in baked.stdout  # uv is on PATH

    checks = steps["Test the baked project"]
    assert checks["working-directory"] == "${{ runner.temp }}/my_flask_app"
    result = run(["bash", "-e", "-c", checks["run"]], cwd=project, env=env, timeout=600)
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout
    assert "ok: FLASK_SECRET_KEY from" in result.stdout
    assert (project / "uv.lock").is_file()

    (command,) = readme_block(project, "Develop", 0)
    assert command == "uv run flask run --debug"
    page, output = debug_page(command, project, env)
    assert 'id="flDebug"' in page
    assert 'href="/static/style.css"' in page
    assert not read_key(project).found_in(page + output)


def test_bake_pip_route(bake, tmp_path):
    """The baked README's pip commands (pip 25.1+, `--group dev`) install the
    project and its dev tools in a fresh venv; flask run --debug then serves
    the page with the toolbar, and flask secret check passes."""
    project = bake().project_path
    commands = readme_block(project, "Develop", 1)
    assert commands[-1] == "flask run --debug"
    venv_python = sys.executable  # the README's `python`, before the venv
    script = "\n".join(commands[:-1]).replace(
        "python -m venv", f"{venv_python} -m venv"
    )
    env = {"VIRTUAL_ENV": None, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run(["bash", "-e", "-c", script], cwd=project, env=env, timeout=600)
    venv = project / ".venv" / "bin"
    config = (project / ".venv" / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in config  # all from pip

    page, output = debug_page(f"{venv / 'flask'} run --debug", project, env)
    assert 'id="flDebug"' in page
    checked = run([str(venv / "flask"), "secret", "check"], cwd=project, env=env)
    assert "ok: FLASK_SECRET_KEY from" in checked.stdout
    assert not read_key(project).found_in(page + output + checked.stdout)


def test_bake_python_dotenv_floor_reads_a_byte_order_mark(default_project, tmp_path):
    """The baked python-dotenv floor is the first release that reads a .env
    starting with a UTF-8 byte-order mark (as Windows editors write it); the
    release before it loses the first line: the key."""
    pyproject = tomllib.loads((default_project / "pyproject.toml").read_text())
    (floor,) = [
        d.split(">=")[1] for d in pyproject["project"]["dependencies"] if "dotenv" in d
    ]
    assert floor == "1.2.3"
    env_file = tmp_path / ".env"
    env_file.write_text("FLASK_SECRET_KEY=x\nOTHER=y\n", encoding="utf-8-sig")
    code = (
        "import sys; from dotenv import dotenv_values; "
        "print(sorted(dotenv_values(sys.argv[1])))"
    )

    def names_read(version):
        command = [bin_path("uv"), "run", "--no-project", "--isolated"]
        command += ["--with", f"python-dotenv=={version}", "python", "-c", code]
        return run([*command, str(env_file)], cwd=tmp_path, env=uv_env(tmp_path))

    assert names_read(floor).stdout.strip() == "['FLASK_SECRET_KEY', 'OTHER']"
    assert names_read("1.2.2").stdout.strip() != "['FLASK_SECRET_KEY', 'OTHER']"
