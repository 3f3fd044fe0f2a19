"""CSV cells a spreadsheet will not run: one guard for every CSV sheetperf writes.

A cell starting with ``= + - @`` (or their full-width forms), a tab or a line break is taken
for a formula by Excel, WPS and LibreOffice when the CSV is opened (CSV injection); so is one
behind leading spaces when the import trims them.  :func:`guard_cell` prefixes ``'``, the
mark the spreadsheet programs themselves use for "text", and :func:`unguard_cell` takes it
off again when sheetperf reads its own CSV back (the manifest).
"""

from __future__ import annotations

from typing import Any, Final

from sheetperf.vocab.text import mend_surrogates

#: First characters that make a spreadsheet treat a CSV cell as a formula.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: Spaces an import may trim before it looks at the first character.
_TRIMMED: Final = " \u3000\xa0"


def _needs_guard(value: str) -> bool:
    if value.lstrip(_TRIMMED).startswith(FORMULA_STARTS):
        return True
    return value.startswith("'") and _needs_guard(value[1:])


def guard_cell(value: str) -> str:
    """``'`` before text a spreadsheet would run as a formula; reversible by :func:`unguard_cell`,
    also for text that itself starts with ``'``."""
    return "'" + value if _needs_guard(value) else value


def unguard_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and _needs_guard(value[1:]) else value


def neutralize(value: Any) -> Any:
    """:func:`guard_cell` for text (bytes of a name that was not UTF-8 escaped, so the CSV can be
    written); numbers and other values unchanged."""
    return guard_cell(mend_surrogates(value)) if isinstance(value, str) else value


__all__ = ["FORMULA_STARTS", "guard_cell", "neutralize", "unguard_cell"]
