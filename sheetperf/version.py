"""The version of sheetperf (written into every template it generates)."""

__version__ = "0.1.0"
