"""Long fuzz run: ≥ 2,000 mutated workbooks, each read in a child process that is killed when it hangs.

    python benchmarks/fuzz.py                      # 2,000 mutants, seed 8, batches of 100, 2 jobs
    python benchmarks/fuzz.py --count 5000 --seed 9
    python benchmarks/fuzz.py --replay 1234        # write mutant 1234 to fuzz-1234.xlsx and read it here

The mutants come from :mod:`tests.mutants` (samples/*.xlsx and hand-built forms,
mutated by kind: flipped bytes, truncated/deleted/swapped members, lying zip
directories, broken XML, absurd dimensions, huge shared strings, wrong content
types, bombs, macros/links/DDE).  Each batch runs in a fresh ``python`` child which
reports one JSON line per workbook; when no line arrives within ``--time-limit``
seconds the child is killed, the workbook it was reading counts as a hang, and a
new child resumes after it.  Printed: counts of read / rejected / unclean (a
SheetperfError that is not one line naming the file) / uncaught / hang, per kind,
the slowest workbooks, and the children's peak RSS.  It exits 1 when anything is
uncaught, unclean or hung.  Figures go into benchmarks/README.md (section "fuzz").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

try:
    from _common import git_head, machine
except ImportError:  # _common.py is shared with the other benchmark scripts
    import platform

    def machine() -> str:
        return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"

    def git_head() -> str:
        return "?"


def worker(start: int, count: int, seed: int) -> None:
    """Child: read mutants [start, start+count), one JSON line before and after each."""
    from mutants import attempt, mutant, seed_workbooks

    workdir = Path(tempfile.mkdtemp(prefix="sheetperf-fuzz-"))
    seeds = seed_workbooks(workdir)
    for index in range(start, start + count):
        m = mutant(seeds, index, seed)
        path = workdir / f"mutant-{index}.xlsx"
        path.write_bytes(m.data)
        print(json.dumps({"start": index, "kind": m.kind, "seed": m.seed_name}), flush=True)
        began = time.perf_counter()
        outcome, detail = attempt(path, validate=True)
        seconds = time.perf_counter() - began
        print(
            json.dumps({"index": index, "kind": m.kind, "outcome": outcome, "seconds": seconds, "detail": detail}),
            flush=True,
        )
        path.unlink()


def run_batch(
    start: int, count: int, seed: int, time_limit: float, results: list[dict[str, Any]], lock: threading.Lock
) -> None:
    """Parent side of one batch: restart the child after each hang until the batch is done."""
    end = start + count
    while start < end:
        # the first line of a child comes after it has built its seeds (a few seconds)
        child = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(start), str(end - start), "--seed", str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        assert child.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(child.stdout, selectors.EVENT_READ)
        current: dict[str, Any] | None = None
        deadline = time.monotonic() + time_limit + 60  # seeds first
        finished = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=remaining):
                child.kill()
                child.wait()
                if current is not None:
                    with lock:
                        results.append(
                            {
                                **current,
                                "index": current["start"],
                                "outcome": "hang",
                                "seconds": time_limit,
                                "detail": "",
                            }
                        )
                    start = current["start"] + 1
                else:
                    start = end  # the child never started: give up on the batch
                break
            line = child.stdout.readline()
            if not line:  # the child died (a crash outside Python's exception handling)
                child.wait()
                if current is not None:
                    with lock:
                        results.append(
                            {
                                **current,
                                "index": current["start"],
                                "outcome": "uncaught",
                                "seconds": 0.0,
                                "detail": f"child exited {child.returncode}",
                            }
                        )
                    start = current["start"] + 1
                else:
                    start = end
                break
            item = json.loads(line)
            if "start" in item:
                current = item
                deadline = time.monotonic() + time_limit
                continue
            with lock:
                results.append(item)
            current = None
            if item["index"] + 1 >= end:
                finished = True
        selector.close()
        if finished:
            child.wait()
            break


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per workbook before it is a hang")
    parser.add_argument("--worker", nargs=2, type=int, metavar=("START", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--replay", type=int, metavar="INDEX")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.seed)
        return 0
    if args.replay is not None:
        from mutants import attempt, mutant, seed_workbooks

        m = mutant(seed_workbooks(Path(tempfile.mkdtemp())), args.replay, args.seed)
        path = Path(f"fuzz-{args.replay}.xlsx").resolve()
        path.write_bytes(m.data)
        print(m.kind, m.seed_name, path, *attempt(path), sep="\n")
        return 0

    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    batches = [(s, min(args.batch, args.count - s)) for s in range(0, args.count, args.batch)]
    began = time.perf_counter()
    pending = list(batches)

    def drain() -> None:
        while True:
            with lock:
                if not pending:
                    return
                start, count = pending.pop(0)
            run_batch(start, count, args.seed, args.time_limit, results, lock)

    threads = [threading.Thread(target=drain) for _ in range(args.jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    outcomes = Counter(r["outcome"] for r in results)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        by_kind[r["kind"]][r["outcome"]] += 1
    columns = ["read", "rejected", "unclean", "uncaught", "hang"]
    print(
        f"sheetperf fuzz: {len(results)} mutated workbooks, seed {args.seed}, {args.jobs} jobs, time limit {args.time_limit:g} s"
    )
    print(f"machine: {machine()}; commit {git_head()}")
    print(f"total {elapsed:.0f} s; children's peak RSS {peak_mb:.0f} MB\n")
    print("| kind | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for kind in sorted(by_kind):
        print(f"| {kind} | " + " | ".join(str(by_kind[kind][c]) for c in columns) + " |")
    print("| **all** | " + " | ".join(f"**{outcomes[c]}**" for c in columns) + " |")
    slowest = sorted(results, key=lambda r: -r["seconds"])[:5]
    print("\nslowest: " + ", ".join(f"#{r['index']} {r['kind']} {r['seconds']:.2f} s" for r in slowest))
    bad = [r for r in results if r["outcome"] in ("unclean", "uncaught", "hang")]
    for r in sorted(bad, key=lambda r: r["index"]):
        print(f"  #{r['index']} {r['kind']}: {r['outcome']}: {r.get('detail', '')}")
    missing = args.count - len(results)
    if missing:
        print(f"  {missing} workbooks were never attempted (a child failed to start)")
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main())
