"""Record the xlsxwriter calls a writer makes and replay them as a bare script.

The baseline of ``bench_template.py`` is "the same cells and formats written
with bare xlsxwriter": we run the real writer once per record with every public
method of ``Workbook``, ``Worksheet`` and ``Format`` wrapped, keep only the
outermost calls (xlsxwriter calls its own public methods internally, e.g.
``write`` → ``write_string``), and turn them into straight-line Python source
with literal arguments.  Compiled once, that function is exactly what a
hand-written xlsxwriter script producing the same workbook would do, with no
layout, record or formula logic left in it.
"""

from __future__ import annotations

import datetime
import decimal
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import MethodType
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

_SKIP = {"get_name", "worksheets", "get_worksheet_by_name", "get_default_url_format"}
# Getter-like Format methods that do not change the output.
_FORMAT_SKIP = {
    "get_xf_index",
    "get_dxf_index",
    "get_format_key",
    "get_border_key",
    "get_fill_key",
    "get_font_key",
    "get_alignment_key",
    "get_xf_key",
}


class Recorder:
    """Collects outermost xlsxwriter calls as source lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[int, str] = {}
        self.depth = 0
        self.keep: list[Any] = []  # keep objects alive so ids stay unique

    def name_of(self, obj: Any) -> str:
        key = id(obj)
        if key not in self.names:
            prefix = {Workbook: "wb", Worksheet: "ws", Format: "fmt"}.get(type(obj), "obj")
            self.names[key] = f"{prefix}{len(self.names)}"
            self.keep.append(obj)
        return self.names[key]

    def literal(self, value: Any) -> str:
        if isinstance(value, (Workbook, Worksheet, Format)):
            return self.name_of(value)
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.literal(k)}: {self.literal(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.literal(v) for v in value) + "]"
        if isinstance(value, tuple):
            return "(" + "".join(self.literal(v) + ", " for v in value) + ")"
        if isinstance(value, (str, int, float, bool, type(None), decimal.Decimal, datetime.datetime, datetime.date)):
            return repr(value)
        raise TypeError(f"cannot replay argument of type {type(value).__name__}")

    def call(self, obj: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        parts = [self.literal(a) for a in args] + [f"{k}={self.literal(v)}" for k, v in kwargs.items()]
        expr = f"{self.name_of(obj)}.{method}({', '.join(parts)})"
        if isinstance(result, (Worksheet, Format)):
            expr = f"{self.name_of(result)} = {expr}"
        self.lines.append(expr)


def _wrap(recorder: Recorder, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        outer = recorder.depth == 0
        recorder.depth += 1
        try:
            result = func(self, *args, **kwargs)
        finally:
            recorder.depth -= 1
        if outer:
            recorder.call(self, name, args, kwargs, result)
        return result

    return wrapper


@contextmanager
def recording() -> Iterator[Recorder]:
    """Within the block, every xlsxwriter Workbook built is recorded."""
    recorder = Recorder()
    saved: list[tuple[type, str, Any]] = []
    for cls in (Workbook, Worksheet, Format):
        for name, func in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_") or name in _SKIP or name in _FORMAT_SKIP:
                continue
            saved.append((cls, name, cls.__dict__.get(name, func)))
            setattr(cls, name, _wrap(recorder, name, func))
    original_init = Workbook.__init__

    def init(self: Workbook, filename: Any = None, options: Any = None) -> None:
        recorder.depth += 1
        try:
            original_init(self, filename, options)
        finally:
            recorder.depth -= 1
        recorder.lines.append(f"{recorder.name_of(self)} = Workbook(path, {recorder.literal(options or {})})")

    Workbook.__init__ = init  # type: ignore[method-assign]
    try:
        yield recorder
    finally:
        Workbook.__init__ = original_init  # type: ignore[method-assign]
        for cls, name, func in saved:
            setattr(cls, name, func)


def compile_script(recorder: Recorder, *, mirror_patches: bool = False) -> Callable[[Any], None]:
    """The recorded calls as a function ``run(path)``.

    ``mirror_patches``: where the writer replaced a method on a worksheet instance
    (sheetperf swaps ``_prepare_formula`` and ``_write_formula`` to skip xlsxwriter's
    per-formula scans for Excel 365 function names), the script does the same right after creating that
    sheet, so the baseline pays no cost the writer avoided: the ratio is then
    sheetperf's own overhead (layout, record, formulas, metadata).
    """
    namespace: dict[str, Any] = {
        "Workbook": xlsxwriter.Workbook,
        "Decimal": decimal.Decimal,
        "datetime": datetime,
    }
    lines = list(recorder.lines)
    if mirror_patches:
        patched: list[str] = []
        for obj in recorder.keep:
            if isinstance(obj, Worksheet):
                for attr, value in vars(obj).items():
                    if callable(value) and hasattr(Worksheet, attr):
                        name = recorder.name_of(obj)
                        if getattr(value, "__self__", None) is obj:  # a method bound to that sheet: rebind
                            namespace["MethodType"] = MethodType
                            namespace[f"_patch_{name}_{attr}"] = value.__func__
                            patched.append(f"{name}.{attr} = MethodType(_patch_{name}_{attr}, {name})")
                        else:
                            namespace[f"_patch_{name}_{attr}"] = value
                            patched.append(f"{name}.{attr} = _patch_{name}_{attr}")
        out: list[str] = []
        for line in lines:
            out.append(line)
            for patch in patched:
                if line.startswith(patch.split(".", 1)[0] + " = "):
                    out.append(patch)
        lines = out
    body = "\n".join("    " + line for line in lines) or "    pass"
    source = f"def run(path):\n{body}\n"
    exec(compile(source, "<bare-xlsxwriter>", "exec"), namespace)
    run: Callable[[Any], None] = namespace["run"]
    return run
