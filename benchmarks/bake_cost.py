"""Bake cost: this template against a one-file template with no hooks.

Both are baked with `python -m cookiecutter --no-input`, as a user would, in
rotating order from this one process; the figure is the median of the
per-round ratios, in wall time (what a user waits) and in CPU time (what the
bake costs, less disturbed by other work on a shared machine). A third bake
per round, with the hook turned off (`--accept-hooks no`), splits the cost
into files and hook; a fourth, the one-file template with a hook that does
nothing, shows what starting any Python hook costs on this machine at this
moment (it varies from run to run more than anything else measured here).
Run it with the Python that has cookiecutter:

    python benchmarks/bake_cost.py [--runs 40]

A user's cookiecutter usually lives in a venv of its own (pipx): run it with
that Python to see what they see, e.g. `/path/to/venv/bin/python
benchmarks/bake_cost.py`.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
TARGET = 1.30


def make_baseline(folder, hook=False):
    """Write a one-file template with one variable, and a hook that does
    nothing if `hook`."""
    folder.mkdir()
    (folder / "cookiecutter.json").write_text('{"project_slug": "one"}\n')
    inner = folder / "{{cookiecutter.project_slug}}"
    inner.mkdir()
    (inner / "README.md").write_text("# {{ cookiecutter.project_slug }}\n")
    if hook:
        (folder / "hooks").mkdir()
        (folder / "hooks" / "pre_gen_project.py").write_text("pass\n")


def children_cpu():
    """Return the CPU seconds used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bake(template, scratch, *options):
    """Bake `template` into a new folder of `scratch`; return (wall, cpu) seconds."""
    out = tempfile.mkdtemp(dir=scratch)
    command = [sys.executable, "-m", "cookiecutter", "--no-input", *options, "-o", out]
    # replay files stay in scratch, and so do the rendered hooks cookiecutter
    # leaves in TMPDIR: a hook imports from that folder first, and a /tmp
    # holding thousands of old ones would slow every hook down
    env = {**os.environ, "HOME": out, "TMPDIR": out}
    cpu = children_cpu()
    start = time.perf_counter()
    subprocess.run([*command, str(template)], check=True, capture_output=True, env=env)
    return time.perf_counter() - start, children_cpu() - cpu


def median_ratio(times, base):
    return statistics.median(a / b for a, b in zip(times, base, strict=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        baseline, empty_hook = Path(scratch, "baseline"), Path(scratch, "empty_hook")
        make_baseline(baseline)
        make_baseline(empty_hook, hook=True)
        kinds = {
            "one-file template": (baseline,),
            "same, with an empty hook": (empty_hook,),
            "this template, no hook": (TEMPLATE, "--accept-hooks", "no"),
            "this template": (TEMPLATE,),
        }
        wall = {name: [] for name in kinds}
        cpu = {name: [] for name in kinds}
        for template, *options in [*kinds.values(), *kinds.values()]:  # warm up
            bake(template, scratch, *options)
        names = list(kinds)
        for run in range(args.runs):
            turn = run % len(names)
            for name in names[turn:] + names[:turn]:  # rotate the order
                template, *options = kinds[name]
                seconds, cpu_seconds = bake(template, scratch, *options)
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)
    base_wall, base_cpu = wall["one-file template"], cpu["one-file template"]
    print(f"python: {sys.version.split()[0]} ({sys.executable}), {args.runs} rounds")
    print(f"{'':26} {'wall':>17}   {'cpu':>17}")
    for name in kinds:
        print(
            f"{name + ':':26} {statistics.median(wall[name]) * 1000:5.0f} ms "
            f"({median_ratio(wall[name], base_wall):.2f}x)   "
            f"{statistics.median(cpu[name]) * 1000:5.0f} ms "
            f"({median_ratio(cpu[name], base_cpu):.2f}x)"
        )
    ratio = median_ratio(wall["this template"], base_wall)
    verdict = "within" if ratio <= TARGET else "over"
    print(f"ratio: {ratio:.2f}x wall time ({verdict} the {TARGET:.2f}x target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
