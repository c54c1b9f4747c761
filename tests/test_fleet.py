"""Several hosts behind a load balancer, as in production: three gunicorn
"hosts" on 127.0.0.2, .3 and .4, each reading its key from files of its own
(FLASK_SECRET_KEY_FILE, no .env at all), behind a real nginx that sends each
request to the next host in turn. One client keeps one session the whole time
while the hosts restart one by one with new keys."""

import contextlib
import shutil
import threading
import urllib.request

import pytest

from tests.helpers import (
    Key,
    fetch,
    free_port,
    gunicorn,
    key_lines,
    run,
    serving,
    visits,
    wait_for_page,
)

pytestmark = pytest.mark.fleet

ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
NGINX_CONF = """\
user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream fleet {{
        {servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://fleet;
            # from 127.0.0.1, which gunicorn trusts by default: the baked
            # gunicorn.conf.py turns that off; X-Forwarded-Host, as the client
            # sent it, passes through, as nginx does unless told otherwise
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # as a proxy that ends TLS would say
            proxy_set_header X-Forwarded-Proto https;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""
# a route that shows what the app believes of the request, for these tests
PROBE = """\
from flask import request

from my_flask_app import create_app


def app():
    app = create_app()
    app.add_url_rule("/probe", "probe", lambda: f"{request.scheme} {request.host}")
    return app
"""


@contextlib.contextmanager
def load_balancer(folder, port, backend_port):
    """Run nginx in front of the three hosts, round-robin; a host that is
    down (restarting) is skipped for that request and tried again for the next."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    servers = "\n        ".join(
        f"server {address}:{backend_port} max_fails=0;" for address in ADDRESSES
    )
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, servers=servers, port=port))
    with serving([nginx, "-c", str(conf), "-g", "daemon off;"], cwd=folder) as server:
        wait_for_page(f"http://127.0.0.1:{port}/healthz")
        yield server


class Fleet:
    """Three hosts of one baked project, each with its own copy of the key files."""

    def __init__(self, project, python, folder, trusted_proxies):
        self.project, self.python, self.folder = project, python, folder
        self.port = free_port()
        self.trusted_proxies = trusted_proxies
        self.fleet_env = folder / "fleet.env"  # the operator's copy
        self.servers = {}
        (folder / "probe.py").write_text(PROBE)
        self.flask_secret("init")

    def flask_secret(self, *args):
        command = [self.python, "-m", "flask", "secret", *args]
        return run([*command, "--env-file", str(self.fleet_env)], cwd=self.project)

    def hand_out(self, address):
        """Give one host the operator's current keys, as files of its own."""
        host = self.folder / address
        host.mkdir(exist_ok=True)
        self.flask_secret(
            "export",
            "--key-file",
            str(host / "key"),
            "--fallbacks-file",
            str(host / "fallbacks"),
        )
        return host

    def start(self, address):
        host = self.hand_out(address)
        env = {
            "FLASK_SECRET_KEY": None,
            "FLASK_SECRET_KEY_FALLBACKS": None,
            "FLASK_SECRET_KEY_FILE": str(host / "key"),
            "FLASK_SECRET_KEY_FALLBACKS_FILE": str(host / "fallbacks"),
            "FLASK_TRUSTED_PROXIES": self.trusted_proxies,
            "BIND": f"{address}:{self.port}",
            "WEB_CONCURRENCY": "2",
            "PYTHONPATH": str(self.folder),
        }
        stack = contextlib.ExitStack()
        stack.enter_context(
            serving(gunicorn(self.python, "probe:app()"), cwd=self.project, env=env)
        )
        self.servers[address] = stack
        wait_for_page(f"http://{address}:{self.port}/healthz")

    def restart(self, address):
        self.servers.pop(address).close()
        self.start(address)

    def stop(self):
        for stack in self.servers.values():
            stack.close()


class Client:
    """One visitor who keeps requesting the page, carrying one session."""

    def __init__(self, url):
        self.url, self.counts, self.errors = url, [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.browse)

    def browse(self):
        cookie = None
        while not self.stop.is_set():
            try:
                body, new_cookie = fetch(self.url, cookie)
            except OSError as error:
                self.errors.append(repr(error))
                continue
            self.counts.append(visits(body))
            cookie = new_cookie or cookie

    def wait_for(self, more):
        """Wait until the client has made `more` further requests."""
        target = len(self.counts) + more
        while len(self.counts) < target and self.thread.is_alive():
            self.stop.wait(0.05)


@pytest.fixture
def fleet_project(bake, install):
    """A baked project with no .env, installed (for `flask secret`)."""
    project = bake().project_path
    (project / ".env").unlink()
    return project, install(project)


def rolling_rotation(fleet_project, tmp_path, phases, trusted_proxies):
    """Start three hosts behind nginx, then for each phase (a `flask secret`
    command on the operator's file) hand the new files to one host after the
    other and restart it, while the client keeps its session. Return the
    client's visit counts, its errors, and the scheme the app saw."""
    project, python = fleet_project
    fleet = Fleet(project, python, tmp_path, trusted_proxies)
    front = free_port()
    try:
        for address in ADDRESSES:
            fleet.start(address)
        with load_balancer(tmp_path, front, fleet.port):
            probe = urllib.request.Request(
                f"http://127.0.0.1:{front}/probe",
                headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Ssl": "on"},
            )
            with urllib.request.urlopen(probe, timeout=10) as response:
                scheme, host = response.read().decode().split()
            assert host == "127.0.0.1"  # nginx's $host; never the forged one
            client = Client(f"http://127.0.0.1:{front}/")
            client.thread.start()
            try:
                client.wait_for(20)
                for phase in phases:
                    fleet.flask_secret(*phase)
                    for address in ADDRESSES:
                        fleet.restart(address)
                        client.wait_for(20)  # every host serves it, in turn
            finally:
                client.stop.set()
                client.thread.join()
    finally:
        fleet.stop()
    return client.counts, client.errors, scheme


def test_bake_fleet_rotation_in_two_phases_keeps_every_session(fleet_project, tmp_path):
    """stage, roll out, promote, roll out: the visit count never starts over,
    and behind one trusted proxy the app sees the https nginx forwards."""
    phases = [("stage",), ("promote",)]
    counts, errors, scheme = rolling_rotation(fleet_project, tmp_path, phases, "1")
    assert errors == []
    assert len(counts) > 120
    assert counts == list(range(1, len(counts) + 1))
    assert scheme == "https"
    fleet_env = tmp_path / "fleet.env"
    assert "SECRET_KEY_STAGED" not in fleet_env.read_text()
    # every host holds the operator's promoted key, and it is a new one
    (promoted,) = key_lines(fleet_env)
    hosts = {Key((tmp_path / a / "key").read_text().strip()) for a in ADDRESSES}
    assert hosts == {promoted}


def test_bake_fleet_rotation_in_one_phase_logs_users_out(fleet_project, tmp_path):
    """The control: `rotate` rolled out host by host resets the count (a host
    with the new key signs a cookie that a host without it refuses), and with
    no trusted proxy the app does not believe the forwarded https."""
    counts, errors, scheme = rolling_rotation(
        fleet_project, tmp_path, [("rotate",)], "0"
    )
    assert errors == []
    assert counts != list(range(1, len(counts) + 1))
    assert counts.count(1) > 1  # the session started over
    assert scheme == "http"


def test_bake_key_files_under_gunicorn(fleet_project, tmp_path):
    """With no .env at all, gunicorn serves with keys from _FILE variables; a
    weak key in a file, both a variable and its file, or an unreadable file
    stop it with one line."""
    project, python = fleet_project
    key_file = tmp_path / "key"
    run(
        [python, "-m", "flask", "secret", "init", "--env-file", str(tmp_path / "e")],
        cwd=project,
    )
    run(
        [
            python,
            "-m",
            "flask",
            "secret",
            "export",
            "--env-file",
            str(tmp_path / "e"),
            "--key-file",
            str(key_file),
        ],
        cwd=project,
    )
    port = free_port()
    env = {
        "FLASK_SECRET_KEY": None,
        "FLASK_SECRET_KEY_FILE": str(key_file),
        "BIND": f"127.0.0.1:{port}",
    }
    with serving(gunicorn(python), cwd=project, env=env) as server:
        status, page = wait_for_page(f"http://127.0.0.1:{port}/")
    assert status == 200
    assert visits(page) == 1
    assert key_file.read_text().strip() not in server.output

    weak = tmp_path / "weak"
    weak.write_text("not-so-secret\n")
    cases = [
        ({"FLASK_SECRET_KEY_FILE": str(weak)}, "Error: FLASK_SECRET_KEY is too short"),
        (
            {"FLASK_SECRET_KEY_FILE": str(key_file), "FLASK_SECRET_KEY": "x" * 64},
            "Error: FLASK_SECRET_KEY and FLASK_SECRET_KEY_FILE are both set",
        ),
        (
            {"FLASK_SECRET_KEY_FILE": str(tmp_path / "missing")},
            "Error: FLASK_SECRET_KEY_FILE names no file (its value, "
            f"{len(str(tmp_path / 'missing'))} characters, is not shown)",
        ),
    ]
    for env, message in cases:
        env = {"FLASK_SECRET_KEY": None, **env}
        result = run(gunicorn(python), cwd=project, env=env, check=False, timeout=30)
        assert result.returncode == 1
        errors = [line for line in result.stderr.splitlines() if "Error" in line]
        assert len(errors) == 1 and errors[0].startswith(message), result.stderr
        assert "Traceback" not in result.stderr
