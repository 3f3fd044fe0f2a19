"""How fast the command line answers: ``sheetperf --version`` and ``--help`` against a bare Python.

    python benchmarks/bench_startup.py [--runs 10]

Each command is started ``--runs`` times as a new process, alternating with the baselines
(``python -c pass`` and ``python -c "import click"``, the least a click program needs); the
medians of wall time are printed with the ratios, and which heavy libraries the command
imports (``python -X importtime``: none of pandas, lxml, xlsxwriter, openpyxl may appear).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _common import ROOT, git_head, machine

HEAVY = ("pandas", "numpy", "lxml", "xlsxwriter", "openpyxl", "python_calamine", "jinja2")

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import click'": [sys.executable, "-c", "import click"],
    "sheetperf --version": [sys.executable, "-m", "sheetperf.cli", "--version"],
    "sheetperf --help": [sys.executable, "-m", "sheetperf.cli", "--help"],
}


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def heavy_imports() -> list[str]:
    """Heavy top-level packages ``import sheetperf.cli`` loads (from ``-X importtime``)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sheetperf.cli"], cwd=ROOT, capture_output=True, text=True
    )
    loaded = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in run.stderr.splitlines() if "|" in line}
    return sorted(name for name in HEAVY if name in loaded)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        wall(command)  # warm the file cache
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            times[name].append(wall(command))
    print(f"# {machine()}; git {git_head()}; {args.runs} runs each, interleaved; median wall time")
    base = statistics.median(times["python -c pass"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:28s} {median * 1000:7.1f} ms   {median / base:5.2f}× python -c pass")
    heavy = heavy_imports()
    print(f"heavy libraries imported by `import sheetperf.cli`: {', '.join(heavy) if heavy else 'none'}")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
