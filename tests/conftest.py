import contextlib
import os
import signal
import subprocess

import pytest

from tests.helpers import TEMPLATE, environment


@pytest.fixture(scope="session")
def default_project(cookies_session):
    """One project baked with the defaults, for tests that only read it."""
    result = cookies_session.bake(template=str(TEMPLATE))
    assert result.exit_code == 0, result.exception
    return result.project_path


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


@contextlib.contextmanager
def serving(args, cwd, env=None):
    """Run a server process for the length of a with block, then stop it.

    What it printed is in the process's `output` attribute afterwards.
    """
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the reloader's child dies with it
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with process.stdout:
            process.output = process.stdout.read()


@pytest.fixture
def serve():
    return serving
