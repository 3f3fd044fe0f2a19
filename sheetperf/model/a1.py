"""A1 references at the edges, zero-based (row, col) integers inside."""

from __future__ import annotations

import re
from typing import Final

_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
MAX_ROWS = 1_048_576
MAX_COLS = 16_384


def _letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# Columns A–ZZ, the only ones a form uses, looked up rather than computed (a batch asks millions of times).
_LETTERS: Final[tuple[str, ...]] = tuple(_letters(c) for c in range(702))
_INDICES: Final[dict[str, int]] = {letters: col for col, letters in enumerate(_LETTERS)}


def col_letter(col: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA'."""
    if 0 <= col < 702:
        return _LETTERS[col]
    if not 0 <= col < MAX_COLS:
        raise ValueError(f"column index out of range: {col}")
    return _letters(col)


def col_index(letters: str) -> int:
    """'A' → 0, 'AA' → 26."""
    known = _INDICES.get(letters)
    if known is not None:
        return known
    value = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"not a column name: {letters!r}")
        value = value * 26 + ord(char) - 64
    if not 0 < value <= MAX_COLS:
        raise ValueError(f"column out of range: {letters!r}")
    return value - 1


def to_a1(row: int, col: int, *, absolute: bool = False) -> str:
    """(0, 0) → 'A1'; absolute → '$A$1'."""
    if not 0 <= row < MAX_ROWS:
        raise ValueError(f"row index out of range: {row}")
    if absolute:
        return f"${col_letter(col)}${row + 1}"
    return f"{col_letter(col)}{row + 1}"


def from_a1(ref: str) -> tuple[int, int]:
    """'B3' or '$B$3' → (2, 1)."""
    match = _CELL_RE.match(ref.strip())
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    row = int(match.group(2)) - 1
    if not 0 <= row < MAX_ROWS:
        raise ValueError(f"row out of range: {ref!r}")
    return row, col_index(match.group(1))


def range_a1(first_row: int, first_col: int, last_row: int, last_col: int, *, absolute: bool = False) -> str:
    """Zero-based bounds → 'A1:C3'."""
    start = to_a1(first_row, first_col, absolute=absolute)
    end = to_a1(last_row, last_col, absolute=absolute)
    return start if start == end else f"{start}:{end}"


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C3' → (0, 0, 2, 2); a single cell gives a 1×1 range."""
    first, _, last = ref.partition(":")
    r1, c1 = from_a1(first)
    r2, c2 = from_a1(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def quote_sheet(name: str) -> str:
    """A sheet name as a formula reference needs it: 'My Sheet'!A1."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"
