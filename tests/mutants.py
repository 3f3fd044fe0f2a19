"""Mutated workbooks for the fuzz run (tests/test_fuzz.py) and the long run (benchmarks/fuzz.py).

Every mutant is a pure function of its seed workbook, its kind and a ``random.Random``:
the same ``(seed, index)`` always gives the same bytes, so a failure found by the long
run is replayed by ``python benchmarks/fuzz.py --replay INDEX``.

The kinds follow the ways a workbook from an outside office can be broken or hostile:
bytes flipped in the file or inside one part, truncated parts and files, deleted,
swapped, renamed and duplicated zip members, absurd cell references and dimensions,
huge shared-string tables, wrong or missing content types, lying zip directories,
unsupported compression and the encryption flag, zip and XML bombs, DDE formulas,
macros and external links.
"""

from __future__ import annotations

import io
import random
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

Members = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Mutant:
    index: int
    kind: str
    seed_name: str
    data: bytes


# --- seeds ------------------------------------------------------------------------------------


def seed_workbooks(workdir: Path) -> list[tuple[str, bytes]]:
    """The shipped sample workbooks (sheetperf templates, found by defined names) and
    hand-built forms (found by their labels), so both reader paths get mutated."""
    seeds = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.xlsx"))]
    if not seeds:
        seeds = _filled_templates(workdir)
    seeds += _handbuilt(workdir)
    return seeds


def _filled_templates(workdir: Path) -> list[tuple[str, bytes]]:
    """samples/*.xlsx made the way ``python -m sheetperf.services.artifacts`` makes them (template, fill)."""
    from sheetperf.io.filler import fill_workbook
    from sheetperf.io.writer import write_template
    from sheetperf.model.record import load_records_json

    out: list[tuple[str, bytes]] = []
    for path in sorted((SAMPLES / "records").glob("*.json"))[:3]:
        record = load_records_json(path)[0]
        template = workdir / f"{path.stem}.template.xlsx"
        filled = workdir / f"{path.stem}.xlsx"
        write_template(template, record.form, record=record)
        fill_workbook(template, record, filled)
        out.append((filled.name, filled.read_bytes()))
    return out


def _handbuilt(workdir: Path) -> list[tuple[str, bytes]]:
    import json

    from handbuilt import Options, build_goal_table, build_self_evaluation
    from openpyxl import Workbook

    cases = sorted((REPO.parent / "shared" / "cases").glob("*.json"))
    out: list[tuple[str, bytes]] = []
    for path, opts in zip(
        cases[:2] + [c for c in cases if c.name.startswith("goal_table")][:1],
        (Options(formulas="cached", number_formats=True), Options(levels="repeated", numbers_as_text=True), Options()),
        strict=False,
    ):
        case = json.loads(path.read_text(encoding="utf-8"))
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        if case["form"] == "goal_table":
            build_goal_table(ws, case, opts)
        else:
            build_self_evaluation(ws, case, opts)
        target = workdir / f"handbuilt-{path.stem}.xlsx"
        wb.save(target)
        out.append((target.name, target.read_bytes()))
    return out


# --- zip helpers ------------------------------------------------------------------------------


def unzip(data: bytes) -> Members:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def rezip(members: Members, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        with zipfile.ZipFile(buf, "w", method) as zf:
            for name, body in members:
                info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                info.compress_type = method
                zf.writestr(info, body)
    return buf.getvalue()


def _pick(rng: random.Random, members: Members, pattern: str = r"\.xml$|\.rels$") -> int:
    """Index of a member, preferring the parts the reader parses (the sheet most)."""
    sheets = [i for i, (n, _) in enumerate(members) if n.startswith("xl/worksheets/sheet")]
    parts = [i for i, (n, _) in enumerate(members) if re.search(pattern, n)]
    if sheets and rng.random() < 0.4:
        return rng.choice(sheets[:1])
    return rng.choice(parts or list(range(len(members))))


def _find(members: Members, name: str) -> int | None:
    for i, (n, _) in enumerate(members):
        if n == name:
            return i
    return None


def _first_sheet(members: Members) -> int:
    for i, (n, _) in enumerate(members):
        if n.startswith("xl/worksheets/") and n.endswith(".xml"):
            return i
    return 0


def _local_headers(data: bytes) -> list[int]:
    return [m.start() for m in re.finditer(rb"PK\x03\x04", data)]


def _central_headers(data: bytes) -> list[int]:
    return [m.start() for m in re.finditer(rb"PK\x01\x02", data)]


# --- byte-level mutations ---------------------------------------------------------------------


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        pos = rng.randrange(len(out))
        out[pos] = rng.randrange(256)
    return bytes(out)


def truncate_file(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def flip_in_member(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    members[i] = (name, flip_bytes(rng, body) if body else b"\xff")
    return rezip(members)


def truncate_member(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    members[i] = (name, body[: rng.randrange(0, max(len(body), 1))])
    return rezip(members)


def delete_member(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    del members[_pick(rng, members, ".")]
    return rezip(members)


def swap_members(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i, j = rng.sample(range(len(members)), 2)
    (ni, bi), (nj, bj) = members[i], members[j]
    members[i], members[j] = (ni, bj), (nj, bi)
    return rezip(members)


def rename_member(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members, ".")
    name, body = members[i]
    new = rng.choice([name.upper(), name + ".bak", "../" + name, "/" + name, name.replace("/", "\\"), "x" * 300])
    members[i] = (new, body)
    return rezip(members)


def duplicate_member(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    members.insert(rng.randrange(len(members) + 1), (name, flip_bytes(rng, body) if body else b""))
    return rezip(members)


def shuffle_members(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    rng.shuffle(members)
    return rezip(members, rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))


def lying_directory(rng: random.Random, data: bytes) -> bytes:
    """A central directory whose sizes, CRCs, offsets, methods or flags are wrong."""
    out = bytearray(data)
    headers = _central_headers(data)
    if not headers:
        return flip_bytes(rng, data)
    pos = rng.choice(headers)
    field = rng.choice(["flags", "method", "crc", "csize", "usize", "offset", "name_len"])
    where, fmt = {
        "flags": (8, "<H"),
        "method": (10, "<H"),
        "crc": (16, "<I"),
        "csize": (20, "<I"),
        "usize": (24, "<I"),
        "offset": (42, "<I"),
        "name_len": (28, "<H"),
    }[field]
    value = {
        "flags": rng.choice([1, 0x41, 0x2001, 0xFFFF]),  # encrypted, strong encryption, masked directory
        "method": rng.choice([1, 6, 9, 12, 14, 98, 99, 0xFFFF]),  # shrink, implode, deflate64, bzip2, lzma, ppmd, AES
        "crc": rng.randrange(2**32),
        "csize": rng.choice([0, 1, 2**32 - 1, rng.randrange(2**32)]),
        "usize": rng.choice([0, 1, 2**32 - 1, 2**31, rng.randrange(2**32)]),
        "offset": rng.choice([0, 2**32 - 1, rng.randrange(len(data))]),
        "name_len": rng.choice([0, 0xFFFF, rng.randrange(64)]),
    }[field]
    struct.pack_into(fmt, out, pos + where, value)
    if field in {"flags", "method"} and rng.random() < 0.7:
        # keep the local header in step, so the mismatch check does not catch it first
        local = _local_headers(data)
        offset = struct.unpack_from("<I", data, pos + 42)[0]
        if offset in local:
            struct.pack_into("<H", out, offset + (6 if field == "flags" else 8), value)
    return bytes(out)


# --- XML-level mutations ------------------------------------------------------------------------

_GARBAGE = [
    "",
    "-1",
    "0",
    "1e309",
    "-1e309",
    "nan",
    "inf",
    "99999999999999999999999",
    "4294967296",
    "A0",
    "XFE1",
    "XFD1048577",
    "ZZZZ99999999999",
    "AAA",
    "1:2:3",
    "Ａ１",
    "１２",
    "s",
    "inlineStr",
    "e",
    "d",
    "b",
    "str",
    "true",
    "x" * 5000,
    "\u202e\u0000",
    "'Sheet1'!$A$1:$XFD$1048576",
    "#REF!",
]

_ATTR_RE = re.compile(rb'(\s[A-Za-z:]+=")([^"]*)(")')
_TEXT_RE = re.compile(rb">([^<]{1,200})<")


def mutate_attribute(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    spots = list(_ATTR_RE.finditer(body))
    for _ in range(rng.randint(1, 8)):
        if not spots:
            break
        m = rng.choice(spots)
        value = rng.choice(_GARBAGE).encode("utf-8", "surrogatepass").replace(b"\x00", b"")
        body = body[: m.start(2)] + value + body[m.end(2) :]
        spots = list(_ATTR_RE.finditer(body))
    members[i] = (name, body)
    return rezip(members)


def mutate_text(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    spots = list(_TEXT_RE.finditer(body))
    for _ in range(rng.randint(1, 8)):
        if not spots:
            break
        m = rng.choice(spots)
        value = rng.choice(
            [*_GARBAGE, "&amp;" * 50, "_x0000__xD800__xFFFF_", "=cmd|' /C calc'!A0", "∞", "-", "１２.5%", "1E+308"]
        )
        body = body[: m.start(1)] + value.encode("utf-8", "surrogatepass") + body[m.end(1) :]
        spots = list(_TEXT_RE.finditer(body))
    members[i] = (name, body)
    return rezip(members)


_ELEMENT_RE = re.compile(rb"<([A-Za-z][\w:]*)\b[^>]*?(/>|>.*?</\1>)", re.S)


def mutate_element(rng: random.Random, data: bytes) -> bytes:
    """Delete, duplicate or deeply nest one element of a part."""
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    spots = [m for m in _ELEMENT_RE.finditer(body) if m.end() - m.start() < 20000]
    if not spots:
        return rezip(members)
    m = rng.choice(spots)
    action = rng.choice(["delete", "duplicate", "nest"])
    piece = body[m.start() : m.end()]
    if action == "delete":
        piece = b""
    elif action == "duplicate":
        piece = piece * rng.choice([2, 50, 2000])
    else:
        depth = rng.choice([10, 300, 5000])
        piece = b"<x>" * depth + piece + b"</x>" * depth
    members[i] = (name, body[: m.start()] + piece + body[m.end() :])
    return rezip(members)


def wrong_encoding(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    choice = rng.choice(["utf16", "utf16be", "declared", "bom", "latin1", "utf32"])
    if choice == "utf16":
        body = body.decode("utf-8", "replace").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    elif choice == "utf16be":
        body = body.decode("utf-8", "replace").replace('encoding="UTF-8"', 'encoding="UTF-16BE"').encode("utf-16-be")
    elif choice == "utf32":
        body = body.decode("utf-8", "replace").replace('encoding="UTF-8"', 'encoding="UTF-32"').encode("utf-32")
    elif choice == "declared":
        body = body.replace(
            b'encoding="UTF-8"', rng.choice([b'encoding="EBCDIC-US"', b'encoding="x-nonsense"', b'encoding="GB18030"'])
        )
    elif choice == "bom":
        body = b"\xef\xbb\xbf" + body
    else:
        body = body.decode("utf-8", "replace").encode("gb18030")
    members[i] = (name, body)
    return rezip(members)


# --- dimensions, shared strings, content types ------------------------------------------------------

_SHEET_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def absurd_dimensions(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _first_sheet(members)
    name, body = members[i]
    choice = rng.choice(
        ["far_cell", "huge_row", "dimension", "whole_merge", "many_merges", "many_rows", "many_cells", "cols"]
    )
    if choice == "far_cell":
        ref = rng.choice([b"XFD1048576", b"XFE1", b"ZZZ1", b"A1048577", b"A99999999999999999999", b"ZZZZZZZZ1"])
        body = body.replace(b'r="A1"', b'r="' + ref + b'"', 1)
    elif choice == "huge_row":
        body = body.replace(
            b'<row r="3"',
            rng.choice([b'<row r="1048576"', b'<row r="99999999999999999999"', b'<row r="-5"', b'<row r="0"']),
            1,
        )
    elif choice == "dimension":
        body = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', body, count=1)
    elif choice == "whole_merge":
        merge = rng.choice([b"A1:XFD1048576", b"A1:A1048576", b"B2:A1", b"A1:ZZZZ9999999999", b"A1"])
        body = _add_merges(body, [merge])
    elif choice == "many_merges":
        count = rng.choice([20_000, 200_000])
        merges = [b"A%d:CV%d" % (r * 100 + 1, r * 100 + 100) for r in range(count)]
        body = _add_merges(body, merges)
    elif choice == "many_rows":
        rows = b"".join(
            b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(30, 30 + rng.choice([10_000, 300_000]))
        )
        body = body.replace(b"</sheetData>", rows + b"</sheetData>", 1)
    elif choice == "many_cells":
        cells = b"".join(b"<c><v>%d</v></c>" % c for c in range(rng.choice([16_384, 100_000])))
        body = body.replace(b"</sheetData>", b'<row r="1048576">' + cells + b"</row></sheetData>", 1)
    else:
        body = re.sub(rb"<cols>", b'<cols><col min="1" max="16384" width="1e308" hidden="1"/>', body, count=1)
    members[i] = (name, body)
    return rezip(members)


def _add_merges(body: bytes, refs: Sequence[bytes]) -> bytes:
    cells = b"".join(b'<mergeCell ref="' + r + b'"/>' for r in refs)
    if b"<mergeCells" in body:
        return re.sub(rb"<mergeCells[^>]*>", lambda m: m.group(0) + cells, body, count=1)
    return body.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="%d">' % len(refs) + cells + b"</mergeCells>", 1
    )


def huge_shared_strings(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _find(members, "xl/sharedStrings.xml")
    choice = rng.choice(["many", "long", "runs", "bad_index", "count_lies"])
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst ' + _SHEET_NS + b">"
    if choice == "many":
        body = head + b"<si><t>x</t></si>" * rng.choice([100_000, 3_000_000]) + b"</sst>"
    elif choice == "long":
        body = head + b"<si><t>" + b"\xe5\xa4\xa7" * rng.choice([1_000_000, 21_000_000]) + b"</t></si></sst>"
    elif choice == "runs":
        body = head + b"<si>" + b"<r><t>a</t></r>" * rng.choice([10_000, 1_000_000]) + b"</si></sst>"
    elif choice == "bad_index" and i is not None:
        sheet = _first_sheet(members)
        name, sbody = members[sheet]
        sbody = re.sub(
            rb'(t="s"[^>]*><v>)\d+',
            lambda m: m.group(1) + rng.choice([b"-1", b"4294967296", b"x", b""]),
            sbody,
            count=3,
        )
        members[sheet] = (name, sbody)
        return rezip(members)
    else:
        body = (members[i][1] if i is not None else head + b"</sst>").replace(b'count="', b'count="99999999999', 1)
    if i is None:
        members.append(("xl/sharedStrings.xml", body))
    else:
        members[i] = ("xl/sharedStrings.xml", body)
    return rezip(members)


def wrong_content_types(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _find(members, "[Content_Types].xml")
    choice = rng.choice(["delete", "garbage", "macro", "swap_sheet", "empty", "ods_mimetype", "strict"])
    if choice == "delete" and i is not None:
        del members[i]
    elif choice == "garbage" and i is not None:
        members[i] = (members[i][0], b"\x00\x01garbage")
    elif choice == "macro" and i is not None:
        members[i] = (
            members[i][0],
            members[i][1]
            .replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            .replace(b"worksheet+xml", b"vnd.ms-excel.chartsheet+xml"),
        )
    elif choice == "swap_sheet" and i is not None:
        members[i] = (members[i][0], members[i][1].replace(b"worksheet+xml", b"drawing+xml"))
    elif choice == "ods_mimetype":
        members.insert(0, ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"))
    elif choice == "strict":
        members = [
            (
                n,
                b.replace(
                    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
                ),
            )
            for n, b in members
        ]
    elif i is not None:
        members[i] = (members[i][0], b"")
    return rezip(members)


# --- bombs and hazards ----------------------------------------------------------------------------------


@cache
def _deflated_zeros(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of zeros, made in milliseconds for any size:
    one megabyte compressed and fully flushed (no back-references past it) is a run of
    non-final blocks that can be repeated, and an empty final block ends the stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(b"\0" * 2**20) + compressor.flush(zlib.Z_FULL_FLUSH)
    return piece * megabytes + compressor.flush(zlib.Z_FINISH)


def raw_zip(entries: Sequence[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from prepared entries: (name, deflated payload, declared size, crc, method)."""
    out = bytearray()
    central = bytearray()
    for name, payload, usize, crc, method in entries:
        raw_name = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(payload), usize & 0xFFFFFFFF, len(raw_name), 0
        )
        out += raw_name + payload
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            method,
            0,
            0x21,
            crc,
            len(payload),
            usize & 0xFFFFFFFF,
            len(raw_name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += raw_name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def member_bomb(data: bytes, megabytes: int, *, lie: bool, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The seed with ``part`` replaced by ``megabytes`` MB of deflated zeros; with ``lie`` the
    directory declares 1 KB, so only a bounded read catches it."""
    payload = _deflated_zeros(megabytes)
    crc = 0 if lie else _zeros_crc(megabytes)
    entries: list[tuple[str, bytes, int, int, int]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename == part:
                continue
            body = zf.read(info)
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            entries.append((info.filename, comp.compress(body) + comp.flush(), len(body), zlib.crc32(body), 8))
    entries.append((part, payload, 1024 if lie else megabytes * 2**20, crc, 8))
    return raw_zip(entries)


@cache
def _zeros_crc(megabytes: int) -> int:
    crc = 0
    chunk = b"\0" * 2**20
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return crc


def nested_bomb(layers: int = 3, fanout: int = 10, megabytes: int = 16) -> bytes:
    """42.zip in miniature: zips of zips, every leaf a member inflating to ``megabytes`` MB;
    the outer zip is dressed as a workbook (its sheets are zips)."""
    leaf = raw_zip(
        [(f"{i}.xml", _deflated_zeros(megabytes), megabytes * 2**20, _zeros_crc(megabytes), 8) for i in range(fanout)]
    )
    blob = leaf
    for _ in range(layers - 1):
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = comp.compress(blob) + comp.flush()
        blob = raw_zip([(f"{i}.zip", packed, len(blob), zlib.crc32(blob), 8) for i in range(fanout)])
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = comp.compress(blob) + comp.flush()
    return raw_zip(
        [
            ("[Content_Types].xml", b"<Types/>", 8, zlib.crc32(b"<Types/>"), 0),
            *[(f"xl/embeddings/oleObject{i}.bin", packed, len(blob), zlib.crc32(blob), 8) for i in range(fanout)],
        ]
    )


def billion_laughs(data: bytes, *, hidden: bool = False) -> bytes:
    """sharedStrings.xml as a billion-laughs entity bomb; ``hidden`` puts the DOCTYPE after a
    long comment (past any look at the first kilobytes) and encodes the part as UTF-16."""
    entities = b'<!ENTITY lol0 "lollollollollollollollollollol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10) for i in range(1, 10)
    )
    prolog = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if hidden:
        prolog += b"<!--" + b"c" * 8000 + b"-->"
    body = (
        prolog
        + b"<!DOCTYPE sst ["
        + entities
        + b"]>\n<sst "
        + _SHEET_NS
        + b'><si><t>&lol9;</t></si><si><t a="&lol9;">x</t></si></sst>'
    )
    if hidden:
        body = body.decode().replace('encoding="UTF-8"', 'encoding="UTF-16BE"').encode("utf-16-be")
    members = [(n, b) for n, b in unzip(data) if n != "xl/sharedStrings.xml"]
    members.append(("xl/sharedStrings.xml", body))
    return rezip(members)


def external_entity(rng: random.Random, data: bytes) -> bytes:
    members = unzip(data)
    i = _pick(rng, members)
    name, body = members[i]
    decl = rng.choice(
        [
            b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">',
            b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]>',
        ]
    )
    body = re.sub(rb"(<\?xml[^>]*\?>)", lambda m: m.group(1) + decl, body, count=1)
    body = body.replace(b"<t>", b"<t>&xxe;", 1)
    members[i] = (name, body)
    return rezip(members)


def bombs(rng: random.Random, data: bytes) -> bytes:
    choice = rng.choice(["ratio", "lying", "laughs", "laughs_hidden", "members", "nested", "xxe"])
    if choice == "ratio":
        return member_bomb(data, rng.choice([80, 300]), lie=False)
    if choice == "lying":
        return member_bomb(
            data, 80, lie=True, part=rng.choice(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
        )
    if choice == "laughs":
        return billion_laughs(data)
    if choice == "laughs_hidden":
        return billion_laughs(data, hidden=True)
    if choice == "members":
        members = unzip(data) + [(f"xl/media/image{i}.png", b"") for i in range(rng.choice([6_000, 70_000]))]
        return rezip(members, zipfile.ZIP_STORED)
    if choice == "nested":
        return nested_bomb(layers=2, fanout=4, megabytes=8)
    return external_entity(rng, data)


def hazards(rng: random.Random, data: bytes) -> bytes:
    """Macros, external links and DDE formulas: read, reported, never run or followed."""
    members = unzip(data)
    choice = rng.choice(["vba", "external", "dde_formula", "dde_link"])
    if choice == "vba":
        members.append(
            ("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(600)))
        )
    elif choice in {"external", "dde_link"}:
        link = (
            b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + (
                b'<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/>'
                if choice == "external"
                else b'<ddeLink ddeService="cmd" ddeTopic="/C calc"><ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink>'
            )
            + b"</externalLink>"
        )
        members.append(("xl/externalLinks/externalLink1.xml", link))
        members.append(
            (
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
                b'Target="file:///\\\\evil\\share\\budget.xlsx" TargetMode="External"/></Relationships>',
            )
        )
    else:
        i = _first_sheet(members)
        name, body = members[i]
        formula = rng.choice(
            [
                b"cmd|' /C calc'!A0",
                b"DDEAUTO(&quot;cmd&quot;,&quot;/c calc&quot;)",
                b"msexcel|'\\..\\..\\windows\\system32\\cmd.exe /c calc'!''",
            ]
        )
        body = re.sub(
            rb"<c r=\"([A-Z]+\d+)\"([^>]*?)(/>|>.*?</c>)",
            lambda m: b'<c r="' + m.group(1) + b'"><f>' + formula + b"</f><v>0</v></c>",
            body,
            count=1,
            flags=re.S,
        )
        members[i] = (name, body)
    return rezip(members)


# --- the mutant stream ----------------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes], bytes]

#: (kind, weight, mutation).  Bombs and the slower structural kinds carry less weight.
MUTATIONS: tuple[tuple[str, int, Mutation], ...] = (
    ("flip_bytes", 8, flip_bytes),
    ("truncate_file", 4, truncate_file),
    ("flip_in_member", 14, flip_in_member),
    ("truncate_member", 8, truncate_member),
    ("delete_member", 6, delete_member),
    ("swap_members", 6, swap_members),
    ("rename_member", 4, rename_member),
    ("duplicate_member", 3, duplicate_member),
    ("shuffle_members", 3, shuffle_members),
    ("lying_directory", 6, lying_directory),
    ("mutate_attribute", 12, mutate_attribute),
    ("mutate_text", 8, mutate_text),
    ("mutate_element", 6, mutate_element),
    ("wrong_encoding", 3, wrong_encoding),
    ("absurd_dimensions", 6, absurd_dimensions),
    ("huge_shared_strings", 3, huge_shared_strings),
    ("wrong_content_types", 4, wrong_content_types),
    ("bombs", 3, bombs),
    ("hazards", 3, hazards),
)


def mutant(seeds: Sequence[tuple[str, bytes]], index: int, seed: int = 8) -> Mutant:
    """The ``index``-th mutant of the stream for ``seed`` (each one independent of the others)."""
    rng = random.Random(f"{seed}:{index}")
    kind, _, mutate = rng.choices(MUTATIONS, weights=[w for _, w, _ in MUTATIONS])[0]
    seed_name, data = seeds[rng.randrange(len(seeds))]
    return Mutant(index, kind, seed_name, mutate(rng, data))


def mutant_of_kind(seeds: Sequence[tuple[str, bytes]], kind: str, index: int, seed: int = 8) -> Mutant:
    """The ``index``-th mutant of one kind (the bounded test run takes the same number of each)."""
    rng = random.Random(f"{seed}:{kind}:{index}")
    mutate = {k: m for k, _, m in MUTATIONS}[kind]
    seed_name, data = seeds[index % len(seeds)]
    return Mutant(index, kind, seed_name, mutate(rng, data))


def mutants(seeds: Sequence[tuple[str, bytes]], count: int, seed: int = 8, start: int = 0) -> Iterator[Mutant]:
    for index in range(start, start + count):
        yield mutant(seeds, index, seed)


# --- one attempt -------------------------------------------------------------------------------------


def attempt(path: Path, *, validate: bool = True) -> tuple[str, str]:
    """Read (and validate) one workbook: ("read" | "rejected" | "unclean" | "uncaught", detail).

    "rejected" is a :class:`SheetperfError` whose message is one line starting with the
    file's path; "unclean" is one that is not; "uncaught" is any other exception.
    """
    import traceback

    from sheetperf.checks.validation import validate_record
    from sheetperf.errors import SheetperfError
    from sheetperf.io.reader import read_workbook_report
    from sheetperf.rules.profiles import get_profile

    try:
        report = read_workbook_report(path)
        if validate:
            profile = get_profile("shanghai")
            for record in report.records:
                validate_record(record, profile)
    except SheetperfError as exc:
        message = str(exc)
        if "\n" in message or "\r" in message or not message.startswith(f"{path}: "):
            return "unclean", message
        return "rejected", message
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        return "uncaught", f"{type(exc).__name__}: {' '.join(str(exc).split())[:160]} at {where}"
    return "read", f"{len(report.records)} form(s), {len(report.notices)} notice(s)"
