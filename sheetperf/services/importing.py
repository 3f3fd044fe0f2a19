"""Published disclosures written out as filled sheetperf workbooks, each validated.

``sheetperf import-text -o DIR``: the records :mod:`sheetperf.io.importtext` found are
written as templates sized for each record (writer), filled with its inputs (filler),
read back (reader) and validated, so every finding points at a cell of the written file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sheetperf.io.names import safe_name
from sheetperf.model.finding import Finding
from sheetperf.model.memo import BatchCache
from sheetperf.model.record import Record
from sheetperf.rules.choose import ProfileSource, resolve
from sheetperf.vocab import labels as L


def workbook_file_names(records: Sequence[Record]) -> list[str]:
    """One file name per record: year and project name, safe on every system, unique (ignoring case)."""
    used: set[str] = set()
    names: list[str] = []
    for index, record in enumerate(records, start=1):
        title = record.project_name or L.FORM_TITLES[record.form]
        stem = safe_name(f"{record.year}-{title}" if record.year else title, fallback=f"form-{index}")
        candidate, n = stem, 2
        while f"{candidate}.xlsx".casefold() in used:
            candidate, n = f"{stem}-{n}", n + 1
        used.add(f"{candidate}.xlsx".casefold())
        names.append(f"{candidate}.xlsx")
    return names


def write_workbooks(
    records: Sequence[Record], out_dir: str | Path, profile: ProfileSource, *, force: bool = False
) -> list[tuple[Path, list[Finding]]]:
    """Write one filled sheetperf workbook per record into ``out_dir``; validate each form.

    The workbook is a template sized for the record (writer) filled with its inputs
    (filler).  The findings are those of the published figures (stated scores,
    totals, grade, as imported), placed on the cells of the written workbook where
    the reader finds the field; the workbook itself computes its scores with
    formulas, so a freshly written file holds no stated scores to check.  ``profile``: a rules
    profile, or :class:`~sheetperf.rules.choose.AutoProfile` to take each form's from what it states.
    """
    import dataclasses

    from sheetperf.checks.validation import validate_record
    from sheetperf.io.atomic import Staging, check_output
    from sheetperf.io.filler import fill_workbook
    from sheetperf.io.reader import read_workbook
    from sheetperf.io.writer import write_template

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = workbook_file_names(records)
    for name in names:  # before any is written: an existing file there is not replaced without force
        check_output(out / name, "filled", suffixes=(".xlsx",), force=force)
    written: list[tuple[Path, list[Finding]]] = []
    cache = BatchCache()
    with Staging("filled", out) as staging:  # the templates in a scratch folder the janitor removes after a kill
        tmp = staging.scratch()
        for index, (record, name) in enumerate(zip(records, names, strict=True)):
            template = Path(tmp) / f"template-{index}.xlsx"
            rules = resolve(profile, record).profile
            write_template(template, record.form, record=record, profile=rules, cache=cache)
            target = out / name
            fill_workbook(template, record, target)
            back = read_workbook(target, cache)
            cells = back[0].provenance if len(back) == 1 else None
            findings = []
            for finding in validate_record(record, rules, file=str(target), cache=cache):
                ref = cells.cell_of(finding.field) if cells is not None else None
                if finding.cell is None and ref is not None:
                    finding = dataclasses.replace(finding, sheet=ref.sheet, cell=ref.cell)
                findings.append(finding)
            written.append((target, findings))
        staging.clean_scratch()
    return written
