"""sheetperf: the Excel round trip of Chinese fiscal project performance forms.

Generate templates that score themselves, read filled workbooks back into
records and pandas, validate every stated figure against its recomputation,
and consolidate a folder of returns into one summary workbook.

The public names below are loaded on first use, so ``import sheetperf`` (and the
command line, which imports it) starts without pandas, lxml or xlsxwriter.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sheetperf.version import __version__ as __version__

if TYPE_CHECKING:
    from sheetperf.checks.validation import findings_frame, validate_record
    from sheetperf.errors import InputError, SheetperfError
    from sheetperf.io.frames import to_frames
    from sheetperf.io.reader import read_workbook
    from sheetperf.io.sources import load_records
    from sheetperf.model.finding import Finding
    from sheetperf.model.record import GoalTable, Indicator, Record, SelfEvaluation, record_from_dict, record_to_dict
    from sheetperf.rules.profiles import get_profile
    from sheetperf.rules.scoring import score_form

#: Public name → the module that defines it.
_PUBLIC: dict[str, str] = {
    "Finding": "sheetperf.model.finding",
    "GoalTable": "sheetperf.model.record",
    "Indicator": "sheetperf.model.record",
    "InputError": "sheetperf.errors",
    "Record": "sheetperf.model.record",
    "SelfEvaluation": "sheetperf.model.record",
    "SheetperfError": "sheetperf.errors",
    "findings_frame": "sheetperf.checks.validation",
    "get_profile": "sheetperf.rules.profiles",
    "load_records": "sheetperf.io.sources",
    "read_workbook": "sheetperf.io.reader",
    "record_from_dict": "sheetperf.model.record",
    "record_to_dict": "sheetperf.model.record",
    "score_form": "sheetperf.rules.scoring",
    "to_frames": "sheetperf.io.frames",
    "validate_record": "sheetperf.checks.validation",
}

__all__ = [
    "Finding",
    "GoalTable",
    "Indicator",
    "InputError",
    "Record",
    "SelfEvaluation",
    "SheetperfError",
    "findings_frame",
    "get_profile",
    "load_records",
    "read_workbook",
    "record_from_dict",
    "record_to_dict",
    "score_form",
    "to_frames",
    "validate_record",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'sheetperf' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
