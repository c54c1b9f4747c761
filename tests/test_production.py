"""The baked project under gunicorn with several workers, as in production."""

import re
import sys
import threading
import urllib.request

import pytest

from tests.helpers import (
    fetch,
    free_port,
    gunicorn,
    read_key,
    run,
    serving,
    visits,
    wait_for_page,
)

# the worker's pid and the request line of each request in the access log
LOG_FORMAT = 'worker=%(p)s "%(r)s" %(s)s'
CHAIN_WORKERS = re.compile(r'^worker=<(\d+)> "GET /\?chain=\d+ ', re.M)


def gunicorn_in(project, workers, port):
    """Start gunicorn the way the baked README says: its conf file, env settings."""
    env = {
        "FLASK_SECRET_KEY": None,
        "WEB_CONCURRENCY": str(workers),
        "BIND": f"127.0.0.1:{port}",
    }
    args = gunicorn(sys.executable, "--access-logformat", LOG_FORMAT)
    return serving(args, cwd=project, env=env)


def follow_one_session(url, requests):
    """Send `requests` requests that carry one session, one after the other,
    while three other clients keep every worker busy in turn, so that the
    session's requests land on different workers. Return the visit counts."""
    stop = threading.Event()

    def other_client():
        while not stop.is_set():
            fetch(url)

    others = [threading.Thread(target=other_client) for _ in range(3)]
    for thread in others:
        thread.start()
    counts, cookie = [], None
    try:
        for number in range(requests):
            body, new_cookie = fetch(f"{url}?chain={number}", cookie)
            counts.append(visits(body))
            cookie = new_cookie or cookie
    finally:
        stop.set()
        for thread in others:
            thread.join()
    return counts


def test_bake_four_workers_share_one_session(default_project):
    """300 requests over 4 workers, no --preload: the visit count never resets."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with gunicorn_in(default_project, 4, port) as server:
        wait_for_page(url)
        counts = follow_one_session(url, 300)
    assert "--preload" not in " ".join(server.args)
    assert counts == list(range(1, 301))
    assert len(set(CHAIN_WORKERS.findall(server.output))) == 4
    shown = read_key(default_project).found_in(server.output)
    assert not shown


def test_urandom_key_at_import_breaks_sessions(tmp_path):
    """The same check fails for the article's per-process key: the test can fail."""
    (tmp_path / "urandom_app.py").write_text(
        "import os\n"
        "from flask import Flask, session\n"
        "app = Flask(__name__)\n"
        "app.secret_key = os.urandom(24)\n"
        "@app.get('/')\n"
        "def index():\n"
        "    session['visits'] = session.get('visits', 0) + 1\n"
        '    return f\'<strong id="visits">{session["visits"]}</strong>\'\n'
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = gunicorn(sys.executable, "-w", "4", "-b", f"127.0.0.1:{port}")
    with serving([*args, "urandom_app:app"], cwd=tmp_path):
        wait_for_page(url)
        counts = follow_one_session(url, 100)
    assert counts != list(range(1, 101))
    assert counts.count(1) > 1  # sessions started over


def test_bake_gunicorn_conf_reads_the_environment(default_project):
    """WEB_CONCURRENCY sets the workers, BIND the address, and requests are logged."""
    port = free_port()
    with gunicorn_in(default_project, 3, port) as server:
        status, _ = wait_for_page(f"http://127.0.0.1:{port}/")
    assert status == 200
    assert server.output.count("Booting worker") == 3
    assert f"Listening at: http://127.0.0.1:{port}" in server.output
    assert re.search(r'^worker=<\d+> "GET / HTTP/1.1" 200$', server.output, re.M)


def test_bake_gunicorn_without_a_key_says_so_once(bake):
    """A missing or weak key stops gunicorn with one line, not worker tracebacks."""
    project = bake().project_path
    (project / ".env").unlink()
    args = gunicorn(sys.executable, "-w", "3")
    # a gunicorn that starts anyway would serve forever: stop waiting early
    no_key, weak_key = {"FLASK_SECRET_KEY": None}, {"FLASK_SECRET_KEY": "dev"}
    missing = run(args, cwd=project, env=no_key, check=False, timeout=30)
    weak = run(args, cwd=project, env=weak_key, check=False, timeout=30)
    (project / ".env").write_bytes(b"FLASK_SECRET_KEY=caf\xe9\n")  # latin-1
    latin = run(args, cwd=project, env=no_key, check=False, timeout=30)
    for result, message in [
        (missing, "FLASK_SECRET_KEY is not set"),
        (weak, "FLASK_SECRET_KEY is too short"),
        (latin, f"{project / '.env'} is not UTF-8 text; fix or move it"),
    ]:
        assert result.returncode == 1
        errors = [line for line in result.stderr.splitlines() if "Error" in line]
        assert len(errors) == 1, result.stderr
        assert errors[0].startswith(f"Error: {message}")
        assert "Traceback" not in result.stderr


# a route that shows what the app believes of the request
PROBE = """\
from flask import request

from my_flask_app import create_app


def app():
    app = create_app()
    app.add_url_rule(
        "/probe", "probe", lambda: f"{request.scheme} {request.host}"
    )
    return app
"""
# each header a client may send to claim https or another host
CLAIMS = {
    "proto": {"X-Forwarded-Proto": "https"},
    "protocol": {"X-Forwarded-Protocol": "ssl"},
    "ssl": {"X-Forwarded-Ssl": "on"},
    "forwarded": {"Forwarded": "proto=https;host=evil.example"},
    "host": {"X-Forwarded-Host": "evil.example"},
    "scheme": {"X-Scheme": "https"},
}


@pytest.mark.parametrize(
    ("proxies", "believed"), [("0", set()), ("1", {"proto"})], ids=["none", "one"]
)
def test_bake_gunicorn_believes_only_the_apps_proxy_setting(
    default_project, tmp_path, proxies, believed
):
    """Under the baked gunicorn.conf.py, a client on this machine (which
    gunicorn itself trusts by default) cannot claim https or another host
    with any forwarded header; with FLASK_TRUSTED_PROXIES=1 the app takes the
    scheme from X-Forwarded-Proto alone, and never takes X-Forwarded-Host."""
    (tmp_path / "probe.py").write_text(PROBE)
    port = free_port()
    env = {
        "FLASK_SECRET_KEY": None,
        "FLASK_TRUSTED_PROXIES": proxies,
        "WEB_CONCURRENCY": "1",
        "BIND": f"127.0.0.1:{port}",
        "PYTHONPATH": str(tmp_path),
    }
    args = gunicorn(sys.executable, "probe:app()")
    seen = {}
    with serving(args, cwd=default_project, env=env) as server:
        wait_for_page(f"http://127.0.0.1:{port}/healthz")
        for claim, headers in CLAIMS.items():
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/probe", headers=headers
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                seen[claim] = response.read().decode()
    honest = f"http 127.0.0.1:{port}"
    assert seen == {
        claim: f"https 127.0.0.1:{port}" if claim in believed else honest
        for claim in CLAIMS
    }, server.output
