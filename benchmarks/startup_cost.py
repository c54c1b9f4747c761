"""Start-up cost of a production worker: the baked app's create_app() against
a bare Flask app, each imported and built in a fresh Python process.

gunicorn builds the app once per worker (and once more in its on_starting
check), so this is what every worker pays before its first request. Both
run in the same environment, which has the baked project's dev group
installed (Flask-DebugToolbar, and Pygments with it), as `uv sync` leaves it:
the app must not import the toolbar outside debug mode. Rounds alternate;
the figure is the median of the per-round ratios of wall time, beside the
peak memory (max RSS) of each, and what the key check alone (strength.judge
on a key and three fallbacks, reading known_keys.txt) costs of create_app().

    python benchmarks/startup_cost.py [--rounds 30]
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parent.parent
MEASURE = """\
import json, resource, sys, time
start = time.perf_counter()
{build}
elapsed = time.perf_counter() - start
try:  # this process's peak (ru_maxrss would count the parent's, before exec)
    status = open("/proc/self/status").read()
    rss = int(status.split("VmHWM:")[1].split()[0])
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([elapsed, rss, "flask_debugtoolbar" in sys.modules]))
"""
BAKED = "from my_flask_app import create_app\napp = create_app()"
# the key check alone, cold (known_keys.txt read): a key and three fallbacks
CHECK = (
    "import secrets\n"
    "from my_flask_app.secret import strength\n"
    "keys = [secrets.token_hex(32) for _ in range(4)]\n"
    "start = time.perf_counter()\n"
    "strength.judge(keys[0], keys[1:])"
)
BARE = (
    "from flask import Flask\n"
    "app = Flask('bare')\n"
    "app.config.from_prefixed_env()\n"
    "app.add_url_rule('/', 'index', lambda: 'hello')"
)


def measure(build, cwd, env):
    """Return (seconds, max RSS in KiB, toolbar imported) of one fresh start."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE.format(build=build)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=folder))
        env = {
            **os.environ,
            "FLASK_SECRET_KEY": secrets.token_hex(32),
            "FLASK_SKIP_DOTENV": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        for build in (BAKED, BARE):  # warm the file cache
            measure(build, project, env)
        ratios, baked_rss, bare_rss, toolbar, checks = [], [], [], False, []
        for _ in range(options.rounds):
            baked = measure(BAKED, project, env)
            bare = measure(BARE, project, env)
            checks.append(measure(CHECK, project, env)[0] / baked[0])
            ratios.append(baked[0] / bare[0])
            baked_rss.append(baked[1])
            bare_rss.append(bare[1])
            toolbar |= baked[2]
    print(f"rounds: {options.rounds}")
    ratio = statistics.median(ratios)
    print(f"start-up, baked create_app() / bare Flask app: {ratio:.2f}x")
    print(
        f"max RSS: baked {statistics.median(baked_rss) / 1024:.1f} MiB, "
        f"bare {statistics.median(bare_rss) / 1024:.1f} MiB"
    )
    print(f"Flask-DebugToolbar imported outside debug mode: {toolbar}")
    share = statistics.median(checks)
    print(f"the key check (a key, 3 fallbacks), cold: {share:.0%} of create_app()")


if __name__ == "__main__":
    main()
