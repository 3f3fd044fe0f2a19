"""Load records from whatever a user names: record JSON or a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from sheetperf.errors import InputError
from sheetperf.model import Record, load_records_json

JSON_SUFFIXES: Final = frozenset({".json"})
WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def load_records(path: str | Path) -> list[Record]:
    """Every form in ``path``; raises :class:`InputError` with a one-line reason."""
    path = Path(path)
    if not path.exists():
        raise InputError("文件不存在", file=str(path))
    if path.is_dir():
        raise InputError("这是一个文件夹，请给出文件（汇总文件夹请用 consolidate）", file=str(path))
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return load_records_json(path)
    if suffix in WORKBOOK_SUFFIXES:
        from sheetperf.reader import read_workbook  # the reader pulls in the Excel libraries

        return list(read_workbook(path))
    raise InputError(
        f"不支持的文件类型 {suffix or '（无扩展名）'}：请给出 .json 记录或 .xlsx/.xlsm/.xls/.ods 工作簿",
        file=str(path),
    )
