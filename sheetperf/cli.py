"""Command-line interface: a thin click layer over the library."""

from __future__ import annotations

import click

from sheetperf import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetperf")
def main() -> None:
    """sheetperf：财政项目支出绩效自评表与绩效目标表的 Excel 生成、读取、校验与汇总。"""
