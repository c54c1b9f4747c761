import shlex
import sys
import tempfile

import pytest

# the tests import template files (hooks, envfile.py, strength.py) by path: a
# __pycache__ written beside them would be baked into every project
sys.dont_write_bytecode = True

from tests.helpers import (  # noqa: E402
    FLASK_MAIN,
    TEMPLATE,
    VENDOR,
    run,
    run_workflow_job,
    uv_env,
)


def pytest_addoption(parser):
    parser.addoption(
        "--update-screenshots",
        action="store_true",
        help="let the browser test write the README's pictures in docs/",
    )


@pytest.fixture(scope="session", autouse=True)
def temp_folder(tmp_path_factory):
    """Keep temporary files, among them the rendered hook cookiecutter leaves
    behind for every bake, in pytest's folder (pruned after three runs)
    instead of piling them up in /tmp: in-process bakes and child processes."""
    folder = str(tmp_path_factory.mktemp("tmp"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", folder)
        patch.setattr(tempfile, "tempdir", folder)
        yield folder


@pytest.fixture(scope="session")
def default_project(cookies_session):
    """One project baked with the defaults, for tests that only read it."""
    result = cookies_session.bake(template=str(TEMPLATE))
    assert result.exit_code == 0, result.exception
    return result.project_path


@pytest.fixture(scope="session")
def flask_dev_project(cookies_session, tmp_path_factory):
    """A default bake installed by its workflow's tests-dev job, as written,
    with Flask's development wheel from the workplace's vendor folder in
    place of Flask's git main branch (no network here but the package index).

    Return the project and what the job printed.
    """
    wheels = sorted(VENDOR.glob("flask-*.whl"))
    if not wheels:
        pytest.skip(
            f"no Flask development wheel in {VENDOR} (a clone outside the "
            "workplace): the workflows' tests-dev job runs Flask's main branch"
        )
    result = cookies_session.bake(template=str(TEMPLATE))
    assert result.exit_code == 0, result.exception
    project = result.project_path
    env = uv_env(tmp_path_factory.mktemp("home"))
    wheel = shlex.quote(str(wheels[-1]))
    workflow = project / ".github/workflows/ci.yml"
    output = run_workflow_job(workflow, "tests-dev", project, env, {FLASK_MAIN: wheel})
    return project, output


@pytest.fixture
def bake(cookies):
    """Bake the template with extra context and return the pytest-cookies result."""

    def bake(**extra_context):
        return cookies.bake(extra_context=extra_context, template=str(TEMPLATE))

    return bake


@pytest.fixture
def cli_config(tmp_path):
    """A cookiecutter config file that keeps replay files inside tmp_path."""
    config = tmp_path / "cookiecutter-config.yaml"
    config.write_text(
        f'cookiecutters_dir: "{tmp_path / "cookiecutters"}"\n'
        f'replay_dir: "{tmp_path / "replay"}"\n'
    )
    return config


@pytest.fixture
def install(tmp_path):
    """Install a baked project (editable, as its README says) in a venv of its own.

    The venv sees this Python's packages, so only the project itself is
    installed; its `flask secret` command is a plugin that needs installing.
    Return the venv's python.
    """

    def install(project):
        venv = tmp_path / "venv"
        venv_options = ["--system-site-packages", "--without-pip"]
        run([sys.executable, "-m", "venv", *venv_options, str(venv)], cwd=tmp_path)
        python = str(venv / "bin" / "python")
        pip = [python, "-m", "pip", "install", "-q", "--no-deps"]
        run([*pip, "--no-build-isolation", "-e", str(project)], cwd=tmp_path)
        return python

    return install
