"""Every spelling of every form label, in one table the workbook reader and the text importer share.

Provinces, cities and counties print the same two forms with labels of their own: 权重 for 分值,
完成值 for 实际完成值, 调整后预算数 for 全年预算数, 财政资金 for 当年财政拨款, 实施单位(盖章) for 实施单位.
:data:`FORM_LABELS` declares them once, grouped by the part of the form a label belongs to
(``group → field → spellings``; the first spelling is the one sheetperf's own templates print).
:mod:`sheetperf.io.locate` finds labels in a sheet with it and :mod:`sheetperf.io.importtext`
in a disclosure's text; neither keeps a list of its own.

Spellings are compared after each side's normalisation (full-width folded, spaces and
punctuation removed; a trailing parenthesis such as ``(A)``, ``(万元)`` or
``(全年执行数/全年预算数)`` is tried off as well), so ``项目资金（万元）``, ``项目资金 (万元)`` and
``项目资金(万元)`` are one spelling.  Printed points (``产出指标(50分)``, ``预算执行情况(万元)(20分)``,
``成本指标(0-20)分``) are taken off a label before it is compared and kept as the form's points.

The module also holds the few word lists that describe a form's layout rather than its
scores: tick marks, template leftovers, placeholder marks in indicator names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from sheetperf.vocab.units import MONEY_UNITS
from sheetperf.vocab.words import POSSIBILITY_IMPOSSIBLE, POSSIBILITY_LIKELY, POSSIBILITY_ON_TRACK, REASON_CATEGORIES

FORM_LABELS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    # label → value pairs above the self-evaluation's tables
    "self_evaluation_header": {
        "project_name": ("项目名称",),
        "department": ("主管部门", "主管部门及代码", "主管单位", "主管部门名称"),
        "implementing_unit": (
            "实施单位",
            "项目实施单位",
            "实施单位及代码",
            "实施单位名称",
            "实施单位(盖章)",
            "项目实施单位名称",
            "项目执行单位",
        ),
        # the tick rows of the Hubei/Wuhan family: 1、部门预算项目□ 2、区直专项☑
        "project_category": ("项目类别",),
        "project_attribute": ("项目属性",),
        "project_type": ("项目类型",),
    },
    # who filled the form in and when: above the form (单位名称:…) or in its signature rows
    "filing": {
        "filing_unit": ("单位名称", "填报单位", "填报单位名称"),
        "filing_date": ("填报日期", "填表日期", "报送日期"),
    },
    # the funds block: its row label, column headers and row labels
    "funds_block": {
        "block": (
            "项目资金(万元)",
            "项目资金(元)",
            "项目资金",
            "资金情况(万元)",
            "资金情况(元)",
            "资金情况",
            "预算执行情况(万元)",
            "预算执行情况(元)",
            "预算执行情况",
            "年度资金总额(万元)",
        ),
    },
    "funds_columns": {
        "initial_budget": ("年初预算数", "年初预算"),
        "annual_budget": ("全年预算数", "调整后预算数", "全年预算", "调整后预算", "预算数"),
        "executed": ("全年执行数", "执行数", "全年实际执行数", "全年执行"),
        "weight": ("分值", "分数", "权重", "分值(权重)"),
        "execution_rate": ("执行率", "预算执行率", "执行率(%)"),
        "score": ("得分",),
    },
    "funds_rows": {
        "total": ("年度资金总额", "资金总额", "年度财政资金总额", "年度资金总额(万元)"),
        "current_year_appropriation": ("当年财政拨款", "本年财政拨款", "财政拨款", "财政资金"),
        "carryover": ("上年结转资金", "上年结转"),
        "other": ("其他资金", "其他资金来源", "单位资金"),
        "special_account": ("财政专户管理资金",),
    },
    "goal_block": {
        "block": ("年度总体目标", "总体目标", "年度目标"),
        "goal_expected": ("预期目标", "年初设定目标", "年度预期目标"),
        "goal_actual": ("实际完成情况", "年度总体目标完成情况综述", "全年实际完成情况", "总体目标完成情况"),
    },
    # the indicator table's column headers (both forms)
    "indicator_columns": {
        "level1": ("一级指标", "一级目标"),
        "level2": ("二级指标", "二级目标"),
        "name": ("三级指标", "三级目标", "三级指标名称", "指标名称"),
        "target": ("年度指标值", "指标目标值", "年度目标值", "目标值", "指标值", "年初目标值"),
        "actual": ("实际完成值", "全年实际值", "实际值", "实际完成情况", "完成值", "全年完成值"),
        "weight": ("分值", "权重", "指标分值"),
        "score": ("得分", "自评得分"),
        "deviation": (
            "偏差原因分析及改进措施",
            "偏差原因分析及改进",
            "偏差原因及改进措施",
            "未完成原因及拟采取的改进措施",
            "未完成原因分析及改进措施",
            "原因说明",
        ),
        # a reason column beside a measures column (Sichuan: 未完成原因分析 | 改进措施)
        "reason": ("未完成原因分析", "原因分析", "偏差原因分析", "偏差原因"),
        "measures": ("改进措施", "相关建议或举措", "拟采取的措施", "拟采取的改进措施"),
        # the monitoring form's columns (1-N月执行情况 for every N: see MONITORING_PERIOD_SPELLINGS)
        "progress": tuple(text.format(n=n) for n in range(1, 13) for text in ("1-{n}月执行情况", "1-{n}月完成情况")),
        "forecast": ("全年预计完成情况", "全年预计完成值", "预计全年完成情况"),
        "possibility": ("完成目标可能性", "目标完成可能性"),
        "reasons": ("偏差原因类别",),
        "note": ("备注",),
        # the target split over 指标性质 | 指标值 | 度量单位 (Yunnan, Sichuan)
        "operator": ("指标性质",),
        "unit": ("度量单位", "计量单位"),
    },
    # the monitoring form's funds columns (1-N月执行数 and 1-N月执行率 for every N) and texts
    "monitoring_funds_columns": {
        "initial_budget": ("年初预算数", "年初预算", "全年预算数", "调整后预算数"),
        "executed": tuple(text.format(n=n) for n in range(1, 13) for text in ("1-{n}月执行数", "1-{n}月实际执行数")),
        "execution_rate": tuple(text.format(n=n) for n in range(1, 13) for text in ("1-{n}月执行率", "1-{n}月执行率(%)")),
        "forecast": ("全年预计执行数", "全年预计执行", "预计全年执行数"),
        "note": ("偏差说明", "说明"),
    },
    "monitoring_goal": {
        "goal_progress": tuple(text.format(n=n) for n in range(1, 13) for text in ("1-{n}月执行情况", "1-{n}月完成情况")),
    },
    # the national template ticks its deviation reasons, one column each under 偏差原因分析
    "monitoring_reason_ticks": {name: (name,) for name in REASON_CATEGORIES},
    # … and, in some copies, its 完成目标可能性 too: one column per choice under the heading
    "monitoring_possibility_ticks": {
        name: (name,) for name in (*POSSIBILITY_ON_TRACK[:1], *POSSIBILITY_LIKELY[:1], *POSSIBILITY_IMPOSSIBLE)
    },
    # rows that end the indicator table
    "closing": {
        "total": ("总分", "合计", "总计"),
        "grade": ("评分等级", "自评等级", "评价等级", "等级"),
    },
    # texts of the rows below the table (self-evaluation ``texts``)
    "closing_texts": {
        "other_matters": ("其他需要说明事项", "其他需要说明的事项", "其他需说明事项"),
        "conclusion": ("评价结论", "自评结论"),
        "problems": ("存在问题", "存在的问题"),
        "measures": ("改进措施", "改进措施及结果应用方案", "整改措施"),
        "deviation_analysis": ("偏差大或目标未完成原因分析", "目标未完成原因分析"),
    },
    # signature rows and notes: part of the form, never an indicator, not recorded
    "signature": {
        "preparer": ("填表人", "填报人", "经办人"),
        "phone": ("联系电话", "电话"),
        "leader": ("单位负责人签字", "单位负责人", "单位主要负责人签批意见", "单位负责人签章", "财务负责人"),
        "stamp": ("单位盖章", "盖章"),
        "notes": ("备注", "填表说明", "填报说明", "说明", "注"),
    },
    # label → value pairs of the goal table (the value may follow a colon in the same cell)
    "goal_table_header": {
        "applicant_unit": ("申报单位名称", "申报单位", "实施单位", "项目实施单位", "实施单位名称"),
        "department": ("主管部门", "主管部门及代码", "主管单位", "主管部门名称"),
        "project_name": ("项目名称",),
        "project_category": ("项目类别",),
        "planned_start": ("计划开始日期",),
        "planned_end": ("计划完成日期",),
        "government_procurement": ("是否含有政府购买服务",),
        "performance_type": ("绩效类型",),
        # 项目期限 2022-01-01至2022-12-31: both dates in one cell
        "period": ("项目期限", "实施期限", "项目实施期限"),
    },
    "goal_table_texts": {
        "overview": ("项目概况",),
        "basis": ("立项依据",),
        "necessity": ("项目设立的必要性",),
        "safeguards": ("保证项目实施的制度、措施", "保证项目实施的制度措施"),
        "implementation_plan": ("项目实施计划",),
        "objectives": ("总目标及阶段性目标", "项目年度目标"),
    },
    "goal_table_budget": {
        "project_total": ("项目总预算(元)", "项目总预算"),
        "current_year": ("项目当年预算(元)", "项目当年预算"),
        "prior_year_same_project": ("同名项目上年预算额(元)", "同名项目上年预算额"),
        "prior_year_same_project_executed": ("同名项目上年预算执行数(元)", "同名项目上年预算执行数"),
    },
    # a goal table's funds block by source (Chongqing): 年度资金总额 / 其中：财政拨款 / 其他资金
    "goal_table_funds": {
        "current_year": ("年度资金总额", "资金总额"),
        "current_year_appropriation": ("财政拨款", "当年财政拨款", "本年财政拨款", "财政资金"),
        "current_year_other": ("其他资金", "其他资金来源"),
    },
    "titles": {
        "self_evaluation": (
            "财政项目支出绩效自评表",
            "项目支出绩效自评表",
            "绩效自评表",
            "绩效目标自评表",
            "项目自评表",
        ),
        "goal_table": ("财政项目支出绩效目标表", "项目支出绩效目标表", "绩效目标表"),
        "monitoring": ("项目支出绩效目标执行监控表", "项目支出绩效监控表", "绩效运行监控表", "绩效监控表"),
    },
}

#: How a monitoring form prints its period in a label: 1-6月, 1—7月, 1至7月 → the N.
PERIOD_PATTERN: Final = r"1\s*[-—–~～至到]\s*(\d{1,2})\s*月"

#: Words before a funds row label meaning "of which" (其中：当年财政拨款).
OF_WHICH: Final[tuple[str, ...]] = ("其中",)

#: The unit words a funds label or a budget label says the money is counted in, 万元 before 元
#: (their worth in 元 comes from the one unit list, :data:`sheetperf.vocab.units.MONEY_UNITS`).
AMOUNT_UNITS: Final[dict[str, Decimal]] = {unit: MONEY_UNITS[unit] for unit in ("万元", "元")}

#: A tick row's marks: the option they follow is ticked (☑) or not (□).
TICKED_MARKS: Final[tuple[str, ...]] = ("☑", "✓", "√", "■", "☒", "✔", "▣")
UNTICKED_MARKS: Final[tuple[str, ...]] = ("□", "☐", "○")

#: An indicator name a blank template prints and a department left in (``指标1:``, ``……``):
#: the prefix of a numbered placeholder, and the filler marks.
TEMPLATE_NAME_PREFIX: Final = "指标"
TEMPLATE_FILLERS: Final[tuple[str, ...]] = ("…", "...", "。。。", "⋯", "——")

#: Marks a template puts into an indicator name: stars for key indicators, and the placeholder
#: ``**`` (also ``××`` and ``XX``) standing for the figure the department fills in
#: (``农村低保标准(≥**元/人·月)``).
NAME_MARKS: Final[tuple[str, ...]] = ("★", "☆", "*")
PLACEHOLDERS: Final[tuple[str, ...]] = ("**", "××", "XX", "xx", "＊＊")

#: Grade words a form may print beside its total without a label (the profiles' grade names
#: are added by the reader).
GRADE_WORDS: Final[tuple[str, ...]] = ("优", "良", "中", "差", "优秀", "良好", "合格", "不合格", "较差")

#: Words of a note that states the scoring rules (备注: 得分=权重*B/A …): such a note is kept as
#: evidence for choosing the rules profile.
RULE_NOTE_WORDS: Final[tuple[str, ...]] = ("计分", "得分", "分值区间", "权重")

#: Traditional forms of the characters of this vocabulary (labels, categories, level words) and their
#: simplified ones: some web page stores serve a published form in traditional characters
#: (``項目資金 (萬元)``, ``產出指標``).  Labels and level names are compared, and categories
#: recorded, through this fold; other text is kept as written.  Derived from the CUHK
#: traditional/simplified table (as packaged by hanziconv, Apache-2.0) for the characters that
#: occur in the vocabulary, one-to-many variants left out.
TRADITIONAL: Final = "並來係備價優別劃務問單執報實專對屬後態應戶撥據擬數時會標權況滿濟環產産當碼稱簽級結經綜總績續聯與萬蓋號製見計設評話說調論證負財責買資質購較轉辦進達門開階際電響項預題額類體"
SIMPLIFIED: Final = "并来系备价优别划务问单执报实专对属后态应户拨据拟数时会标权况满济环产产当码称签级结经综总绩续联与万盖号制见计设评话说调论证负财责买资质购较转办进达门开阶际电响项预题额类体"
TRADITIONAL_FOLD: Final = str.maketrans(TRADITIONAL, SIMPLIFIED)
#: Pinyin a page store inserts after a character in parentheses: ``項(xiàng)目``.
PINYIN_MARKS: Final = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ"

__all__ = [
    "AMOUNT_UNITS",
    "FORM_LABELS",
    "GRADE_WORDS",
    "NAME_MARKS",
    "OF_WHICH",
    "PERIOD_PATTERN",
    "PINYIN_MARKS",
    "PLACEHOLDERS",
    "RULE_NOTE_WORDS",
    "SIMPLIFIED",
    "TEMPLATE_FILLERS",
    "TEMPLATE_NAME_PREFIX",
    "TICKED_MARKS",
    "TRADITIONAL",
    "TRADITIONAL_FOLD",
    "UNTICKED_MARKS",
]
