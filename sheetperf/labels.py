"""Every Chinese text a finance officer reads, in one place.

Form labels, column headers of frames and summary sheets, validation messages,
CLI table headers.  Code and identifiers stay English; views look words up here.
"""

from __future__ import annotations

from typing import Final

FORM_TITLES: Final[dict[str, str]] = {
    "self_evaluation": "财政项目支出绩效自评表",
    "goal_table": "财政项目支出绩效目标表",
}

#: Official labels of the record fields (paths as in the record JSON).
FIELD_LABELS: Final[dict[str, str]] = {
    "form": "表单类型",
    "year": "年度",
    "department": "主管部门",
    "implementing_unit": "实施单位",
    "project_name": "项目名称",
    "slug": "项目代号",
    "funds": "项目资金(万元)",
    "funds.total": "年度资金总额",
    "funds.current_year_appropriation": "当年财政拨款",
    "funds.carryover": "上年结转资金",
    "funds.other": "其他资金",
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
    "execution_rate": "执行率(%)",
    "weight": "分值",
    "score": "得分",
    "goal_expected": "预期目标",
    "goal_actual": "实际完成情况",
    "indicators": "绩效指标",
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "deviation": "偏差原因分析及改进措施",
    "total_weight": "总分值",
    "total_score": "总分",
    "grade": "评分等级",
    # goal table
    "applicant_unit": "申报单位名称",
    "project_category": "项目类别",
    "planned_start": "计划开始日期",
    "planned_end": "计划完成日期",
    "government_procurement": "是否含有政府购买服务",
    "performance_type": "绩效类型",
    "budget_yuan": "项目预算(元)",
    "budget_yuan.project_total": "项目总预算(元)",
    "budget_yuan.current_year": "项目当年预算(元)",
    "budget_yuan.prior_year_same_project": "同名项目上年预算额(元)",
    "budget_yuan.prior_year_same_project_executed": "同名项目上年预算执行数(元)",
    "texts.overview": "项目概况",
    "texts.basis": "立项依据",
    "texts.necessity": "项目设立的必要性",
    "texts.safeguards": "保证项目实施的制度、措施",
    "texts.implementation_plan": "项目实施计划",
    "texts.objectives": "总目标及阶段性目标",
    "note": "备注",
}

SEVERITY_LABELS: Final[dict[str, str]] = {"error": "错误", "warning": "警告", "notice": "提示"}
