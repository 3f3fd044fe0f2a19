"""Generating pre-filled templates against bare xlsxwriter writing the same cells and formats.

Goal: ``write_template`` ≤ 1.3× the baseline.  The baseline is derived from the
writer itself so it is exactly "the same cells and formats": each record's
template is built once with every xlsxwriter call recorded
(:mod:`xlsxwriter_replay`), and the outermost calls are compiled into a
straight-line function of literal ``add_format``/``write_*``/``merge_range``/
``data_validation``/... calls.  That function is what a hand-written xlsxwriter
script producing the identical file would run; the difference to the real
writer is the layout, record, formula-building and metadata work sheetperf does.

Two ratios are printed: against the script as anyone would write it, and against
the script with the writer's one private speed-up mirrored (it skips xlsxwriter's
per-formula regex scan for Excel 365 function names, ~95% of a plain script's
time on these formula-heavy sheets).  The second is sheetperf's own overhead.
Both scripts are checked to write byte-identical files to ``write_template``.

Run: ``python benchmarks/bench_template.py [--n 1000]``
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import git_head, interleaved, machine, sample_records
from xlsxwriter_replay import compile_script, recording

from sheetperf.io.writer import write_template
from sheetperf.model.memo import BatchCache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="templates per side (default 1000)")
    args = parser.parse_args()
    records = sample_records()
    with tempfile.TemporaryDirectory(prefix="bench-template-") as tmp_name:
        tmp = Path(tmp_name)
        scripts: list[Callable[[object], None]] = []
        mirrored: list[Callable[[object], None]] = []
        calls = 0
        for index, record in enumerate(records):
            real = tmp / f"real{index}.xlsx"
            with recording() as recorder:
                write_template(real, record.form, record=record, year=record.year)
            calls += len(recorder.lines)
            script = compile_script(recorder)
            replay = tmp / f"replay{index}.xlsx"
            script(replay)
            # The baseline must produce the very same file, or it is not the same work.
            same = hashlib.sha256(real.read_bytes()).digest() == hashlib.sha256(replay.read_bytes()).digest()
            if not same:
                raise SystemExit(f"replay of {record.slug} differs from write_template's output")
            scripts.append(script)
            mirrored_script = compile_script(recorder, mirror_patches=True)
            mirrored_script(replay)
            if hashlib.sha256(real.read_bytes()).digest() != hashlib.sha256(replay.read_bytes()).digest():
                raise SystemExit(f"mirrored replay of {record.slug} differs from write_template's output")
            mirrored.append(mirrored_script)
        out_a, out_b = tmp / "a.xlsx", tmp / "b.xlsx"

        batch = BatchCache()  # as distribute writes its templates: formulas built once per layout

        def subject(i: int) -> None:
            record = records[i % len(records)]
            write_template(out_a, record.form, record=record, year=record.year, cache=batch)

        def baseline(i: int) -> None:
            scripts[i % len(scripts)](str(out_b))

        def baseline_mirrored(i: int) -> None:
            mirrored[i % len(mirrored)](str(out_b))

        ours, bare = interleaved(subject, baseline, args.n)
        ours2, lean = interleaved(subject, baseline_mirrored, args.n)
        print(f"machine: {machine()}")
        print(f"date: {datetime.date.today().isoformat()}, commit {git_head()}")
        print(f"forms: {len(records)} published records cycled, {calls / len(records):.0f} xlsxwriter calls per form")
        print(f"n={args.n} templates per side (byte-identical output checked)")
        print(f"sheetperf write_template  {ours * 1000:8.2f} ms CPU per template")
        print(f"bare xlsxwriter replay    {bare * 1000:8.2f} ms CPU per template")
        print(f"ratio                     {ours / bare:8.3f}  (goal <= 1.3)")
        print(
            "same, with the writer's formula-scan bypasses (_prepare_formula, _write_formula) mirrored in the baseline:"
        )
        print(f"sheetperf write_template  {ours2 * 1000:8.2f} ms CPU per template")
        print(f"lean xlsxwriter replay    {lean * 1000:8.2f} ms CPU per template")
        print(f"ratio (own overhead)      {ours2 / lean:8.3f}  (goal <= 1.3)")


if __name__ == "__main__":
    main()
