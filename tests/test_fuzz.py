"""Bounded fuzz run: mutated workbooks are read or rejected cleanly, never crash, never hang.

Each mutation kind of :mod:`mutants` (flipped bytes, truncated, deleted, swapped,
renamed and duplicated zip members, lying directories, broken XML, absurd
dimensions, huge shared strings, wrong content types, bombs, macros/links/DDE)
makes ``PER_KIND`` workbooks from the samples and hand-built forms, the same bytes
on every run.  Every one must either read (and validate) or be refused with a
one-line :class:`SheetperfError` naming the file, within ``TIME_LIMIT`` seconds.
The long run is ``python benchmarks/fuzz.py`` (figures in benchmarks/README.md).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from mutants import MUTATIONS, attempt, mutant_of_kind, seed_workbooks

#: Mutants of each kind: 19 kinds × 16 = 304 workbooks.
PER_KIND = 16
#: Seconds one workbook may take before it counts as a hang (a loaded 2-core machine
#: reads the worst legal input, a 300,000-cell sheet, in well under this).
TIME_LIMIT = 20
#: Validate every VALIDATE_EVERY-th workbook that reads (validation of a sheetperf
#: template re-derives its formulas, ~0.1 s); the long run validates all of them.
VALIDATE_EVERY = 4

KINDS = [kind for kind, _, _ in MUTATIONS]


class Hang(Exception):
    """Raised by the alarm when one workbook takes longer than TIME_LIMIT."""


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    return seed_workbooks(tmp_path_factory.mktemp("seeds"))


@pytest.fixture
def alarm() -> Iterator[None]:
    def ring(signum: int, frame: FrameType | None) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, ring)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_mutants_read_or_rejected_cleanly(
    kind: str, seeds: list[tuple[str, bytes]], tmp_path: Path, alarm: None
) -> None:
    outcomes: dict[str, int] = {}
    problems: list[str] = []
    for index in range(PER_KIND):
        m = mutant_of_kind(seeds, kind, index)
        path = tmp_path / f"{kind}-{index}.xlsx"
        path.write_bytes(m.data)
        started = time.perf_counter()
        signal.alarm(TIME_LIMIT)
        try:
            outcome, detail = attempt(path, validate=index % VALIDATE_EVERY == 0)
        except Hang:
            outcome, detail = "hang", f"over {TIME_LIMIT} s"
        finally:
            signal.alarm(0)
        seconds = time.perf_counter() - started
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome not in ("read", "rejected"):
            problems.append(f"{kind}#{index} (from {m.seed_name}, {seconds:.1f} s): {outcome}: {detail}")
        path.unlink()
    assert not problems, "\n".join(problems)
    assert sum(outcomes.values()) == PER_KIND


def test_seeds_cover_both_reader_paths(seeds: list[tuple[str, bytes]]) -> None:
    """Templates found by defined names and hand-built forms found by labels are both mutated."""
    names = [name for name, _ in seeds]
    assert any(name.startswith("handbuilt-") for name in names)
    assert any(not name.startswith("handbuilt-") for name in names)
    assert len(KINDS) * PER_KIND >= 300


def test_mutants_are_deterministic(seeds: list[tuple[str, bytes]]) -> None:
    for kind in ("flip_in_member", "lying_directory", "absurd_dimensions"):
        assert mutant_of_kind(seeds, kind, 3).data == mutant_of_kind(seeds, kind, 3).data


def test_a_folder_of_mutants_consolidates_accounting_for_every_file(
    seeds: list[tuple[str, bytes]], tmp_path: Path
) -> None:
    """The whole pipeline on broken input: reading, validation, the summary writer (a figure of
    400 digits once made it raise and lose the run), CSV and Parquet — every file accounted for,
    none failed by a program error."""
    from openpyxl import load_workbook

    from sheetperf.services.consolidate import consolidate
    from sheetperf.vocab.labels import CONSOLIDATE_MESSAGES

    folder = tmp_path / "returned"
    folder.mkdir()
    count = 0
    for kind in KINDS:
        for index in range(3):
            (folder / f"{kind}-{index}.xlsx").write_bytes(mutant_of_kind(seeds, kind, index).data)
            count += 1
    report = consolidate([folder], tmp_path / "summary.xlsx", jobs=1, csv_dir=tmp_path / "csv")
    assert report.files == count
    internal = CONSOLIDATE_MESSAGES["internal"].split("（")[0]
    assert not [reason for _, reason in report.failed if reason.startswith(internal)]
    listed = list(
        load_workbook(tmp_path / "summary.xlsx", read_only=True)["文件清单"].iter_rows(min_row=2, values_only=True)
    )
    assert len(listed) == count
    assert report.statuses["ok"] > 0 and report.statuses["failed"] > 0


#: Mutants of each kind read twice, with a batch's memory and cold (19 kinds × 6).
MEMORY_PER_KIND = 6


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_a_batch_memory_reads_a_mutant_as_a_cold_read_does(
    kind: str, seeds: list[tuple[str, bytes]], tmp_path: Path
) -> None:
    """What a batch remembers (rows, row ends, parts, formula texts, labels) never changes what is
    read: each mutant, read right after its unmutated seed with one memory, gives the records,
    notices and refusal it gives read alone."""
    from sheetperf.errors import SheetperfError
    from sheetperf.io.reader import read_workbook_report
    from sheetperf.model.memo import BatchCache
    from sheetperf.model.record import record_to_dict

    def outcome(path: Path, cache: BatchCache | None) -> tuple[object, ...]:
        try:
            report = read_workbook_report(path, cache)
        except SheetperfError as exc:
            return ("refused", str(exc))
        return ("read", [record_to_dict(r, provenance=True) for r in report.records], report.notices)

    cache = BatchCache()
    originals = dict(seeds)
    for index in range(MEMORY_PER_KIND):
        m = mutant_of_kind(seeds, kind, 1000 + index)
        for copy in range(2):  # the seed twice: what is learned from the second sheet on is learned
            (tmp_path / f"seed{copy}.xlsx").write_bytes(originals[m.seed_name])
            outcome(tmp_path / f"seed{copy}.xlsx", cache)
        path = tmp_path / f"{kind}-{index}.xlsx"
        path.write_bytes(m.data)
        assert outcome(path, cache) == outcome(path, None), (kind, index, m.seed_name)
