"""A finding: one problem found in a form, pointed at its cell.

Findings are data (one row per problem, stable rule codes); validation makes them,
every view (CLI table, JSON, HTML report, summary sheet, annotated copy) shows them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

Severity = Literal["error", "warning", "notice"]
SEVERITY_ORDER: Final[dict[str, int]] = {"error": 0, "warning": 1, "notice": 2}
FINDING_COLUMNS: Final[tuple[str, ...]] = (
    "file",
    "sheet",
    "cell",
    "field",
    "rule",
    "severity",
    "stated",
    "expected",
    "message",
)


@dataclass(frozen=True)
class Finding:
    file: str | None
    sheet: str | None
    cell: str | None
    field: str
    rule: str
    severity: Severity
    stated: Any
    expected: Any
    message: str
    #: More than the view columns hold (an overwritten formula's text); in JSON only, when set.
    detail: Any = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.detail is None:
            del out["detail"]
        return out
