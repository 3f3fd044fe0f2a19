"""Recalculate workbooks in LibreOffice, headless, many files per invocation.

Used by the tests that prove the embedded formulas equal :mod:`sheetperf.rules.scoring`,
and by anyone who wants computed values cached in a template-based workbook.

What was verified (LibreOffice 7.4): a formula cell written without a cached
value (xlsxwriter ``value=""``) is computed on load even with LibreOffice's
default "never recalculate" setting for .xlsx; a formula with a *stale* cached
value (xlsxwriter's default 0, or any number) keeps it.  Since workbooks coming
back from departments may carry stale values, :func:`recalculate` always runs
with an isolated profile whose ``registrymodifications.xcu`` sets
``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` (and the ODF one)
to 0 = always recalculate.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from sheetperf.errors import SheetperfError
from sheetperf.vocab.labels import RECALC_MESSAGES as MSG

_REGISTRY: Final = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

_FONT_PAIR: Final = (
    '<node oor:name="{name}" oor:op="replace">'
    '<prop oor:name="Always"><value>true</value></prop>'
    '<prop oor:name="OnScreenOnly"><value>false</value></prop>'
    '<prop oor:name="ReplaceFont"><value>{font}</value></prop>'
    '<prop oor:name="SubstituteFont"><value>{substitute}</value></prop></node>'
)


def _font_items(fonts: Mapping[str, str]) -> str:
    """Registry items of LibreOffice's font replacement table (Tools ▸ Options ▸ Fonts), always applied."""
    if not fonts:
        return ""
    pairs = "".join(
        _FONT_PAIR.format(name=f"sheetperf{i}", font=escape(font), substitute=escape(substitute))
        for i, (font, substitute) in enumerate(fonts.items())
    )
    return (
        '<item oor:path="/org.openoffice.Office.Common/Font/Substitution">'
        '<prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>\n'
        f'<item oor:path="/org.openoffice.Office.Common/Font/Substitution/FontPairs">{pairs}</item>\n'
    )


FILTERS: Final[dict[str, str]] = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "pdf": "pdf:calc_pdf_Export",
    "ods": "ods",
}


class RecalcError(SheetperfError, RuntimeError):
    """LibreOffice is missing or failed to convert a file."""


def soffice() -> str:
    """The LibreOffice executable; RecalcError when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise RecalcError(MSG["no_soffice"])


def make_profile(folder: Path, fonts: Mapping[str, str] | None = None) -> str:
    """An isolated LibreOffice user profile that recalculates every formula on load.

    ``fonts`` (font → substitute) fills the profile's font replacement table: a picture
    drawn where the workbook's fonts are not installed can use look-alikes.
    """
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    registry = _REGISTRY.replace("</oor:items>", _font_items(fonts or {}) + "</oor:items>")
    (user / "registrymodifications.xcu").write_text(registry, encoding="utf-8")
    return folder.resolve().as_uri()


def recalculate(
    paths: Sequence[str | Path],
    outdir: str | Path,
    *,
    to: str = "xlsx",
    timeout: float = 600,
    fonts: Mapping[str, str] | None = None,
) -> list[Path]:
    """Convert ``paths`` in one soffice run; returns the output files (same stems, in ``outdir``).

    ``to`` is ``xlsx`` (recalculated workbook), ``pdf`` or ``ods``.  Input files must
    have distinct stems.  ``fonts`` substitutes fonts (see :func:`make_profile`).
    Raises :class:`RecalcError` when an output is missing.
    """
    if not paths:
        return []
    sources = [Path(p).resolve() for p in paths]
    stems = [p.stem for p in sources]
    if len(set(stems)) != len(stems):
        raise RecalcError(MSG["duplicate_stems"])
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if any(p.parent == out for p in sources) and to == sources[0].suffix.lstrip("."):
        raise RecalcError(MSG["same_folder"])
    with tempfile.TemporaryDirectory(prefix="sheetperf-lo-") as tmp:
        command = [
            soffice(),
            f"-env:UserInstallation={make_profile(Path(tmp) / 'profile', fonts)}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            FILTERS.get(to, to),
            "--outdir",
            str(out),
            *map(str, sources),
        ]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RecalcError(MSG["timeout"].format(timeout=timeout)) from exc
    suffix = "." + to.split(":")[0]
    outputs = [out / f"{stem}{suffix}" for stem in stems]
    missing = [p.name for p in outputs if not p.exists()]
    if missing:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [f"exit {result.returncode}"]
        raise RecalcError(
            MSG["not_converted"].format(count=len(missing), names=", ".join(missing[:3]), detail=detail[0])
        )
    return outputs


__all__ = ["FILTERS", "RecalcError", "make_profile", "recalculate", "soffice"]
