"""Bake cost: this template against a one-file template with no hooks.

Both are baked with `python -m cookiecutter --no-input`, as a user would, in
alternating order from this one process; the figure is the median of the
per-pair ratios. A third column bakes this template with its hook turned off
(`--accept-hooks no`), which splits the cost into files and hook. Run from
anywhere:

    python benchmarks/bake_cost.py [--runs 40]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
TARGET = 1.30


def make_baseline(folder):
    """Write a one-file template with one variable and no hooks."""
    (folder / "cookiecutter.json").write_text('{"project_slug": "one"}\n')
    inner = folder / "{{cookiecutter.project_slug}}"
    inner.mkdir()
    (inner / "README.md").write_text("# {{ cookiecutter.project_slug }}\n")


def bake_seconds(template, scratch, *options):
    """Bake `template` into a new folder of `scratch`; return the wall time."""
    out = tempfile.mkdtemp(dir=scratch)
    command = [sys.executable, "-m", "cookiecutter", "--no-input", *options, "-o", out]
    env = {**os.environ, "HOME": out}  # replay files stay in scratch
    start = time.perf_counter()
    subprocess.run([*command, str(template)], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch, "baseline")
        baseline.mkdir()
        make_baseline(baseline)
        for template in (TEMPLATE, baseline, TEMPLATE, baseline):  # warm caches
            bake_seconds(template, scratch)
        ours, theirs, no_hook = [], [], []
        for run in range(args.runs):
            pair = (TEMPLATE, baseline) if run % 2 == 0 else (baseline, TEMPLATE)
            times = {template: bake_seconds(template, scratch) for template in pair}
            ours.append(times[TEMPLATE])
            theirs.append(times[baseline])
            no_hook.append(bake_seconds(TEMPLATE, scratch, "--accept-hooks", "no"))
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    base = statistics.median(theirs)
    print(f"python: {sys.version.split()[0]} ({sys.executable}), {args.runs} pairs")
    print(f"one-file template:       median {base * 1000:4.0f} ms")
    for name, times in [("this template, no hook:", no_hook), ("this template:", ours)]:
        median = statistics.median(times)
        print(f"{name:24} median {median * 1000:4.0f} ms ({median / base:.2f}x)")
    verdict = "within" if ratio <= TARGET else "over"
    print(f"ratio: {ratio:.2f}x ({verdict} the {TARGET:.2f}x target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
