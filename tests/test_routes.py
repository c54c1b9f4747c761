"""The two ways in, for real: uv (uvx cookiecutter, uv run) and pip.

These tests install packages from the package index, as a user does. uv may
not download a Python here (no network beyond the index): it is given the
Python that runs the tests, as a user's uv finds the one on their machine.
"""

import json
import re
import shlex
import sys
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.helpers import (
    FLASK_MAIN,
    PANELS,
    TEMPLATE,
    VENDOR,
    bin_path,
    debug_page,
    drawn_panels,
    free_port,
    read_key,
    run,
    run_workflow_job,
    serving,
    uv_env,
    wait_for_page,
)

pytestmark = pytest.mark.install


def readme_block(project, heading, number):
    """Return the commands of the `number`th code block under `heading` in
    the baked README, without comments."""
    section = (project / "README.md").read_text().split(f"## {heading}\n", 1)[1]
    block = re.findall(r"```bash\n(.*?)```", section, re.S)[number]
    return [line.split("  #")[0].strip() for line in block.splitlines()]


def test_bake_uv_route(tmp_path):
    """The template workflow's steps run as written (uvx cookiecutter, uv run
    pytest, ruff, flask secret check); then the baked README's one command,
    `uv run flask run --debug`, serves the page with the toolbar."""
    workflow = yaml.safe_load((TEMPLATE / ".github/workflows/ci.yml").read_text())
    job = workflow["jobs"]["bake"]
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
    shown = read_key(project).found_in(page + output)
    assert not shown


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
    shown = read_key(project).found_in(page + output + checked.stdout)
    assert not shown


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


def installed_versions(project, env):
    """Return {normalized name: Version} of what the project's .venv holds."""
    listed = run(
        [bin_path("uv"), "pip", "list", "--python", ".venv", "--format", "json"],
        cwd=project,
        env=env,
    )
    return {
        canonicalize_name(item["name"]): Version(item["version"])
        for item in json.loads(listed.stdout)
    }


def floors(project):
    """Return {normalized name: lowest version allowed} of every direct
    dependency of a baked project, runtime and dev group; fail on one
    that has no floor."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    found = {}
    for line in (
        pyproject["project"]["dependencies"] + pyproject["dependency-groups"]["dev"]
    ):
        requirement = Requirement(line)
        (floor,) = [s.version for s in requirement.specifier if s.operator == ">="]
        found[canonicalize_name(requirement.name)] = Version(floor)
    return found


def test_bake_passes_at_its_floors(bake, tmp_path):
    """The baked workflow's tests-min job, as written (uv sync --resolution
    lowest-direct, the suite, ruff), installs each direct dependency at its
    floor and passes; at those versions the debug page draws every panel and
    gunicorn serves the page."""
    project = bake().project_path
    env = uv_env(tmp_path)
    workflow = project / ".github/workflows/ci.yml"
    output = run_workflow_job(workflow, "tests-min", project, env)
    assert re.search(r"\b\d+ passed\b", output), output
    assert "All checks passed!" in output

    wanted = floors(project)
    assert set(wanted) == {
        "flask", "gunicorn", "python-dotenv", "flask-debugtoolbar", "pytest", "ruff"
    }  # fmt: skip
    installed = installed_versions(project, env)
    assert {name: installed[name] for name in wanted} == wanted

    page, log = debug_page(".venv/bin/flask run --debug", project, env)
    assert drawn_panels(page) == PANELS
    shown = read_key(project).found_in(page + log)
    assert not shown

    port = free_port()
    server_env = {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    with serving([".venv/bin/gunicorn"], cwd=project, env=server_env) as server:
        status, page = wait_for_page(f"http://127.0.0.1:{port}/")
    assert status == 200, server.output
    assert '<strong id="visits">1</strong>' in page


def test_bake_passes_on_flask_development_tree(flask_dev_project, tmp_path):
    """The baked workflow's tests-dev job, as written, with Flask's
    development wheel (3.2.0.dev) for its main branch: the suite passes, and
    `flask run --debug` serves the page with every panel of the toolbar."""
    project, output = flask_dev_project
    assert re.search(r"\b\d+ passed\b", output), output
    env = uv_env(tmp_path)
    assert installed_versions(project, env)["flask"] == Version("3.2.0.dev0")

    page, log = debug_page(".venv/bin/flask run --debug", project, env)
    assert drawn_panels(page) == PANELS
    assert '<strong id="visits">1</strong>' in page
    assert "Traceback" not in log
    shown = read_key(project).found_in(page + log)
    assert not shown


@pytest.mark.parametrize("job", ["tests-min", "tests-dev"])
def test_template_workflow_runs_baked_suite_at_floors_and_on_flask_main(tmp_path, job):
    """The template workflow's tests-min and tests-dev jobs run as written
    (uvx cookiecutter, then the baked suite at the floors, or with Flask's
    development tree from the vendor folder in place of its main branch)."""
    replace = {}
    if job == "tests-dev":
        wheels = sorted(VENDOR.glob("flask-*.whl"))
        if not wheels:
            pytest.skip(f"no Flask development wheel in {VENDOR} (a clone elsewhere)")
        replace[FLASK_MAIN] = shlex.quote(str(wheels[-1]))
    env = {**uv_env(tmp_path), "RUNNER_TEMP": str(tmp_path)}
    workflow = TEMPLATE / ".github/workflows/ci.yml"
    output = run_workflow_job(workflow, job, TEMPLATE, env, replace)
    assert re.search(r"\b\d+ passed\b", output), output
    assert read_key(tmp_path / "my_flask_app").is_hex_256()
