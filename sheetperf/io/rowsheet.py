"""A worksheet that streams a table's row in one piece (xlsxwriter, ``constant_memory`` mode).

xlsxwriter checks, stores and renders every cell on its own (about 6 µs a cell: bounds and
dimensions, a cell tuple, the previous row flushed cell by cell, attributes escaped one by
one).  A summary table knows its columns, their formats and the order of its cells, so
:meth:`RowSheet.stream_row` takes a whole row at once and renders its
``<row><c>…</c></row>`` into the same row stream xlsxwriter writes its own rows to, with the
same text: cell references, style indexes (taken when the row is flushed, as xlsxwriter does,
so every format gets the same index), numbers as ``.16G``, strings inline with control
characters as ``_xHHHH_``, ``&<>`` escaped and ``xml:space="preserve"`` where a text starts or
ends with white space.  ``tests/test_summary.py`` holds the two paths to the same sheet XML.

What the fast path does not write it refuses (returns False, nothing written) and the caller
writes the row cell by cell through xlsxwriter (:func:`sheetperf.io.writer.write_text`): a
text shaped like xlsxwriter's rich-string markup (user text is never markup), a figure that
is not finite, a row that is not below the last one written, columns not in increasing
order, a sheet not in ``constant_memory`` mode.  Everything else (formats, row heights,
column widths, autofilter, print setup) stays xlsxwriter's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final

from xlsxwriter.format import Format
from xlsxwriter.utility import _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

from sheetperf.vocab.text import mend_surrogates

#: One cell of a row: (column, value, format); the value a finite int or float, or a str.
RowCell = tuple[int, float | int | str, Format]

#: Characters and sequences that a text needs more than copying for: control characters and
#: an existing ``_xHHHH_`` (escaped), ``&<>`` (escaped, and ``<`` for the rich-string guard),
#: lone surrogates (mended), U+FFFE/U+FFFF (escaped).
_SPECIAL: Final = re.compile("[\x00-\x08\x0b-\x1f&<>\ud800-\udfff\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
#: Excel's limit on a cell's text, in UTF-16 units (xlsxwriter's ``xls_strmax``).
_STRMAX: Final = 32_767
#: The rendered texts a sheet remembers (names, files and departments recur on every row
#: of a project): at most this many, of at most this many characters each.
_MEMO_TEXTS: Final = 10_000
_MEMO_CHARS: Final = 128
#: Integers beyond this are left to xlsxwriter (which cannot write them either).
_HUGE: Final = 1e308


def cell_text(text: str) -> str:
    """``text`` as xlsxwriter's ``write_string`` stores it: lone surrogates mended (a file
    name that was not UTF-8), cut to Excel's 32,767 UTF-16 units."""
    text = mend_surrogates(text)
    if len(text) > _STRMAX // 2 and _utf16_len(text) > _STRMAX:
        text = _utf16_truncate(text, _STRMAX)
    return text


def markup_shaped(text: str) -> bool:
    """Whether xlsxwriter would copy ``text`` into the sheet unescaped, as its own rich-string
    markup (starting ``<r>`` and ending ``</r>``)."""
    return text.startswith("<r>") and text.endswith("</r>")


def _inline(text: str) -> str | None:
    """The ``<t>`` element xlsxwriter writes for ``text`` as an inline string; None for a text
    the fast path leaves to xlsxwriter (rich-string shaped)."""
    if len(text) > _STRMAX // 2 or _SPECIAL.search(text) is not None:
        shown = cell_text(text)
        if markup_shaped(shown):
            return None
        text = XMLwriter._escape_control_characters(shown)
        preserve = text[:1].isspace() or text[-1:].isspace()
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    else:
        preserve = text[:1].isspace() or text[-1:].isspace()
    return f'<t xml:space="preserve">{text}</t>' if preserve else f"<t>{text}</t>"


class RowSheet(Worksheet):  # type: ignore[misc]  # xlsxwriter ships no type information
    """A :class:`xlsxwriter.worksheet.Worksheet` with :meth:`stream_row`
    (``workbook.add_worksheet(name, worksheet_class=RowSheet)``)."""

    # xlsxwriter's own attributes this class sets (the used range, kept by _check_dimensions).
    dim_rowmin: int | None
    dim_rowmax: int | None
    dim_colmin: int | None
    dim_colmax: int | None

    def __init__(self) -> None:
        super().__init__()
        # The row streamed last, held until the next row is written or the sheet is
        # assembled (as xlsxwriter holds its own): (row, cells as (column, format, is a
        # number, rendered value)).
        self._held: tuple[int, list[tuple[int, Format, bool, str]]] | None = None
        self._letters: dict[int, str] = {}
        self._texts: dict[str, str] = {}

    def stream_row(self, row: int, cells: Sequence[RowCell]) -> bool:
        """Write ``cells`` (columns increasing) as row ``row``, as xlsxwriter's ``write_number``
        and ``write_string`` would; False, with nothing written, for a row it leaves to them."""
        if not cells:
            return True
        if not self.constant_memory or row <= self.previous_row or row >= self.xls_rowmax:
            return False
        rendered: list[tuple[int, Format, bool, str]] = []
        texts = self._texts
        last = -1
        for col, value, fmt in cells:
            if col <= last or fmt is None:  # xlsxwriter takes a row's or column's format
                return False
            last = col
            if type(value) is str:
                inline = texts.get(value)
                if inline is None:
                    inline = _inline(value)
                    if inline is None:
                        return False
                    if len(value) <= _MEMO_CHARS:
                        if len(texts) >= _MEMO_TEXTS:
                            texts.clear()
                        texts[value] = inline
                rendered.append((col, fmt, False, inline))
            elif (type(value) is float and math.isfinite(value)) or (type(value) is int and -_HUGE < value < _HUGE):
                rendered.append((col, fmt, True, f"{value:.16G}"))
            else:  # NaN, ±inf (xlsxwriter's error cells), a bool, anything else: xlsxwriter decides
                return False
        if last >= self.xls_colmax:  # columns are increasing from 0 (last starts at -1)
            return False
        first = cells[0][0]
        # What xlsxwriter's _check_dimensions does for each cell, once for the row.
        if self.dim_rowmin is None or row < self.dim_rowmin:
            self.dim_rowmin = row
        if self.dim_rowmax is None or row > self.dim_rowmax:
            self.dim_rowmax = row
        if self.dim_colmin is None or first < self.dim_colmin:
            self.dim_colmin = first
        if self.dim_colmax is None or last > self.dim_colmax:
            self.dim_colmax = last
        self._write_single_row(row)  # the row before this one, ours or xlsxwriter's
        self._held = (row, rendered)
        return True

    def _write_single_row(self, current_row_num: int = 0) -> None:
        """xlsxwriter's flush of the row before ``current_row_num``: the row held by
        :meth:`stream_row`, else xlsxwriter's own."""
        if self._held is None:
            super()._write_single_row(current_row_num)
            return
        row, rendered = self._held
        self._held = None
        self.previous_row = current_row_num
        self.table.clear()
        self._write_row(row, None, self.row_info.get(row))
        number = str(row + 1)
        letters = self._letters
        parts = []
        for col, fmt, is_number, value in rendered:
            letter = letters.get(col)
            if letter is None:
                letter = letters[col] = xl_col_to_name(col)
            xf = fmt.xf_index
            if xf is None:  # given on first use, as xlsxwriter gives it when it writes the cell
                xf = fmt._get_xf_index()
            if is_number:
                parts.append(f'<c r="{letter}{number}" s="{xf}"><v>{value}</v></c>')
            else:
                parts.append(f'<c r="{letter}{number}" s="{xf}" t="inlineStr"><is>{value}</is></c>')
        parts.append("</row>")
        self.fh.write("".join(parts))
