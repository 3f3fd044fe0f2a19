"""The validation report as one standalone HTML page (jinja2, autoescaped).

A view of the findings, like the terminal table: counts at the top, then the findings
grouped by file and by form, each with its cell, the stated and expected value, the
message and the rule's explanation.  Every word comes from :mod:`sheetperf.vocab.labels`;
the page holds its CSS inline and loads nothing, so it opens offline and can be mailed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from sheetperf.io.atomic import atomic_open
from sheetperf.model.finding import SEVERITY_ORDER, Finding
from sheetperf.model.record import Record
from sheetperf.vocab.labels import (
    FIELD_LABELS,
    FORM_TITLES,
    REPORT_LABELS,
    RULE_EXPLANATIONS,
    RULE_TITLES,
    SEVERITY_LABELS,
)
from sheetperf.vocab.text import mend_surrogates


@dataclass(frozen=True)
class FormEntry:
    """One form of one file and its findings."""

    file: str
    form: str
    project_name: str
    sheet: str | None = None
    findings: tuple[Finding, ...] = ()
    #: The rules profile the form was validated with, in words (``规则配置 hubei（湖北省）：…``).
    profile: str = ""

    @classmethod
    def of(cls, record: Record, findings: Sequence[Finding], file: str, *, profile: str = "") -> FormEntry:
        ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], _cell_order(f)))
        return cls(file, record.form, record.project_name, record.provenance.sheet, tuple(ordered), profile)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


@dataclass(frozen=True)
class FileGroup:
    file: str
    anchor: str
    forms: list[FormEntry] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(f.count(severity) for f in self.forms)


def _cell_order(finding: Finding) -> tuple[str, int, str]:
    cell = finding.cell or ""
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (finding.sheet or "", int(digits) if digits else 0, letters)


_INDEX = re.compile(r"^indicators\[(\d+)\]\.?(.*)$")


def field_label(path: str) -> str:
    """A record field path in words: ``indicators[3].score`` → 第 4 项指标·得分."""
    match = _INDEX.match(path)
    if match:
        head = REPORT_LABELS["indicator_n"].format(n=int(match.group(1)) + 1)
        rest = match.group(2)
        return f"{head}·{FIELD_LABELS.get(rest, rest)}" if rest else head
    if path in FIELD_LABELS:
        return FIELD_LABELS[path]
    parent, _, leaf = path.rpartition(".")
    if parent in FIELD_LABELS and leaf in FIELD_LABELS:
        return f"{FIELD_LABELS[parent]}·{FIELD_LABELS[leaf]}"
    return path


def _value(value: Any) -> str:
    """A stated/expected value as a finance officer reads it."""
    if value is None:
        return REPORT_LABELS["none"]
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    return text if text.strip() else REPORT_LABELS["empty"]


#: Longest stated/expected value shown in full; a formula runs to thousands of characters.
SHOWN_CHARS = 48


def _short(value: Any) -> str:
    text = _value(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sheetperf", "templates"),
        autoescape=True,  # every value in the page is user text from a workbook
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["value"] = _value
    env.filters["short"] = _short
    return env


def render_html(
    entries: Sequence[FormEntry],
    *,
    failed: Sequence[tuple[str, str]] = (),
    profile_title: str = "",
    generated: dt.datetime | None = None,
) -> str:
    """The report page for ``entries`` (in input order) and the files that could not be read."""
    groups: dict[str, FileGroup] = {}
    for entry in entries:
        group = groups.get(entry.file)
        if group is None:
            group = groups[entry.file] = FileGroup(entry.file, f"file-{len(groups) + 1}")
        group.forms.append(entry)
    findings = [f for e in entries for f in e.findings]
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITY_ORDER}
    when = generated or dt.datetime.now()
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            t=REPORT_LABELS,
            severity_labels=SEVERITY_LABELS,
            form_titles=FORM_TITLES,
            rule_titles=RULE_TITLES,
            rule_explanations=RULE_EXPLANATIONS,
            groups=list(groups.values()),
            failed=list(failed),
            counts=counts,
            total_files=len(groups) + len(failed),
            total_forms=len(entries),
            clean_forms=sum(1 for e in entries if e.count("error") == 0),
            field_label=field_label,
            profile_title=profile_title,
            generated=when.strftime("%Y-%m-%d %H:%M"),
        )
    )


def write_html(path: str | Path, entries: Sequence[FormEntry], **options: Any) -> Path:
    """Render and write the report (UTF-8); returns the path written."""
    path = Path(path)
    text = mend_surrogates(render_html(entries, **options))  # a file name that was not UTF-8
    with atomic_open(path, "report", encoding="utf-8") as handle:
        handle.write(text)
    return path
