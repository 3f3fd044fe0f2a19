"""Load records from whatever a user names: record JSON, a workbook, or a folder of them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sheetperf.errors import InputError, SheetperfError, shown
from sheetperf.io.archives import content_kind
from sheetperf.model.memo import BatchCache
from sheetperf.model.record import GoalTable, Monitoring, Record, load_records_json
from sheetperf.vocab.intake import ARCHIVE_MESSAGES, WALK_MESSAGES
from sheetperf.vocab.labels import READER_MESSAGES
from sheetperf.vocab.text import os_reason

JSON_SUFFIXES: Final = frozenset({".json"})
#: Workbook suffixes (WPS saves .et, an .xls inside); a file's bytes decide how it is read.
WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".ods"})
#: What :func:`sheetperf.io.archives.content_kind` calls a workbook.
WORKBOOK_CONTENT: Final = frozenset({"xlsx", "ods", "xls", "encrypted"})


def load_records(path: str | Path, cache: BatchCache | None = None) -> list[Record]:
    """Every form in ``path``; raises :class:`InputError` with a one-line reason.

    ``cache``: the memory of the batch this file belongs to (see :func:`~sheetperf.io.reader.read_workbook`).
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(READER_MESSAGES["missing_file"], file=str(path)) from None
    except OSError as exc:
        raise InputError(READER_MESSAGES["unreadable"].format(detail=os_reason(exc)), file=str(path)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(WALK_MESSAGES["is_folder"], file=str(path))
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the open forever: never opened
        raise InputError(
            WALK_MESSAGES["not_regular"].format(
                what=WALK_MESSAGES["fifo" if stat.S_ISFIFO(info.st_mode) else "other_special"]
            ),
            file=str(path),
        )
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return load_records_json(path)
    if suffix in WORKBOOK_SUFFIXES or content_kind(path) in WORKBOOK_CONTENT:
        from sheetperf.io.reader import read_workbook  # the reader pulls in the Excel libraries

        return list(read_workbook(path, cache))
    raise InputError(
        WALK_MESSAGES["unsupported_type"].format(suffix=suffix or WALK_MESSAGES["no_suffix"]),
        file=str(path),
    )


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder stands for the forms in it (recursively, Office lock files skipped)."""
    return walk_inputs(paths).files


@dataclass(frozen=True)
class Inputs:
    """What :func:`walk_inputs` found: the files to read, the files left out with the reason
    (not counted as failures), and the paths that could not be read (failures)."""

    files: list[Path]
    skipped: list[tuple[Path, str]]
    failed: list[tuple[Path, str]]


def own_output(path: str) -> str | None:
    """Why a file is left out when sheetperf wrote it (a summary, a status workbook, an annotated
    copy: recognised by their mark, :mod:`sheetperf.xlsx.marker`); None for anything else.  The
    ``skip`` of :func:`sheetperf.io.walk.walk` for every command that reads forms from folders."""
    from sheetperf.io.atomic import kind_label
    from sheetperf.vocab.labels import OUTPUT_MESSAGES
    from sheetperf.xlsx.marker import output_kind

    if os.path.splitext(path)[1].lower() not in (".xlsx", ".xlsm"):
        return None
    kind = output_kind(path)
    return OUTPUT_MESSAGES["output_skipped"].format(kind=kind_label(kind)) if kind is not None else None


def walk_inputs(paths: Iterable[str | Path]) -> Inputs:
    """Files as given, a folder standing for the workbooks and record JSON under it
    (recursively, through :func:`sheetperf.io.walk.walk`); the other files found in those folders
    with the reason each is left out; and the folders, links and named paths that can't be read."""
    from sheetperf.io.walk import FAILED_KINDS, walk
    from sheetperf.vocab.labels import READER_MESSAGES

    out: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    failed: list[tuple[Path, str]] = []
    for found in walk(paths, skip=own_output):
        path = Path(found.path)
        suffix = path.suffix.lower()
        if found.kind in FAILED_KINDS or (found.kind == "special" and found.explicit):
            failed.append((path, found.reason))
        elif found.kind == "file" and _archive(path):
            (failed if found.explicit else skipped).append((path, ARCHIVE_MESSAGES["not_here"]))
        elif found.kind == "file" and (found.explicit or suffix in JSON_SUFFIXES | WORKBOOK_SUFFIXES):
            out.append(path)
        elif found.kind == "file" and content_kind(path) in WORKBOOK_CONTENT:
            out.append(path)  # a workbook under another extension: read by its content
        elif found.kind == "lock":
            skipped.append((path, READER_MESSAGES["folder_lock_file"]))
        elif found.kind == "hidden":
            continue  # hidden files (.DS_Store) are no one's return
        elif found.kind == "file":
            skipped.append((path, READER_MESSAGES["folder_not_workbook"].format(suffix=suffix or WALK_MESSAGES["no_suffix"])))
        else:
            skipped.append((path, found.reason))
    return Inputs(out, skipped, failed)


def _archive(path: Path) -> bool:
    from sheetperf.io.archives import ARCHIVE_SUFFIXES

    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        return True
    return suffix not in WORKBOOK_SUFFIXES | JSON_SUFFIXES and content_kind(path) in ("zip", "7z", "rar")


def list_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given, a folder standing for the workbooks and record JSON under it (recursively);
    and the other files found in those folders, each with the reason it is left out (Chinese),
    the paths that can't be read among them."""
    found = walk_inputs(paths)
    return found.files, found.skipped + found.failed


@dataclass(frozen=True)
class GoalTables:
    """The goal tables found under ``--goals`` paths, and what could not be used."""

    tables: tuple[GoalTable, ...]
    #: Files that could not be read: (path, one-line message naming the file).
    unreadable: tuple[tuple[Path, str], ...] = ()
    #: Forms that are not goal tables (a self-evaluation among them), one message each.
    not_goal_tables: tuple[str, ...] = ()
    #: Monitoring returns given with the goal tables: the mid-year state a self-evaluation is held to.
    monitoring: tuple[Monitoring, ...] = ()

    def problems(self) -> list[str]:
        return [message for _, message in self.unreadable] + list(self.not_goal_tables)


def load_goal_tables(paths: Iterable[str | Path]) -> GoalTables:
    """Every goal table in ``paths`` (record JSON, workbooks, folders of them), for ``validate``
    and ``consolidate`` alike: an unusable file is listed and the others are still used."""
    from sheetperf.vocab.labels import ANNOTATE_MESSAGES

    tables: list[GoalTable] = []
    returns: list[Monitoring] = []
    unreadable: list[tuple[Path, str]] = []
    others: list[str] = []
    walked = walk_inputs(paths)
    for path, reason in walked.failed:
        unreadable.append((path, f"{shown(str(path))}: {reason}"))
    for path in walked.files:
        try:
            records = load_records(path)
        except SheetperfError as exc:
            unreadable.append((path, str(exc)))
            continue
        for record in records:
            if isinstance(record, GoalTable):
                tables.append(record)
            elif isinstance(record, Monitoring):
                returns.append(record)
            else:
                others.append(ANNOTATE_MESSAGES["goals_not_goal_table"].format(path=path, name=record.project_name))
    return GoalTables(tuple(tables), tuple(unreadable), tuple(others), tuple(returns))
