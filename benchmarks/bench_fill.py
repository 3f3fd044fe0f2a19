"""``sheetperf fill`` against a bare openpyxl load → set cells → save of the same cells.

Goal: fill ≤ 1.2× the openpyxl baseline.  Both fill the same templates (each of
the seven published forms' pre-filled template, and the blank self-evaluation
template filled with a whole record) with exactly the same cells: the baseline
takes its cell list from :func:`sheetperf.filler.plan_writes`, so the only
difference is how the workbook is opened, changed and written.

Run: ``python benchmarks/bench_fill.py [--n 350]``
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import git_head, interleaved, machine, sample_records

from sheetperf.io.filler import CellWrite, fill_workbook, plan_writes, read_template_info
from sheetperf.io.writer import write_template
from sheetperf.model.record import Record
from sheetperf.xlsx.book import open_xlsx


@dataclass
class Case:
    label: str
    template: Path
    record: Record
    sheet: str
    writes: list[CellWrite]


def cases(tmp: Path) -> list[Case]:
    out: list[Case] = []
    records = sample_records()
    blank = write_template(tmp / "blank_self_evaluation.xlsx", "self_evaluation")
    for index, record in enumerate(records):
        template = write_template(tmp / f"t{index}.xlsx", record.form, record=record, year=record.year)
        out.append(_case(f"pre-filled {record.slug}", template, record))
        if record.form == "self_evaluation" and index == 1:
            out.append(_case(f"blank + {record.slug}", blank, record))
    return out


def _case(label: str, template: Path, record: Record) -> Case:
    with open_xlsx(template) as book:
        info = read_template_info(book)
    writes = list(plan_writes(info.layout, info, record))
    return Case(label, template, record, info.layout.sheet_name, writes)


def openpyxl_fill(case: Case, out: Path) -> None:
    """The baseline: what a script would do with openpyxl alone."""
    wb = load_workbook(case.template)
    ws = wb[case.sheet]
    for write in case.writes:
        cell = ws.cell(write.row + 1, write.col + 1)
        cell.value = write.value
        if isinstance(write.value, str):
            cell.data_type = "s"  # never a formula, as fill guarantees
    wb.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=350, help="fills per side (default 350)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fill-") as tmp_name:
        tmp = Path(tmp_name)
        all_cases = cases(tmp)
        out_a, out_b = tmp / "a.xlsx", tmp / "b.xlsx"

        def subject(i: int) -> None:
            case = all_cases[i % len(all_cases)]
            fill_workbook(case.template, case.record, out_a)

        def baseline(i: int) -> None:
            openpyxl_fill(all_cases[i % len(all_cases)], out_b)

        fill_s, base_s = interleaved(subject, baseline, args.n)
        print(f"machine: {machine()}")
        print(f"date: {datetime.date.today().isoformat()}, commit {git_head()}")
        print(f"cases: {len(all_cases)} templates, {sum(len(c.writes) for c in all_cases)} cells in all, n={args.n}")
        print(f"sheetperf fill       {fill_s * 1000:8.2f} ms CPU per workbook")
        print(f"openpyxl load+save   {base_s * 1000:8.2f} ms CPU per workbook")
        print(f"ratio fill/openpyxl  {fill_s / base_s:8.3f}  (goal <= 1.2)")


if __name__ == "__main__":
    main()
