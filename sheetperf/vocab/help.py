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

#: The description of each command (``sheetperf COMMAND --help``), as click shows it.
COMMAND_HELP: Final[dict[str, str]] = {
    "main": "sheetperf：财政项目支出绩效自评表与绩效目标表的 Excel 生成、读取、校验与汇总。",
    "score": "重新计算每张自评表的执行率、各项得分、总分和评分等级。\n\n    FILE 为记录 JSON 或工作簿。\n\n    \b\n    示例：\n        sheetperf score samples/records/self_evaluation-2023-jiaoliu-tuiguang.json\n        sheetperf score samples/*.xlsx --json\n    ",
    "validate": "把每张表的填报数字与重新计算的结果逐项核对，指出出错的单元格。\n\n    FILE 为工作簿、记录 JSON 或文件夹。退出码：0 没有错误；1 有错误；2 有文件无法使用。\n\n    \b\n    示例：\n        sheetperf validate samples/*.xlsx\n        sheetperf validate form.xlsx --profile national --json\n        sheetperf validate returned/ --goals goals/ --html report.html --annotate checked/\n    ",
    "template": "生成空白或预填的自评表 / 绩效目标表 / 绩效监控表模板（含公式、下拉列表、保护与填表说明）。\n\n    监控表由绩效目标表预填（项目、年度总体目标、指标和指标值锁定）；自评表可由目标表或交回的监控表预填。\n\n    \b\n    示例：\n        sheetperf template self-evaluation --year 2024 -o 自评表.xlsx\n        sheetperf template self-evaluation --from 目标表.xlsx -o 预填自评表.xlsx\n        sheetperf template goal-table --year 2025 -o 目标表.xlsx\n        sheetperf template monitoring --from 目标表.xlsx --period 6 -o 监控表.xlsx\n        sheetperf template self-evaluation --from 交回的监控表.xlsx -o 预填自评表.xlsx\n    ",
    "fill": "把一条记录的填报内容写入 sheetperf 模板，公式、下拉、保护与格式保持不变。\n\n    写入金额、实际完成值或达成等级、偏差原因、年度目标文字；空白模板还写入项目信息、\n    指标、指标值与分值。得分由工作簿中的公式计算，记录中的得分不会写入。RECORD 为只含\n    一条记录的 JSON（或已填写的工作簿）。\n\n    \b\n    示例：\n        sheetperf template self-evaluation --from samples/records/self_evaluation-2023-jiaoliu-tuiguang.json -o t.xlsx\n        sheetperf fill t.xlsx samples/records/self_evaluation-2023-jiaoliu-tuiguang.json -o filled.xlsx\n    ",
    "distribute": "按名册为每个项目生成一份模板，按主管部门分文件夹存放，并写出分发清单。\n\n    ROSTER 为 CSV 或工作簿名册（.xlsx/.xls/.et/.ods；列：年度、主管部门、实施单位、项目名称，可选：绩效目标表、分值；\n    表头上方可有标题行，合并单元格按所在各行读取，合计行跳过；同一项目重复列出时拒绝并列出行号），\n    或存放已填绩效目标表的文件夹（子文件夹名作为主管部门）。自评表的指标、目标值和分值取自目标表；\n    名册和目标表都没有分值时，按规则配置的一级指标比例分配并提示。\n\n    \b\n    示例：\n        sheetperf distribute 名册.csv -o 分发/2024自评 --year 2024\n        sheetperf distribute 交回的目标表/ -o 分发/2024自评 --profile national\n        sheetperf distribute 名册.xlsx -o 分发/2025目标表 --form goal-table --year 2025\n        sheetperf distribute 名册.csv -o 分发/2024监控 --form monitoring --period 6\n    ",
    "status": "对照分发清单，列出每个项目已交回、未交回、重复交回或锁定内容被改动，以及不属于任何项目的文件。\n\n    MANIFEST 为 distribute 写出的 manifest.csv 或 manifest.xlsx；PATH 为交回的文件或文件夹。\n    退出码 0（有项目未交回也是 0）；清单无法使用时为 2。\n\n    \b\n    示例：\n        sheetperf status 分发/2024自评/manifest.csv 交回/\n        sheetperf status 分发/2024自评/manifest.csv 交回/*.xlsx --xlsx 交回情况.xlsx\n    ",
    "import_text": "读取公开发布的绩效自评表、绩效目标表（从 PDF 提取的文字），还原为记录或工作簿。\n\n    FILE 为 pdftotext 等工具提取的 .txt 文字（UTF-8 或 GB18030）；一个文件可含多张表单，\n    多个文件按顺序视为同一份文字，表单可以跨文件。默认以 JSON 列表输出记录；给出 -o 时\n    每张表单写成一个工作簿并校验。未能导入的文字逐行列出（文件:行号），不会被悄悄丢弃；\n    栏目无法确定对应关系的表单（如一级指标处是指标名称、指标名称处是数字）说明原因后拒绝导入，\n    绝不输出错位的记录。\n    退出码：0 成功；1 有表单被拒绝导入，或写出的工作簿校验有错误；2 文件无法使用或没有找到表单。\n\n    \b\n    示例：\n        pdftotext -layout 自评表.pdf 自评表.txt\n        sheetperf import-text 自评表.txt --json > records.json\n        sheetperf import-text 自评表.txt -o 工作簿/\n    ",
    "consolidate": "把一批交回的表单（文件或文件夹，递归查找 .xlsx/.xlsm/.xls/.et/.ods 及 .zip 中的工作簿）汇总为一个工作簿。\n\n    汇总工作簿第一张表为总览（计数、资金合计、等级与执行率分布图、错误最多的主管部门、得分最低的项目、\n    问题按规则），其后为 项目汇总、指标明细、校验问题、文件清单、主管部门统计（给出 --manifest 时另有未交回）；每个输入文件都列在\n    文件清单中（成功、失败、无表单、已被替代、已跳过及原因）。同一项目（年度、主管部门、实施单位、\n    项目名称，或分发模板的表单编号）出现在多个文件中时，汇总工作簿保存时间最新的一份（其次文件修改时间，\n    再次文件名自然顺序靠后者），其余列为已被替代。\n\n    退出码：0 已写出汇总；--strict 时有文件失败或有错误为 1；2 参数无法使用（规则配置、目标表、输出位置）。\n\n    \b\n    示例：\n        sheetperf consolidate samples -o summary.xlsx\n        sheetperf consolidate returned/ late/ -o summary.xlsx --jobs 4 --csv tables/\n        sheetperf consolidate returned/ -o summary.xlsx --goals goals/ --strict\n        sheetperf consolidate 交回/ -o summary.xlsx --manifest 分发/manifest.csv\n    ",
    "read": "读取工作簿中的每一张自评表和绩效目标表（.xlsx/.xlsm/.xls/.ods）。\n\n    FILE 为工作簿、记录 JSON 或文件夹（其中的工作簿和记录 JSON，其他文件列出后跳过）。\n    无法读取的文件给出一行原因并继续读取其余文件，最后以退出码 2 结束。\n\n    \b\n    示例：\n        sheetperf read 自评表.xlsx\n        sheetperf read 各单位/*.xlsx --json > records.json\n        sheetperf read 各单位/*.xlsx --csv 汇总\n        sheetperf read 交回/ --json > records.json\n    ",
    "profiles": "列出随附的评分规则配置及其适用地区；profiles show 显示某一配置的全部设置。\n\n    \b\n    示例：\n        sheetperf profiles\n        sheetperf profiles show hubei\n        sheetperf profiles show 我的规则.toml\n    ",
    "profiles_show": "显示评分规则配置的每一项设置（名称或 .toml 文件路径）。\n\n    \b\n    示例：\n        sheetperf profiles show shanghai\n        sheetperf profiles show 规则/武汉.toml\n    ",
}

__all__ = ["COMMAND_HELP", "HELP"]
