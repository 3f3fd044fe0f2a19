"""Benchmark of ``sheetperf consolidate`` on generated collections of filled forms.

Usage::

    python benchmarks/bench_consolidate.py generate --count 10000 --dir /tmp/sheetperf-bench
    python benchmarks/bench_consolidate.py run --dir /tmp/sheetperf-bench --sizes 1000 10000
    # the same forms as departments return them (opened and saved by LibreOffice: ~0.13 s a file)
    python benchmarks/bench_consolidate.py generate --saved-by-libreoffice /tmp/sheetperf-bench --dir /tmp/bench-lo

``generate`` writes the collection once (reuse it: 10,000 forms take minutes):
four files in five are sheetperf's blank self-evaluation template filled with
:func:`sheetperf.filler.fill_workbook`; the fifth is built by hand with openpyxl
(``tests/handbuilt.py``) at varied offsets, label styles and quirks.  Records are
the six published self-evaluations (3, 6 and 18 indicators) with a project name,
department, unit and amounts of their own.  One project in 200 is submitted
again later (a newer file in ``resubmitted/``), so deduplication is exercised.
Files go 100 to a folder; the first *n* folders make the collection of size 100·n.

``run`` measures, on the same files and in this process:

* a bare loop of ``openpyxl.load_workbook(read_only=True)`` (the baseline; also
  with every row iterated, since read-only loading alone parses no cells);
* ``consolidate(jobs=1)`` and ``consolidate(jobs=2)``, each in a child process:
  seconds per file (the child's own clock, interpreter start-up excluded), the
  ratio to the baseline, the speed-up of two workers over one;
* peak memory of those runs: every process of the child's tree (it and its
  workers) sampled from ``/proc`` every 0.2 s, summed as RSS and as PSS (PSS
  shares the pages forked workers have in common instead of counting them in
  every process).

Rounds alternate the timings so a noisy neighbour hits all of them alike; the
median of the rounds is reported.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "tests"))  # the hand-built workbook builder

PER_FOLDER = 100
DEPARTMENTS = [f"上海市第{i + 1}委员会" for i in range(23)]


def _cases() -> list[dict[str, Any]]:
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((SHARED / "cases").glob("self_evaluation-*.json"))
    ]


def _variant(case: dict[str, Any], i: int) -> dict[str, Any]:
    record = copy.deepcopy(case)
    record["project_name"] = f"{case['project_name']}（{i:05d}）"
    record["department"] = DEPARTMENTS[i % len(DEPARTMENTS)]
    record["implementing_unit"] = f"{record['department']}第{i % 40 + 1}中心"
    factor = 1 + (i % 7) / 10
    for row in record["funds"].values():
        if isinstance(row, dict):
            for key in ("initial_budget", "annual_budget", "executed"):
                if isinstance(row.get(key), (int, float)):
                    row[key] = round(row[key] * factor, 2)
    record.pop("slug", None)
    return record


def _handbuilt_options(i: int) -> Any:
    from handbuilt import Options

    variants = [
        Options(row0=3, col0=2, banner_rows=("附件2", "项目支出绩效自评")),
        Options(levels="repeated", fullwidth_labels=True),
        Options(levels="once", number_formats=True, col0=3),
        Options(separate_deviation=True, row0=2),
        Options(spaced_labels=True, inserted_blank_rows=True),
    ]
    return variants[i % len(variants)]


def _generate_one(job: tuple[int, str, str, float, bool]) -> None:
    """Write form ``i`` (a worker of the generation pool)."""
    i, out, template, mtime, all_handbuilt = job
    from openpyxl import Workbook

    from sheetperf.io.filler import fill_workbook
    from sheetperf.model.record import record_from_dict

    cases = _cases()
    record = _variant(cases[i % len(cases)], i)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if all_handbuilt or i % 5 == 4:
        from handbuilt import build_self_evaluation

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "自评表"
        build_self_evaluation(ws, record, _handbuilt_options(i // 5))
        wb.save(path)
    else:
        fill_workbook(template, record_from_dict(record), path)
    os.utime(path, (mtime, mtime))


def generate(count: int, folder: Path, jobs: int, all_handbuilt: bool = False) -> None:
    from sheetperf.io.writer import write_template

    folder.mkdir(parents=True, exist_ok=True)
    template = folder / "blank-template.xlsx"
    write_template(template, "self_evaluation")
    base = time.time() - 30 * 86_400
    plan: list[tuple[int, str, str, float, bool]] = []
    for i in range(count):
        sub = folder / "forms" / f"{i // PER_FOLDER:04d}"
        plan.append((i, str(sub / f"form-{i:05d}.xlsx"), str(template), base + i, all_handbuilt))
        if i % 200 == 199:  # a corrected version, submitted later, in the same batch of 100
            plan.append(
                (i, str(sub / "resubmitted" / f"form-{i:05d}-v2.xlsx"), str(template), base + count + i, all_handbuilt)
            )
    started = time.perf_counter()
    with Pool(jobs) as pool:
        for n, _ in enumerate(pool.imap_unordered(_generate_one, plan, chunksize=20), 1):
            if n % 1000 == 0:
                print(f"  {n}/{len(plan)} files, {time.perf_counter() - started:.0f} s", flush=True)
    print(f"generated {len(plan)} files in {folder / 'forms'} ({time.perf_counter() - started:.0f} s)")


def _save_folder(job: tuple[str, str]) -> int:
    """Open and save every workbook of one folder with LibreOffice (its own profile)."""
    source, target = job
    profile = tempfile.mkdtemp(prefix="bench-lo-profile-")
    try:
        subprocess.run(
            [shutil.which("soffice") or "soffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", target,
             *sorted(str(p) for p in Path(source).glob("*.xlsx"))],
            check=True, capture_output=True, timeout=1800,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return len(list(Path(target).glob("*.xlsx")))


def saved_by_libreoffice(source: Path, folder: Path, jobs: int) -> None:
    """The collection at ``source`` as departments return it: every file opened and saved by
    LibreOffice (cached values in every formula cell, LibreOffice's shared strings and styles)."""
    if shutil.which("soffice") is None:
        raise SystemExit("LibreOffice (soffice) is needed for --saved-by-libreoffice")
    subs = sorted({p.parent for p in (source / "forms").rglob("*.xlsx")})
    plan = [(str(sub), str(folder / "forms" / sub.relative_to(source / "forms"))) for sub in subs]
    started = time.perf_counter()
    with Pool(jobs) as pool:
        saved = sum(pool.imap_unordered(_save_folder, plan))
    print(f"saved {saved} files with LibreOffice into {folder / 'forms'} ({time.perf_counter() - started:.0f} s)")


# --- measuring ----------------------------------------------------------------------------


def collection(folder: Path, size: int) -> list[Path]:
    """The folders holding the first ``size`` forms."""
    subs = sorted(p for p in (folder / "forms").iterdir() if p.is_dir())
    need = -(-size // PER_FOLDER)
    if need > len(subs):
        raise SystemExit(f"only {len(subs) * PER_FOLDER} forms generated in {folder}; run generate --count {size}")
    return subs[:need]


def workbook_files(folders: Sequence[Path]) -> list[Path]:
    return sorted(p for f in folders for p in f.rglob("*.xlsx"))


def openpyxl_loop(files: Sequence[Path], *, iterate: bool) -> float:
    import openpyxl

    started = time.perf_counter()
    for path in files:
        wb = openpyxl.load_workbook(path, read_only=True)
        if iterate:
            for ws in wb.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
        wb.close()
    return time.perf_counter() - started


_CHILD = """
import json, sys
from pathlib import Path
from sheetperf.services.consolidate import consolidate
out, jobs, *folders = sys.argv[1:]
report = consolidate([Path(f) for f in folders], out, jobs=int(jobs))
print(json.dumps({"seconds": report.seconds, "read": report.read_seconds, "write": report.write_seconds,
                  "projects": report.projects, "superseded": report.superseded_forms,
                  "statuses": dict(report.statuses), "workers": report.workers_started}))
"""


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc/PID/task/PID/children."""
    tree, frontier = [root], [root]
    while frontier:
        found: list[int] = []
        for pid in frontier:
            try:
                found += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except OSError:
                pass
        tree += found
        frontier = found
    return tree


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; zeros when it is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def consolidate_child(folders: Sequence[Path], jobs: int, out_dir: Path) -> dict[str, Any]:
    """One consolidation in a child process, its process tree sampled every 0.2 s.

    The timings are the child's own (``ConsolidationReport.seconds``: interpreter start-up
    excluded); memory is the peak over the samples of the tree's summed RSS and PSS.
    """
    command = [sys.executable, "-c", _CHILD, str(out_dir / f"summary-{jobs}.xlsx"), str(jobs), *map(str, folders)]
    spawned = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak_rss = peak_pss = peak_parent = 0
    while child.poll() is None:
        samples = [_memory(pid) for pid in _tree(child.pid)]
        peak_rss = max(peak_rss, sum(s[0] for s in samples))
        peak_pss = max(peak_pss, sum(s[1] for s in samples))
        peak_parent = max(peak_parent, samples[0][0] if samples else 0)
        time.sleep(0.2)
    stdout = child.stdout.read() if child.stdout else ""
    # The command as a user runs it: interpreter start, imports and exit included (sampled every
    # 0.2 s, so up to 0.2 s late: negligible against a thousand files).
    whole = time.perf_counter() - spawned
    if child.returncode != 0:
        raise SystemExit(f"consolidate failed with exit code {child.returncode}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result.update(whole=whole, rss_mb=peak_rss / 1024, pss_mb=peak_pss / 1024, parent_rss_mb=peak_parent / 1024)
    return result


def _machine() -> str:
    cpu = platform.machine()
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kb = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("SHEETPERF_COMMIT", "?")


def run(folder: Path, sizes: Sequence[int], rounds: int, iterate: bool, job_counts: Sequence[int]) -> None:
    print(f"# consolidate benchmark — {time.strftime('%Y-%m-%d %H:%M')}, commit {_commit()}")
    print(f"# {_machine()}; load average before {os.getloadavg()[0]:.2f}")
    for size in sizes:
        folders = collection(folder, size)
        files = workbook_files(folders)
        base: dict[str, list[float]] = {"load": [], "iterate": []}
        runs: dict[int, list[dict[str, Any]]] = {j: [] for j in job_counts}
        with tempfile.TemporaryDirectory(prefix="bench-consolidate-") as tmp:
            out_dir = Path(tmp)
            for n_round in range(rounds):
                base["load"].append(openpyxl_loop(files, iterate=False))
                for jobs in job_counts if n_round % 2 == 0 else list(reversed(job_counts)):
                    runs[jobs].append(consolidate_child(folders, jobs, out_dir))
                if iterate:
                    base["iterate"].append(openpyxl_loop(files, iterate=True))
        n = len(files)
        load = statistics.median(base["load"])
        secs = {j: statistics.median(r["seconds"] for r in runs[j]) for j in job_counts}
        whole = {j: statistics.median(r["whole"] for r in runs[j]) for j in job_counts}
        last = runs[job_counts[0]][-1]
        print(
            f"\n## {n} files ({size} forms + {n - size} resubmissions), {rounds} round(s), load average now {os.getloadavg()[0]:.2f}"
        )
        print(f"summary: {last['projects']} projects, {last['superseded']} superseded, statuses {last['statuses']}")
        print(f"openpyxl load_workbook(read_only=True) loop:   {load:8.2f} s  {load / n * 1000:7.2f} ms/file")
        if base["iterate"]:
            it = statistics.median(base["iterate"])
            print(f"openpyxl read_only + iterate every row:        {it:8.2f} s  {it / n * 1000:7.2f} ms/file")
        for jobs in job_counts:
            read_s = statistics.median(r["read"] for r in runs[jobs])
            write_s = statistics.median(r["write"] for r in runs[jobs])
            print(
                f"consolidate --jobs {jobs}:                        {secs[jobs]:8.2f} s  {secs[jobs] / n * 1000:7.2f} ms/file"
                f"  (reading {read_s:.2f} s, writing the summary {write_s:.2f} s)"
            )
        for jobs in job_counts:
            goal = "  (goal ≤ 0.5×)" if jobs == 1 else ""
            print(f"ratio --jobs {jobs} / openpyxl load loop:            {secs[jobs] / load:8.2f}×")
            print(f"  the same, process start included ({whole[jobs]:.2f} s):   {whole[jobs] / load:8.2f}×{goal}")
            if base["iterate"]:
                print(
                    f"ratio --jobs {jobs} / openpyxl load+iterate loop:    {secs[jobs] / statistics.median(base['iterate']):8.2f}×"
                )
        if 1 in secs and 2 in secs:
            print(f"speed-up --jobs 2 over --jobs 1:                {secs[1] / secs[2]:8.2f}×  (goal ≥ 1.7×)")
        for jobs in job_counts:
            rss = max(r["rss_mb"] for r in runs[jobs])
            pss = max(r["pss_mb"] for r in runs[jobs])
            parent = max(r["parent_rss_mb"] for r in runs[jobs])
            print(
                f"peak memory --jobs {jobs}, command + workers:      RSS {rss:5.0f} MB, PSS {pss:5.0f} MB"
                f" (command alone RSS {parent:4.0f} MB; goal < 500 MB)"
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--count", type=int, default=10_000)
    gen.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "sheetperf-bench")
    gen.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    gen.add_argument("--fresh", action="store_true", help="remove an existing collection first")
    gen.add_argument("--handbuilt", action="store_true", help="every form built by hand (openpyxl), none from the template")
    gen.add_argument(
        "--saved-by-libreoffice",
        type=Path,
        metavar="SOURCE",
        help="instead: the collection at SOURCE (made by generate) opened and saved by LibreOffice, as returned",
    )
    bench = sub.add_parser("run")
    bench.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "sheetperf-bench")
    bench.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    bench.add_argument("--rounds", type=int, default=3)
    bench.add_argument("--no-iterate", action="store_true", help="skip the openpyxl load+iterate baseline")
    bench.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts to time (default: 1 2)")
    args = parser.parse_args(argv)
    if args.command == "generate":
        if args.fresh and (args.dir / "forms").exists():
            shutil.rmtree(args.dir / "forms")
        if args.saved_by_libreoffice is not None:
            saved_by_libreoffice(args.saved_by_libreoffice, args.dir, args.jobs)
        else:
            generate(args.count, args.dir, args.jobs, args.handbuilt)
    else:
        run(args.dir, args.sizes, args.rounds, not args.no_iterate, args.jobs)


if __name__ == "__main__":
    main()
