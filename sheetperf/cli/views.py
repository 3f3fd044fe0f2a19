"""Plain-text views for the terminal: tables of scores and findings, in Chinese."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sheetperf.model.finding import Finding
from sheetperf.rules.scoring import FormScore
from sheetperf.vocab.labels import SEVERITY_LABELS, TABLE_HEADERS
from sheetperf.vocab.text import text_table


def _num(value: object) -> str:
    return "" if value is None else f"{value:.2f}" if not isinstance(value, str) else value


def score_table(result: FormScore) -> str:
    """One form's recomputed figures."""
    h = TABLE_HEADERS
    rows: list[list[Any]] = [[h["budget"], _num(result.budget_weight), _num(result.budget_score)]]
    for ind in result.indicators:
        score = h["not_applicable"] if ind.rule.value == "not_applicable" else _num(ind.score)
        if ind.score is None and ind.reason:
            score = f"—（{ind.reason}）"
        rows.append([ind.name, _num(ind.weight), score])
    rows.append([h["total"], _num(result.total_weight), _num(result.total_score)])
    head = (
        f"{h['project']}：{result.project_name}\n"
        f"{h['execution_rate']}：{_num(result.execution_rate)}%    "
        f"{h['grade']}：{result.grade}\n"
    )
    return head + text_table([h["item"], h["weight"], h["score"]], rows, right=(1, 2))


def findings_table(findings: Sequence[Finding]) -> str:
    h = TABLE_HEADERS
    rows = [
        [
            SEVERITY_LABELS[f.severity],
            f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.field,
            f.rule,
            f.message,
        ]
        for f in findings
    ]
    return text_table([h["severity"], h["location"], h["rule"], h["message"]], rows)


def findings_summary(findings: Sequence[Finding]) -> str:
    counts = {key: 0 for key in SEVERITY_LABELS}
    for f in findings:
        counts[f.severity] += 1
    return "，".join(f"{SEVERITY_LABELS[k]} {v} 项" for k, v in counts.items())
