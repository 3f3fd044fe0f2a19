"""The help text of every command-line option and argument (what ``sheetperf … --help`` prints).

Click shows these to a finance officer, so they live in the vocabulary with every other
Chinese text; :mod:`sheetperf.cli` names them by key.
"""

from __future__ import annotations

from typing import Final

HELP: Final[dict[str, str]] = {
    "profile": "评分规则配置：名称（national、shanghai、hubei 等，见 sheetperf profiles），.toml 文件路径，或 auto：按每张表自己列出的规则（预算执行分值、绩效指标分值、备注中的分档）选择，并在结果中注明。",
    "goals": "绩效目标表（工作簿、记录 JSON 或文件夹；可重复）：逐项核对自评表的指标和目标值是否与之一致。",
    "period": "监控表：监控期间 1–N 月（默认取规则配置，全国通用为 7）。",
    "json": "以 JSON 输出。",
    "force": "输出位置已有不是 sheetperf 写出的同名文件时，仍然覆盖它（默认拒绝）。",
    "html": "写出 HTML 校验报告（单个文件，可离线打开）。",
    "annotate": "把每个工作簿的批注副本写入该文件夹：出错单元格标色并附批注；原文件不动。",
    "year": "年度（四位数），印在表头；不给时由填表人填写。",
    "from": "预填内容：记录 JSON，或已填写的绩效目标表（.xlsx）；项目信息、指标、指标值和分值写入并锁定。",
    "password": "工作表保护密码（默认不设密码）。",
    "template_output": "生成的模板 (.xlsx)。",
    "filled_output": "填写后的工作簿 (.xlsx)。",
    "outdir": "输出文件夹：每个主管部门一个子文件夹，另有 manifest.csv 和 manifest.xlsx。",
    "distribute_form": "self-evaluation：按目标表（或交回的监控表）预填的自评表；goal-table：只填项目信息的空白目标表；monitoring：按目标表预填的绩效监控表。",
    "roster_year": "名册中没有填写年度的项目使用的年度。",
    "status_xlsx": "另写出交回情况工作簿 (.xlsx)。",
    "import_outdir": "输出文件夹：每张表单写成一个已填写的 sheetperf 工作簿，并显示其校验结果。",
    "provenance": "JSON 中附上每个字段所在的文件和行号。",
    "summary_output": "汇总工作簿（.xlsx）。",
    "jobs": "并行读取的进程数（默认：CPU 核数）。",
    "consolidate_csv": "同时把各张汇总表写成 CSV（UTF-8 带 BOM；装有 pyarrow 时另写 Parquet）到该文件夹。",
    "timeout": "单个文件读取的时间上限（秒），超时记为失败。",
    "manifest": "distribute 生成的分发清单（manifest.csv 或 manifest.xlsx）：未交回的项目列入「未交回」表并在总览中计数，文件清单注明每个文件是否属于清单中的项目（与 status 的对应方法相同）。",
    "quiet": "不显示进度条和汇总信息（失败的文件仍会列出）。",
    "strict": "有文件读取失败或发现错误时退出码为 1。",
    "read_json": "以 JSON 列表输出全部表单（含每个字段的单元格位置 source）。",
    "read_csv": "把 projects.csv 与 indicators.csv（UTF-8 带 BOM）写入该文件夹。",
}

__all__ = ["HELP"]
