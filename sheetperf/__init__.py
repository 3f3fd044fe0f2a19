"""sheetperf: the Excel round trip of Chinese fiscal project performance forms.

Generate templates that score themselves, read filled workbooks back into
records and pandas, validate every stated figure against its recomputation,
and consolidate a folder of returns into one summary workbook.
"""

from __future__ import annotations

__version__ = "0.1.0"

from sheetperf.errors import InputError, SheetperfError
from sheetperf.frames import to_frames
from sheetperf.model import GoalTable, Indicator, Record, SelfEvaluation, record_from_dict, record_to_dict
from sheetperf.profiles import get_profile
from sheetperf.reader import read_workbook
from sheetperf.scoring import score_form
from sheetperf.sources import load_records
from sheetperf.validation import Finding, findings_frame, validate_record

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
