"""Plant mistakes in a finished workbook by editing its sheet XML, the way a department's
spreadsheet program leaves them: a constant typed over a formula, a changed formula, a
stale cached result, an error value, a locked cell edited after unprotecting the sheet.

Only the named cells change; every other zip member is copied byte for byte.  Used by
the workbook-rule tests on sheetperf templates and on hand-built workbooks alike.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
M = "{" + NS + "}"


@dataclass(frozen=True)
class Put:
    """What a cell becomes: a number, an inline string, an error, or a formula with an optional cached result."""

    number: float | None = None
    text: str | None = None
    error: str | None = None
    formula: str | None = None
    cached: float | str | None = None
    clear: bool = False


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    book = etree.fromstring(zf.read("xl/workbook.xml"))
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG}}}Relationship")}
    for node in book.iter(f"{M}sheet"):
        if node.get("name") == sheet:
            target = targets[node.get(f"{{{REL}}}id")]
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    raise KeyError(sheet)


def _key(a1: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", a1)
    assert match, a1
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)), col


def _cell(root: etree._Element, a1: str) -> etree._Element:
    row_no = _key(a1)[0]
    data = root.find(f"{M}sheetData")
    assert data is not None
    row = next((r for r in data.iter(f"{M}row") if r.get("r") == str(row_no)), None)
    if row is None:
        row = etree.SubElement(data, f"{M}row", r=str(row_no))
        rows = sorted(data, key=lambda r: int(r.get("r", "0")))
        data[:] = rows
    cell = next((c for c in row.iter(f"{M}c") if c.get("r") == a1), None)
    if cell is None:
        cell = etree.SubElement(row, f"{M}c", r=a1)
        row[:] = sorted(row, key=lambda c: _key(c.get("r", "A1"))[1])
    return cell


def _apply(cell: etree._Element, put: Put) -> None:
    style = cell.get("s")
    for child in list(cell):
        cell.remove(child)
    for attr in list(cell.attrib):
        if attr not in ("r", "s"):
            del cell.attrib[attr]
    if style is not None:
        cell.set("s", style)
    if put.clear:
        return
    if put.formula is not None:
        etree.SubElement(cell, f"{M}f").text = put.formula.removeprefix("=")
        if put.cached is not None:
            if isinstance(put.cached, str):
                cell.set("t", "str")
            etree.SubElement(cell, f"{M}v").text = str(put.cached)
    elif put.error is not None:
        cell.set("t", "e")
        etree.SubElement(cell, f"{M}v").text = put.error
    elif put.text is not None:
        cell.set("t", "inlineStr")
        is_ = etree.SubElement(cell, f"{M}is")
        etree.SubElement(is_, f"{M}t").text = put.text
    elif put.number is not None:
        etree.SubElement(cell, f"{M}v").text = repr(float(put.number))


def plant(
    path: Path,
    out: Path,
    sheet: str,
    cells: dict[str, Put],
    *,
    trust_cache: bool = False,
    sheets: dict[str, dict[str, Put]] | None = None,
) -> Path:
    """Copy ``path`` to ``out`` with ``cells`` of ``sheet`` replaced (and ``sheets``: other sheets' cells).

    ``trust_cache`` removes ``fullCalcOnLoad`` from the workbook, as a spreadsheet program does
    when it saves: cached formula results then count as the workbook's figures.
    """
    edits = {sheet: cells, **(sheets or {})}
    with zipfile.ZipFile(path) as zin:
        parts = {name: _sheet_part(zin, name) for name in edits}
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                for name, part in parts.items():
                    if info.filename == part:
                        root = etree.fromstring(data)
                        for a1, put in edits[name].items():
                            _apply(_cell(root, a1), put)
                        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                if info.filename == "xl/workbook.xml" and trust_cache:
                    data = re.sub(rb'\s*fullCalcOnLoad="(?:1|true)"', b"", data)
                zout.writestr(info, data)
    return out
