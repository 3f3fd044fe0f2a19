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
is not finite, a row that is not below the last one written, more columns than formats
given, a sheet not in ``constant_memory`` mode, an xlsxwriter older than the one this
module was written against (:data:`STREAMING`).  Everything else (formats, row heights,
column widths, autofilter, print setup) stays xlsxwriter's.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Sequence
from typing import Any, Final

import xlsxwriter
from xlsxwriter import worksheet as xlsxwriter_sheet
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

from sheetperf.vocab.text import mend_surrogates


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


#: Whether this xlsxwriter keeps its rows as RowSheet writes them (3.3: its RowInfo, cell tuples,
#: ``_write_row``, the constant_memory row file; the version tests/test_summary.py holds RowSheet
#: to); with an older one every row is left to xlsxwriter's own calls.
STREAMING: Final = _release(xlsxwriter.__version__) >= (3, 3) and hasattr(xlsxwriter_sheet, "RowInfo")

#: A cell's value: a finite int or float, a str, or None for no cell.
RowValue = float | int | str | None

#: Characters and sequences that a text needs more than copying for: control characters and
#: an existing ``_xHHHH_`` (escaped), ``&<>`` (escaped, and ``<`` for the rich-string guard),
#: lone surrogates (mended), U+FFFE/U+FFFF (escaped).
_SPECIAL: Final = re.compile("[\x00-\x08\x0b-\x1f&<>\ud800-\udfff\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
#: Excel's limit on a cell's text, in UTF-16 units (xlsxwriter's ``xls_strmax``).
_STRMAX: Final = 32_767
#: The rendered texts a sheet remembers (names, files and departments recur on every row
#: of a project): at most this many, of at most this many characters each.
_MEMO_TEXTS: Final = 10_000
_MEMO_CHARS: Final = 64
#: Row heights a sheet remembers (Excel's tallest row is 545 pixels).
_MEMO_HEIGHTS: Final = 1_000
#: Bytes copied at a time from the row stream into the sheet's XML.
_COPY_CHUNK: Final = 1 << 20
#: Integers beyond this are left to xlsxwriter (which cannot write them either).
_HUGE: Final = 1e308


def cell_text(text: str) -> str:
    """``text`` as xlsxwriter's ``write_string`` stores it: lone surrogates mended (a file
    name that was not UTF-8), cut to Excel's 32,767 UTF-16 units (a character beyond U+FFFF
    takes two, and is never split)."""
    text = mend_surrogates(text)
    if len(text) <= _STRMAX // 2 or len(text.encode("utf-16-le", "surrogatepass")) // 2 <= _STRMAX:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if char > "\uffff" else 1
        if units > _STRMAX:
            return text[:index]
    return text


def _remember(table: dict[Any, str], key: Any, rendered: str) -> None:
    """Keep ``rendered`` under ``key`` in a table that starts over when full (a sheet's memory)."""
    if len(table) >= _MEMO_TEXTS:
        table.clear()
    table[key] = rendered


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
        # Per column from 0 (stream_formats): the formats of a number and of a text, and the
        # pieces of a cell's XML around its row number — '<c r="AB' and '" s="3"><v>' or
        # '" s="3" t="inlineStr"><is>', the latter two once the format has a style index.
        self._formats: list[tuple[Format, Format]] = []
        self._heads: list[str] = []
        self._number_tails: list[str | None] = []
        self._text_tails: list[str | None] = []
        # The row streamed last, held until the next row is written or the sheet is
        # assembled, as xlsxwriter holds its own: (row, its cells' XML, its values). The XML
        # is "" while a format of the row has no style index yet: an index is given when a
        # cell is written out, in the order xlsxwriter gives them.
        self._held: tuple[int, str, Sequence[RowValue]] | None = None
        self._texts: dict[str, str] = {}
        self._figures: dict[float, str] = {}
        # Per row height in pixels: what set_row stores, and the <row> attributes it gives.
        self._heights: dict[int, tuple[Any, list[int | bool]]] = {}
        self._row_attributes: dict[int, str] = {}

    def stream_formats(self, formats: Sequence[tuple[Format, Format]]) -> None:
        """The (number, text) formats of the columns from A on, for :meth:`stream_row`."""
        self._formats = list(formats)
        count = min(len(self._formats), self.xls_colmax)
        self._heads = [f'<c r="{xl_col_to_name(col)}' for col in range(count)]
        self._number_tails = [None] * count
        self._text_tails = [None] * count

    def stream_row(self, row: int, values: Sequence[RowValue], height: float | None = None) -> bool:
        """Write ``values`` (one a column from A, None for no cell) as row ``row``, ``height``
        points high (None: the default), in the formats of :meth:`stream_formats`, as
        xlsxwriter's ``write_number``, ``write_string`` and ``set_row`` would; False, with
        nothing written, for a row it leaves to them.  ``values`` is kept (not copied) until
        the row is written out, when the next row is written."""
        if not STREAMING or not self.constant_memory or row <= self.previous_row or row >= self.xls_rowmax:
            return False
        xml = self._cells_xml(row, values)
        if xml is None:
            return False
        first = last = 0
        for first, value in enumerate(values):  # noqa: B007 — the first column with a cell
            if value is not None:
                break
        for last in range(len(values) - 1, first - 1, -1):  # the last
            if values[last] is not None:
                break
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
        if height is not None:
            pixels = int(height * 4.0 / 3.0 + 0.5)  # what set_row stores (xlsxwriter only reads it)
            if pixels > 0:
                known = self._heights.get(pixels)
                if known is None:
                    if len(self._heights) >= _MEMO_HEIGHTS:
                        self._heights.clear()
                        self._row_attributes.clear()
                    known = self._heights[pixels] = (xlsxwriter_sheet.RowInfo(height=pixels), [pixels, False])
                self.row_info[row], self.row_sizes[row] = known
            else:
                self.set_row(row, height)
        self._held = (row, xml, values)
        return True

    def _cells_xml(self, row: int, values: Sequence[RowValue], *, styled: bool = False) -> str | None:
        """The ``<c>`` elements of ``values``; "" when a format has no style index yet (unless
        ``styled``: then it is given one, as xlsxwriter gives it when it writes the cell);
        None for a row left to xlsxwriter (and for a row of no cell)."""
        if len(values) > len(self._heads):
            return None
        number = str(row + 1)
        heads, number_tails, text_tails = self._heads, self._number_tails, self._text_tails
        texts, figures = self._texts, self._figures
        parts = []
        styles_known = True
        for col, value in enumerate(values):
            if value is None:
                continue
            if type(value) is str:
                inline = texts.get(value)
                if inline is None:
                    inline = _inline(value)
                    if inline is None:
                        return None
                    if len(value) <= _MEMO_CHARS:
                        _remember(texts, value, inline)
                tail = text_tails[col] or self._tail(col, text=True, styled=styled)
                ending = f"{inline}</is></c>"
            elif (type(value) is float and math.isfinite(value)) or (type(value) is int and -_HUGE < value < _HUGE):
                # Remembered but for zeros (0 and -0.0 are one key, "0" and "-0" two texts).
                figure = figures.get(value) if value else None
                if figure is None:
                    figure = f"{value:.16G}"
                    if value:
                        _remember(figures, value, figure)
                tail = number_tails[col] or self._tail(col, text=False, styled=styled)
                ending = f"{figure}</v></c>"
            else:  # NaN, ±inf (xlsxwriter's error cells), a bool, anything else: xlsxwriter decides
                return None
            if tail is None:
                styles_known = False
            else:
                parts.append(f"{heads[col]}{number}{tail}{ending}")
        if not parts and styles_known:
            return None
        return "".join(parts) if styles_known else ""

    def _tail(self, col: int, *, text: bool, styled: bool) -> str | None:
        """'" s="3"><v>' (or the text's) for column ``col``; None while its format has no style
        index (unless ``styled``)."""
        fmt = self._formats[col][1 if text else 0]
        xf = fmt.xf_index
        if xf is None:
            # A format equal to one that has an index shares it (nothing is given); else the
            # index is given only when xlsxwriter would, as the cell is written out.
            xf = fmt._get_xf_index() if styled else fmt.xf_format_indices.get(fmt._get_format_key())
            if xf is None:
                return None
        if text:
            tail = self._text_tails[col] = f'" s="{xf}" t="inlineStr"><is>'
        else:
            tail = self._number_tails[col] = f'" s="{xf}"><v>'
        return tail

    def _write_single_row(self, current_row_num: int = 0) -> None:
        """xlsxwriter's flush of the row before ``current_row_num``: the row held by
        :meth:`stream_row`, else xlsxwriter's own."""
        if self._held is None:
            super()._write_single_row(current_row_num)
            return
        row, xml, values = self._held
        self._held = None
        cells = self.table.get(row)
        if cells:  # xlsxwriter's own calls wrote into the held row: it writes the row
            formats = self._formats
            for col, value in enumerate(values):
                if value is not None and col not in cells:  # a later write of a cell wins
                    if type(value) is str:
                        cells[col] = xlsxwriter_sheet.CellStringTuple(cell_text(value), formats[col][1])
                    else:
                        cells[col] = xlsxwriter_sheet.CellNumberTuple(value, formats[col][0])
            super()._write_single_row(current_row_num)
            return
        self.previous_row = current_row_num
        self.table.clear()
        if not xml:
            xml = self._cells_xml(row, values, styled=True) or ""
        info = self.row_info.get(row)
        if (
            self.excel_version == 2007
            and self.default_row_height == self.original_row_height
            and (
                info is None or (info.row_format is None and not info.hidden and not info.level and not info.collapsed)
            )
        ):  # the <row> of xlsxwriter's _write_row for a row with no more than a height
            height = self.original_row_height if info is None else info.height
            if height == self.original_row_height:
                self.fh.write(f'<row r="{row + 1}">{xml}</row>')
            else:
                attributes = self._row_attributes.get(height)
                if attributes is None:
                    attributes = self._row_attributes[height] = f' ht="{height * 0.75:.16g}" customHeight="1"'
                self.fh.write(f'<row r="{row + 1}"{attributes}>{xml}</row>')
        else:
            self._write_row(row, None, info)
            self.fh.write(xml + "</row>")

    def _write_optimized_sheet_data(self) -> None:
        """The rows streamed into a temporary file copied into the sheet's XML as bytes
        (xlsxwriter decodes and encodes them again: the same UTF-8, more slowly)."""
        sheet = self.fh
        if self.dim_rowmin is None or self.row_data_fh is None or not hasattr(sheet, "buffer"):
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.close()
        sheet.flush()
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, sheet.buffer, _COPY_CHUNK)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")
