"""Text as people read it: widths of CJK text and plain aligned tables.

One width rule for every place that sizes text: terminal tables, column widths of
the summary and the manifest, row heights of filled forms.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * max(width - display_width(text), 0)
    return gap + text if align == "right" else text + gap


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """A simple aligned table; columns whose index is in ``right`` are right-aligned."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value))
    lines = ["  ".join(_pad(h, widths[i], "right" if i in right else "left") for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append(
            "  ".join(_pad(v, widths[i], "right" if i in right else "left") for i, v in enumerate(row)).rstrip()
        )
    return "\n".join(lines)
