"""Request cost in production: the baked app's index page against a bare Flask
app that renders the same template with the same session use.

Both run under gunicorn with the same settings (one sync worker each, no
access log) at the same time; load goes to one, then the other, in alternating
rounds from this one process, each request carrying the same session cookie.
The figure is the median of the per-round ratios of requests per second. On
Linux it also prints the worker's CPU time per request, read from /proc, which
the other load on a shared machine disturbs less.

    python benchmarks/request_cost.py [--rounds 16] [--seconds 2]
"""

import argparse
import contextlib
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
TARGET = 0.97
BARE_APP = """\
import os

from flask import Flask, render_template, session

app = Flask(__name__, template_folder=os.environ["BARE_TEMPLATES"])
app.secret_key = os.environ["FLASK_SECRET_KEY"]
app.config["PROJECT_NAME"] = "My Flask App"


@app.get("/")
def index():
    session["visits"] = session.get("visits", 0) + 1
    return render_template("index.html", visits=session["visits"])
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app, cwd, env, port):
    """Serve `app` with one sync worker and no settings file; yield when ready."""
    settings = Path(cwd, "empty.conf.py")
    settings.write_text("")
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket"]
    command += ["-c", str(settings), "-w", "1", "-b", f"127.0.0.1:{port}", app]
    server = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        cookie = None
        for _ in range(100):
            with contextlib.suppress(OSError):
                cookie = get(port, None)
                break
            time.sleep(0.1)
        yield server.pid, cookie
    finally:
        server.terminate()
        server.wait()


def get(port, cookie):
    """GET / and return the session cookie the app set."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    connection.request("GET", "/", headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"status {response.status} from port {port}")
    return response.getheader("Set-Cookie", "").split(";")[0].partition("=")[2]


def worker_cpu_seconds(master):
    """Return the CPU time the gunicorn master's workers have used (Linux)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    if not children.exists():
        return float("nan")
    total = 0
    for pid in children.read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime, in ticks
    return total / os.sysconf("SC_CLK_TCK")


def load(port, master, cookie, seconds):
    """Return (requests per second, worker CPU ms per request) under load."""
    cpu = worker_cpu_seconds(master)
    rate = requests_per_second(port, cookie, seconds)
    cpu = worker_cpu_seconds(master) - cpu
    return rate, cpu * 1000 / (rate * seconds)


def requests_per_second(port, cookie, seconds, threads=2):
    """Load the server from `threads` threads for `seconds`; return requests/s."""
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def load(slot):
        while time.perf_counter() < stop:
            get(port, cookie)
            done[slot] += 1

    workers = [threading.Thread(target=load, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bake = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", scratch]
        env = {**os.environ, "HOME": scratch}
        subprocess.run([*bake, str(TEMPLATE)], check=True, capture_output=True, env=env)
        project = Path(scratch, "my_flask_app")
        Path(scratch, "bare_app.py").write_text(BARE_APP)
        shared = {
            "FLASK_SECRET_KEY": secrets.token_hex(32),  # the same key for both
            "BARE_TEMPLATES": str(project / "my_flask_app" / "templates"),
        }
        ours_port, bare_port = free_port(), free_port()
        ours_app = "my_flask_app:create_app()"
        with (
            gunicorn(ours_app, project, shared, ours_port) as (ours_pid, ours_cookie),
            gunicorn("bare_app:app", scratch, shared, bare_port) as (
                bare_pid,
                bare_cookie,
            ),
        ):
            ours, bare = [], []
            for round_ in range(args.rounds):
                order = [
                    (ours, ours_port, ours_pid, ours_cookie),
                    (bare, bare_port, bare_pid, bare_cookie),
                ]
                for figures, port, pid, cookie in order[
                    :: 1 if round_ % 2 == 0 else -1
                ]:
                    figures.append(load(port, pid, cookie, args.seconds))
    rate = statistics.median(a[0] / b[0] for a, b in zip(ours, bare, strict=True))
    cpu = statistics.median(a[1] / b[1] for a, b in zip(ours, bare, strict=True))
    print(f"{args.rounds} rounds of {args.seconds:g} s, one gunicorn sync worker each")
    for name, figures in [("bare Flask app:", bare), ("baked app:", ours)]:
        rps = statistics.median(f[0] for f in figures)
        ms = statistics.median(f[1] for f in figures)
        print(f"{name:15} median {rps:5.0f} requests/s, {ms:.3f} ms worker CPU each")
    verdict = "meets" if rate >= TARGET else "misses"
    print(f"requests/s ratio: {rate:.3f}x ({verdict} the {TARGET:.2f}x target)")
    print(f"CPU per request ratio: {cpu:.3f}x (1.00x = costs nothing extra)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
