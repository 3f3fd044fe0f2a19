"""Annotated copies of workbooks: each flagged cell filled and given a comment.

The copy is what goes back to the department: open it, see the red cells, read the
comments.  The original is never written to; copies are named after the original and
always land inside the chosen folder (file names are sanitised, never joined as paths).
openpyxl is used because it round-trips styles, merges, protection and very hidden
sheets, and writes comments; macros are never kept (``.xlsm`` copies are saved as ``.xlsx``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from sheetperf.errors import InputError, OutputError, SheetperfError, UnsafeInputError, shown
from sheetperf.io.atomic import atomic_path, check_output
from sheetperf.io.names import safe_stem
from sheetperf.model.finding import SEVERITY_ORDER, Finding
from sheetperf.vocab.labels import ANNOTATE_MESSAGES as MSG
from sheetperf.vocab.labels import SEVERITY_LABELS
from sheetperf.xlsx.book import one_line, sheet_sizes
from sheetperf.xlsx.limits import MAX_ANNOTATE_CELLS
from sheetperf.xlsx.marker import mark_openpyxl

#: Workbook types openpyxl can open and save.
ANNOTATABLE: Final = frozenset({".xlsx", ".xlsm"})
#: Fill per severity: Excel's own "bad", "neutral" and a light blue.
FILLS: Final[dict[str, str]] = {"error": "FFC7CE", "warning": "FFEB9C", "notice": "DDEBF7"}
SUFFIX: Final = "-校验批注"
#: Longest stated/expected value quoted in a comment (formulas run to thousands of characters).
SHOWN_CHARS: Final = 48


@dataclass(frozen=True)
class Annotated:
    """One source workbook: its annotated copy and how many cells were flagged, or why not."""

    source: Path
    output: Path | None
    cells: int = 0
    skipped: str = ""


def output_path(source: Path, out_dir: Path, taken: set[str]) -> Path:
    """``out_dir/<stem>-校验批注.xlsx``, unique among ``taken`` (names are compared case-folded)."""
    base = safe_stem(source.stem, fallback="workbook") + SUFFIX
    name, n = f"{base}.xlsx", 1
    while name.casefold() in taken:
        n += 1
        name = f"{base}-{n}.xlsx"
    taken.add(name.casefold())
    out = out_dir / name
    if out.resolve().parent != out_dir.resolve():  # cannot happen with a sanitised name; never risk it
        raise InputError(MSG["cannot_write"].format(path=out, detail="path outside folder"))
    return out


def _anchor(ws: Worksheet, coordinate: str) -> str:
    """The top-left cell of the merged range holding ``coordinate`` (comments live there)."""
    if not isinstance(ws[coordinate], MergedCell):
        return coordinate
    for merged in ws.merged_cells.ranges:
        if coordinate in merged:
            return str(merged.start_cell.coordinate)
    return coordinate


def _first_cell(ws: Worksheet) -> str:
    """Where a finding without a cell goes: the sheet's first used cell (the form title)."""
    dims = ws.calculate_dimension()
    try:
        min_col, min_row, _, _ = range_boundaries(dims.split(":")[0])
    except ValueError:
        return "A1"
    return str(ws.cell(row=min_row or 1, column=min_col or 1).coordinate)


def _line(f: Finding) -> str:
    text = MSG["comment_line"].format(severity=SEVERITY_LABELS[f.severity], message=f.message)
    if f.stated is not None or f.expected is not None:

        def show(v: object) -> str:
            text = "—" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))
            return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"

        text += MSG["comment_expected"].format(stated=show(f.stated), expected=show(f.expected))
    return text


def annotate_workbook(source: str | Path, findings: Iterable[Finding], output: str | Path) -> int:
    """Write a copy of ``source`` to ``output`` with each finding's cell filled and commented.

    Findings of other files are ignored; a finding with a sheet but no cell is put on the
    sheet's first used cell.  Returns the number of cells annotated.
    """
    source, output = Path(source), Path(output)
    if source.suffix.lower() not in ANNOTATABLE:
        raise InputError(MSG["not_annotatable"].format(suffix=source.suffix or "（无扩展名）"), file=str(source))
    if output.exists() and output.resolve() == source.resolve():
        raise InputError(MSG["same_as_source"].format(path=output), file=str(source))
    # openpyxl has none of the reader's guards: the workbook is measured through them first.
    for sheet, count in sheet_sizes(source):
        if count > MAX_ANNOTATE_CELLS:
            raise UnsafeInputError(
                MSG["too_large_to_annotate"].format(sheet=sheet, count=count, limit=MAX_ANNOTATE_CELLS),
                file=str(source),
            )
    try:
        return _annotate(source, findings, output)
    except OutputError:  # the copy could not be written (a full disk): the run stops, nothing is left
        raise
    except Exception as exc:  # a workbook sheetperf reads may still be one openpyxl cannot
        raise InputError(MSG["cannot_annotate"].format(detail=one_line(exc)), file=str(source)) from exc


def _annotate(source: Path, findings: Iterable[Finding], output: Path) -> int:
    """The copy itself (openpyxl): load, fill and comment, save; the number of cells flagged."""
    wb = load_workbook(source, keep_vba=False, keep_links=False, rich_text=False)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if not f.sheet or f.sheet not in wb.sheetnames:
            continue
        ws = wb[f.sheet]
        where = f.cell if f.cell else _first_cell(ws)
        try:
            coordinate_from_string(where)
        except ValueError:
            continue
        by_cell[(f.sheet, _anchor(ws, where))].append(f)
    for (sheet, coordinate), found in by_cell.items():
        found.sort(key=lambda f: SEVERITY_ORDER[f.severity])
        cell = wb[sheet][coordinate]
        lines = [_line(f) for f in found]
        if cell.comment is not None and cell.comment.text.strip():
            lines.append(cell.comment.text)
        comment = Comment("\n".join(lines), MSG["comment_author"])
        comment.width = 360
        comment.height = min(80 + 60 * len(lines), 600)
        cell.comment = comment
        colour = FILLS[found[0].severity]
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
    mark_openpyxl(wb, "annotated")
    with atomic_path(output, "annotated") as temp:
        wb.save(temp)
    return len(by_cell)


def annotate_files(
    findings: Iterable[Finding], out_dir: str | Path, *, sources: Sequence[str | Path] = (), force: bool = False
) -> list[Annotated]:
    """One annotated copy per workbook that has findings or is named in ``sources``.

    ``out_dir`` is created; a copy never overwrites a source.  Files that cannot carry
    annotations (``.xls``, ``.ods``) are returned with the reason in ``skipped``; record
    JSON files have no cells and are left out.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    grouped = _group(findings, sources)
    taken: set[str] = set()
    results: list[Annotated] = []
    protected = {Path(p).resolve() for p in grouped}
    for file, found in grouped.items():
        path = Path(file)
        suffix = path.suffix.lower()
        if suffix == ".json":
            continue
        if suffix not in ANNOTATABLE:
            results.append(
                Annotated(path, None, skipped=MSG["not_annotatable"].format(suffix=path.suffix or "（无扩展名）"))
            )
            continue
        out = output_path(path, out_dir, taken)
        while out.resolve() in protected:
            out = output_path(path, out_dir, taken)
        try:
            # An earlier copy is replaced; a file sheetperf did not write there is not (without force).
            check_output(out, "annotated", suffixes=(".xlsx",), force=force)
            results.append(Annotated(path, out, annotate_workbook(path, found, out)))
        except OutputError:
            raise
        except SheetperfError as exc:  # this file gets no copy; the others still do
            results.append(Annotated(path, None, skipped=str(exc.args[0]) if exc.args else str(exc)))
    return results


def _group(findings: Iterable[Finding], sources: Sequence[str | Path]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {str(s): [] for s in sources}
    # a finding names its file as it may be shown (a GBK name's bytes escaped): back to the source
    real = {shown(str(s)): str(s) for s in sources}
    for f in findings:
        if f.file:
            grouped.setdefault(real.get(f.file, f.file), []).append(f)
    return grouped
