"""``python -m sheetperf.cli``: the same commands as ``sheetperf``."""

from sheetperf.cli import main

main()
