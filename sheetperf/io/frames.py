"""Records as two pandas frames: one row per form, one row per indicator.

``to_frames(records)`` → ``{"projects": DataFrame, "indicators": DataFrame}``.
Columns have English snake_case names and fixed dtypes (nullable ``Float64``,
``Int64``, ``string``), whatever forms are in the list, so frames from different
batches concatenate.  Every indicator row carries its form's ``form_id`` (the
row number of its form in ``projects``), ``file`` and ``sheet``, and the cell of
the indicator's name.  Targets and actuals are parsed by
:mod:`sheetperf.rules.parsing` into kind / operator / value / unit / level columns.
Chinese headers for display come from :data:`sheetperf.vocab.labels.FRAME_COLUMN_LABELS`
(:func:`chinese_columns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from sheetperf.io.atomic import atomic_path
from sheetperf.io.csvcells import neutralize
from sheetperf.model.record import FUND_COLUMNS, FUND_ROWS, GoalTable, Record, SelfEvaluation
from sheetperf.rules.parsing import parse_actual, parse_target
from sheetperf.vocab.labels import FRAME_COLUMN_LABELS
from sheetperf.vocab.text import mend_surrogates

_BUDGET_COLUMNS: Final = {
    "project_total": "budget_project_total_yuan",
    "current_year": "budget_current_year_yuan",
    "prior_year_same_project": "budget_prior_year_yuan",
    "prior_year_same_project_executed": "budget_prior_year_executed_yuan",
}

#: projects: column → dtype, in order.
PROJECT_COLUMNS: Final[dict[str, str]] = {
    "form_id": "Int64",
    "file": "string",
    "sheet": "string",
    "form": "string",
    "year": "Int64",
    "project_name": "string",
    "department": "string",
    "implementing_unit": "string",
    "applicant_unit": "string",
    "project_category": "string",
    "planned_start": "string",
    "planned_end": "string",
    "government_procurement": "string",
    "performance_type": "string",
    **{("total_" if row == "total" else f"{row}_") + col: "Float64" for row in FUND_ROWS for col in FUND_COLUMNS},
    "budget_weight": "Float64",
    "budget_score": "Float64",
    **{column: "Float64" for column in _BUDGET_COLUMNS.values()},
    "goal_expected": "string",
    "goal_actual": "string",
    "indicator_count": "Int64",
    "total_weight": "Float64",
    "total_score": "Float64",
    "grade": "string",
}

#: indicators: column → dtype, in order.
INDICATOR_COLUMNS: Final[dict[str, str]] = {
    "form_id": "Int64",
    "file": "string",
    "sheet": "string",
    "form": "string",
    "project_name": "string",
    "position": "Int64",
    "cell": "string",
    "level1": "string",
    "level2": "string",
    "name": "string",
    "target": "string",
    "target_kind": "string",
    "target_operator": "string",
    "target_value": "Float64",
    "target_unit": "string",
    "actual": "string",
    "actual_kind": "string",
    "actual_value": "Float64",
    "actual_unit": "string",
    "actual_level": "string",
    "weight": "Float64",
    "score": "Float64",
    "deviation": "string",
}


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _project_row(form_id: int, record: Record) -> dict[str, Any]:
    prov = record.provenance
    row: dict[str, Any] = {
        "form_id": form_id,
        "file": prov.file,
        "sheet": prov.sheet,
        "form": record.form,
        "year": record.year,
        "project_name": record.project_name,
        "indicator_count": len(record.indicators),
    }
    if isinstance(record, SelfEvaluation):
        row["department"] = record.department
        row["implementing_unit"] = record.implementing_unit
        for name, fund in record.funds.rows().items():
            prefix = "total_" if name == "total" else f"{name}_"
            for col in FUND_COLUMNS:
                row[prefix + col] = _f(getattr(fund, col))
        row["budget_weight"] = _f(record.funds.total.weight)
        row["budget_score"] = _f(record.funds.total.score)
        row["goal_expected"] = record.goal_expected
        row["goal_actual"] = record.goal_actual
        row["total_weight"] = _f(record.total_weight)
        row["total_score"] = _f(record.total_score)
        row["grade"] = record.grade
    elif isinstance(record, GoalTable):
        for key in GoalTable.HEADER_KEYS:
            row[key] = getattr(record, key)
        for key, column in _BUDGET_COLUMNS.items():
            row[column] = _f(record.budget_yuan.get(key))
    return row


def _indicator_rows(form_id: int, record: Record) -> list[dict[str, Any]]:
    prov = record.provenance
    rows: list[dict[str, Any]] = []
    for position, ind in enumerate(record.indicators):
        target = parse_target(ind.target)
        actual = parse_actual(ind.actual)
        ref = prov.cell_of(f"indicators[{position}].name")
        rows.append(
            {
                "form_id": form_id,
                "file": prov.file,
                "sheet": prov.sheet,
                "form": record.form,
                "project_name": record.project_name,
                "position": position + 1,
                "cell": ref.cell if ref is not None else None,
                "level1": ind.level1,
                "level2": ind.level2,
                "name": ind.name,
                "target": ind.target,
                "target_kind": target.kind.value,
                "target_operator": target.operator.value if target.operator is not None else None,
                "target_value": _f(target.number),
                "target_unit": target.unit or None,
                "actual": ind.actual,
                "actual_kind": actual.kind.value,
                "actual_value": _f(actual.number),
                "actual_unit": actual.unit or None,
                "actual_level": actual.level.value if actual.level is not None else None,
                "weight": _f(ind.weight),
                "score": _f(ind.score),
                "deviation": ind.deviation,
            }
        )
    return rows


def _frame(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    # A file name that was not UTF-8 (GBK from a Windows share) can't be held by a string column.
    rows = [{k: mend_surrogates(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(columns)


def to_frames(records: Sequence[Record]) -> dict[str, pd.DataFrame]:
    """``{"projects": one row per form, "indicators": one row per indicator}`` with fixed typed columns."""
    projects: list[dict[str, Any]] = []
    indicators: list[dict[str, Any]] = []
    for form_id, record in enumerate(records):
        projects.append(_project_row(form_id, record))
        indicators.extend(_indicator_rows(form_id, record))
    return {
        "projects": _frame(projects, PROJECT_COLUMNS),
        "indicators": _frame(indicators, INDICATOR_COLUMNS),
    }


def chinese_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The same frame with Chinese column headers (for CSV files a finance officer opens)."""
    return frame.rename(columns={c: FRAME_COLUMN_LABELS.get(c, c) for c in frame.columns})


def write_csv(frames: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """``projects.csv`` and ``indicators.csv`` in UTF-8 with BOM, Chinese headers, formula-safe text."""
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in ("projects", "indicators"):
        frame = frames[name].copy()
        for column in frame.columns:
            if frame[column].dtype == "string":
                frame[column] = frame[column].map(neutralize, na_action="ignore").astype("string")
        path = out_dir / f"{name}.csv"
        with atomic_path(path, "csv") as temp:
            chinese_columns(frame).to_csv(temp, index=False, encoding="utf-8-sig")
        written.append(path)
    return written


__all__ = ["INDICATOR_COLUMNS", "PROJECT_COLUMNS", "chinese_columns", "neutralize", "to_frames", "write_csv"]
