"""The shipped artifacts: blank templates, the seven sample workbooks, their pictures.

Run from the repository root::

    python -m sheetperf.services.artifacts            # regenerate templates/xlsx/ and samples/*.xlsx
    python -m sheetperf.services.artifacts --check    # exit 1 when a shipped file is stale
    python -m sheetperf.services.artifacts --render   # also redraw docs/*.png (LibreOffice + pdftoppm)

Every workbook is a pure function of the code and ``samples/records/*.json``:
the writer fixes the document timestamps and xlsxwriter fixes the zip member
dates, and :func:`sheetperf.filler.fill_workbook` copies both, so a second run
gives the same bytes and ``tests/test_artifacts.py`` can fail on a stale file.
The samples are made exactly as a finance bureau would make them: a pre-filled
template from the record (``sheetperf template --from``), then ``sheetperf fill``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sheetperf.model.record import Record, load_records_json
from sheetperf.vocab.labels import FONT_NAME

#: Repository paths of the artifacts, relative to the root.
TEMPLATE_DIR: Final = Path("templates/xlsx")
SAMPLE_DIR: Final = Path("samples")
RECORD_DIR: Final = SAMPLE_DIR / "records"
#: Monitoring returns made for the published goal tables' projects (the 2020 内涵建设经费): each is
#: a monitoring form pre-filled from its goal table and filled as its department would at mid-year.
MONITORING_DIR: Final = SAMPLE_DIR / "monitoring"
DOCS_DIR: Final = Path("docs")
BLANK_FORMS: Final = ("self_evaluation", "goal_table", "monitoring")
#: The filled sample drawn into docs/ beside the two blank templates.
RENDERED_SAMPLE: Final = "self_evaluation-2023-jiaoyi-zhishu"
RENDERED_MONITORING: Final = "monitoring-2020-neihan-jianshe"
RENDER_DPI: Final = 80
#: Fonts the pictures are drawn with where the workbook's are missing (a Linux build host):
#: 宋体 as the Song-style Noto Serif CJK; Calibri, the default font that sets the column-width
#: unit, as a font with Calibri's digit width (half an em), so columns keep the proportions
#: Excel and WPS give them (DejaVu Sans, LibreOffice's own fallback, is a third wider).
RENDER_FONTS: Final = {
    FONT_NAME: "Noto Serif CJK SC",
    "SimSun": "Noto Serif CJK SC",
    "Calibri": "Noto Sans Mono CJK SC",
}
SOFFICE_TIMEOUT: Final = 300
#: The summary of the samples drawn into docs/: its 总览 and the first page of 项目汇总.
SUMMARY_PICTURE_STEM: Final = "summary"
SUMMARY_PICTURES: Final = ("overview", "projects")


@dataclass(frozen=True)
class Artifact:
    """One generated file: where it goes (relative to the root) and what it is made from."""

    path: Path
    form: str
    record: Path | None = None  # None: a blank template


def repo_root() -> Path:
    """The repository this module lives in (artifacts are a development tool)."""
    return Path(__file__).resolve().parents[2]  # sheetperf/services/artifacts.py → the checkout


def blank_name(form: str) -> Path:
    return TEMPLATE_DIR / f"{form}_blank.xlsx"


def artifacts(root: Path) -> list[Artifact]:
    """Every shipped workbook, blank templates first, then one sample per record file."""
    out = [Artifact(blank_name(form), form) for form in BLANK_FORMS]
    for folder in (RECORD_DIR, MONITORING_DIR):
        for record_file in sorted((root / folder).glob("*.json")):
            record = _one_record(record_file)
            out.append(Artifact(SAMPLE_DIR / f"{record_file.stem}.xlsx", record.form, folder / record_file.name))
    return out


def _one_record(path: Path) -> Record:
    records = load_records_json(path)
    if len(records) != 1:
        raise SystemExit(f"{path}: expected exactly one record, found {len(records)}")
    return records[0]


def build(artifact: Artifact, root: Path, out: Path) -> Path:
    """Write one artifact to ``out`` (template + fill for a sample)."""
    from sheetperf.io.filler import fill_workbook
    from sheetperf.io.writer import write_template

    out.parent.mkdir(parents=True, exist_ok=True)
    if artifact.record is None:
        return write_template(out, artifact.form)
    record = _one_record(root / artifact.record)
    with tempfile.TemporaryDirectory(prefix="sheetperf-") as tmp:
        template = write_template(Path(tmp) / "template.xlsx", record.form, record=record, year=record.year)
        return fill_workbook(template, record, out)


@contextmanager
def _fixed_date() -> Iterator[None]:
    """Build with the writer's fixed date even where ``SOURCE_DATE_EPOCH`` is set (CI, distro builds)."""
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def build_all(root: Path, target: Path) -> list[Path]:
    """Regenerate every artifact under ``target`` (the root itself, or a scratch copy)."""
    with _fixed_date():
        return [build(item, root, target / item.path) for item in artifacts(root)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def content(path: Path) -> dict[str, Any]:
    """What a workbook holds, as a person or a spreadsheet program sees it: every cell's value or
    formula and its formatting, merges, widths and heights, validations, conditional formats,
    protection, print setup, sheet states and defined names — not the bytes, so a new
    xlsxwriter or lxml that writes the same workbook differently does not make it "stale"."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheets: list[dict[str, Any]] = []
    for ws in book.worksheets:
        cells = {
            cell.coordinate: (
                cell.value,
                cell.number_format,
                repr(cell.font),
                repr(cell.fill),
                repr(cell.border),
                repr(cell.alignment),
                repr(cell.protection),
            )
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None or cell.has_style
        }
        sheets.append(
            {
                "title": ws.title,
                "state": ws.sheet_state,
                "cells": cells,
                "merges": sorted(str(r) for r in ws.merged_cells.ranges),
                "widths": {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()},
                "heights": {k: (d.height, d.hidden) for k, d in ws.row_dimensions.items()},
                "validations": sorted(repr(v) for v in ws.data_validations.dataValidation),
                "conditional": sorted(
                    (str(rng.sqref), repr(rule)) for rng in ws.conditional_formatting for rule in rng.rules
                ),
                "protection": repr(ws.protection),
                "print": (
                    ws.print_area,
                    ws.print_title_rows,
                    repr(ws.page_setup),
                    repr(ws.print_options),
                    repr(ws.page_margins),
                    repr(ws.sheet_properties.pageSetUpPr),
                    sorted(b.id for b in ws.row_breaks.brk),
                ),
                "names": sorted((n, d.attr_text) for n, d in ws.defined_names.items()),
                "freeze": ws.freeze_panes,
            }
        )
    names = sorted((n, d.attr_text) for n, d in book.defined_names.items())
    return {"sheets": sheets, "names": names, "protection": repr(book.security)}


def stale(root: Path) -> list[Path]:
    """Shipped workbooks whose content differs from a fresh build (or are missing)."""
    found: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="sheetperf-artifacts-") as tmp:
        build_all(root, Path(tmp))
        for item in artifacts(root):
            shipped = root / item.path
            if not shipped.exists() or _content_or_none(shipped) != content(Path(tmp) / item.path):
                found.append(item.path)
    return found


def _content_or_none(path: Path) -> dict[str, Any] | None:
    """:func:`content`, or None for a file that is no longer a workbook at all (stale too)."""
    try:
        return content(path)
    except Exception:  # openpyxl raises many kinds on a damaged file; any of them means "rebuild"
        return None


# --------------------------------------------------------------------------------------------
# Pictures: LibreOffice → PDF → pdftoppm


def to_pdf(workbooks: Sequence[Path], outdir: Path) -> list[Path]:
    """Workbooks → PDF in one LibreOffice run that recalculates every formula (their print setup decides the pages)."""
    from sheetperf.io.recalc import recalculate

    return recalculate(workbooks, outdir, to="pdf", timeout=SOFFICE_TIMEOUT, fonts=RENDER_FONTS)


def to_png(pdf: Path, outdir: Path, *, dpi: int = RENDER_DPI) -> list[Path]:
    """One PNG per page: ``<stem>-1.png``, ``<stem>-2.png`` ..."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm not found: apt-get install poppler-utils")
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(outdir / pdf.stem)], check=True, timeout=120)
    pages = sorted(outdir.glob(f"{pdf.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    # pdftoppm pads page numbers to the page count's width; keep plain numbers.
    out = []
    for number, page in enumerate(pages, 1):
        target = outdir / f"{pdf.stem}-{number}.png"
        if page != target:
            page.rename(target)
        out.append(target)
    return out


def render(root: Path, docs: Path | None = None) -> list[Path]:
    """Draw both blank templates, one filled self-evaluation, the monitoring sample and the samples' summary
    into ``docs/``."""
    docs = docs or root / DOCS_DIR
    docs.mkdir(parents=True, exist_ok=True)
    books = [root / blank_name(form) for form in BLANK_FORMS] + [
        root / SAMPLE_DIR / f"{name}.xlsx" for name in (RENDERED_SAMPLE, RENDERED_MONITORING)
    ]
    pngs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="sheetperf-pdf-") as tmp:
        summary = _samples_summary(root, Path(tmp))
        for pdf in to_pdf([*books, summary], Path(tmp) / "pdf"):
            if pdf.stem == summary.stem:
                pngs.extend(summary_pictures(pdf, docs))
            else:
                pngs.extend(to_png(pdf, docs))
    return pngs


def _samples_summary(root: Path, folder: Path) -> Path:
    """``consolidate samples`` as the README shows it (the file column relative to the root)."""
    from sheetperf.services.consolidate import consolidate

    out = folder / SUMMARY_PICTURE_STEM
    consolidate([os.path.relpath(root / SAMPLE_DIR)], out.with_suffix(".xlsx"), jobs=1)
    return out.with_suffix(".xlsx")


def pdf_pages(pdf: Path) -> list[str]:
    """The text of every page of ``pdf`` (poppler's pdftotext), first page first."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        raise SystemExit("pdftotext not found: apt-get install poppler-utils")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed
    return pages


def summary_pictures(pdf: Path, docs: Path, *, dpi: int = RENDER_DPI) -> list[Path]:
    """The summary's 总览 page and the first page of 项目汇总 as ``docs/summary-<sheet>.png``
    (each page's header names its sheet)."""
    from sheetperf.vocab.labels import SUMMARY_SHEETS

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm not found: apt-get install poppler-utils")
    firsts = [next((line.strip() for line in page.splitlines() if line.strip()), "") for page in pdf_pages(pdf)]
    out = []
    for key in SUMMARY_PICTURES:
        number = firsts.index(SUMMARY_SHEETS[key]) + 1
        target = docs / f"{SUMMARY_PICTURE_STEM}-{key}"
        subprocess.run(
            [pdftoppm, "-png", "-r", str(dpi), "-f", str(number), "-l", str(number), "-singlefile", str(pdf), str(target)],
            check=True,
            timeout=120,
        )
        out.append(target.with_suffix(".png"))
    return out


# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sheetperf.services.artifacts", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: this checkout)")
    parser.add_argument("--check", action="store_true", help="only report stale artifacts (exit 1 if any)")
    parser.add_argument("--render", action="store_true", help="also redraw docs/*.png")
    args = parser.parse_args(argv)
    root: Path = (args.root or repo_root()).resolve()
    if args.check:
        found = stale(root)
        for path in found:
            print(f"stale: {path}")
        return 1 if found else 0
    for path in build_all(root, root):
        print(f"{path.relative_to(root)}  {sha256(path)[:12]}")
    if args.render:
        for png in render(root):
            print(png.relative_to(root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
