"""What a workbook package carries that sheetperf never runs or follows.

A form needs values, never code and never links.  Reading never runs a macro,
never opens an external link and never evaluates a formula (the reader takes the
result the spreadsheet program saved), so none of these can do harm here; but a
finance officer should know a returned form carries them, because the next person
to open it in Excel might run them.  :func:`scan_workbook` lists them:

* ``macro_present`` (notice): a VBA project (``xl/vbaProject.bin``, the OLE
  ``_VBA_PROJECT_CUR`` storage of an .xls, ``Basic/`` of an .ods) or Excel 4.0
  macro sheets (``xl/macrosheets/``);
* ``external_link`` (warning): ``xl/externalLinks/`` parts that point at another
  workbook (the target path is named);
* ``dde_link`` (error): a saved DDE channel (``<ddeLink ddeService="cmd" …>``);
* ``dde_formula`` (error): a formula calling another program through DDE, the
  ``=cmd|' /C calc'!A0`` form (a ``|`` outside a string literal is no Excel
  operator) or the ``DDE``/``DDEAUTO`` functions.

The reader stores them in ``provenance.evidence.hazards`` of every record it reads
from the workbook and announces each once as a notice; the validator reports them
as findings with the rule codes above (titles in ``labels.HAZARD_TITLES``).  The
scan reads only the zip directory and the small ``externalLinks`` parts, through the
same guarded member read and safe XML parse as the reader.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sheetperf.errors import SheetperfError
from sheetperf.model.evidence import HAZARD_SEVERITIES, Hazard
from sheetperf.model.memo import Memo
from sheetperf.vocab.labels import HAZARD_MESSAGES as MSG
from sheetperf.xlsx.book import Grid, check_zip_directory, parse_xml, read_member
from sheetperf.xlsx.limits import MAX_FILE_BYTES

if TYPE_CHECKING:
    from sheetperf.model.finding import Finding
    from sheetperf.model.record import Record

_NS_MAIN: Final = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MACRO_PARTS: Final = re.compile(r"(^|/)vbaProject\.bin$|^xl/macrosheets/|^Basic/|^Scripts/", re.IGNORECASE)
_EXTERNAL_LINK: Final = re.compile(r"^xl/externalLinks/[^/]+\.xml$", re.IGNORECASE)
# OLE objects and packages (an .exe wrapped in oleObject1.bin runs on a double click), ActiveX controls.
_EMBEDDED: Final = re.compile(r"^xl/(?:embeddings|activeX)/[^/]+$", re.IGNORECASE)
_STRING_LITERAL: Final = re.compile(r'"(?:[^"]|"")*"')
_DDE_FUNCTION: Final = re.compile(r"\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_VBA: Final = "_VBA_PROJECT_CUR".encode("utf-16-le")
_SHOWN: Final = 60


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


_DDE_MEMO_LIMIT: Final = 1 << 14


class HazardMemory:
    """What the hazard scan remembers between workbooks (a part of the batch's
    :class:`~sheetperf.model.memo.BatchCache`): the same template formulas recur in every copy."""

    __slots__ = ("dde",)

    def __init__(self) -> None:
        self.dde: Memo[str, bool] = Memo(_DDE_MEMO_LIMIT)


def is_dde_formula(formula: str) -> bool:
    """True for a formula that calls another program: ``=cmd|' /C calc'!A0``, ``=DDEAUTO(...)``.

    String literals are blanked first, so ``="a|b"`` is plain text, not DDE.
    """
    if "|" not in formula and "DDE" not in formula.upper():
        return False  # the common case, cheaply (the regular expression is ~20× slower)
    body = _STRING_LITERAL.sub('""', formula)
    return "|" in body or _DDE_FUNCTION.search(body) is not None


def scan_workbook(
    path: str | Path,
    grids: Sequence[Grid] = (),
    *,
    package: Sequence[Hazard] | None = None,
    memory: HazardMemory | None = None,
) -> list[Hazard]:
    """Macros, embedded objects, external links and DDE in the workbook at ``path``.

    ``grids`` are the sheets the reader parsed (their formulas are checked for DDE);
    ``package`` the hazards of its zip parts when the reader has already scanned them
    with :func:`scan_zip` (so the file is not opened again).
    A part the scan cannot read is skipped: the reader has already read the workbook,
    and a hazard scan must never turn a readable form into a refused one.
    """
    path = Path(path)
    if package is not None:
        return [*package, *dde_formulas(grids, memory)]
    found: list[Hazard] = []
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return found
    if head == _OLE_MAGIC:
        found += _scan_ole(path)
    elif head.startswith(b"PK"):
        found += _scan_zip(path)
    found += dde_formulas(grids, memory)
    return found


def _scan_ole(path: Path) -> list[Hazard]:
    """An .xls keeps its VBA project in an OLE storage named ``_VBA_PROJECT_CUR``."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return []
        data = path.read_bytes()
    except OSError:
        return []
    if _OLE_VBA in data:
        return [Hazard("macro_present", MSG["macro_present"].format(part="_VBA_PROJECT_CUR"), part="_VBA_PROJECT_CUR")]
    return []


def _scan_zip(path: Path) -> list[Hazard]:
    try:
        zf = zipfile.ZipFile(path)
    except Exception:  # the reader reports a broken zip; the scan only adds to a readable one
        return []
    with zf:
        try:
            check_zip_directory(zf, path)
        except SheetperfError:
            return []
        return scan_zip(zf, path)


def scan_zip(zf: zipfile.ZipFile, path: Path) -> list[Hazard]:
    """Macro, embedded-object and external-link parts of an open zip whose directory has been checked."""
    found: list[Hazard] = []
    names = [info.filename for info in zf.infolist()]
    macros = [n for n in names if _MACRO_PARTS.search(n)]
    if macros:
        shown = "、".join(
            sorted({n if not n.startswith(("Basic/", "Scripts/")) else n.split("/")[0] + "/" for n in macros})[:3]
        )
        found.append(Hazard("macro_present", MSG["macro_present"].format(part=shown), part=macros[0]))
    embedded = [n for n in names if _EMBEDDED.match(n)]
    if embedded:
        shown = "、".join(sorted(embedded)[:3]) + ("…" if len(embedded) > 3 else "")
        found.append(
            Hazard("embedded_object", MSG["embedded_object"].format(count=len(embedded), part=shown), part=embedded[0])
        )
    for name in names:
        if _EXTERNAL_LINK.match(name):
            found += _external_link(zf, name, path)
    return found


def _external_link(zf: zipfile.ZipFile, part: str, path: Path) -> list[Hazard]:
    """An ``externalLink`` part: a link to another workbook, or a saved DDE channel."""
    try:
        root = parse_xml(read_member(zf, part, path), part, path)
    except SheetperfError:
        return [Hazard("external_link", MSG["external_link"].format(target="?", part=part), part=part)]
    out: list[Hazard] = []
    for dde in root.iter(_NS_MAIN + "ddeLink"):
        service = _short(str(dde.get("ddeService", "")))
        topic = _short(str(dde.get("ddeTopic", "")))
        out.append(Hazard("dde_link", MSG["dde_link"].format(service=service, topic=topic, part=part), part=part))
    if root.find(_NS_MAIN + "externalBook") is not None or not out:
        target = _link_target(zf, part, path)
        out.append(Hazard("external_link", MSG["external_link"].format(target=target, part=part), part=part))
    return out


def _link_target(zf: zipfile.ZipFile, part: str, path: Path) -> str:
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in zf.NameToInfo:
        return "?"
    try:
        root = parse_xml(read_member(zf, rels, path), rels, path)
    except SheetperfError:
        return "?"
    targets = [str(rel.get("Target", "")) for rel in root if rel.get("Target")]
    return _short("、".join(targets)) if targets else "?"


def dde_formulas(grids: Iterable[Grid], memory: HazardMemory | None = None) -> list[Hazard]:
    """Every formula cell of ``grids`` that calls another program through DDE."""
    from sheetperf.model.a1 import to_a1

    known = (memory if memory is not None else HazardMemory()).dde
    verdicts = known.table  # the hot loop reads the table directly (1,200 template formulas a sheet)

    def dde(formula: str) -> bool:
        found = verdicts.get(formula)
        return found if found is not None else known.put(formula, is_dde_formula(formula))

    out: list[Hazard] = []
    for grid in grids:
        hits = [
            (rc, cell)
            for rc, cell in grid.cells.items()
            if cell.formula is not None and verdicts.get(cell.formula) is not False and dde(cell.formula)
        ]
        for (row, col), cell in sorted(hits, key=lambda hit: hit[0]):
            if cell.formula is not None:
                a1 = to_a1(row, col)
                out.append(
                    Hazard(
                        "dde_formula",
                        MSG["dde_formula"].format(sheet=grid.name, cell=a1, formula=_short(cell.formula)),
                        sheet=grid.name,
                        cell=a1,
                    )
                )
    return out


# --- the hooks: reader → record evidence → validation findings ----------------------------------


def attach(records: Iterable[Record], hazards: Sequence[Hazard], notices: list[str]) -> None:
    """Store ``hazards`` in every record read from the workbook and announce each once."""
    if not hazards:
        return
    for record in records:
        record.provenance.evidence.hazards = list(hazards)
    notices.extend(h.message for h in hazards)


def hazard_findings(record: Record, file: str | None = None) -> list[Finding]:
    """The validator's findings for the hazards the reader stored in ``record``."""
    from sheetperf.model.finding import Finding

    out: list[Finding] = []
    for item in record.provenance.evidence.hazards:
        out.append(
            Finding(
                file=file if file is not None else record.provenance.file,
                sheet=item.sheet,
                cell=item.cell,
                field=f"cell:{item.cell}" if item.cell else "workbook",
                rule=item.rule,
                severity=HAZARD_SEVERITIES.get(item.rule, "warning"),
                stated=item.part,
                expected=None,
                message=item.message,
            )
        )
    return out
