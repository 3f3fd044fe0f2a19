"""Shared helpers of the benchmark scripts (not part of the package)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sheetperf.model.record import Record, load_records_json

ROOT = Path(__file__).resolve().parents[1]
RECORDS = sorted((ROOT / "samples" / "records").glob("*.json"))


def sample_records() -> list[Record]:
    return [load_records_json(path)[0] for path in RECORDS]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def git_head() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def interleaved(
    subject: Callable[[int], None], baseline: Callable[[int], None], total: int, rounds: int = 5
) -> tuple[float, float]:
    """CPU seconds per call of each, timed in alternating blocks (same warm-up, same drift).

    Each round runs ``total // rounds`` calls of one then the other; the result
    is the median of the per-round means.  Process CPU time, not wall time: on a
    shared machine other processes stretch wall time unevenly between blocks.
    """
    per_round = max(1, total // rounds)
    subject(0)
    baseline(0)  # warm both up (imports, caches)
    subj: list[float] = []
    base: list[float] = []
    counter = 0
    for round_no in range(rounds):
        order = (subject, baseline) if round_no % 2 == 0 else (baseline, subject)
        for func in order:
            start = time.process_time()
            for _ in range(per_round):
                func(counter)
                counter += 1
            elapsed = (time.process_time() - start) / per_round
            (subj if func is subject else base).append(elapsed)
    return statistics.median(subj), statistics.median(base)
