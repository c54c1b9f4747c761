"""Helpers shared by the template tests.

Keys read from .env are wrapped in Key so that a failing assertion shows a
fingerprint, never the key itself.
"""

import contextlib
import hashlib
import hmac
import http.cookiejar
import http.cookies
import importlib.util
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import urllib.request
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent
TEMPLATE_PROJECT = TEMPLATE / "{{cookiecutter.project_slug}}"
# the workplace's pre-releases (Flask's development tree), beside the checkout
VENDOR = TEMPLATE.parent / "shared" / "vendor"
# how the workflows' tests-dev jobs install Flask's development tree
FLASK_MAIN = '"flask @ git+https://github.com/pallets/flask@main"'
# the toolbar's panels as the baked toolbar.py lists them, by their page ids
PANELS = {
    "Version", "Timer", "Header", "RequestVars", "ConfigVars",
    "Template", "Logging", "RouteList", "Profiler", "g",
}  # fmt: skip
HEX_KEY = re.compile(r"[0-9a-f]{64}")


class Key:
    """A secret key read from a file: compared by value, shown by fingerprint."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Key) and hmac.compare_digest(self.value, other.value)

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return f"<key of {len(self.value)} chars, sha256 {self.fingerprint()[:12]}>"

    def fingerprint(self):
        """Return the SHA-256 of the key: tells keys apart without showing them."""
        return hashlib.sha256(self.value.encode()).hexdigest()

    def is_hex_256(self):
        """Tell whether the key is 64 lowercase hex characters (256 bits)."""
        return HEX_KEY.fullmatch(self.value) is not None

    def found_in(self, text):
        """Tell whether the key appears in `text`."""
        return self.value in text


def copy_template(folder):
    """Copy this checkout's template files (no git, caches or artifacts) to
    `folder`; return it."""
    ignore = shutil.ignore_patterns(".git", "__pycache__", "test-artifacts")
    shutil.copytree(TEMPLATE, folder, ignore=ignore)
    return folder


def baked_files(project):
    """Return the paths of every file of a baked project, sorted."""
    return sorted(
        path.relative_to(project).as_posix()
        for path in Path(project).rglob("*")
        if path.is_file()
    )


def leftover_template_text(project):
    """Return the baked files that hold cookiecutter or Jinja text they
    should not: Flask's own templates and the toolbar test keep Jinja, and
    GitHub's ${{ }} expressions stay."""
    leftovers = []
    for name in baked_files(project):
        if name == ".env":  # written by the hook, not rendered
            continue
        text = (project / name).read_text().replace("${{", "")
        jinja = "{{" in text or "{%" in text
        meant = name.endswith(".html") or name == "tests/secret/test_toolbar.py"
        if "cookiecutter." in text or (jinja and not meant):
            leftovers.append(name)
    return leftovers


def key_lines(env_file):
    """Return the FLASK_SECRET_KEY lines of a .env file, as Key objects."""
    lines = Path(env_file).read_text(encoding="utf-8").splitlines()
    prefix = "FLASK_SECRET_KEY="
    return [Key(line[len(prefix) :]) for line in lines if line.startswith(prefix)]


def read_key(project):
    """Return the one key in a baked project's .env."""
    (key,) = key_lines(Path(project) / ".env")
    return key


def wordlist_entries():
    """Return flask-unsign's default wordlist, read as the tool reads it."""
    from flask_unsign.helpers import wordlist
    from flask_unsign_wordlist import get

    with wordlist(get()) as entries:
        return list(entries)


def mode(path):
    """Return the permission bits of `path`."""
    return Path(path).stat().st_mode & 0o777


def load_module(path, name):
    """Import a Python file that is not on sys.path, under `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_package_module(path, name, folder):
    """Import the file at `path` as module `name` of a package made for the
    tests, whose other modules (its relative imports) come from `folder`."""
    package = types.ModuleType(f"{name}_package")
    package.__path__ = [str(folder)]
    sys.modules[package.__name__] = package
    spec = importlib.util.spec_from_file_location(f"{package.__name__}.{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def environment(changes=None):
    """Return a copy of os.environ with `changes`; a None value unsets.

    The copy leaves out this test run's own pytest and xdist variables, so that
    a baked project's pytest starts as it would for its user.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    for name, value in (changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args, cwd, env=None, check=True, timeout=120):
    """Run a command; on failure, fail with its output (which holds no key)."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def cookiecutter_cli(config, output_dir, *args, check=True, env=None):
    """Run the real cookiecutter command line with a config file of the test's."""
    command = [sys.executable, "-m", "cookiecutter", "--config-file", str(config)]
    return run(
        [*command, "-o", str(output_dir), *args],
        cwd=output_dir,
        env=env,
        check=check,
    )


def bin_path(name):
    """Return the path of a console script installed beside this Python."""
    return str(Path(sys.executable).with_name(name))


def gunicorn(python, *args):
    """Return a gunicorn command for `python`, without gunicorn's control socket
    (one path under $HOME, which servers of parallel tests would share)."""
    return [python, "-m", "gunicorn", "--no-control-socket", *args]


def free_port():
    """Return a loopback port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser_like_opener():
    """Return a urllib opener that keeps cookies as a browser does on loopback.

    Browsers send Secure cookies to http://127.0.0.1 (a secure context), and
    the baked app marks its session cookie Secure outside debug mode.
    """
    policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
    cookies = http.cookiejar.CookieJar(policy)
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))


def fetch(url, cookie=None):
    """GET `url`, sending `cookie` as the session; return (body, new session cookie).

    The new cookie is None when the response sets none.
    """
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        jar = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        session = jar["session"].value if "session" in jar else None
        return response.read().decode(), session


def visits(body):
    """Return the visit count a page shows."""
    return int(re.search(r'<strong id="visits">(\d+)</strong>', body).group(1))


def wait_for_page(url, opener=None, timeout=30.0):
    """Fetch `url` once its server answers; return (status, body)."""
    opener = opener or urllib.request.build_opener()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def serving(args, cwd, env=None):
    """Run a server process for the length of a with block, then stop it.

    What it printed is in the process's `output` attribute afterwards. It goes
    to a file, not a pipe, so that a busy server never blocks on a full pipe.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=environment(env),
            stdout=log,
            stderr=subprocess.STDOUT,
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
            log.seek(0)
            process.output = log.read()


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


def debug_page(command, cwd, env):
    """Run `command` (a flask run --debug) on a free port; return the page."""
    port = free_port()
    args = [*shlex.split(command), "--port", str(port)]
    with serving(args, cwd=cwd, env=env) as server:
        status, page = wait_for_page(f"http://127.0.0.1:{port}/", timeout=120)
    assert status == 200, server.output
    return page, server.output


def drawn_panels(page):
    """Return the names of the toolbar panels a page holds."""
    return set(re.findall(r'<li id="flDebug(\w+)Panel">', page))


def run_workflow_job(workflow, name, cwd, env, replace=None):
    """Run the `run:` steps of job `name` of a workflow file as written, but
    for the text `replace` maps, each in a shell of its own as GitHub runs
    them, in `cwd` or the step's working-directory (${{ runner.temp }} being
    RUNNER_TEMP in `env`); return their output."""
    job = yaml.safe_load(Path(workflow).read_text())["jobs"][name]
    steps = [step for step in job["steps"] if "run" in step]
    for old in replace or {}:
        assert any(old in step["run"] for step in steps), f"{old} not in {name}"
    output = ""
    for step in steps:
        command = step["run"]
        for old, new in (replace or {}).items():
            command = command.replace(old, new)
        folder = step.get("working-directory", str(cwd))
        folder = folder.replace("${{ runner.temp }}", env.get("RUNNER_TEMP", ""))
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command]
        output += run(shell, folder, env, timeout=600).stdout
    return output
