"""Bake cost: this template against a one-file template with no hooks.

Both are baked with `python -m cookiecutter --no-input`, as a user would, in
rotating order from this one process; the figure is the median of the
per-round ratios, in wall time (what a user waits) and in CPU time (what the
bake costs, less disturbed by other work on a shared machine). A third bake
per round, with the hooks turned off (`--accept-hooks no`), splits the cost
into files and hooks; a fourth, the one-file template with two hooks that do
nothing (a pre- and a post-generation hook, as this template has), shows what
starting two Python hooks costs on this machine at this moment (it varies
from run to run more than anything else measured here).
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
TARGET = 1.50


def make_baseline(folder, hooks=False):
    """Write a one-file template with one variable, and two hooks that do
    nothing if `hooks`."""
    folder.mkdir()
    (folder / "cookiecutter.json").write_text('{"project_slug": "one"}\n')
    inner = folder / "{{cookiecutter.project_slug}}"
    inner.mkdir()
    (inner / "README.md").write_text("# {{ cookiecutter.project_slug }}\n")
    if hooks:
        (folder / "hooks").mkdir()
        for hook in ("pre_gen_project.py", "post_gen_project.py"):
            (folder / "hooks" / hook).write_text("pass\n")


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
        baseline, empty_hooks = Path(scratch, "baseline"), Path(scratch, "empty_hooks")
        make_baseline(baseline)
        make_baseline(empty_hooks, hooks=True)
        kinds = {
            "one-file template": (baseline,),
            "same, two empty hooks": (empty_hooks,),
            "this template, no hooks": (TEMPLATE, "--accept-hooks", "no"),
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
