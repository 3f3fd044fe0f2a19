"""The shipped workbooks are current, reproducible and made from the shipped records."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from sheetperf.model.record import load_records_json
from sheetperf.services import artifacts
from sheetperf.xlsx.book import open_xlsx

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("artifacts")
    artifacts.build_all(ROOT, target)
    return target


def test_every_record_has_a_sample() -> None:
    items = artifacts.artifacts(ROOT)
    paths = {str(item.path) for item in items}
    assert "templates/xlsx/self_evaluation_blank.xlsx" in paths
    assert "templates/xlsx/goal_table_blank.xlsx" in paths
    records = sorted((ROOT / artifacts.RECORD_DIR).glob("*.json"))
    assert len(records) == 7
    assert {f"samples/{p.stem}.xlsx" for p in records} <= paths


@pytest.mark.parametrize("item", artifacts.artifacts(ROOT), ids=[str(i.path) for i in artifacts.artifacts(ROOT)])
def test_shipped_artifact_is_current(fresh: Path, item: artifacts.Artifact) -> None:
    shipped = ROOT / item.path
    assert shipped.exists(), f"{item.path} missing: run python -m sheetperf.services.artifacts"
    # Compared by content (cells, formulas, formats, merges, names …), not bytes: see artifacts.content.
    assert artifacts.content(shipped) == artifacts.content(fresh / item.path), (
        f"{item.path} is stale: run python -m sheetperf.services.artifacts"
    )


def test_build_is_reproducible(fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # a build environment's epoch must not leak in
    artifacts.build_all(ROOT, tmp_path)
    for item in artifacts.artifacts(ROOT):
        assert _sha(tmp_path / item.path) == _sha(fresh / item.path), item.path


@pytest.mark.parametrize("item", artifacts.artifacts(ROOT), ids=[str(i.path) for i in artifacts.artifacts(ROOT)])
def test_fixed_dates_inside(item: artifacts.Artifact) -> None:
    with zipfile.ZipFile(ROOT / item.path) as zf:
        dates = {info.date_time for info in zf.infolist()}
    assert len(dates) == 1 and next(iter(dates))[0] == 1980  # xlsxwriter's fixed member date, kept by fill
    with zipfile.ZipFile(ROOT / item.path) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z' in core


@pytest.mark.parametrize(
    "item", artifacts.artifacts(ROOT)[2:], ids=[str(i.path) for i in artifacts.artifacts(ROOT)[2:]]
)
def test_samples_are_prefilled_templates_of_their_record(item: artifacts.Artifact) -> None:
    from sheetperf.forms.layout import fingerprint
    from sheetperf.io.filler import read_template_info

    assert item.record is not None
    record = load_records_json(ROOT / item.record)[0]
    with open_xlsx(ROOT / item.path) as book:
        info = read_template_info(book)
    assert info.form == record.form
    assert info.locked and info.fingerprint == fingerprint(record, sorted(info.locked), record.form)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside the repository")
def test_sample_records_are_the_shared_cases() -> None:
    cases = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (SHARED / "cases").glob("*.json")}
    shipped = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / artifacts.RECORD_DIR).glob("*.json")}
    assert shipped == cases


def test_docs_pictures_exist() -> None:
    summary = [f"{artifacts.SUMMARY_PICTURE_STEM}-{key}" for key in artifacts.SUMMARY_PICTURES]
    for name in [f"{stem}-1" for stem in ("self_evaluation_blank", "goal_table_blank", artifacts.RENDERED_SAMPLE)] + summary:
        page = ROOT / artifacts.DOCS_DIR / f"{name}.png"
        assert page.exists(), f"{page} missing: run docs/render.sh"
        assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_check_mode_reports_stale(tmp_path: Path) -> None:
    (tmp_path / "samples" / "records").mkdir(parents=True)
    record = ROOT / "samples/records/self_evaluation-2023-jiaoliu-tuiguang.json"
    (tmp_path / "samples/records" / record.name).write_bytes(record.read_bytes())
    assert artifacts.main(["--root", str(tmp_path), "--check"]) == 1
    assert artifacts.main(["--root", str(tmp_path)]) == 0
    assert artifacts.main(["--root", str(tmp_path), "--check"]) == 0
    (tmp_path / "samples" / f"{record.stem}.xlsx").write_bytes(b"changed")
    assert artifacts.stale(tmp_path) == [Path("samples") / f"{record.stem}.xlsx"]


def test_content_comparison_ignores_bytes_and_sees_cells(tmp_path: Path) -> None:
    """The staleness check compares what a workbook holds: re-zipped bytes are the same workbook,
    one changed cell is not."""
    sample = ROOT / "samples" / "self_evaluation-2023-jiaoyi-zhishu.xlsx"
    rezipped = tmp_path / "rezipped.xlsx"
    with zipfile.ZipFile(sample) as src, zipfile.ZipFile(rezipped, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in reversed(src.infolist()):
            dst.writestr(info.filename, src.read(info))
    assert _sha(rezipped) != _sha(sample)
    assert artifacts.content(rezipped) == artifacts.content(sample)

    from openpyxl import load_workbook

    saved, changed = tmp_path / "saved.xlsx", tmp_path / "changed.xlsx"
    book = load_workbook(sample)
    book.save(saved)
    book.worksheets[0]["E6"] = 34.99
    book.save(changed)
    assert artifacts.content(changed) != artifacts.content(saved)
