"""sheetperf: the Excel round trip of Chinese fiscal project performance forms."""

from __future__ import annotations

__version__ = "0.1.0"
