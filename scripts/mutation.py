"""Mutation score of the hooks and the key code, per module, with cosmic-ray.

    python -m pip install cosmic-ray==8.7.0
    python scripts/mutation.py [--jobs 2] [--out DIR] [--baked-only] [--sample N]
                               [MODULE ...]

The key code is mutated in a project baked from this checkout and judged by
the baked project's own test suite, and for editing.py and strength.py also
by the template's tests that load them by path (a differential test against
python-dotenv with 200 generated files; the attackers' wordlist); the hooks
are mutated in a copy of this checkout and judged by the template's hook
tests and its bake tests. Each module runs in a folder of its own (cosmic-ray
changes files in place), `--jobs` at a time. `--baked-only` judges the baked
modules by the baked project's own suite alone: what a user who keeps only
the project has to notice a change. `--sample N` runs N mutants per module,
drawn with a fixed seed, for a figure in minutes rather than hours. Prints
per module: its mutants, how many ran (all, or the sample), killed,
survived, and the score (killed / (killed + survived)). Survivors:
`cr-report OUT/MODULE.sqlite --show-diff`; the ones judged equivalent are in
benchmarks/mutation.md with the reason.
"""

import argparse
import concurrent.futures
import json
import os
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
# no plugins but those named: each mutant pays pytest's start-up
PYTEST = (
    f"PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 {shlex.quote(sys.executable)} -m pytest"
    " -x -q -p no:cacheprovider -o addopts="
)
# the bake tests that run the post-generation hook for real
HOOK_BAKES = "tests/test_bake.py -m hooks"
BAKED = {
    "envfile": "my_flask_app/secret/envfile.py",
    "editing": "my_flask_app/secret/editing.py",
    "strength": "my_flask_app/secret/strength.py",
    "cli": "my_flask_app/secret/cli.py",
    "secret": "my_flask_app/secret/__init__.py",
    "toolbar": "my_flask_app/toolbar.py",
    "headers": "my_flask_app/headers.py",
    "app": "my_flask_app/__init__.py",
}
HOOKS = {
    "pre_gen_project": ("hooks/pre_gen_project.py", "tests/test_hooks.py"),
    "post_gen_project": (
        "hooks/post_gen_project.py",
        f"tests/test_hooks.py {HOOK_BAKES}",
    ),
}


# the template's tests that load a baked module by path: the variable that
# points them at the mutated copy, and the tests (those marked wordlist or
# slow take seconds each, and what they check is checked by faster ones too)
TEMPLATE_TESTS = {
    "editing": ("EDITING_UNDER_TEST", "tests/test_envfile_dotenv.py"),
    "strength": ("STRENGTH_UNDER_TEST", "tests/test_keycheck.py"),
}


# each baked module's own tests, run first so that most mutants die fast
# (pytest runs each test once, though the folder holding them follows)
OWN_TESTS = {
    "envfile": "tests/secret/test_envfile.py",
    "editing": "tests/secret/test_envfile.py",
    "strength": "tests/secret/test_strength.py",
    "cli": "tests/secret/test_cli.py",
    "secret": "tests/secret/test_files.py",
    "toolbar": "tests/secret/test_toolbar.py",
    "headers": "tests/test_headers.py",
    "app": "tests/test_factory.py",
}


def test_command(name, where, baked_only=False):
    """Return the shell command that judges a mutant of module `name`."""
    if name in HOOKS:
        return f"{PYTEST} -p pytest_cookies.plugin {HOOKS[name][1]}"
    command = f"cd {shlex.quote(str(where))} && {PYTEST} {OWN_TESTS[name]} tests"
    if name in TEMPLATE_TESTS and not baked_only:
        variable, tests = TEMPLATE_TESTS[name]
        module = shlex.quote(str(where / BAKED[name]))
        command += (
            f" && cd {shlex.quote(str(TEMPLATE))} && ENVFILE_EXAMPLES=200"
            f" {variable}={module} {PYTEST} {tests}"
            " -m 'not wordlist and not slow'"
        )
    return command


def prepare(name, work):
    """Return the folder to mutate in: a baked project or a template copy."""
    if name in BAKED:
        command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(work)]
        subprocess.run([*command, str(TEMPLATE)], check=True, capture_output=True)
        return work / "my_flask_app"
    ignore = shutil.ignore_patterns(".git", "__pycache__", "test-artifacts")
    return Path(shutil.copytree(TEMPLATE, work / "template", ignore=ignore))


def run_module(name, scratch, out, baked_only=False, sample=None):
    """Init and exec one cosmic-ray session; return (name, counts)."""
    where = prepare(name, Path(tempfile.mkdtemp(dir=scratch)))
    target = BAKED[name] if name in BAKED else HOOKS[name][0]
    config = where.parent / f"{name}.toml"
    command = shlex.join(["bash", "-c", test_command(name, where, baked_only)])
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(target)}\n"
        "timeout = 60.0\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    session = out / f"{name}.sqlite"
    session.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    everything = None
    for step in ("init", "exec"):
        subprocess.run(
            [sys.executable, "-m", "cosmic_ray.cli", step, str(config), str(session)],
            cwd=where,
            check=True,
            capture_output=True,
            env=env,
        )
        if step == "init" and sample:
            everything = keep_a_sample(session, sample, seed=name)
    mutants, killed, survived = counts(session)
    return name, (everything or mutants, mutants, killed, survived)


def keep_a_sample(session, size, seed):
    """Keep `size` mutants of an initialised session, drawn at random with a
    fixed seed (the same ones each run of the same code); drop the rest.
    Return how many there were."""
    with sqlite3.connect(session) as db:
        # in the order of the mutations (job ids are random)
        rows = db.execute(
            "SELECT job_id FROM mutation_specs ORDER BY start_pos_row,"
            " start_pos_col, operator_name, occurrence, operator_args"
        )
        jobs = [row[0] for row in rows]
        kept = set(random.Random(seed).sample(jobs, min(size, len(jobs))))
        dropped = [(job,) for job in jobs if job not in kept]
        for table in ("mutation_specs", "work_items"):
            db.executemany(f"DELETE FROM {table} WHERE job_id = ?", dropped)
    return len(jobs)


def counts(session):
    """Return (mutants, killed, survived) of a finished session."""
    with sqlite3.connect(session) as db:
        rows = db.execute("SELECT test_outcome FROM work_results")
        outcomes = [str(row[0]).lower() for row in rows]  # stored as KILLED
    return len(outcomes), outcomes.count("killed"), outcomes.count("survived")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=[*BAKED, *HOOKS])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=TEMPLATE / "test-artifacts")
    parser.add_argument("--baked-only", action="store_true")
    parser.add_argument("--sample", type=int, help="mutants drawn per module")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as scratch,
        concurrent.futures.ThreadPoolExecutor(args.jobs) as pool,
    ):
        jobs = [
            pool.submit(
                run_module, m, Path(scratch), args.out, args.baked_only, args.sample
            )
            for m in args.modules
        ]
        header = ("module", "of", "run", "killed", "survived")
        print("{:18} {:>5} {:>5} {:>7} {:>8}  score".format(*header))
        for job in jobs:
            name, (everything, mutants, killed, survived) = job.result()
            score = killed / (killed + survived) if killed + survived else 0.0
            print(
                f"{name:18} {everything:5} {mutants:5} {killed:7} {survived:8}"
                f"  {score:6.1%}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
