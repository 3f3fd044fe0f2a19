#!/usr/bin/python3
"""A LibreOffice "department": open workbooks in real LibreOffice, edit them as a person would, save them.

Run with Debian's Python (it needs the ``uno`` module of the ``python3-uno`` package; stdlib + uno only)::

    /usr/bin/python3 tests/lo_department.py JOB.json RESULT.json

JOB.json is either a list of jobs or an object ``{"jobs": [...], "locale": "zh-CN",
"recalc_on_load": null, "timeout": 300}``.  Each job opens one file (``Hidden=True``, unless the
job says ``"visible": true``) and performs its actions in order; the document is closed without
saving at the end of the job (only ``save_as`` writes anything).  Example::

    [{"file": "/abs/t.xlsx", "actions": [
        {"do": "type", "sheet": "绩效自评表", "cell": "E6", "text": "1.42"},
        {"do": "choose", "sheet": "绩效自评表", "cell": "E14", "text": "达成指标"},
        {"do": "paste_text", "sheet": 0, "cell": "H13", "text": "=1+1"},
        {"do": "clear", "sheet": 0, "cell": "C6"},
        {"do": "unprotect", "sheet": 0},
        {"do": "type", "sheet": 0, "cell": "G13", "text": "20"},
        {"do": "recalculate"},
        {"do": "save_as", "path": "/abs/out.xls", "format": "xls"},
        {"do": "read", "sheet": 0, "cells": ["G13", "G19", "C20"]}]}]

Actions (``sheet`` is a name or a 0-based index; ``cell`` an A1 address):

``type``
    Keyboard entry: the text is committed through Calc's own input recognition, exactly as if typed
    into the selected cell and Enter pressed.  Mechanism: the cell is selected through the
    document's controller (``XSelectionSupplier.select``) and ``.uno:EnterString`` is dispatched on
    the document's frame with ``StringName=text``.  That slot (SID_ENTER_STRING) calls
    ``ScViewFunc::EnterData`` -- the same function Calc runs when the edit line is committed with
    Enter and when a value is picked from a validation dropdown (``ScGridWindow::ExecDataSelect``).
    So "98" becomes a number, "98%" 0.98 with a percent format (unless the cell already has a
    user-defined number format, which Calc keeps), "1.42万元" text, "=1+1" a formula, "2024-1-5" a
    date, and anything typed into a cell formatted as text (``@``) stays text.

    Evidence: real key events (the ``keys`` action below) give the same cell type, value,
    formula and number format as ``.uno:EnterString`` for numbers, percents, "1,234.5", "(5)",
    "1e3", dates, times, TRUE, "'98", formulas and Chinese text, in General, 0.00 and @ cells, and
    both are refused by a Stop validity rule (tests/test_department.py compares them in the zh-CN
    locale; the same held in en-US when tried by hand).  The differences are what happens only
    while keys are pressed: AutoCorrect replacements ("1/2" → "½", "1 1/2" → "1 ½") and AutoInput
    completions; ``.uno:EnterString`` bypasses both.

    What Enter does beyond EnterData is emulated: a locked cell on a protected sheet is refused
    (LibreOffice says "Protected cells can not be modified"), and the cell's validity rule is
    applied as ``ScInputHandler`` does (only when the rule has "Show error message" on): the
    entry is checked with Calc's own checker (Tools ▸ Detective ▸ Mark Invalid Data, then the marks
    are removed); a *Stop* rule rejects it -- the cell is restored and the action fails, unless
    the action says ``"expect": "rejected"``; a *Warning* or *Information* rule is accepted as if
    OK were clicked (a note is recorded in the result).
``choose``
    Pick ``text`` from the cell's validation dropdown: the cell must have a list rule with the
    dropdown shown and ``text`` must be one of its entries (the list is resolved as Calc shows it:
    an inline list, a named range or a range reference); then it is entered like ``type``.
``paste_text``
    The text put as a plain string (``XText.setString``): it is never interpreted, "98" stays
    the text "98" and "=1+1" the text "=1+1".  No validity check (pasting bypasses it in Calc too).
``keys``
    Real key events, for comparison with ``type``: the characters of ``text`` and then Enter are
    sent to the grid window by LibreOffice's UI-test robot (``org.libreoffice.uitest.UITest``),
    so AutoCorrect, AutoInput and the validity check of the input handler all act.  Needs a job
    opened with ``"visible": true`` (a window, still headless); locked cells are refused first.
``paste_clipboard``
    Ctrl+V of plain text copied from another program: the text is put on LibreOffice's clipboard
    as ``text/plain`` and ``.uno:Paste`` is dispatched.  LibreOffice 7.4 interprets a single line
    like typing ("98" → 98, "=1+1" → formula); several lines open the Text Import dialog, which a
    headless LibreOffice cancels, so nothing is pasted and the action fails.
``clear``
    The Delete key (``.uno:ClearContents``, Calc's binding of Delete): the cell becomes empty.
``unprotect`` / ``protect``
    Tools ▸ Protect Sheet, with an optional ``password`` (default none).
``recalculate``
    ``calculateAll()`` (Data ▸ Calculate ▸ Recalculate Hard).
``save_as``
    File ▸ Save As to ``path`` (absolute; its folder must exist) with ``format`` ``ods``
    ("calc8"), ``xlsx`` ("Calc MS Excel 2007 XML") or ``xls`` ("MS Excel 97"), overwriting.
``read``
    For each of ``cells`` (or every cell of ``range``, e.g. "K13:AW18") its type
    (EMPTY/VALUE/TEXT/FORMULA), the string shown, the value, the formula text, the error code and
    text, the formula result type, the number format (code and kinds such as PERCENT, TEXT),
    whether it is locked, and its validity rule (with the resolved dropdown entries).
    ``"detail": false`` reports only type, string, value, formula and error.
``find_errors``
    Every formula cell whose result is an error, on ``sheet`` or on all sheets.
``inspect``
    The workbook: its sheets (name, visible, protected), named ranges and the active sheet.

The result file holds ``{"ok": bool, "error": str | null, "seconds": float, "timings": {"start": s,
"stop": s}, "jobs": [...]}`` (``start``: until LibreOffice accepted the connection);
each job has ``file``, ``seconds``, ``reads``, ``errors``, ``inspections``, ``saved`` and
``notes``.  While LibreOffice runs the file holds ``{"soffice_pgid": N, "profile": folder,
"profile_url": url}`` so that a caller that had to kill this script can kill LibreOffice too and
remove what it left.

LibreOffice runs headless with its own temporary profile (``-env:UserInstallation``), a unique
pipe name, ``--norestore --nologo --nodefault``, in its own process group; the profile sets the
locale (default zh-CN, a Chinese department's number and date recognition) and optionally the
recalculation-on-load mode (``"always"``/``"never"``; otherwise LibreOffice's default).
LibreOffice is always shut down: the desktop is terminated, the process group is killed if it
lingers, the profile is removed, and so are lock files a killed LibreOffice left beside this run's
documents.  The work runs in a worker thread, so a timeout or SIGTERM is
handled promptly even while a UNO call blocks.

Exit codes: 0 all jobs done; 1 an action failed (one line on stderr names the job and action);
2 unusable arguments or JOB.json; 3 LibreOffice could not be started, crashed, timed out or the
script was interrupted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import uno
import unohelper
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.datatransfer import DataFlavor, XTransferable
from com.sun.star.lang import DisposedException
from com.sun.star.uno import Exception as UnoException
from com.sun.star.uno import RuntimeException as UnoRuntimeException

SOFFICE = os.environ.get("LO_DEPARTMENT_SOFFICE", "/usr/bin/soffice")
CONNECT_TIMEOUT = 60.0
DEFAULT_TIMEOUT = 300.0
SHUTDOWN_GRACE = 15.0

FILTERS: dict[str, str] = {"ods": "calc8", "xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97"}
RECALC_MODES: dict[str, int] = {"always": 0, "never": 1}

# com.sun.star.sheet.FormulaResult, com.sun.star.util.NumberFormat, com.sun.star.sheet.CellFlags
FORMULA_RESULTS: dict[int, str] = {1: "VALUE", 2: "TEXT", 4: "ERROR"}
FORMAT_KINDS: dict[int, str] = {
    1: "DEFINED",
    2: "DATE",
    4: "TIME",
    8: "CURRENCY",
    16: "NUMBER",
    32: "SCIENTIFIC",
    64: "FRACTION",
    128: "PERCENT",
    256: "TEXT",
    1024: "LOGICAL",
}
CONTENT_FLAGS = 1 | 2 | 4 | 16  # VALUE | DATETIME | STRING | FORMULA

EXIT_OK, EXIT_ACTION, EXIT_USAGE, EXIT_OFFICE = 0, 1, 2, 3


class ActionError(Exception):
    """An action could not be done as a person would do it (exit code 1)."""


class OfficeError(Exception):
    """LibreOffice could not be started, crashed or timed out (exit code 3)."""


class UsageError(Exception):
    """Unusable arguments or JOB.json (exit code 2)."""


class Interrupted(BaseException):
    """SIGTERM, SIGINT or SIGHUP arrived."""


def prop(name: str, value: Any) -> Any:
    """A com.sun.star.beans.PropertyValue."""
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def a1(column: int, row: int) -> str:
    return f"{column_letters(column)}{row + 1}"


class PlainText(unohelper.Base, XTransferable):  # type: ignore[misc]  # uno has no type stubs
    """Clipboard contents as another program offers plain text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _flavor(self) -> Any:
        flavor = DataFlavor()
        flavor.MimeType = "text/plain;charset=utf-16"
        flavor.HumanPresentableName = "Unicode-Text"
        flavor.DataType = uno.getTypeByName("string")
        return flavor

    def getTransferData(self, flavor: Any) -> str:
        return self.text

    def getTransferDataFlavors(self) -> tuple[Any, ...]:
        return (self._flavor(),)

    def isDataFlavorSupported(self, flavor: Any) -> bool:
        return str(flavor.MimeType).startswith("text/plain")


# ----------------------------------------------------------------------------------------------
# LibreOffice process


class Office:
    """One headless soffice with an isolated profile, reached over a unique pipe."""

    def __init__(self, *, locale: str, recalc_on_load: str | None, result_path: Path) -> None:
        self.locale = locale
        self.recalc_on_load = recalc_on_load
        self.result_path = result_path
        self.folder = Path(tempfile.mkdtemp(prefix="lo-department-"))
        self.pipe = f"lo_department_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        self.process: subprocess.Popen[bytes] | None = None
        self.context: Any = None
        self.desktop: Any = None
        self.documents: set[Path] = set()  # opened or saved: their lock files are removed if left

    @property
    def profile_url(self) -> str:
        return (self.folder / "profile").as_uri()

    @property
    def log_path(self) -> Path:
        return self.folder / "soffice.log"

    def _registry(self) -> str:
        items = [
            '<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">'
            f"<value>{self.locale}</value></prop></item>"
        ]
        if self.recalc_on_load is not None:
            mode = RECALC_MODES[self.recalc_on_load]
            for key in ("OOXMLRecalcMode", "ODFRecalcMode"):
                items.append(
                    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
                    f'<prop oor:name="{key}" oor:op="fuse"><value>{mode}</value></prop></item>'
                )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            + "\n".join(items)
            + "\n</oor:items>\n"
        )

    def start(self) -> None:
        user = self.folder / "profile" / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(self._registry(), encoding="utf-8")
        command = [
            SOFFICE,
            f"-env:UserInstallation={self.profile_url}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
        ]
        with open(self.log_path, "wb") as log:
            try:
                self.process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            except OSError as exc:
                raise OfficeError(f"cannot start {SOFFICE}: {exc}") from exc
        # A caller that has to kill this script still finds LibreOffice's process group here.
        provisional = {"soffice_pgid": self.process.pid, "profile": str(self.folder), "profile_url": self.profile_url}
        self.result_path.write_text(json.dumps(provisional), encoding="utf-8")

    def connect(self, timeout: float = CONNECT_TIMEOUT) -> None:
        assert self.process is not None
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise OfficeError(
                    f"soffice exited with code {self.process.returncode} before accepting: {self.log_tail()}"
                )
            try:
                self.context = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if time.monotonic() > deadline:
                    raise OfficeError(f"soffice did not accept a connection within {timeout:.0f} s") from None
                time.sleep(0.1)
        self.desktop = self.create("com.sun.star.frame.Desktop")

    def create(self, service: str) -> Any:
        return self.context.ServiceManager.createInstanceWithContext(service, self.context)

    def log_tail(self) -> str:
        try:
            lines = [
                line
                for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
                if line.strip() and "javaldx" not in line
            ]
        except OSError:
            return "(no output)"
        return " / ".join(lines[-3:]) or "(no output)"

    def terminate_desktop(self) -> None:
        """Ask LibreOffice to quit (the bridge is disposed while it does: that is expected)."""
        if self.desktop is None:
            return
        try:
            self.desktop.terminate()
        except (DisposedException, UnoRuntimeException, UnoException):
            pass
        self.desktop = None

    def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Wait for soffice to exit, kill its process group if it lingers, remove the profile."""
        process = self.process
        if process is not None:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                    try:
                        os.killpg(process.pid, sig)
                    except ProcessLookupError:
                        break
                    try:
                        process.wait(timeout=wait)
                        break
                    except subprocess.TimeoutExpired:
                        continue
            # oosplash may be gone while soffice.bin (same group) is still closing: make sure.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.remove_lock_files()
        shutil.rmtree(self.folder, ignore_errors=True)

    def remove_lock_files(self) -> None:
        """Lock files (``.~lock.NAME#``) a killed LibreOffice left beside the documents of this run;
        they name this run's profile, so no other program's lock is touched."""
        for document in self.documents:
            lock = document.with_name(f".~lock.{document.name}#")
            try:
                if self.profile_url in lock.read_text(encoding="utf-8", errors="replace"):
                    lock.unlink()
            except OSError:
                continue

    def kill(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# ----------------------------------------------------------------------------------------------
# One document


class Department:
    """The actions of one job on one open document."""

    def __init__(self, office: Office, path: Path, result: dict[str, Any], *, visible: bool = False) -> None:
        self.office = office
        self.path = path
        self.result = result
        self.visible = visible
        if not path.is_file():
            raise ActionError(f"no such file: {path}")
        lock = path.with_name(f".~lock.{path.name}#")
        office.documents.add(path)
        self.doc = office.desktop.loadComponentFromURL(path.as_uri(), "_blank", 0, (prop("Hidden", not visible),))
        if self.doc is None:
            hint = f" (a lock file {lock.name} is beside it: LibreOffice treats it as in use)" if lock.exists() else ""
            raise ActionError(f"LibreOffice could not open {path}{hint}")
        if not self.doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            self.doc.close(True)
            raise ActionError(f"{path} did not open as a spreadsheet")
        self.controller = self.doc.getCurrentController()
        self.frame = self.controller.getFrame()
        self.dispatcher = office.create("com.sun.star.frame.DispatchHelper")

    def close(self) -> None:
        try:
            self.doc.close(True)
        except (DisposedException, UnoRuntimeException, UnoException):
            pass

    # -- lookup ------------------------------------------------------------------------------

    def sheet(self, ref: Any) -> Any:
        sheets = self.doc.Sheets
        if isinstance(ref, bool) or not isinstance(ref, int | str):
            raise ActionError(f"sheet must be a name or an index, not {ref!r}")
        if isinstance(ref, int):
            if not 0 <= ref < sheets.Count:
                raise ActionError(f"no sheet at index {ref} (the workbook has {sheets.Count})")
            return sheets.getByIndex(ref)
        if not sheets.hasByName(ref):
            raise ActionError(f"no sheet named {ref!r} (sheets: {', '.join(sheets.ElementNames)})")
        return sheets.getByName(ref)

    def cell(self, sheet: Any, address: Any) -> Any:
        if not isinstance(address, str) or not re.fullmatch(r"\$?[A-Za-z]{1,3}\$?[0-9]{1,7}", address.strip()):
            raise ActionError(f"cell must be an A1 address like 'E6', not {address!r}")
        try:
            return sheet.getCellRangeByName(address.strip().replace("$", "").upper())
        except (UnoRuntimeException, UnoException) as exc:
            raise ActionError(f"no cell {address} on {sheet.Name}") from exc

    @staticmethod
    def address(cell: Any) -> str:
        where = cell.getCellAddress()
        return a1(where.Column, where.Row)

    def editable_cell(self, action: dict[str, Any]) -> tuple[Any, Any]:
        """The sheet and cell a person could select and change: visible sheet, not covered by a
        merge, not locked on a protected sheet."""
        sheet = self.sheet(action.get("sheet", 0))
        cell = self.cell(sheet, action.get("cell"))
        if not sheet.IsVisible:
            raise ActionError(f"sheet {sheet.Name!r} is hidden: a person cannot edit it")
        cursor = sheet.createCursorByRange(cell)
        cursor.collapseToMergedArea()
        merged = cursor.getRangeAddress()
        here = cell.getCellAddress()
        if (merged.StartColumn, merged.StartRow) != (here.Column, here.Row):
            anchor = a1(merged.StartColumn, merged.StartRow)
            raise ActionError(f"{self.address(cell)} is covered by the merged cell {anchor}: type into {anchor}")
        if sheet.isProtected() and cell.CellProtection.IsLocked:
            raise ActionError(
                f"{sheet.Name}!{self.address(cell)} is locked on a protected sheet "
                "(LibreOffice: 'Protected cells can not be modified'); unprotect the sheet first"
            )
        return sheet, cell

    def select(self, sheet: Any, cell: Any) -> None:
        self.controller.setActiveSheet(sheet)
        self.controller.select(cell)
        chosen = self.controller.getSelection()
        want = cell.getRangeAddress()
        try:
            got = chosen.getRangeAddress()
        except AttributeError:
            got = None
        if got is None or (got.Sheet, got.StartColumn, got.StartRow) != (want.Sheet, want.StartColumn, want.StartRow):
            raise ActionError(f"could not select {sheet.Name}!{self.address(cell)}")

    def dispatch(self, command: str, *args: Any) -> None:
        self.dispatcher.executeDispatch(self.frame, command, "", 0, tuple(args))

    # -- cell state --------------------------------------------------------------------------

    def snapshot(self, cell: Any) -> tuple[str, Any, int]:
        kind = cell.getType().value
        content: Any = {"VALUE": cell.getValue(), "TEXT": cell.getString(), "FORMULA": cell.getFormula()}.get(kind)
        return kind, content, cell.NumberFormat

    @staticmethod
    def restore(cell: Any, snapshot: tuple[str, Any, int]) -> None:
        kind, content, number_format = snapshot
        if kind == "VALUE":
            cell.setValue(content)
        elif kind == "TEXT":
            cell.setString(content)
        elif kind == "FORMULA":
            cell.setFormula(content)
        else:
            cell.clearContents(CONTENT_FLAGS)
        cell.NumberFormat = number_format

    def list_choices(self, cell: Any, validation: Any) -> list[str] | None:
        """The entries of a list rule's dropdown, or None when its source is not a cell range."""
        source = str(validation.Formula1).strip()
        token = r'"(?:[^"]|"")*"|[-+]?[0-9][0-9.]*'
        if re.fullmatch(rf"\s*(?:{token})\s*(?:;\s*(?:{token})\s*)*", source):  # "达成指标";"不适用" or 1;2;3
            return [e[1:-1].replace('""', '"') if e.startswith('"') else e for e in re.findall(token, source)]
        names = self.doc.NamedRanges
        temporary = f"lo_department_{uuid.uuid4().hex[:8]}"
        try:
            if names.hasByName(source.lstrip("=")):
                cells = names.getByName(source.lstrip("=")).getReferredCells()
            else:  # a reference: let Calc parse it, as a temporary name
                names.addNewByName(temporary, source, cell.getCellAddress(), 0)
                try:
                    cells = names.getByName(temporary).getReferredCells()
                finally:
                    names.removeByName(temporary)
        except (UnoRuntimeException, UnoException):
            return None
        if cells is None:
            return None
        area = cells.getRangeAddress()
        choices: list[str] = []
        for row in range(min(area.EndRow - area.StartRow + 1, 1000)):
            for column in range(area.EndColumn - area.StartColumn + 1):
                text = cells.getCellByPosition(column, row).getString()
                if text != "":
                    choices.append(text)
        return choices

    def validation_info(self, cell: Any) -> dict[str, Any] | None:
        rule = cell.Validation
        kind = rule.Type.value
        if kind == "ANY":
            return None
        info: dict[str, Any] = {
            "type": kind,
            "operator": rule.Operator.value,
            "formula1": rule.Formula1,
            "formula2": rule.Formula2,
            "ignore_blank": bool(rule.IgnoreBlankCells),
            "show_error": bool(rule.ShowErrorMessage),
            "error_style": rule.ErrorAlertStyle.value,
        }
        if kind == "LIST":
            info["show_list"] = int(rule.ShowList)  # 0 hidden, 1 unsorted, 2 sorted
            info["choices"] = self.list_choices(cell, rule)
        return info

    def cell_info(self, cell: Any, detail: bool = True) -> dict[str, Any]:
        kind = cell.getType().value
        error = int(cell.getError())
        shown = cell.getString()
        info: dict[str, Any] = {
            "type": kind,
            "string": shown,
            "value": cell.getValue(),
            "formula": cell.getFormula(),
            "error": error,
            "error_text": shown if error else None,
        }
        if not detail:
            return info
        info["result"] = FORMULA_RESULTS.get(int(cell.FormulaResultType2)) if kind == "FORMULA" else None
        number_format = self.doc.NumberFormats.getByKey(cell.NumberFormat)
        info["format"] = number_format.FormatString
        info["format_kinds"] = [name for bit, name in FORMAT_KINDS.items() if int(number_format.Type) & bit]
        info["locked"] = bool(cell.CellProtection.IsLocked)
        info["validation"] = self.validation_info(cell)
        return info

    def invalid_marked(self, sheet: Any, cell: Any) -> bool:
        """Calc's own validity check of the cell's content (Tools ▸ Detective ▸ Mark Invalid Data):
        is the cell circled?  The marks are removed again."""
        self.controller.setActiveSheet(sheet)
        draw_page = sheet.DrawPage
        before = draw_page.Count
        self.dispatch(".uno:ShowInvalid")
        area = sheet.createCursorByRange(cell)
        area.collapseToMergedArea()
        position, size = area.Position, area.Size
        circled = False
        for index in range(before, draw_page.Count):
            shape = draw_page.getByIndex(index)
            if shape.ShapeType != "com.sun.star.drawing.EllipseShape":
                continue
            x = shape.Position.X + shape.Size.Width / 2
            y = shape.Position.Y + shape.Size.Height / 2
            if position.X <= x <= position.X + size.Width and position.Y <= y <= position.Y + size.Height:
                circled = True
        if draw_page.Count != before:
            self.dispatch(".uno:ClearArrows")
        return circled

    # -- actions -----------------------------------------------------------------------------

    def enter(self, sheet: Any, cell: Any, text: str) -> None:
        """Commit ``text`` in the selected cell as the Enter key does (ScViewFunc::EnterData)."""
        self.select(sheet, cell)
        self.dispatch(".uno:EnterString", prop("StringName", text))

    def do_type(self, action: dict[str, Any]) -> None:
        text = action.get("text")
        if not isinstance(text, str) or text == "":
            raise ActionError("type needs a non-empty 'text' (use clear to empty a cell)")
        expect = action.get("expect", "accepted")
        if expect not in ("accepted", "rejected"):
            raise ActionError(f"expect must be 'accepted' or 'rejected', not {expect!r}")
        sheet, cell = self.editable_cell(action)
        before = self.snapshot(cell)
        self.enter(sheet, cell, text)
        where = f"{sheet.Name}!{self.address(cell)}"
        rule = cell.Validation
        rejected = False
        if rule.Type.value != "ANY" and rule.ShowErrorMessage and self.invalid_marked(sheet, cell):
            style = rule.ErrorAlertStyle.value
            if style == "STOP":
                self.restore(cell, before)
                rejected = True
                self.result["notes"].append(f"{where}: {text!r} rejected by the validity rule (STOP)")
            else:
                self.result["notes"].append(f"{where}: {text!r} breaks the validity rule ({style}), accepted with OK")
        if rejected and expect == "accepted":
            raise ActionError(
                f"LibreOffice rejects {text!r} in {where}: the cell's validity rule "
                f"({rule.Type.value} {rule.Operator.value} {rule.Formula1}) stops it"
            )
        if not rejected and expect == "rejected":
            raise ActionError(f"{text!r} in {where} was expected to be rejected by the validity rule but was accepted")

    def do_choose(self, action: dict[str, Any]) -> None:
        text = action.get("text")
        if not isinstance(text, str) or text == "":
            raise ActionError("choose needs the 'text' of a dropdown entry")
        sheet, cell = self.editable_cell(action)
        where = f"{sheet.Name}!{self.address(cell)}"
        rule = cell.Validation
        if rule.Type.value != "LIST":
            raise ActionError(f"{where} has no dropdown list (validity rule: {rule.Type.value})")
        if int(rule.ShowList) == 0:
            raise ActionError(f"{where} has a list rule but its dropdown is hidden")
        choices = self.list_choices(cell, rule)
        if choices is None:
            raise ActionError(f"{where}: the dropdown's source {rule.Formula1!r} is not a list or a cell range")
        if text not in choices:
            raise ActionError(f"{text!r} is not offered by the dropdown of {where}: {choices[:20]}")
        self.enter(sheet, cell, text)

    def do_paste_text(self, action: dict[str, Any]) -> None:
        text = action.get("text")
        if not isinstance(text, str):
            raise ActionError("paste_text needs a 'text'")
        _, cell = self.editable_cell(action)
        cell.setString(text)

    def do_keys(self, action: dict[str, Any]) -> None:
        text = action.get("text")
        if not isinstance(text, str) or text == "":
            raise ActionError("keys needs a non-empty 'text'")
        if not self.visible:
            raise ActionError('keys needs a visible document window (job option "visible": true)')
        sheet, cell = self.editable_cell(action)
        self.select(sheet, cell)
        robot = self.office.create("org.libreoffice.uitest.UITest")
        if robot is None:
            raise ActionError("this LibreOffice has no UI-test robot (org.libreoffice.uitest.UITest)")
        grid = robot.getTopFocusWindow().getChild("grid_window")
        grid.executeAction("TYPE", (prop("TEXT", text),))
        grid.executeAction("TYPE", (prop("KEYCODE", "RETURN"),))

    def do_paste_clipboard(self, action: dict[str, Any]) -> None:
        text = action.get("text")
        if not isinstance(text, str) or text == "":
            raise ActionError("paste_clipboard needs a non-empty 'text'")
        sheet, cell = self.editable_cell(action)
        before = self.snapshot(cell)
        clipboard = self.office.create("com.sun.star.datatransfer.clipboard.SystemClipboard")
        clipboard.setContents(PlainText(text), None)
        self.select(sheet, cell)
        self.dispatch(".uno:Paste")
        if self.snapshot(cell) == before and cell.getString() != text:
            raise ActionError(
                f"nothing was pasted into {sheet.Name}!{self.address(cell)}"
                + (" (several lines open the Text Import dialog)" if "\n" in text else "")
            )

    def do_clear(self, action: dict[str, Any]) -> None:
        sheet, cell = self.editable_cell(action)
        self.select(sheet, cell)
        self.dispatch(".uno:ClearContents")
        if cell.getType().value != "EMPTY":
            raise ActionError(f"{sheet.Name}!{self.address(cell)} is not empty after Delete")

    def do_unprotect(self, action: dict[str, Any]) -> None:
        sheet = self.sheet(action.get("sheet", 0))
        password = action.get("password", "")
        if not isinstance(password, str):
            raise ActionError("password must be a string")
        try:
            sheet.unprotect(password)
        except (UnoRuntimeException, UnoException) as exc:
            raise ActionError(f"cannot unprotect {sheet.Name!r}: wrong password?") from exc
        if sheet.isProtected():
            raise ActionError(f"{sheet.Name!r} is still protected: wrong password")

    def do_protect(self, action: dict[str, Any]) -> None:
        sheet = self.sheet(action.get("sheet", 0))
        password = action.get("password", "")
        if not isinstance(password, str):
            raise ActionError("password must be a string")
        sheet.protect(password)

    def do_recalculate(self, action: dict[str, Any]) -> None:
        self.doc.calculateAll()

    def do_save_as(self, action: dict[str, Any]) -> None:
        fmt = action.get("format")
        if fmt not in FILTERS:
            raise ActionError(f"format must be one of {', '.join(FILTERS)}, not {fmt!r}")
        raw = action.get("path")
        if not isinstance(raw, str) or not os.path.isabs(raw):
            raise ActionError(f"save_as needs an absolute 'path', not {raw!r}")
        path = Path(raw)
        if not path.parent.is_dir():
            raise ActionError(f"folder {path.parent} does not exist")
        self.office.documents.add(path)
        try:
            self.doc.storeAsURL(path.as_uri(), (prop("FilterName", FILTERS[fmt]), prop("Overwrite", True)))
        except (UnoRuntimeException, UnoException) as exc:
            raise ActionError(f"saving {path} as {fmt} failed: {getattr(exc, 'Message', exc)}") from exc
        if not path.is_file():
            raise ActionError(f"LibreOffice reported no error but {path} was not written")
        self.result["saved"].append({"path": str(path), "format": fmt, "bytes": path.stat().st_size})

    def do_read(self, action: dict[str, Any]) -> None:
        sheet = self.sheet(action.get("sheet", 0))
        detail = bool(action.get("detail", True))
        addresses: list[str] = []
        if "range" in action:
            area = action["range"]
            if not isinstance(area, str):
                raise ActionError(f"range must be a string like 'K13:AW18', not {area!r}")
            try:
                block = sheet.getCellRangeByName(area).getRangeAddress()
            except (UnoRuntimeException, UnoException) as exc:
                raise ActionError(f"no range {area} on {sheet.Name}") from exc
            addresses = [
                a1(column, row)
                for row in range(block.StartRow, block.EndRow + 1)
                for column in range(block.StartColumn, block.EndColumn + 1)
            ]
        cells = action.get("cells", [])
        if not isinstance(cells, list):
            raise ActionError("cells must be a list of A1 addresses")
        addresses += cells
        if not addresses:
            raise ActionError("read needs 'cells' or 'range'")
        self.result["reads"].append(
            {
                "sheet": sheet.Name,
                "cells": {address: self.cell_info(self.cell(sheet, address), detail) for address in addresses},
            }
        )

    def do_find_errors(self, action: dict[str, Any]) -> None:
        sheets = [self.sheet(action["sheet"])] if "sheet" in action else list(self.doc.Sheets)
        found: list[dict[str, Any]] = []
        for sheet in sheets:
            ranges = sheet.queryFormulaCells(4)  # FormulaResult.ERROR
            cells = ranges.getCells().createEnumeration()
            while cells.hasMoreElements():
                cell = cells.nextElement()
                info = self.cell_info(cell, detail=False)
                found.append({"sheet": sheet.Name, "cell": self.address(cell), **info})
        found.sort(
            key=lambda item: (item["sheet"], int(re.sub(r"\D", "", item["cell"])), len(item["cell"]), item["cell"])
        )
        self.result["errors"].append(found)

    def do_inspect(self, action: dict[str, Any]) -> None:
        names = self.doc.NamedRanges
        self.result["inspections"].append(
            {
                "sheets": [
                    {"name": s.Name, "index": i, "visible": bool(s.IsVisible), "protected": bool(s.isProtected())}
                    for i, s in enumerate(self.doc.Sheets)
                ],
                "named_ranges": {name: names.getByName(name).getContent() for name in names.ElementNames},
                "active_sheet": self.controller.getActiveSheet().Name,
            }
        )


ACTIONS: dict[str, Callable[[Department, dict[str, Any]], None]] = {
    "type": Department.do_type,
    "choose": Department.do_choose,
    "paste_text": Department.do_paste_text,
    "paste_clipboard": Department.do_paste_clipboard,
    "keys": Department.do_keys,
    "clear": Department.do_clear,
    "unprotect": Department.do_unprotect,
    "protect": Department.do_protect,
    "recalculate": Department.do_recalculate,
    "save_as": Department.do_save_as,
    "read": Department.do_read,
    "find_errors": Department.do_find_errors,
    "inspect": Department.do_inspect,
}


def describe(action: dict[str, Any]) -> str:
    """'type 绩效自评表!E6' -- for error messages."""
    what = str(action.get("do"))
    if "cell" in action:
        what += f" {action.get('sheet', 0)}!{action['cell']}"
    elif "path" in action:
        what += f" {action['path']}"
    elif "sheet" in action:
        what += f" {action['sheet']}"
    return what


# ----------------------------------------------------------------------------------------------
# Driver


def load_jobs(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    config: dict[str, Any] = {"jobs": data} if isinstance(data, list) else data
    if not isinstance(config, dict) or not isinstance(config.get("jobs"), list):
        raise UsageError("JOB.json must be a list of jobs or an object with a 'jobs' list")
    locale = config.setdefault("locale", "zh-CN")
    if not isinstance(locale, str) or not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", locale):
        raise UsageError(f"locale must look like 'zh-CN', not {locale!r}")
    recalc = config.setdefault("recalc_on_load", None)
    if recalc is not None and recalc not in RECALC_MODES:
        raise UsageError(f"recalc_on_load must be one of {', '.join(RECALC_MODES)} or null, not {recalc!r}")
    timeout = config.setdefault("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise UsageError(f"timeout must be a positive number of seconds, not {timeout!r}")
    for index, job in enumerate(config["jobs"], 1):
        if not isinstance(job, dict) or not isinstance(job.get("file"), str) or not os.path.isabs(job["file"]):
            raise UsageError(f"job {index}: needs an absolute 'file'")
        actions = job.setdefault("actions", [])
        if not isinstance(actions, list):
            raise UsageError(f"job {index}: 'actions' must be a list")
        if not isinstance(job.get("visible", False), bool):
            raise UsageError(f"job {index}: 'visible' must be true or false")
        for number, action in enumerate(actions, 1):
            if not isinstance(action, dict) or action.get("do") not in ACTIONS:
                got = action.get("do") if isinstance(action, dict) else action
                raise UsageError(f"job {index}, action {number}: unknown action {got!r} (known: {', '.join(ACTIONS)})")
    return config


class Run:
    """The jobs of one JOB.json, done in a worker thread; ``where`` says what is being done."""

    def __init__(self, office: Office, jobs: list[dict[str, Any]]) -> None:
        self.office = office
        self.jobs = jobs
        self.results: list[dict[str, Any]] = []
        self.where = "starting LibreOffice"
        self.failure: BaseException | None = None
        self.timings: dict[str, float] = {}

    def __call__(self) -> None:
        try:
            started = time.monotonic()
            self.office.start()
            self.office.connect()
            self.timings["start"] = round(time.monotonic() - started, 3)
            for index, job in enumerate(self.jobs, 1):
                self.run_job(index, job)
            self.where = "shutting LibreOffice down"
        except BaseException as exc:  # reported by the main thread
            self.failure = exc
        finally:
            self.office.terminate_desktop()

    def run_job(self, index: int, job: dict[str, Any]) -> None:
        path = Path(job["file"])
        label = f"job {index} ({path.name})"
        result: dict[str, Any] = {
            "file": str(path),
            "seconds": 0.0,
            "reads": [],
            "errors": [],
            "inspections": [],
            "saved": [],
            "notes": [],
        }
        self.results.append(result)
        started = time.monotonic()
        self.where = f"{label}, opening the file"
        try:
            department = Department(self.office, path, result, visible=bool(job.get("visible", False)))
        except ActionError as exc:
            raise ActionError(f"{label}, opening the file: {exc}") from None
        except (DisposedException, UnoRuntimeException, UnoException) as exc:
            if self.office.process is not None and self.office.process.poll() is not None:
                raise OfficeError(f"{label}, opening the file: LibreOffice died ({self.office.log_tail()})") from None
            message = getattr(exc, "Message", "") or type(exc).__name__
            raise ActionError(f"{label}, opening the file: LibreOffice refused: {message}") from None
        try:
            for number, action in enumerate(job["actions"], 1):
                self.where = f"{label}, action {number} ({describe(action)})"
                try:
                    ACTIONS[action["do"]](department, action)
                except ActionError as exc:
                    raise ActionError(f"{self.where}: {exc}") from None
                except (DisposedException, UnoRuntimeException, UnoException) as exc:
                    if self.office.process is not None and self.office.process.poll() is not None:
                        raise OfficeError(f"{self.where}: LibreOffice died ({self.office.log_tail()})") from None
                    message = getattr(exc, "Message", "") or type(exc).__name__
                    raise ActionError(f"{self.where}: LibreOffice refused: {message}") from None
        finally:
            department.close()
            result["seconds"] = round(time.monotonic() - started, 3)


def main(argv: list[str]) -> int:
    started = time.monotonic()
    if len(argv) != 3:
        print(f"usage: {argv[0]} JOB.json RESULT.json", file=sys.stderr)
        return EXIT_USAGE
    result_path = Path(argv[2])
    try:
        config = load_jobs(Path(argv[1]))
    except UsageError as exc:
        print(f"lo_department: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, interrupted)

    office = Office(locale=config["locale"], recalc_on_load=config["recalc_on_load"], result_path=result_path)
    run = Run(office, config["jobs"])
    error: str | None = None
    code = EXIT_OK
    worker = threading.Thread(target=run, name="lo-department", daemon=True)
    try:
        worker.start()
        deadline = started + float(config["timeout"])
        while worker.is_alive():
            worker.join(0.2)
            if time.monotonic() > deadline and worker.is_alive():
                office.kill()
                error, code = f"timed out after {config['timeout']} s while {run.where}", EXIT_OFFICE
                break
    except Interrupted as exc:
        office.kill()
        error, code = f"interrupted by {exc} while {run.where}", EXIT_OFFICE
    finally:
        stopping = time.monotonic()
        try:
            office.stop(grace=SHUTDOWN_GRACE if code == EXIT_OK else 2.0)
        except Interrupted:
            office.kill()
            office.stop(grace=0.5)
        run.timings["stop"] = round(time.monotonic() - stopping, 3)
    if error is None and run.failure is not None:
        failure = run.failure
        if isinstance(failure, ActionError):
            error, code = str(failure), EXIT_ACTION
        elif isinstance(failure, OfficeError):
            error, code = str(failure), EXIT_OFFICE
        else:
            error, code = f"{run.where}: {type(failure).__name__}: {failure}", EXIT_OFFICE
    report = {
        "ok": error is None,
        "error": error,
        "seconds": round(time.monotonic() - started, 3),
        "timings": run.timings,
        "jobs": run.results,
    }
    result_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if error is not None:
        print(f"lo_department: {error}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
