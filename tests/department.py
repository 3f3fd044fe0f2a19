"""The pytest side of the LibreOffice "department" (``tests/lo_department.py``).

The project's Python cannot import ``uno``; Debian's ``/usr/bin/python3`` can (package
``python3-uno``).  :func:`run_department` writes the jobs as JSON, runs the driver with that Python
and returns what it reports; :func:`have_department` says why that is impossible here, if it is.

A job is ``{"file": "/abs/workbook.xlsx", "actions": [...]}``; the actions (``type``, ``choose``,
``paste_text``, ``paste_clipboard``, ``clear``, ``unprotect``, ``protect``, ``recalculate``,
``save_as``, ``read``, ``find_errors``, ``inspect``) and the result are documented in
``tests/lo_department.py``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

SYSTEM_PYTHON: Final = Path("/usr/bin/python3")
SOFFICE: Final = Path(os.environ.get("LO_DEPARTMENT_SOFFICE", "/usr/bin/soffice"))
SCRIPT: Final = Path(__file__).resolve().with_name("lo_department.py")
#: Seconds the caller waits beyond the driver's own timeout before killing it.
GRACE: Final = 30.0


@functools.cache
def have_department() -> str | None:
    """None when the department can run here, otherwise the reason to skip."""
    if not SYSTEM_PYTHON.is_file():
        return f"{SYSTEM_PYTHON} is missing (the LibreOffice department needs Debian's Python)"
    if not SOFFICE.is_file():
        return f"LibreOffice is not installed ({SOFFICE} is missing; apt-get install libreoffice-calc)"
    try:
        probe = subprocess.run(
            [str(SYSTEM_PYTHON), "-c", "import uno"],
            capture_output=True,
            text=True,
            timeout=60,
            env=_environment(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SYSTEM_PYTHON} cannot be run: {exc}"
    if probe.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import uno (apt-get install python3-uno)"
    return None


def _environment() -> dict[str, str]:
    """This environment without what would point Debian's Python at the project's interpreter."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP")}


def _processes_with(marker: str) -> list[int]:
    """Ids of running processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in command:
            found.append(int(entry.name))
    return found


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_department(
    jobs: Sequence[dict[str, Any]],
    workdir: Path,
    *,
    locale: str = "zh-CN",
    recalc_on_load: str | None = None,
    timeout: float = 300.0,
) -> list[dict[str, Any]]:
    """Run ``jobs`` in one LibreOffice and return each job's result (``reads``, ``errors``,
    ``inspections``, ``saved``, ``notes``, ``seconds``).

    ``workdir`` receives the JOB and RESULT files.  The driver stops LibreOffice itself after
    ``timeout`` seconds; if the driver does not return within ``timeout`` + 30 s it is killed, and
    so is its LibreOffice.  Raises AssertionError with the driver's message when a job fails, and
    when a LibreOffice of this run is still running afterwards.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    stem = f"department-{uuid.uuid4().hex[:8]}"
    job_path, result_path = workdir / f"{stem}.json", workdir / f"{stem}-result.json"
    config = {"jobs": list(jobs), "locale": locale, "recalc_on_load": recalc_on_load, "timeout": timeout}
    job_path.write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(SYSTEM_PYTHON), str(SCRIPT), str(job_path), str(result_path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
        start_new_session=True,
    )
    marker = f"lo_department_{process.pid}_"  # in the pipe name of this run's soffice
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout + GRACE)
    except BaseException as exc:  # the timeout, or Ctrl+C in pytest: stop the driver and its soffice
        timed_out = isinstance(exc, subprocess.TimeoutExpired)
        _kill_group(process.pid, signal.SIGTERM)
        try:
            stdout, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        _stop_soffice(result_path, marker, jobs)
        if not timed_out:
            raise
    leftovers = _stop_soffice(result_path, marker, jobs)
    seconds = time.monotonic() - started
    if timed_out:
        raise AssertionError(f"LibreOffice department killed after {seconds:.0f} s: {stderr.strip()}")
    if process.returncode != 0:
        raise AssertionError(
            f"LibreOffice department failed (exit {process.returncode}): {stderr.strip() or stdout.strip()}"
        )
    if leftovers:
        raise AssertionError(f"LibreOffice department left soffice running (killed now): pids {leftovers}")
    report: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    if not report.get("ok"):
        raise AssertionError(f"LibreOffice department reported failure: {report.get('error')}")
    results: list[dict[str, Any]] = report["jobs"]
    return results


def _stop_soffice(result_path: Path, marker: str, jobs: Sequence[dict[str, Any]]) -> list[int]:
    """Kill what is left of this run's soffice; returns the ids that were still running.

    When the driver itself had to be killed, the result file still holds its provisional
    content: LibreOffice's process group, its profile folder (removed) and the profile's URL,
    which the lock files LibreOffice left beside this run's documents contain (removed).
    """
    try:
        data = json.loads(result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    pgid = data.get("soffice_pgid")
    if isinstance(pgid, int) and pgid > 1:
        _kill_group(pgid, signal.SIGKILL)
    leftovers = _processes_with(marker)
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    profile, profile_url = data.get("profile"), data.get("profile_url")
    if isinstance(profile, str) and Path(profile).name.startswith("lo-department-"):
        shutil.rmtree(profile, ignore_errors=True)
    if isinstance(profile_url, str) and profile_url:
        for document in _documents(jobs):
            lock = document.with_name(f".~lock.{document.name}#")
            try:
                if profile_url in lock.read_text(encoding="utf-8", errors="replace"):
                    lock.unlink()
            except OSError:
                continue
    return leftovers


def _documents(jobs: Sequence[dict[str, Any]]) -> set[Path]:
    """The files the jobs open or save."""
    paths = set()
    for job in jobs:
        if isinstance(job, dict) and isinstance(job.get("file"), str):
            paths.add(Path(job["file"]))
        for action in job.get("actions", []) if isinstance(job, dict) else []:
            if isinstance(action, dict) and isinstance(action.get("path"), str):
                paths.add(Path(action["path"]))
    return paths


def cells(job: dict[str, Any], index: int = -1) -> dict[str, dict[str, Any]]:
    """The cells of a job's ``read`` action (the last one by default), by address."""
    read: dict[str, dict[str, Any]] = job["reads"][index]["cells"]
    return read


__all__ = ["SCRIPT", "SYSTEM_PYTHON", "cells", "have_department", "run_department"]
