"""Annotated copies of workbooks: each flagged cell filled and given a comment.

The copy is what goes back to the department: open it, see the red cells, read the
comments.  The original is never written to; copies are named after the original and
always land inside the chosen folder (file names are sanitised, never joined as paths).
openpyxl is used because it round-trips styles, merges, protection and very hidden
sheets, and writes comments; macros are never kept (``.xlsm`` copies are saved as ``.xlsx``).
"""

from __future__ import annotations

import math
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
from sheetperf.io.tables import print_setup_openpyxl
from sheetperf.model.finding import SEVERITY_ORDER, Finding
from sheetperf.vocab.intake import ANNOTATED_SUFFIX, shown_suffix
from sheetperf.vocab.labels import ANNOTATE_MESSAGES as MSG
from sheetperf.vocab.labels import SEVERITY_LABELS
from sheetperf.vocab.text import display_width
from sheetperf.xlsx.book import one_line, sheet_sizes
from sheetperf.xlsx.limits import MAX_ANNOTATE_CELLS
from sheetperf.xlsx.marker import mark_openpyxl

#: Workbook types openpyxl can open and save.
ANNOTATABLE: Final = frozenset({".xlsx", ".xlsm"})
#: Fill per severity: Excel's own "bad", "neutral" and a light blue.
FILLS: Final[dict[str, str]] = {"error": "FFC7CE", "warning": "FFEB9C", "notice": "DDEBF7"}
SUFFIX: Final = ANNOTATED_SUFFIX
#: Longest stated/expected value quoted in a comment (formulas run to thousands of characters).
SHOWN_CHARS: Final = 48
#: Comment boxes (pixels): narrowest and widest, per display column (a CJK character is two), per line, padding.
COMMENT_MIN_WIDTH: Final = 160
COMMENT_MAX_WIDTH: Final = 420
COMMENT_PX_PER_UNIT: Final = 6
COMMENT_LINE_PX: Final = 16
COMMENT_PADDING: Final = 8


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
        raise InputError(
            MSG["not_annotatable"].format(suffix=shown_suffix(source.suffix, bracketed=True)), file=str(source)
        )
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
        text = "\n".join(lines)
        width, height = comment_size(text)
        cell.comment = Comment(text, MSG["comment_author"], height=height, width=width)
        colour = FILLS[found[0].severity]
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
    for each in wb.worksheets:
        print_setup_openpyxl(each)  # a sheet with a print setup of its own (a sheetperf form) keeps it
    mark_openpyxl(wb, "annotated")
    with atomic_path(output, "annotated") as temp:
        wb.save(temp)
        if by_cell:
            place_comments(temp)
    return len(by_cell)


def comment_size(text: str) -> tuple[int, int]:
    """(width, height) in pixels of a comment box that shows ``text`` whole at Excel's
    comment font (9 pt Tahoma, about 6 px a Latin and 12 px a CJK character)."""
    longest = max((display_width(line) for line in text.split("\n")), default=0)
    width = max(COMMENT_MIN_WIDTH, min(COMMENT_MAX_WIDTH, longest * COMMENT_PX_PER_UNIT + 2 * COMMENT_PADDING))
    per_line = max((width - 2 * COMMENT_PADDING) // COMMENT_PX_PER_UNIT, 1)
    lines = sum(max(1, math.ceil(display_width(line) / per_line)) for line in text.split("\n"))
    return int(width), int(lines * COMMENT_LINE_PX + 2 * COMMENT_PADDING)


def place_comments(path: Path) -> None:
    """Give every comment box of the copy at ``path`` its own place beside its cell.

    openpyxl writes every box at the same offset from the sheet's corner and without an
    anchor, so a program showing all comments (LibreOffice) stacks them in one spot.  Each
    box gets the position of its cell (from the sheet's column widths and row heights) and
    an ``x:Anchor``, as Excel writes them.  Rewrites the VML parts in place.
    """
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    data = {info.filename: body for info, body in members}
    sizes = _sheet_geometry(data)
    changed = False
    out: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info, body in members:
        geometry = sizes.get(info.filename)
        if geometry is not None:
            body = _anchor_shapes(body, *geometry)
            changed = True
        out.append((info, body))
    if not changed:
        return
    temp = path.with_name(path.name + ".tmp")
    try:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, body in out:
                archive.writestr(info, body)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def _sheet_geometry(data: dict[str, bytes]) -> dict[str, tuple[list[float], dict[int, float]]]:
    """VML part → (column widths in pixels, row heights in pixels by 0-based row) of its sheet."""
    from lxml import etree

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    out: dict[str, tuple[list[float], dict[int, float]]] = {}
    for name, body in data.items():
        if not (name.startswith("xl/worksheets/_rels/") and name.endswith(".rels")):
            continue
        sheet = "xl/worksheets/" + name.rsplit("/", 1)[1].removesuffix(".rels")
        rels = etree.fromstring(body)
        for rel in rels:
            target = str(rel.get("Target", ""))
            if not target.endswith(".vml"):
                continue
            vml = target.lstrip("/") if target.startswith("/") else f"xl/worksheets/{target}"
            parts: list[str] = []
            for piece in vml.split("/"):
                if piece == "..":
                    parts.pop()
                else:
                    parts.append(piece)
            vml = "/".join(parts)
            if vml not in data or sheet not in data:
                continue
            root = etree.fromstring(data[sheet])
            default_width = 8.43
            widths: list[float] = []
            cols = root.find(ns_main + "cols")
            for col in cols if cols is not None else ():
                first, last = int(col.get("min", "1")), int(col.get("max", "1"))
                while len(widths) < min(last, 200):
                    index = len(widths) + 1
                    hidden = col.get("hidden") in ("1", "true")
                    inside = first <= index <= last
                    width = float(col.get("width", default_width)) if inside else default_width
                    widths.append(0.0 if inside and hidden else _width_px(width))
            heights: dict[int, float] = {}
            data_el = root.find(ns_main + "sheetData")
            for row in data_el if data_el is not None else ():
                if row.get("ht"):
                    heights[int(row.get("r", "1")) - 1] = float(row.get("ht", "15")) * 4 / 3
            out[vml] = (widths, heights)
    return out


def _width_px(width: float) -> float:
    return math.floor(width * 7 + 5) if width > 0 else 0.0


def _anchor_shapes(body: bytes, widths: list[float], heights: dict[int, float]) -> bytes:
    """Each comment shape of a VML part placed to the right of its cell, with an anchor."""
    from lxml import etree

    ns_v, ns_x = "urn:schemas-microsoft-com:vml", "urn:schemas-microsoft-com:office:excel"
    root = etree.fromstring(body)

    shapes = list(root.iter(f"{{{ns_v}}}shape"))
    last_row = max((int(s.findtext(f".//{{{ns_x}}}Row") or 0) for s in shapes), default=0) + 60
    last_col = max((int(s.findtext(f".//{{{ns_x}}}Column") or 0) for s in shapes), default=0) + 60
    col_edges = [0.0]
    for c in range(last_col):
        col_edges.append(col_edges[-1] + (widths[c] if c < len(widths) else _width_px(8.43)))
    row_edges = [0.0]
    for r in range(last_row):
        row_edges.append(row_edges[-1] + heights.get(r, 20.0))

    for shape in shapes:
        data = shape.find(f"{{{ns_x}}}ClientData")
        if data is None or data.find(f"{{{ns_x}}}Row") is None or data.find(f"{{{ns_x}}}Column") is None:
            continue
        row = int(data.findtext(f"{{{ns_x}}}Row") or 0)
        col = int(data.findtext(f"{{{ns_x}}}Column") or 0)
        style = str(shape.get("style", ""))
        width = _style_px(style, "width", 144)
        height = _style_px(style, "height", 79)
        left, top = col_edges[col + 1] + 15, max(row_edges[row] - 10, 0)
        style = _set_style(style, "margin-left", f"{left * 0.75:.2f}pt")
        style = _set_style(style, "margin-top", f"{top * 0.75:.2f}pt")
        shape.set("style", style)
        # Anchor: left column, offset, top row, offset, right column, offset, bottom row, offset.
        first_col, x = _cell_at(left, col_edges)
        right_col, x2 = _cell_at(left + width, col_edges)
        first_row, y = _cell_at(top, row_edges)
        bottom_row, y2 = _cell_at(top + height, row_edges)
        anchor = data.find(f"{{{ns_x}}}Anchor")
        if anchor is None:
            anchor = etree.Element(f"{{{ns_x}}}Anchor")
            sized = data.find(f"{{{ns_x}}}SizeWithCells")  # Excel's order: …SizeWithCells, Anchor, AutoFill…
            data.insert(data.index(sized) + 1 if sized is not None else 0, anchor)
        anchor.text = f"{first_col}, {int(x)}, {first_row}, {int(y)}, {right_col}, {int(x2)}, {bottom_row}, {int(y2)}"
    return bytes(etree.tostring(root, xml_declaration=False, encoding="utf-8"))


def _cell_at(pixels: float, edges: list[float]) -> tuple[int, float]:
    """The column (or row) holding the point ``pixels`` from the sheet's edge (``edges``: where
    each starts), and the offset in it."""
    import bisect

    index = max(0, min(bisect.bisect_right(edges, pixels) - 1, len(edges) - 1))
    return index, pixels - edges[index]


def _style_px(style: str, key: str, default: float) -> float:
    for part in style.split(";"):
        name, _, value = part.partition(":")
        if name.strip() == key:
            number = value.strip().removesuffix("px").removesuffix("pt")
            try:
                return float(number) * (4 / 3 if value.strip().endswith("pt") else 1)
            except ValueError:
                return default
    return default


def _set_style(style: str, key: str, value: str) -> str:
    parts = [p for p in style.split(";") if p.strip() and p.partition(":")[0].strip() != key]
    return ";".join([*parts, f"{key}:{value}"])


def annotate_files(
    findings: Iterable[Finding], out_dir: str | Path, *, sources: Sequence[str | Path] = (), force: bool = False
) -> list[Annotated]:
    """One annotated copy per workbook that has findings; a workbook named in ``sources``
    without findings gets none and is returned with the reason in ``skipped``.

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
        if not found:  # nothing to point at: the department needs no copy back
            results.append(Annotated(path, None, skipped=MSG["no_findings"]))
            continue
        if suffix not in ANNOTATABLE:
            results.append(
                Annotated(
                    path, None, skipped=MSG["not_annotatable"].format(suffix=shown_suffix(path.suffix, bracketed=True))
                )
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
