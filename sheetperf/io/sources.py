"""Load records from whatever a user names: record JSON, a workbook, or a folder of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sheetperf.errors import InputError, SheetperfError
from sheetperf.model.memo import BatchCache
from sheetperf.model.record import GoalTable, Monitoring, Record, load_records_json

JSON_SUFFIXES: Final = frozenset({".json"})
WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def load_records(path: str | Path, cache: BatchCache | None = None) -> list[Record]:
    """Every form in ``path``; raises :class:`InputError` with a one-line reason.

    ``cache``: the memory of the batch this file belongs to (see :func:`~sheetperf.io.reader.read_workbook`).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("文件不存在", file=str(path))
    if path.is_dir():
        raise InputError("这是一个文件夹，请给出文件（汇总文件夹请用 consolidate）", file=str(path))
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return load_records_json(path)
    if suffix in WORKBOOK_SUFFIXES:
        from sheetperf.io.reader import read_workbook  # the reader pulls in the Excel libraries

        return list(read_workbook(path, cache))
    raise InputError(
        f"不支持的文件类型 {suffix or '（无扩展名）'}：请给出 .json 记录或 .xlsx/.xlsm/.xls/.ods 工作簿",
        file=str(path),
    )


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder stands for the forms in it (recursively, Office lock files skipped)."""
    return list_inputs(paths)[0]


def list_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given, a folder standing for the workbooks and record JSON under it (recursively);
    and the other files found in those folders, each with the reason it is left out (Chinese)."""
    from sheetperf.vocab.labels import READER_MESSAGES

    out: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for item in paths:
        path = Path(item)
        if not path.is_dir():
            out.append(path)
            continue
        for found in sorted(p for p in path.rglob("*") if p.is_file()):
            suffix = found.suffix.lower()
            if found.name.startswith(("~$", ".~lock")):
                skipped.append((found, READER_MESSAGES["folder_lock_file"]))
            elif found.name.startswith("."):
                continue  # hidden files (.DS_Store) are no one's return
            elif suffix in JSON_SUFFIXES | WORKBOOK_SUFFIXES:
                out.append(found)
            else:
                skipped.append((found, READER_MESSAGES["folder_not_workbook"].format(suffix=suffix or "无扩展名")))
    return out, skipped


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
    for path in expand_inputs(paths):
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
