"""What a reader saw beside a form's values: the evidence the workbook rules check.

A record carries its values; :class:`Evidence` (``record.provenance.evidence``) carries
what only the file could tell — the formula behind each field, formula cells saved
without a result, error values, a sheetperf template's identity, macros and links,
and for imported text the line each field came from.  Readers fill it, validation,
status and consolidation read it; a record loaded from JSON has an empty one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

HazardSeverity = Literal["error", "warning", "notice"]

#: The rule code of each hazard and its severity in validation.
HAZARD_SEVERITIES: Final[dict[str, HazardSeverity]] = {
    "macro_present": "notice",
    "external_link": "warning",
    "dde_link": "error",
    "dde_formula": "error",
    "embedded_object": "warning",
}


@dataclass(frozen=True)
class Hazard:
    """One thing in a workbook that is never run or followed; ``message`` is Chinese."""

    rule: str
    message: str
    part: str | None = None
    sheet: str | None = None
    cell: str | None = None

    @property
    def severity(self) -> HazardSeverity:
        return HAZARD_SEVERITIES[self.rule]


@dataclass(frozen=True)
class TemplateIdentity:
    """A sheetperf template's metadata as read back from the workbook (the ``SP_meta_*`` cells)."""

    form: str = ""
    layout_version: str = ""
    profile: str = ""
    sheetperf_version: str = ""
    capacity: int | None = None
    locked: tuple[str, ...] = ()
    fingerprint: str = ""
    cell_digests: str = ""
    #: The id ``distribute`` gave this copy (empty in a template made by ``template``).
    form_id: str = ""
    #: The locked fields' values as distributed (JSON, path → value; empty in older templates).
    locked_values: str = ""

    @classmethod
    def from_meta(cls, meta: Mapping[str, str]) -> TemplateIdentity:
        """From the metadata cells (key → text); unknown keys are ignored, malformed ones left empty."""
        try:
            capacity: int | None = int(float(meta.get("capacity", "") or "0")) or None
        except ValueError:
            capacity = None
        return cls(
            form=meta.get("form", ""),
            layout_version=meta.get("layout_version", ""),
            profile=meta.get("profile", ""),
            sheetperf_version=meta.get("sheetperf_version", ""),
            capacity=capacity,
            locked=tuple(g for g in meta.get("locked", "").split(",") if g),
            fingerprint=meta.get("fingerprint", ""),
            cell_digests=meta.get("cell_digests", ""),
            form_id=meta.get("form_id", ""),
            locked_values=meta.get("locked_values", ""),
        )


@dataclass(frozen=True)
class LineRef:
    """The file and one-based line a field of an imported text came from."""

    file: str
    line: int


@dataclass
class TextSource:
    """Where an imported form's text came from: its files, its first line, each field's line."""

    files: list[str] = field(default_factory=list)
    line: int = 0
    lines: dict[str, LineRef] = field(default_factory=dict)


@dataclass(frozen=True)
class NumberText:
    """Text typed into a number cell: as written, and the number it was read as (None when it is
    no number), in the unit of the field (``1.42万元`` in a 万元 cell → 1.42; ``80万元`` in a 元 cell
    → 800000)."""

    text: str
    value: float | None = None
    #: The unit the text named (``万元``, ``元``, ``%``), empty when it named none.
    unit: str = ""


@dataclass
class Evidence:
    """What the reader saw beyond the values (empty for a record from JSON)."""

    #: The file format the form was read from: ``xlsx`` (also .xlsm), ``ods``, ``xls``; empty for JSON.
    format: str = ""
    #: How the form was found: ``defined_names`` (a sheetperf template), ``labels``, ``text``.
    method: str = ""
    #: The unit the funds were written in (``万元`` or ``元``; records hold 万元).
    funds_unit: str = ""
    #: Amount paths whose own label or cell named their unit (``funds.total.executed`` → ``元``
    #: for a cell typed ``72890元``; ``budget_yuan.current_year`` → ``万元``), before conversion.
    amount_units: dict[str, str] = field(default_factory=dict)
    #: Notes printed under the form (备注): the scoring rules some regions print, as written.
    notes: list[str] = field(default_factory=list)
    #: Zero-based column of each indicator-table key, as found.
    indicator_columns: dict[str, int] = field(default_factory=dict)
    #: Record path → formula text of the cell the value came from.
    formulas: dict[str, str] = field(default_factory=dict)
    #: Record paths whose formula cell was saved without a result.
    uncalculated: list[str] = field(default_factory=list)
    #: A1 → error value (``#DIV/0!``) of every cell of the form holding one.
    error_cells: dict[str, str] = field(default_factory=dict)
    #: Every formula of a template's sheet, zero-based (row, col) → text; None when not read.
    formula_cells: dict[tuple[int, int], str] | None = None
    #: The template's identity when the form is a sheetperf template.
    template: TemplateIdentity | None = None
    #: Macros, external links, DDE and embedded objects the workbook carries.
    hazards: list[Hazard] = field(default_factory=list)
    #: For a form imported from published text: its files and lines.
    text: TextSource | None = None
    #: Number fields that held text (``1.42万元``, ``１２``, ``完成``): path → what was written and read.
    number_texts: dict[str, NumberText] = field(default_factory=dict)


__all__ = [
    "HAZARD_SEVERITIES",
    "Evidence",
    "Hazard",
    "HazardSeverity",
    "LineRef",
    "NumberText",
    "TemplateIdentity",
    "TextSource",
]
