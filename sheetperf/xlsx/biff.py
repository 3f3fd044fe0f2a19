"""What python-calamine does not give from an Excel 97–2003 workbook (.xls), read from its records.

An .xls is a Compound File (OLE2) holding a ``Workbook`` stream of BIFF8 records.
python-calamine reads its values; this module reads, from the same file, what a form
check needs beside them:

* which cells hold a formula, and each formula's saved result when it is an error
  (calamine gives an empty string for ``#N/A``) or an empty string;
* a formula the format could not keep: LibreOffice writes a formula it cannot put into
  BIFF8 (past the format's limits on arguments and nesting, or a function the format lacks)
  as the constant ``=#N/A``, which reads back as ``=NA()``; such a formula (its own tokens
  or those of the shared formula it points at) is given as that text, every other formula
  text is not decompiled (:data:`FORMULA_NOT_READ`);
* each cell's number format (the XF and FORMAT records), so a number reads as the form
  shows it (``98.00``, ``0.00%``);
* the workbook's defined names that point at one cell or range (``SP_*`` of a template).

The container is read with hard limits: sector chains are followed with loop detection
and never past the file's size, every stream is capped at the file's size, a record never
reads past its stream.  Anything malformed ends the scan: the values calamine read stand,
and the caller says what could not be checked.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from sheetperf.model.a1 import quote_sheet, to_a1
from sheetperf.xlsx.book import BUILTIN_FORMATS
from sheetperf.xlsx.limits import MAX_COLS, MAX_ROWS, MAX_SHEET_CELLS

_SIGNATURE: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN: Final = 0xFFFFFFFE
_FREE: Final = 0xFFFFFFFF
_MAX_REGULAR: Final = 0xFFFFFFFA

#: Error codes of BIFF8 (``BErr``) → the error text a sheet shows.
ERROR_CODES: Final[dict[int, str]] = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}
#: The token stream of ``=NA()``: ptgFunc (any class) with function index 10.
_NA_TOKENS: Final = frozenset({b"\x21\x0a\x00", b"\x41\x0a\x00", b"\x61\x0a\x00"})
_PTG_ERR: Final = 0x1C
_PTG_EXP: Final = 0x01
#: Formula text given for a formula this module does not decompile.
FORMULA_NOT_READ: Final = ""
NA_FORMULA: Final = "=NA()"


class BiffError(Exception):
    """The file is not a BIFF8 workbook this module can scan (the caller notes it)."""


@dataclass
class FormulaCell:
    """A formula cell: its text when known (``=NA()``), else :data:`FORMULA_NOT_READ`, and its
    saved result when that is an error or an empty string (a number or text comes from calamine)."""

    formula: str = FORMULA_NOT_READ
    error: str | None = None
    empty: bool = False


@dataclass
class BiffSheet:
    name: str
    formulas: dict[tuple[int, int], FormulaCell] = field(default_factory=dict)
    #: Constant error cells (BOOLERR records).
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    #: Number-format code of each cell whose format is not General.
    formats: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class BiffBook:
    sheets: list[BiffSheet] = field(default_factory=list)
    #: Workbook-level names → Excel-style text (``'绩效自评表'!$C$3:$H$3``).
    defined_names: dict[str, str] = field(default_factory=dict)
    #: Sheet-level names: ``(sheet index, name)`` → Excel-style text.
    local_names: dict[tuple[int, str], str] = field(default_factory=dict)


# --- the compound file ---------------------------------------------------------------------


def workbook_stream(data: bytes) -> bytes:
    """The ``Workbook`` stream of a compound file; :class:`BiffError` when there is none."""
    if len(data) < 512 or data[:8] != _SIGNATURE:
        raise BiffError("not a compound file")
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    mini_shift = struct.unpack_from("<H", data, 0x20)[0]
    if shift not in (9, 12) or mini_shift != 6:
        raise BiffError("sector size")
    size = 1 << shift
    sectors = (len(data) - size) // size + 1
    fat_count, dir_start = struct.unpack_from("<II", data, 0x2C)
    cutoff, mini_fat_start, mini_fat_count, difat_start, difat_count = struct.unpack_from("<IIIII", data, 0x38)
    if fat_count > sectors:
        raise BiffError("FAT size")

    def sector(n: int) -> bytes:
        if n > _MAX_REGULAR or n + 1 >= sectors + 1 or (n + 1) * size + size > len(data) + size:
            raise BiffError("sector out of range")
        return data[(n + 1) * size : (n + 2) * size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_REGULAR]
    seen: set[int] = set()
    next_difat = difat_start
    per = size // 4 - 1
    while next_difat <= _MAX_REGULAR and len(seen) <= difat_count:
        if next_difat in seen:
            raise BiffError("DIFAT loop")
        seen.add(next_difat)
        block = sector(next_difat)
        links = struct.unpack_from(f"<{per + 1}I", block)
        fat_sectors += [s for s in links[:per] if s <= _MAX_REGULAR]
        next_difat = links[per]
    fat_sectors = fat_sectors[:fat_count]
    fat: list[int] = []
    for n in fat_sectors:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(n)))

    def chain(start: int, limit: int) -> bytes:
        out: list[bytes] = []
        visited: set[int] = set()
        n = start
        total = 0
        while n <= _MAX_REGULAR:
            if n in visited or n >= len(fat):
                raise BiffError("broken chain")
            visited.add(n)
            out.append(sector(n))
            total += size
            if total > limit + size:
                raise BiffError("chain longer than the stream")
            n = fat[n]
        return b"".join(out)

    directory = chain(dir_start, len(data))
    entries: list[tuple[str, int, int, int]] = []
    for offset in range(0, len(directory) - 127, 128):
        name_length = struct.unpack_from("<H", directory, offset + 0x40)[0]
        kind = directory[offset + 0x42]
        start, length = struct.unpack_from("<IQ", directory, offset + 0x74)
        if shift == 9:
            length &= 0xFFFFFFFF
        name = directory[offset : offset + max(0, min(name_length, 64) - 2)].decode("utf-16-le", "replace")
        entries.append((name, kind, start, length))
    if not entries:
        raise BiffError("no directory")
    root = entries[0]
    stream = next((e for e in entries if e[1] == 2 and e[0] in ("Workbook", "WORKBOOK", "workbook")), None)
    if stream is None:
        raise BiffError("no Workbook stream (not BIFF8)")
    _, _, start, length = stream
    if length > len(data):
        raise BiffError("stream larger than the file")
    if length >= cutoff:
        return chain(start, length)[:length]
    # a small stream lives in the mini stream (64-byte sectors, its own FAT)
    mini_stream = chain(root[2], root[3])[: root[3]]
    mini_fat_bytes = chain(mini_fat_start, mini_fat_count * size) if mini_fat_count else b""
    mini_fat = list(struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))
    out: list[bytes] = []
    visited: set[int] = set()
    n = start
    while n <= _MAX_REGULAR and len(out) * 64 < length:
        if n in visited or n >= len(mini_fat) or (n + 1) * 64 > len(mini_stream):
            raise BiffError("broken mini chain")
        visited.add(n)
        out.append(mini_stream[n * 64 : (n + 1) * 64])
        n = mini_fat[n]
    return b"".join(out)[:length]


# --- records -------------------------------------------------------------------------------

_BOF: Final = 0x0809
_EOF: Final = 0x000A
_BOUNDSHEET: Final = 0x0085
_EXTERNSHEET: Final = 0x0017
_NAME: Final = 0x0018
_FORMULA: Final = 0x0006
_BOOLERR: Final = 0x0205
_XF: Final = 0x00E0
_FORMAT: Final = 0x041E
_CELLS_WITH_XF: Final = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205})
_MULRK: Final = 0x00BD
_SHRFMLA: Final = 0x04BC


def _records(stream: bytes, start: int = 0, end: int | None = None) -> list[tuple[int, int, bytes]]:
    """(offset, type, data) of each record of one substream, BOF to EOF (never past ``end``)."""
    out: list[tuple[int, int, bytes]] = []
    pos = start
    stop = len(stream) if end is None else min(end, len(stream))
    while pos + 4 <= stop:
        kind, length = struct.unpack_from("<HH", stream, pos)
        data = stream[pos + 4 : pos + 4 + length]
        if len(data) < length:
            raise BiffError("record past the stream")
        out.append((pos, kind, data))
        pos += 4 + length
        if kind == _EOF:
            break
    return out


def _unicode(data: bytes, offset: int, count: int) -> tuple[str, int]:
    """An XLUnicodeStringNoCch of ``count`` characters at ``offset``; returns the text and the end."""
    if offset >= len(data):
        return "", offset
    high = data[offset] & 1
    offset += 1
    width = 2 if high else 1
    raw = data[offset : offset + count * width]
    text = raw.decode("utf-16-le", "replace") if high else raw.decode("latin-1")
    return text, offset + count * width


def read_biff(path: str | Path) -> BiffBook:
    """Formula cells, error results, number formats and defined names of an .xls."""
    data = Path(path).read_bytes()
    stream = workbook_stream(data)
    globals_ = _records(stream)
    if not globals_ or globals_[0][1] != _BOF or struct.unpack_from("<H", globals_[0][2], 0)[0] != 0x0600:
        raise BiffError("not BIFF8")
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    bound: list[tuple[int, str, int]] = []  # (offset of the sheet's BOF, name, sheet type)
    xti: list[tuple[int, int]] = []
    names: list[tuple[str, int, bytes]] = []
    for _, kind, body in globals_:
        if kind == _FORMAT and len(body) >= 5:
            ifmt, count = struct.unpack_from("<HH", body, 0)
            custom[ifmt] = _unicode(body, 4, count)[0]
        elif kind == _XF and len(body) >= 4:
            xf_formats.append(struct.unpack_from("<H", body, 2)[0])
        elif kind == _BOUNDSHEET and len(body) >= 8:
            position = struct.unpack_from("<I", body, 0)[0]
            sheet_type, count = body[5], body[6]
            name = _unicode(body, 7, count)[0]
            bound.append((position, name, sheet_type))
        elif kind == _EXTERNSHEET and len(body) >= 2:
            count = struct.unpack_from("<H", body, 0)[0]
            for i in range(min(count, (len(body) - 2) // 6)):
                _, first, _ = struct.unpack_from("<Hhh", body, 2 + 6 * i)
                xti.append((i, first))
        elif kind == _NAME and len(body) >= 15:
            flags, _, count, size = struct.unpack_from("<HBBH", body, 0)
            itab = struct.unpack_from("<H", body, 8)[0]
            if flags & 0x20:  # a built-in name (Print_Area): not one of ours
                continue
            name, end = _unicode(body, 14, count)
            names.append((name, itab, body[end : end + size]))
    book = BiffBook()
    worksheets = [(pos, name) for pos, name, sheet_type in bound if sheet_type == 0]
    sheet_names = [name for _, name in worksheets]
    all_names = [name for _, name, _ in bound]
    for name, itab, tokens in names:
        text = _name_ref(tokens, xti, all_names)
        if text is None:
            continue
        if itab:
            local_name = all_names[itab - 1] if itab - 1 < len(all_names) else None
            if local_name in sheet_names:
                book.local_names[(sheet_names.index(local_name), name)] = text
        else:
            book.defined_names[name] = text

    def code_of(xf: int) -> str | None:
        if xf >= len(xf_formats):
            return None
        ifmt = xf_formats[xf]
        code = custom.get(ifmt) or BUILTIN_FORMATS.get(ifmt)
        return None if code in (None, "General", "@") else code

    # each sheet's records end where the next substream begins: the stream is scanned once
    starts = sorted({position for position, _, _ in bound} | {len(stream)})
    for position, name in worksheets:
        sheet = BiffSheet(name)
        book.sheets.append(sheet)
        if position >= len(stream):
            continue
        end = starts[bisect_right(starts, position)]
        shared: dict[tuple[int, int], bytes] = {}
        pointing: dict[tuple[int, int], tuple[int, int]] = {}
        for _, kind, body in _records(stream, position, end):
            if kind == _SHRFMLA and len(body) >= 10:
                first_row, _, first_col = struct.unpack_from("<HHB", body, 0)
                size = struct.unpack_from("<H", body, 8)[0]
                shared[(first_row, first_col)] = body[10 : 10 + size]
            if kind in _CELLS_WITH_XF and len(body) >= 6:
                row, col, xf = struct.unpack_from("<HHH", body, 0)
                if row >= MAX_ROWS or col >= MAX_COLS:
                    continue
                code = code_of(xf)
                if code is not None:
                    sheet.formats[(row, col)] = code
                if kind == _FORMULA and len(body) >= 22:
                    sheet.formulas[(row, col)] = _formula(body)
                    size = struct.unpack_from("<H", body, 20)[0]
                    if size == 5 and body[22] == _PTG_EXP:
                        pointing[(row, col)] = struct.unpack_from("<HH", body, 23)
                elif kind == _BOOLERR and len(body) >= 8 and body[7] == 1:
                    sheet.errors[(row, col)] = ERROR_CODES.get(body[6], "#VALUE!")
            elif kind == _MULRK and len(body) >= 6:
                row, first = struct.unpack_from("<HH", body, 0)
                count = (len(body) - 6) // 6
                for i in range(count):
                    xf = struct.unpack_from("<H", body, 4 + 6 * i)[0]
                    code = code_of(xf)
                    if code is not None and row < MAX_ROWS and first + i < MAX_COLS:
                        sheet.formats[(row, first + i)] = code
            if len(sheet.formats) + len(sheet.formulas) > 2 * MAX_SHEET_CELLS:
                raise BiffError("too many cells")
        for where, host in pointing.items():
            shared_tokens = shared.get(host)
            if shared_tokens is not None:
                sheet.formulas[where].formula = _known_text(shared_tokens)
    return book


def _formula(body: bytes) -> FormulaCell:
    cell = FormulaCell()
    if body[12:14] == b"\xff\xff":
        kind = body[6]
        if kind == 2:
            cell.error = ERROR_CODES.get(body[8], "#VALUE!")
        elif kind == 3:
            cell.empty = True
    size = struct.unpack_from("<H", body, 20)[0]
    cell.formula = _known_text(body[22 : 22 + size])
    return cell


def _known_text(tokens: bytes) -> str:
    """``=NA()`` for a formula that is ``NA()`` or an error constant alone (what a formula the
    format could not keep became), else :data:`FORMULA_NOT_READ`."""
    if tokens in _NA_TOKENS or (len(tokens) == 2 and tokens[0] == _PTG_ERR and tokens[1] == 0x2A):
        return NA_FORMULA
    return FORMULA_NOT_READ


def _name_ref(tokens: bytes, xti: list[tuple[int, int]], sheets: list[str]) -> str | None:
    """A name's formula when it is one 3-D reference or area (``'S'!$C$3:$H$3``), else None."""
    if not tokens:
        return None
    ptg = tokens[0]
    if ptg in (0x3A, 0x5A, 0x7A) and len(tokens) == 7:
        ixti, row, col = struct.unpack_from("<HHH", tokens, 1)
        rows, cols = (row, row), (col & 0x3FFF, col & 0x3FFF)
    elif ptg in (0x3B, 0x5B, 0x7B) and len(tokens) == 11:
        ixti, r1, r2, c1, c2 = struct.unpack_from("<HHHHH", tokens, 1)
        rows, cols = (r1, r2), (c1 & 0x3FFF, c2 & 0x3FFF)
    else:
        return None
    if ixti >= len(xti) or not 0 <= xti[ixti][1] < len(sheets):
        return None
    sheet = quote_sheet(sheets[xti[ixti][1]])
    first = to_a1(rows[0], cols[0], absolute=True)
    if rows[0] == rows[1] and cols[0] == cols[1]:
        return f"{sheet}!{first}"
    return f"{sheet}!{first}:{to_a1(rows[1], cols[1], absolute=True)}"


__all__ = [
    "ERROR_CODES",
    "FORMULA_NOT_READ",
    "NA_FORMULA",
    "BiffBook",
    "BiffError",
    "BiffSheet",
    "FormulaCell",
    "read_biff",
    "workbook_stream",
]
