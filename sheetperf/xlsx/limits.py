"""Every limit an untrusted workbook is held to, in one place.

Workbooks arrive from hundreds of outside offices; any of them may be broken or
built to hurt.  Each limit below is a named setting, checked as early as it can
be — the zip directory before anything is inflated, the raw bytes of an XML part
before it is parsed, a table while it is read — and each refusal is a one-line
Chinese message (``sheetperf.vocab.labels.READER_MESSAGES`` / ``LIMIT_MESSAGES``) naming
the file, the part or sheet, the figure found and the limit.

A real form is tens of kilobytes: one sheet of a few hundred cells, a few hundred
shared strings, a few dozen merged ranges.  The limits sit two to three orders of
magnitude above that, so a genuine workbook with a large annex sheet still reads,
while a bomb is refused before it costs more than a fraction of a second and a
few tens of megabytes (``tests/test_hostile.py`` holds the reader to 2 s and
200 MB on a 42.zip-style nested bomb, a 1 GB member and a billion-laughs part).

XML is parsed by lxml with entities unresolved, no DTD loaded, no network and
``huge_tree`` off, and a part that declares a DOCTYPE is refused outright (no
Office program writes one).  libxml2's own entity-amplification guard is a
second line behind that.
"""

from __future__ import annotations

from typing import Final

MB: Final = 2**20

#: Most characters a cell holds (Excel's limit; LibreOffice and WPS cut or refuse longer text).
MAX_CELL_CHARS: Final = 32_767

# --- the file and its zip directory (checked before anything is inflated) ------------------

#: Largest workbook file accepted on disk (bytes).
MAX_FILE_BYTES: Final = 128 * MB
#: Most members a workbook zip may hold; real workbooks hold tens to a few hundred.
MAX_ZIP_MEMBERS: Final = 5_000
#: Largest uncompressed size of any one member we inflate (bytes).  Members are also read
#: with a hard cap at their declared size, so a directory that lies is caught while inflating.
MAX_MEMBER_BYTES: Final = 64 * MB
#: Largest uncompressed size of all members together (bytes), as the directory declares it.
MAX_TOTAL_BYTES: Final = 256 * MB
#: Largest compression ratio accepted for a member bigger than ``RATIO_CHECK_BYTES``.
MAX_COMPRESSION_RATIO: Final = 200
#: Members smaller than this are not ratio-checked (tiny XML compresses very well).
RATIO_CHECK_BYTES: Final = 1 * MB

# --- sheets --------------------------------------------------------------------------------

#: Excel's own sheet size: a cell reference beyond it is corrupt or hostile.
MAX_ROWS: Final = 1_048_576
MAX_COLS: Final = 16_384
#: Cells read from one sheet at most; a form holds a few hundred.  Reading costs roughly
#: 10–20 µs and 1 KB per cell, so this bounds one sheet to a few seconds and a few hundred MB.
MAX_SHEET_CELLS: Final = 300_000
#: Merged ranges of one sheet at most; a form holds a few dozen.
MAX_MERGES: Final = 100_000
#: A merged range bigger than this many cells (a whole-column merge) is kept by its
#: corners only; smaller ones are expanded cell by cell by the form locator.
WHOLE_MERGE_CELLS: Final = 10_000
#: Cells covered by the expanded (not whole-column) merged ranges of one sheet, summed.
MAX_MERGED_CELLS: Final = 500_000

#: Cells of one sheet, styled empty ones and those covered by merged ranges included, that an
#: annotated copy may hold: openpyxl, which writes the copy, makes an object of each (a merged
#: A1:Z100000 alone would be 2.6 million of them, gigabytes), so a larger sheet gets no copy.
MAX_ANNOTATE_CELLS: Final = 300_000

# --- shared strings --------------------------------------------------------------------------

#: Entries of the shared-string table at most (a form's table holds a few hundred).
MAX_SHARED_STRINGS: Final = 300_000
#: Characters of all shared strings together (Excel caps one cell at 32,767).
MAX_SHARED_STRING_CHARS: Final = 32_000_000

# --- XML ---------------------------------------------------------------------------------------

#: Markup (``<``) in one XML part at most, counted on the raw bytes before parsing: the parsed
#: tree costs ~100 bytes a node, so this caps a part's tree at a few hundred MB however
#: small its elements (a 64 MB part of ``<row/>`` would otherwise be ten million nodes).
MAX_XML_TAGS: Final = 1_500_000

#: Bytes searched for a DOCTYPE / ENTITY declaration: the whole part (the prolog may be
#: padded with comments past any fixed window, and re-encoded as UTF-16 or UTF-32).
DOCTYPE_MARKERS: Final = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)

#: Every limit by its setting name (README and error messages quote these names).
LIMITS: Final[dict[str, int]] = {
    "MAX_FILE_BYTES": MAX_FILE_BYTES,
    "MAX_ZIP_MEMBERS": MAX_ZIP_MEMBERS,
    "MAX_MEMBER_BYTES": MAX_MEMBER_BYTES,
    "MAX_TOTAL_BYTES": MAX_TOTAL_BYTES,
    "MAX_COMPRESSION_RATIO": MAX_COMPRESSION_RATIO,
    "RATIO_CHECK_BYTES": RATIO_CHECK_BYTES,
    "MAX_ROWS": MAX_ROWS,
    "MAX_COLS": MAX_COLS,
    "MAX_SHEET_CELLS": MAX_SHEET_CELLS,
    "MAX_MERGES": MAX_MERGES,
    "WHOLE_MERGE_CELLS": WHOLE_MERGE_CELLS,
    "MAX_MERGED_CELLS": MAX_MERGED_CELLS,
    "MAX_ANNOTATE_CELLS": MAX_ANNOTATE_CELLS,
    "MAX_SHARED_STRINGS": MAX_SHARED_STRINGS,
    "MAX_SHARED_STRING_CHARS": MAX_SHARED_STRING_CHARS,
    "MAX_XML_TAGS": MAX_XML_TAGS,
}
