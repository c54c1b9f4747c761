"""Suite time: the template's whole test suite, as CI runs it.

    python benchmarks/suite_time.py

Prints the wall time, the pytest summary line and the number of cores. The
budget is 15 minutes on a 2-core machine.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
BUDGET = 15 * 60.0  # the whole suite, on 2 cores


def main():
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    summary = result.stdout.strip().splitlines()[-1] if result.stdout else ""
    print(f"{os.cpu_count()} cores; pytest: {summary}")
    verdict = "within" if seconds <= BUDGET else "over"
    print(f"wall time: {seconds:.1f} s ({verdict} the {BUDGET:.0f} s budget)")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
