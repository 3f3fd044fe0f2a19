"""Every Chinese text a finance officer reads, in one place.

Form labels, column headers of frames and summary sheets, validation messages,
CLI table headers.  Code and identifiers stay English; views look words up here.
"""

from __future__ import annotations

import re
from typing import Final

from sheetperf.vocab import words

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
    "funds.special_account": "财政专户管理资金",
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
    "measures": "改进措施",
    # regional keys of the self-evaluation
    "filing_unit": "填报单位",
    "filing_date": "填报日期",
    "project_attribute": "项目属性",
    "project_type": "项目类型",
    "indicator_points": "绩效指标分值",
    "level1_points": "一级指标分值",
    "texts.other_matters": "其他需要说明事项",
    "texts.conclusion": "评价结论",
    "texts.problems": "存在问题",
    "texts.measures": "改进措施",
    "texts.deviation_analysis": "偏差大或目标未完成原因分析",
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
    "budget_yuan.current_year_appropriation": "其中：财政拨款(元)",
    "budget_yuan.current_year_other": "其中：其他资金(元)",
    "texts.overview": "项目概况",
    "texts.basis": "立项依据",
    "texts.necessity": "项目设立的必要性",
    "texts.safeguards": "保证项目实施的制度、措施",
    "texts.implementation_plan": "项目实施计划",
    "texts.objectives": "总目标及阶段性目标",
    "note": "备注",
}

_INDICATOR_PATH: Final = re.compile(r"^indicators\[(\d+)\]\.(\w+)$")


def field_label(path: str) -> str:
    """A record path as a finance officer names it: ``indicators[2].actual`` → 第 3 项指标实际完成值,
    ``funds.total.executed`` → 年度资金总额全年执行数, ``texts.basis`` → 立项依据."""
    match = _INDICATOR_PATH.match(path)
    if match:
        return f"第 {int(match.group(1)) + 1} 项指标{FIELD_LABELS.get(match.group(2), match.group(2))}"
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "funds":
        return FIELD_LABELS.get(f"funds.{parts[1]}", parts[1]) + FIELD_LABELS.get(parts[2], parts[2])
    return FIELD_LABELS.get(path, path)


SEVERITY_LABELS: Final[dict[str, str]] = {"error": "错误", "warning": "警告", "notice": "提示"}

# --- Validation: rule codes → Chinese explanation of the rule (the HTML report and CLI show these).
RULE_TITLES: Final[dict[str, str]] = {
    "execution_rate": "执行率与资金数额不符",
    "budget_score": "预算执行得分计算错误",
    "budget_over_100": "执行率超过 100%",
    "budget_deviation_missing": "预算执行率偏低，缺少偏差说明",
    "funds_sum": "资金总额不等于其中各项之和",
    "indicator_score": "指标得分计算错误",
    "qualitative_band": "定性指标得分超出其达成等级的区间",
    "score_over_weight": "得分超过分值",
    "score_missing": "得分未填写",
    "unscorable": "指标无法计分",
    "actual_is_word": "定量指标的实际完成值填写为文字",
    "level_for_quantitative": "定量指标填写了达成等级",
    "deviation_missing": "缺少偏差原因分析及改进措施",
    "over_completion": "超额完成，需说明原因",
    "weight_total": "分值合计不等于 100",
    "total_weight": "总分值与各项分值之和不符",
    "total_score": "总分与各项得分之和不符",
    "total_cap": "总分超过执行率对应的上限",
    "grade": "评分等级与总分不符",
    "level1_split": "一级指标分值分配与指导比例不同",
    "unknown_category": "指标类别不在规范框架内",
    "required_field": "必填项为空",
    "no_indicators": "没有绩效指标",
    "weights_not_printed": "表单没有指标分值列",
    "level1_points": "一级指标标明的分值与其下指标不符",
    "indicator_points": "绩效指标标明的分值与各部分不符",
    # consolidation (issue 6)
    "superseded": "同一项目有更新的版本，本表未汇总",
    "text_truncated": "文字超过 Excel 单元格上限，汇总表中已截断",
    # goal tables (issue 7) and goal drift (issue 5)
    "legacy_category": "一级指标使用旧版指标体系名称",
    "goal_category_missing": "绩效目标表缺少必备的一级指标类别",
    "target_missing": "指标目标值未填写",
    "target_placeholder": "指标目标值含占位符",
    "target_unparseable": "定量目标值无法解析",
    "target_no_unit": "定量目标值没有计量单位",
    "goal_indicator_dropped": "绩效目标表中的指标在自评表中缺失",
    "goal_indicator_added": "自评表中有绩效目标表以外的指标",
    "goal_target_changed": "年度指标值与绩效目标表不一致",
    "goal_unit_changed": "计量单位与绩效目标表不一致",
    "goal_weight_changed": "分值与绩效目标表不一致",
    "goal_missing": "未找到对应的绩效目标表",
    "goal_ambiguous": "对应的绩效目标表不止一张",
    # workbook rules (issue 5)
    "formula_overwritten": "模板公式被改为手填数值",
    "formula_changed": "模板公式被修改",
    "locked_content_changed": "模板锁定内容被修改",
    "layout_version": "模板版式版本不同",
    "score_without_inputs": "得分有值但计分依据为空",
    "cached_value": "公式的计算结果与重新计算不符",
    "error_value": "单元格含错误值",
    # returns in every format (formats issue)
    "input_missing": "必填的输入项为空",
    "form_empty": "表单未填写",
    "not_a_number": "数字单元格中填写了无法识别的内容",
    "number_as_text": "数字以文字形式填写，已换算读取",
    "formula_lost": "另存为 .xls 时模板公式失效",
    "formulas_not_checked": "此格式下未能核对的模板检查",
}

RULE_EXPLANATIONS: Final[dict[str, str]] = {
    "execution_rate": "执行率(%) = 全年执行数 ÷ 全年预算数 × 100，保留两位小数。",
    "budget_score": "预算执行得分 = min(执行率 ÷ 100, 1) × 分值，按规则配置的小数位数（通常两位）四舍五入。",
    "budget_over_100": "执行数超过预算数时按满分计，但应核实数据。",
    "budget_deviation_missing": "执行率低于本地区规定比例时应说明偏差原因。",
    "funds_sum": "年度资金总额应等于当年财政拨款、上年结转资金与其他资金之和。",
    "indicator_score": "正向指标：实际值≥目标值得满分，否则按 实际值÷目标值 × 分值；反向指标：实际值≤目标值得满分，否则按规则扣分。",
    "qualitative_band": "定性指标的得分应在其达成等级的区间内，区间由规则配置确定（全国通用：达成指标为分值的 80%–100%；部分达成并具有一定效果为 60%–80%；未达成且效果较差为 0–60%）。",
    "score_over_weight": "任何指标的得分不得超过其分值，也不得为负。",
    "score_missing": "已填写实际完成值的指标应有得分。",
    "unscorable": "无法根据年度指标值和实际完成值计分，请检查填写内容。",
    "actual_is_word": "定量指标的实际完成值应填写数值及单位，例如 98.00(%)。",
    "level_for_quantitative": "定量指标一般填写实际数值，按达成等级计分时请核实。",
    "deviation_missing": "得分低于分值（或超额完成）的指标须填写偏差原因分析及改进措施。",
    "over_completion": "实际完成值达到目标值的规定倍数以上仍得满分，但须说明原因（目标可能定得过低）。",
    "weight_total": "预算执行分值与各指标分值合计应为 100 分。",
    "total_weight": "总分值应等于预算执行分值与各指标分值之和。",
    "total_score": "总分 = 预算执行得分 + 各指标得分（各项先按规则配置的小数位数四舍五入再相加）。",
    "total_cap": "规则配置按执行率限定总分时（例如执行率低于 80% 的总分最高 89 分），总分不得超过上限，评分等级按限定后的总分确定。",
    "grade": "优：≥90；良：80–90；中：60–80；差：<60（按所选规则配置）。",
    "level1_split": "国家指导：产出 50、效益 30、满意度 10（原则上），不同分配仅作提示。",
    "unknown_category": "一级、二级指标应使用规范的指标体系名称。",
    "required_field": "项目名称、主管部门、实施单位等为必填项。",
    "no_indicators": "自评表应至少有一项绩效指标。",
    "weights_not_printed": "有的地区的自评表不列每项指标的分值（权重），各指标得分无法逐项按规则核对；分值不会被臆造，只核对合计、一级指标标明的分值和偏差说明。",
    "level1_points": "一级指标名称中标明的分值（如“产出指标(50分)”）应等于其下各指标分值之和；没有分值列时，其下各指标得分之和不应超过标明的分值。",
    "indicator_points": "“年度绩效目标(80分)”等标明的绩效指标分值应等于各一级指标标明的分值之和，并与预算执行分值合计为满分。",
    # consolidation (issue 6)
    "superseded": "同一项目（年度、主管部门、实施单位、项目名称相同）出现在多个文件中时，汇总修改时间最新的文件（时间相同取路径排序靠后者），其余列为已被替代。",
    "text_truncated": "Excel 的一个单元格最多容纳 32,767 个字符；更长的文字在汇总工作簿中截断并注明，CSV 文件中保留全文。",
    # goal tables (issue 7) and goal drift (issue 5)
    "legacy_category": "2020 年前后的绩效目标表使用“投入与管理、产出目标、效果目标、影响力目标、满意度”等旧名称；产出目标视为产出指标，效果目标和影响力目标视为效益指标，满意度视为满意度指标，投入与管理在现行体系中由预算执行体现。建议改用现行名称。",
    "goal_category_missing": "绩效目标表应在规则要求的每个一级指标（如产出指标、效益指标、满意度指标）下至少设一项指标。",
    "target_missing": "每项指标都应填写指标目标值，自评时据此计分。",
    "target_placeholder": "“**”“××”等占位符应替换为实际目标值。",
    "target_unparseable": "定量目标应写成“比较符 数值(单位)”，例如 ≥98(%)、=1(场)；一个单元格里写几个条件时无法计分，宜拆成几项指标。",
    "target_no_unit": "定量目标应注明计量单位，例如 =144(项)、≥90(%)。",
    "goal_indicator_dropped": "自评表的绩效指标应与年初批复的绩效目标表一致，不得删减指标。",
    "goal_indicator_added": "自评表中新增的指标不在年初批复的绩效目标表中；如目标已按程序调整，请附调整依据。",
    "goal_target_changed": "自评时应以年初设定的指标目标值为准，不得擅自修改目标值。",
    "goal_unit_changed": "计量单位改变会使目标值失去可比性，应与绩效目标表一致。",
    "goal_weight_changed": "分值与绩效目标表不同，请核实是否经过调整。",
    "goal_missing": "核对指标漂移需要本项目本年度的绩效目标表；按项目名称、年度和单位匹配。",
    "goal_ambiguous": "同一项目、同一年度找到多张绩效目标表，请只提供最终批复的一张。",
    # workbook rules (issue 5)
    "formula_overwritten": "模板中的计算单元格（执行率、得分、总分、等级）由公式自动计算，不应手工填写数值；请恢复模板公式或重新下载模板。",
    "formula_changed": "模板中的公式与下发时不同，计算结果不可信；请恢复原公式或重新下载模板。",
    "locked_content_changed": "下发模板中锁定的内容（指标名称、目标值、分值等）与下发时的指纹不符，说明被改动过；如需调整请联系财政部门。",
    "layout_version": "工作簿由另一版本的模板生成，版式可能不同，请使用当前下发的模板。",
    "score_without_inputs": "得分应依据年度指标值和实际完成值计算；实际完成值或分值为空时不应给分。",
    "cached_value": "公式单元格保存的计算结果与按规则重新计算的结果不同，可能是文件保存时未重新计算或公式被改动。",
    "error_value": "#DIV/0!、#VALUE!、#REF!、#NAME? 等错误值说明公式引用或输入有误，须修正后再报送。",
    "input_missing": "报送的表单中，全年预算数、全年执行数、每项指标的实际完成值、实际完成情况（自评表）和各项文字说明（绩效目标表）都须填写；空着无法计分，也不能视为完成。",
    "form_empty": "表单的填写区全部为空，像是把未填写的模板交了回来；请填写后重新报送。",
    "not_a_number": "金额、分值、执行率等数字单元格应填写数字；填写的内容无法识别为数字（或单位无法换算）时按未填写处理，须改正。",
    "number_as_text": "数字单元格中填写了带单位或格式的文字（如 1.42万元、1,420,000元、98%），已换算为该栏的单位读取；但表中的公式不把文字当作数字，自动计算的执行率和得分会是空的，请改填数字。",
    "formula_lost": "Excel 97–2003 (.xls) 格式装不下的公式（函数参数或嵌套层数超过该格式的上限，或用了 2007 版以后的函数），LibreOffice 另存时会写成 =NA()：重新打开后得分、总分和评分等级都显示 #N/A，表中保存的是另存前算出的旧结果。请另存为 .xlsx 或 .ods 报送。",
    "formulas_not_checked": "读取 .xls 文件时不还原公式的内容，只知道哪些单元格是公式：公式被改写为数值能发现，公式被修改则无法核对；锁定内容仍按模板指纹核对。",
}

#: Messages of the validator's checks added for returns in every format (nothing empty passes,
#: numbers typed as text, formulas a format lost); the older checks still word theirs inline.
#: Messages about a record JSON file (sheetperf/model/record.py).
RECORD_MESSAGES: Final[dict[str, str]] = {
    "not_number": "字段 {key} 应为数字，实为 {value!r}",
    "not_text_list": "字段 {key} 应为文字列表，实为 {raw!r}",
    "unknown_form": "未知的表单类型 form={form!r}（应为 self_evaluation、goal_table 或 monitoring）",
    "not_points_table": "字段 {key} 应为对象（一级指标 → 分值），实为 {raw!r}",
    "not_object": "字段 {key} 应为对象，实为 {raw!r}",
    "not_json_object": "记录应为 JSON 对象",
    "not_finite": "字段 {key} 应为有限的数字，实为 {value!r}",
    "not_utf8": "不是 UTF-8 编码的 JSON 文件",
    "json_syntax": "JSON 格式错误（第 {lineno} 行第 {colno} 列）：{msg}",
    "unreadable": "无法读取文件：{strerror}",
    "bad_points": "字段 {key}.{name} 应为分值或 [下限, 上限]，实为 {value!r}",
    "budget_not_number": "字段 budget_yuan.{key} 应为数字，实为 {value!r}",
    "record_number": "第 {index} 条记录：",
}

#: Messages of the LibreOffice recalculation (sheetperf/io/recalc.py).
RECALC_MESSAGES: Final[dict[str, str]] = {
    "no_soffice": "未安装 LibreOffice（soffice）：请安装 libreoffice-calc",
    "duplicate_stems": "待转换的文件名（不含扩展名）重复",
    "same_folder": "输出目录不能与输入文件所在目录相同",
    "not_converted": "LibreOffice 未能转换 {count} 个文件（{names}）：{detail}",
    "timeout": "LibreOffice 转换超时（{timeout:.0f} 秒）",
}

VALIDATION_MESSAGES: Final[dict[str, str]] = {
    # profile rules: caps on the total, the deduction for a target set too low
    "total_cap": "总分填写为 {stated}，执行率 {rate}% 低于 {below}%，按{profile}规则总分最高为 {cap}",
    "total_capped": "，执行率低于 {below}% 时最高为 {cap}",
    "over_target_deducted": "（实际完成值达到目标值的 {ratio}% 及以上，按目标设定偏低扣减分值的 {deduct}%）",
    "input_missing": "{label}（{cell}）未填写，请填写",
    "input_missing_indicator": "第 {n} 项指标“{name}”的{label}未填写，请填写",
    "form_empty": "表单的填写区全部为空（{what}都未填写），请填写后重新报送",
    "form_empty_what_self": "项目资金、实际完成值、实际完成情况",
    "form_empty_what_goal": "项目信息、文字说明、绩效指标",
    "not_a_number": "{label}（{cell}）应填写数字，填写为“{text}”，无法识别，按未填写处理",
    "not_a_number_unit": "{label}（{cell}）应填写{unit}数，填写为“{text}”，单位“{written}”无法换算，按未填写处理",
    "number_as_text": "{label}（{cell}）填写的是文字“{text}”，已按 {value}（{unit}）读取；表中公式不把文字当作数字，请改填数字 {value}",
    "number_as_text_plain": "{label}（{cell}）填写的是文字“{text}”，已按 {value}（{unit}）读取",
    "formula_lost": "本表另存为 Excel 97–2003 (.xls) 时有 {count} 个模板公式变成了 =NA()（{cells}）：重新打开后得分、总分和评分等级都将显示 #N/A，表中保存的是另存前的结果；请另存为 .xlsx 或 .ods 后重新报送",
    "formulas_not_checked": ".xls 文件不还原公式的内容：已核对模板公式是否被改写为数值和锁定内容是否改动，未核对公式本身是否被修改",
    "deviation_missing": "{who}得分 {shown} 低于分值 {weight}，须填写偏差原因分析及改进措施",
    "deviation_missing_both": "{who}得分填写为 {stated}（按规则应为 {expected}），低于分值 {weight}，须填写偏差原因分析及改进措施",
    "locked_changed": "{label}是模板下发时锁定的内容，现为{now}，与下发时不同；请按下发的模板恢复，或与财政部门确认后重新下发模板",
    "locked_changed_was": "{label}是模板下发时锁定的内容，下发时为{was}，现为{now}；请按下发的模板恢复，或与财政部门确认后重新下发模板",
    "formula_overwritten": "{label}（{cell}）原为模板公式，现为{now}；请恢复公式或重新下载模板",
    "formula_overwritten_figure": "{label}（{cell}）原为模板公式（按规则应为 {figure}），现为{now}；请恢复公式或重新下载模板",
    "overwritten_typed": "手填数值 {value}",
    "overwritten_blank": "空白或手填内容",
    "helper_errors": "本行 {count} 个隐藏计算单元格（{cells}）的值为错误值 {error}：模板公式无法计算，请检查本行填写的内容，或重新下载模板",
    # findings of checks/validation.py, one entry per message
    "who": "第 {index} 项指标“{name}”",
    "empty_value": "（空）",
    "indicator_short": "第 {k} 项“{name}”",
    "locked_project": "项目信息",
    "locked_indicators": "指标名称与目标值",
    "locked_weights": "分值",
    "locked_content_changed": "模板锁定的内容（{covered}）与下发时不同（指纹 {actual}… ≠ {expected}…），说明锁定单元格被改动过；用 --goals 给出本项目的绩效目标表可逐项指出改动之处",
    "goal_source": "{source}{where}",
    "score_without_inputs": "预算执行得分填写为 {stated_score}，但年度资金总额的{empty}为空，得分没有依据",
    "budget_over_100": "执行率 {rate}% 超过 100%，预算执行按满分计，请核实执行数",
    "budget_deviation_missing": "执行率 {rate}% 低于 {threshold}%（{title}规则），应说明偏差原因",
    "unknown_category": "{who}的一级指标“{level1}”不在{title}规则的指标体系内",
    "score_over_weight": "{who}得分 {stated} 超出 0–{weight} 的范围",
    "level_for_quantitative": "{who}年度指标值为定量（{target}），实际完成值填写的是达成等级",
    "weights_not_printed": "表单没有指标分值（权重）列：{scored} 项指标得分无法逐项按规则核对，只核对合计与一级指标分值",
    "total_weight_sum": "总分值填写为 {stated_weight}，各项分值合计为 {total_weight}",
    "weight_total": "预算执行与各指标分值合计为 {total_weight}，应为 {total_weight2}",
    "form_deviation_missing": "{shown}指标未完成目标或得分低于分值，须填写{label}",
    "indicator_points": "预算执行 {budget} 分与绩效指标 {indicator_points} 分合计应为 {total_weight} 分",
    "error_value": "单元格 {a1}{label}的值为错误值 {errors}，请修正公式或所引用的数据",
    "layout_version": "本表由版式版本 {version} 的模板生成，当前版本为 {layout_version}：模板公式与锁定内容按旧版无法核对，请改用当前下发的模板",
    "goal_no_indicators": "绩效目标表没有任何绩效指标",
    "target_missing": "{who}没有填写指标目标值",
    "goal_indicator_dropped": "{source}（{goal_name}{where}）中的指标“{name}”（{level1}/{level2}，目标值 {target}）在{form}中没有出现",
    "goal_indicator_added": "第 {index} 项指标“{name}”不在{source}（{goal_name}）中，{form}指标应与年初设定的绩效目标一致",
    "goal_ambiguous": "有 {candidates} 张同名项目的绩效目标表（{names}），无法确定按哪一张核对，请只给出本年度的一张",
    "goal_missing": "给出的绩效目标表中没有项目“{project_name}”（{year}）的目标表，未核对指标与目标值",
    "required_field": "{label}未填写",
    "rate_wrong": "{label}执行率填写为 {stated}%，按全年执行数 {executed} ÷ 全年预算数 {annual_budget} 应为 {execution_rate}%",
    "funds_sum": "年度资金总额的{label}为 {total}，其中各项合计为 {part_sum}",
    "level2_outside": "{who}的二级指标“{level2}”不属于一级指标“{level1}”",
    "deviation_expected": "偏差原因分析及改进措施",
    "over_completion": "{who}实际完成值 {actual} 达到目标 {target} 的 {over_completion_ratio:.0f}% 以上，须说明原因",
    "total_missing": "总分未填写，按规则应为 {total_score}",
    "grade_missing": "评分等级未填写，按总分 {accepted} 应为“{expected_grade}”",
    "grade_wrong": "评分等级填写为“{grade}”，按核定的总分 {accepted} 应为“{expected_grade}”",
    "level1_split": "{level1}分值合计为 {actual}，指导比例为 {guide}",
    "more_items": "等 {short} 项",
    "level1_points_sum": "绩效指标标明 {indicator_points} 分，各一级指标标明的分值合计为 {level_sum}",
    "formula_with_text": "公式 {shown}",
    "formula_plain": "公式",
    "blank": "空白",
    "helper_column": "第 {index} 项指标的隐藏计算列",
    "helper_cell": "隐藏计算单元格",
    "name_missing": "第 {index} 项指标的三级指标名称未填写",
    "goal_category_missing": "绩效目标表没有“{category}”类的指标，{title}规则要求每类至少一项",
    "target_placeholder": "{who}的指标目标值“{text}”含占位符，请填写实际数值",
    "goal_target_changed": "{who}的年度指标值填写为“{target}”，{source}设定为“{target2}”",
    "goal_weight_changed": "{who}的分值填写为 {stated_weight}，{source}为 {goal_weight}",
    "qualitative_band": "{who}实际完成为“{text}”，得分应在 {score} 内，填写为 {stated}",
    "actual_is_word": "{who}为定量指标（{target}），实际完成值却填写为“{text}”，请填写数值",
    "score_missing": "{who}得分未填写，按规则应为 {score}",
    "total_wrong": "总分填写为 {stated_total}，各项得分合计为 {part_sum}{limit}（重新计算为 {total_score}）",
    "level1_points": "一级指标“{name}”标明 {shown} 分，其下各指标分值合计为 {total}",
    "no_indicators": "自评表没有任何绩效指标",
    "cached_value": "{message}；该单元格是{what}，其保存的结果与按规则重新计算的不符",
    "goal_unknown_category": "一级指标“{level1}”不在{title}规则的指标体系内（{who}起）",
    "target_unparseable": "{who}的指标目标值“{text}”以比较符开头，却不是“比较符 数值 单位”的形式，自评时无法按定量计分；可拆成几项指标",
    "goal_unit_changed": "{who}的计量单位为“{stated_unit}”，{source}为“{goal_unit}”（{target} / {target2}）",
    "budget_score_wrong": "预算执行得分填写为 {stated_score}，按执行率 {rate}% 应为 {budget_score}",
    "budget_score_no_rate": "预算执行得分填写为 {stated_score}，但全年预算数为空或为 0、无法计算执行率，应为 {budget_score}",
    "reverse_full_marks": "（反向指标未达到目标却给了满分）",
    "indicator_score": "{who}得分填写为 {stated}，按年度指标值 {target} 与实际完成值 {actual} 应为 {score}{detail}",
    "indicator_without_inputs": "{who}得分填写为 {stated}，但{empty}为空，得分没有依据",
    "level1_scores": "一级指标“{name}”标明 {shown} 分，其下各指标得分合计却为 {scores}",
    "unknown_version": "（未知）",
    "formula_changed": "{label}（{a1}）的公式被修改：现为 {0}，模板为 {1}",
    "legacy_means": "视为“{category}”",
    "legacy_no_match": "现行指标体系中没有对应类别",
    "legacy_category": "一级指标“{level1}”是旧版指标体系的名称，{meaning}",
    "target_no_unit": "{who}的指标目标值“{text}”没有计量单位",
    "year_missing": "年度未填",
    "unscorable": "{who}填写了得分 {stated}，但{reason}，无法核对",
}

# --- Choosing the rules profile from what a form states (--profile auto; rules/choose.py).
PROFILE_CHOICE_MESSAGES: Final[dict[str, str]] = {
    "profile": "规则配置 {name}（{title}）",
    "profile_reason": "{head}：{reason}",
    "given": "按 --profile 选项（未给出时为默认规则配置）",
    "template": "按模板中记录的规则配置",
    "nothing_stated": "表中未列出评分规则，按默认规则配置",
    "agrees": "与表中所列规则一致（{stated}）",
    "none_agrees": "没有与表中所列规则（{stated}）一致的规则配置，按默认规则配置核对，请用 --profile 指定",
    "stated_budget": "预算执行 {points} 分",
    "stated_indicators": "绩效指标 {points} 分",
    "stated_bands": "定性指标分档下限 {bands}%",
    "stated_sep": "，",
    "auto_title": "自动（按各表所列规则选择，见各表）",
}

# --- Terminal tables (sheetperf score / validate).
TABLE_HEADERS: Final[dict[str, str]] = {
    "project": "项目名称",
    "execution_rate": "执行率",
    "grade": "评分等级",
    "item": "项目",
    "weight": "分值",
    "score": "得分",
    "budget": "预算执行",
    "total": "总分",
    "not_applicable": "不适用",
    "severity": "级别",
    "location": "位置",
    "rule": "规则",
    "message": "说明",
    "file": "文件",
}

CLI_MESSAGES: Final[dict[str, str]] = {
    "error_prefix": "错误",
    "goal_table_not_scored": "绩效目标表不计分，已跳过",
    "monitoring_not_scored": "绩效监控表不计分，已跳过（执行率与进度预警见 validate）",
    "no_findings": "未发现问题",
    "findings_summary": "共发现：{summary}",
}

# --- Reader (sheetperf read): why a workbook cannot be read, notices about skipped sheets,
# and the column headers of the projects/indicators frames and CSV files.
READER_MESSAGES: Final[dict[str, str]] = {
    "empty_file": "文件为空（0 字节），请重新导出工作簿",
    "not_workbook": "不是 Excel/WPS 工作簿（.xlsx/.xlsm/.xls/.ods），请另存为 .xlsx 后重试",
    "not_xlsx": "压缩包内没有工作簿内容，不是有效的 .xlsx 文件，请用 Excel/WPS 另存为 .xlsx",
    "encrypted": "工作簿已加密（设置了打开密码），请在 Excel/WPS 中取消密码后另存再读取",
    "corrupt_zip": "文件已损坏，无法解压（{detail}），请重新导出或另存为 .xlsx",
    "unreadable": "无法读取文件：{detail}",
    "missing_part": "工作簿缺少组成部分 {part}，文件可能已损坏，请另存为 .xlsx 后重试",
    "too_many_members": "压缩包内有 {count} 个文件，超过上限 {limit}，疑似压缩炸弹，已拒绝读取",
    "member_too_large": "压缩包成员 {member} 解压后 {mb} MB，超过上限 {limit} MB，已拒绝读取",
    "total_too_large": "解压后共 {mb} MB，超过上限 {limit} MB，疑似压缩炸弹，已拒绝读取",
    "compression_ratio": "压缩包成员 {member} 的压缩比为 {ratio}:1，疑似压缩炸弹，已拒绝读取",
    "member_lies": "压缩包成员 {member} 的实际大小与目录记录不符，疑似恶意文件，已拒绝读取",
    "doctype": "工作簿部件 {part} 含有 DOCTYPE/实体声明，疑似 XML 炸弹，已拒绝读取",
    "bad_xml": "工作簿部件 {part} 不是有效的 XML（{detail}），文件可能已损坏",
    "bad_cell_ref": "工作表「{sheet}」中有无效的单元格地址 {ref}，文件可能已损坏",
    "bad_string_index": "工作表「{sheet}」单元格 {ref} 引用了不存在的共享字符串，文件可能已损坏",
    "too_many_cells": "工作表「{sheet}」的单元格超过 {limit} 个，已拒绝读取",
    "calamine_failed": "无法读取工作簿（{detail}），请用 Excel/WPS 另存为 .xlsx 后重试",
    "no_form": "没有找到绩效自评表或绩效目标表（已检查 {count} 个工作表）：请确认表中有「一级指标」「三级指标」等表头",
    "no_sheets": "工作簿中没有工作表",
    "sheet_skipped": "工作表「{sheet}」中没有找到表单，已跳过",
    "sheet_hidden_skipped": "隐藏工作表「{sheet}」中没有找到表单，已跳过",
    "xls_values_only": "未能读取这个 .xls 文件中的公式、错误值和数字格式（文件结构不是 Excel 97–2003 的 BIFF8 格式），只读取了保存的数值：数值按存储值读取（例如 98 而非 98.00(%)），公式和锁定内容以外的模板检查无法进行",
    "funds_in_yuan": "工作表「{sheet}」的项目资金以元为单位，已换算为万元",
    "formula_uncalculated": "工作表「{sheet}」有 {count} 个公式单元格没有保存计算结果（文件由程序生成后未经 Excel、WPS 或 LibreOffice 打开保存），这些数值按缺失处理",
    "bad_number": "工作表「{sheet}」单元格 {cell}（{field}）应为数字，实为「{text}」，按缺失处理",
    "number_text": "工作表「{sheet}」单元格 {cell} 填写的是文字「{text}」，已按 {value}（{unit}）读取；表中公式不把文字当作数字，请改填数字",
    "failed_files": "{count} 个文件读取失败",
    "missing_file": "文件不存在",
    "folder_not_workbook": "不是工作簿或记录 JSON（{suffix}），已跳过",
    "folder_lock_file": "Office/WPS/LibreOffice 打开工作簿时产生的锁定文件，已跳过",
    "skipped_file": "{path}：{reason}",
    "skipped_files": "{count} 个文件未读取（不是工作簿、锁定文件、链接或特殊文件，原因见上）",
    "read_summary": "共读取 {forms} 张表单（{files} 个文件）",
}

#: Frame columns that are record fields, headed by the field's label.
_FRAME_FIELDS: Final = (
    "form", "year", "project_name", "department", "implementing_unit", "slug", "applicant_unit", "project_category",
    "planned_start", "planned_end", "government_procurement", "performance_type", "goal_expected", "goal_actual",
    "total_weight", "total_score", "grade", "level1", "level2", "name", "target", "actual", "weight", "score",
    "deviation",
)  # fmt: skip
#: Chinese headers of the projects / indicators frames (sheetperf read --csv, the table view).
FRAME_COLUMN_LABELS: Final[dict[str, str]] = {
    "form_id": "表单编号",
    "file": "文件",
    "sheet": "工作表",
    **{key: FIELD_LABELS[key] for key in _FRAME_FIELDS},
    "total_initial_budget": "年初预算数(万元)",
    "total_annual_budget": "全年预算数(万元)",
    "total_executed": "全年执行数(万元)",
    "total_execution_rate": "执行率(%)",
    "budget_weight": "预算执行分值",
    "budget_score": "预算执行得分",
    "current_year_appropriation_initial_budget": "当年财政拨款·年初预算数",
    "current_year_appropriation_annual_budget": "当年财政拨款·全年预算数",
    "current_year_appropriation_executed": "当年财政拨款·全年执行数",
    "current_year_appropriation_execution_rate": "当年财政拨款·执行率(%)",
    "carryover_initial_budget": "上年结转资金·年初预算数",
    "carryover_annual_budget": "上年结转资金·全年预算数",
    "carryover_executed": "上年结转资金·全年执行数",
    "carryover_execution_rate": "上年结转资金·执行率(%)",
    "other_initial_budget": "其他资金·年初预算数",
    "other_annual_budget": "其他资金·全年预算数",
    "other_executed": "其他资金·全年执行数",
    "other_execution_rate": "其他资金·执行率(%)",
    "budget_project_total_yuan": FIELD_LABELS["budget_yuan.project_total"],
    "budget_current_year_yuan": FIELD_LABELS["budget_yuan.current_year"],
    "budget_prior_year_yuan": FIELD_LABELS["budget_yuan.prior_year_same_project"],
    "budget_prior_year_executed_yuan": FIELD_LABELS["budget_yuan.prior_year_same_project_executed"],
    "indicator_count": "指标数",
    "position": "序号",
    "target_kind": "指标值类型",
    "target_operator": "比较符",
    "target_value": "目标数值",
    "target_unit": "目标单位",
    "actual_kind": "完成值类型",
    "actual_value": "实际数值",
    "actual_unit": "实际单位",
    "actual_level": "达成等级",
    "cell": "单元格",
    "forms": "表单数",
    "profile": "规则配置",
}

# --- Templates (layout.py / writer.py): sheet names and the fixed texts printed on the forms.
SHEET_NAMES: Final[dict[str, str]] = {
    "self_evaluation": "绩效自评表",
    "goal_table": "绩效目标表",
    "instructions": "填表说明",
    "lists": "下拉选项",
}

#: Fixed texts of the forms, keyed by the name a layout spec uses (``"text": "funds_block"``).
FORM_TEXTS: Final[dict[str, str]] = {
    "self_evaluation_title": "财政项目支出绩效自评表",
    "goal_table_title": "财政项目支出绩效目标表",
    "project_name": "项目名称",
    "department": "主管部门",
    "implementing_unit": "实施单位",
    "funds_block": "项目资金\n(万元)",  # two lines in the narrow column A, as printed
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
    "fund_weight": "分数",
    "execution_rate": "执行率(%)",
    "fund_score": "得分",
    "funds.total": "年度资金总额:",
    "funds.current_year_appropriation": "其中: 当年财政拨款",
    "funds.carryover": "上年结转资金",
    "funds.other": "其他资金",
    "dash": "-",
    "goal_block": "年度总体\n目标",  # two lines in column A
    "goal_expected": "预期目标",
    "goal_actual": "实际完成情况",
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "deviation": "偏差原因分析及改进措施",
    "total_score": "总分",
    "grade": "评分等级",
    # goal table
    "applicant_unit": "申报单位名称：",
    "project_name_colon": "项目名称：",
    "project_category": "项目类别：",
    "planned_start": "计划开始日期：",
    "planned_end": "计划完成日期：",
    "government_procurement": "是否含有政府购买服务：",
    "performance_type": "绩效类型：",
    "texts.overview": "项目概况：",
    "texts.basis": "立项依据：",
    "texts.necessity": "项目设立的必要性：",
    "texts.safeguards": "保证项目实施的制度、措施：",
    "texts.implementation_plan": "项目实施计划：",
    "texts.objectives": "总目标及阶段性目标：",
    "budget_block": "本项目上年度市级财政资金使用情况",
    "budget_yuan.project_total": "项目总预算（元）：",
    "budget_yuan.current_year": "项目当年预算（元）：",
    "budget_yuan.prior_year_same_project": "同名项目上年预算额（元）：",
    "budget_yuan.prior_year_same_project_executed": "同名项目上年预算执行数（元）：",
    "goal_heading": "绩效目标",
    "goal_level1": "一级目标",
    "goal_level2": "二级目标",
    "goal_name": "三级目标",
    "goal_target": "指标目标值",
}

#: Number formats that carry Chinese words: the year line shows the number 2023 as "(2023 年度)".
#: The text section shows a blank template's year cell (a single space) as "(      年度)".
YEAR_LINE_FORMAT: Final = '"("0" 年度)";"("-0" 年度)";"("0" 年度)";"("@"      年度)"'
GOAL_YEAR_LINE_FORMAT: Final = '"("0"年度)";"("-0"年度)";"("0"年度)";"("@"      年度)"'
#: The heading of a goal table's indicator block: "2020年绩效目标" (a formula joins year and text).
GOAL_HEADING_SUFFIX: Final = "年绩效目标"

# --- Text import (importtext.py): problems reported for lines of a published disclosure, and the
# words of such texts besides the form labels (those are vocab.form_labels.FORM_LABELS, the one
# table the workbook reader uses too). The importer holds no Chinese of its own: it matches these.
IMPORT_PROBLEMS: Final[dict[str, str]] = {
    "outside_form": "不属于任何表单的文字，未导入",
    "after_form": "表单结束（评分等级）之后的文字，未导入",
    "unplaced_row": "无法识别的行，未导入",
    "unplaced_fragment": "无法确定所属栏目的续行文字，未导入",
    "short_row": "指标行缺少栏目，已按从右到左的顺序填入，请核对",
    "extra_cells": "指标行多出的单元格，未导入",
    "fund_values": "资金行的数值个数与表头不符，请核对",
    "not_a_number": "应为数字，未能识别，未导入",
    "unknown_heading": "未识别的标题行，已跳过",
    "empty_form": "表单标题之后没有找到表单内容，未导入",
    "total_mismatch": "总分与各项得分之和不符，已按原文导入，请核对",
}
#: Why a form found in a text is refused rather than returned with misplaced fields.
IMPORT_REFUSALS: Final[dict[str, str]] = {
    "level1": "第 {n} 项指标的一级指标“{value}”不是指标类别",
    "level2": "第 {n} 项指标的二级指标“{value}”不是指标类别",
    "no_name": "第 {n} 项指标没有三级指标名称",
    "bare_name": "第 {n} 项指标的三级指标名称“{value}”只是数字或符号",
    "bare_target": "第 {n} 项指标的年度指标值“{value}”只是符号或单位",
    "label_in_value": "{field}“{value}”含有表头文字“{label}”",
    "total": "总分 {stated} 与各项得分之和 {parts} 不符",
}
IMPORT_MESSAGES: Final[dict[str, str]] = {
    "no_forms": "未找到任何绩效自评表或绩效目标表：请确认文件是从 PDF 表单提取的文字",
    "decode": "无法识别文件编码（已尝试 UTF-8、UTF-16、GB18030）：请另存为 UTF-8 文本后重试",
    "too_large": "文件过大（超过 {limit} MB），不像是表单文字：请检查文件",
    "unreadable": "无法读取文件：{reason}",
    "binary": "文件含有二进制内容，不是提取出的文字：请先用 pdftotext 等工具提取",
    "json_and_output": "--json 与 -o 只能选一个",
    "problems": "{count} 处文字未能导入或需要核对：",
    "written": "已写入 {path}",
    "no_findings": "校验通过，未发现问题",
    "findings": "校验发现 {count} 个问题：",
    "imported": "共导入 {count} 张表单",
    "refused": "{where}: 表单“{project}”的栏目无法确定对应关系，未导入：{reasons}。请核对原文，或将该表整理为每行一条指标后重试",
}
#: Prefix of a funding row label that says "of which" (其中: 当年财政拨款).
IMPORT_OF_WHICH: Final = "其中"
#: Words that make a short line the title of a form (compared without spaces).
IMPORT_TITLE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "self_evaluation": ("绩效自评表", "目标自评表"),  # 绩效目标自评表 (Anhui) is a self-evaluation
    "goal_table": ("绩效目标表",),
}
#: A title with one of these is another form (部门整体支出绩效自评表), not a project form.
IMPORT_OTHER_FORMS: Final[tuple[str, ...]] = ("部门整体", "整体支出")
#: The year line under a title: "(2023 年度)"; the words after the number.
IMPORT_YEAR_WORDS: Final[tuple[str, ...]] = ("年度", "年")
#: Section headings inside a goal table that belong to no field (compared by ending).
IMPORT_HEADING_ENDINGS: Final[tuple[str, ...]] = ("资金使用情况", "绩效目标", "绩效指标")
#: A footnote under a table starts with one of these; it continues no cell.
IMPORT_NOTE_WORDS: Final[tuple[str, ...]] = (
    "注:",
    "注：",
    "说明:",
    "说明：",
    "备注",
    "填表说明",
    "填报说明",
    "填表人",
    "填报人",
)
#: Page numbers a PDF extraction leaves between rows: "第 3 页", "第3页 共5页".
IMPORT_PAGE_WORDS: Final[tuple[str, str, str]] = ("第", "页", "共")
#: Category names of older frameworks (the 2020 Shanghai goal table) beside those of the profiles:
#: level-1 names, and the short level-2 names (数量 for 数量指标). 满意度 serves as both.
IMPORT_KNOWN_LEVEL1: Final[tuple[str, ...]] = ("投入与管理", "产出目标", "效果目标", "影响力目标", "满意度")
IMPORT_KNOWN_LEVEL2: Final[tuple[str, ...]] = (
    "财务管理",
    "实施管理",
    "数量",
    "质量",
    "时效",
    "成本",
    "经济效益",
    "社会效益",
    "生态效益",
    "可持续影响",
    "服务对象满意度",
    "满意度",
    # the older framework's catch-all level 2 (影响力目标 / 其它)
    "其它",
    "其他",
)
# --- Distribution and return tracking (sheetperf distribute / status).
#: Roster column headers a user may write, per field; the first is the canonical Chinese header.
#: Matching ignores case, spaces, full-width forms and a trailing "(...)" note.
ROSTER_HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "year": ("年度", "年份", "year"),
    "department": ("主管部门", "主管单位", "department"),
    "implementing_unit": ("实施单位", "申报单位", "申报单位名称", "implementing_unit", "unit"),
    "project_name": ("项目名称", "项目", "project_name", "project"),
    "source": (
        "绩效目标表",
        "目标表",
        "目标表路径",
        "目标表文件",
        "记录",
        "记录文件",
        "source",
        "goal_table",
        "record",
    ),
    "weights": ("分值", "指标分值", "weights"),
}

#: Columns of manifest.csv / manifest.xlsx (field → header).
MANIFEST_HEADERS: Final[dict[str, str]] = {
    "form_id": "表单编号",
    "form": "表单类型",
    "year": "年度",
    "department": "主管部门",
    "implementing_unit": "实施单位",
    "project_name": "项目名称",
    "path": "文件",
    "fingerprint": "模板指纹",
    "locked": "锁定内容",
    "weights_source": "分值来源",
    "source": "目标表来源",
}

#: Where the weights of a pre-filled self-evaluation came from (manifest column 分值来源).
WEIGHT_SOURCE_LABELS: Final[dict[str, str]] = {
    "roster": "名册",
    "goal_table": "绩效目标表",
    "record": "记录文件",
    "profile_split": "按一级指标比例分配",
    "none": "无指标",
}

DISTRIBUTE_MESSAGES: Final[dict[str, str]] = {
    "roster_missing": "名册不存在，请给出 CSV、XLSX 名册或绩效目标表所在的文件夹",
    "roster_type": "不支持的名册类型 {suffix}：请给出 .csv、.xlsx、.xls、.et、.ods 名册或文件夹",
    "roster_encoding": "名册不是 UTF-8 或 GB18030 编码的 CSV，请用 Excel/WPS 另存为「CSV UTF-8」",
    "roster_empty": "名册中没有项目（第一行应为表头：年度、主管部门、实施单位、项目名称）",
    "roster_no_header": "名册第 1 行缺少列 {missing}；可用的表头：{allowed}",
    "roster_duplicate_header": "名册第 1 行的「{first}」与「{second}」都表示{field}，请只保留一列",
    "roster_required": "名册第 {row} 行的「{column}」为空，请填写",
    "roster_year": "名册第 {row} 行的年度「{value}」不是年份，请填写如 2024 的四位年份",
    "roster_no_year": "名册第 {row} 行没有年度：请在名册中填写年度，或用 --year 指定",
    "roster_source_missing": "名册第 {row} 行的目标表文件「{value}」不存在",
    "roster_source_unreadable": "名册第 {row} 行的目标表文件无法读取：{detail}",
    "roster_source_count": "名册第 {row} 行的目标表文件「{value}」中有 {count} 张表单，请每个项目给出一张",
    "weights_syntax": "名册第 {row} 行的分值「{value}」无法识别：请写每项指标的分值（如 20;10;15），或一级指标的分值（如 产出指标:50;效益指标:30;满意度指标:10）",
    "weights_count": "名册第 {row} 行给出 {given} 个分值，而目标表有 {count} 项指标，请逐项对应",
    "weights_level1_unknown": "名册第 {row} 行的分值中有一级指标「{name}」，但目标表中没有该类指标",
    "weights_level1_missing": "名册第 {row} 行的分值没有给出一级指标「{name}」的分值",
    "weights_no_indicators": "名册第 {row} 行给出了分值，但没有目标表指标可分配",
    "folder_empty": "文件夹中没有绩效目标表（.xlsx/.xlsm/.xls/.ods/.json）",
    "folder_not_goal_table": "不是绩效目标表（{form}），已跳过",
    "folder_department": "{file}：没有所在的主管部门文件夹，主管部门按申报单位「{unit}」填写",
    "outdir_has_manifest": "输出文件夹中已有分发清单 {name}：重新分发会生成新的表单编号，请换一个输出文件夹",
    "outside_outdir": "生成的路径 {path} 不在输出文件夹内，已停止",
    "weights_spread": "{count} 个项目的名册和目标表都没有给出指标分值，已按规则配置「{profile}」的一级指标比例（{split}）分配，见清单「分值来源」列：{projects}",
    "partial_goal_weights": "{project}：目标表只有部分指标填写了分值，已忽略并按一级指标比例分配",
    "no_goal_table": "{count} 个项目没有绩效目标表，已生成只含项目信息的空白自评表：{projects}",
    "summary": "已生成 {count} 份{form}，分属 {departments} 个主管部门，清单：{manifest}",
}

#: Return status of a project (sheetperf status).
RETURN_STATUS_LABELS: Final[dict[str, str]] = {
    "returned": "已交回",
    "missing": "未交回",
    "duplicate": "重复交回",
    "tampered": "锁定内容被改动",
    "unknown": "不属于任何项目",
    "unreadable": "无法读取",
}

STATUS_HEADERS: Final[dict[str, str]] = {
    "status": "状态",
    "department": "主管部门",
    "implementing_unit": "实施单位",
    "project_name": "项目名称",
    "count": "交回份数",
    "files": "交回文件",
    "file": "文件",
    "reason": "说明",
    "path": "分发文件",
    "form_id": "表单编号",
}

STATUS_MESSAGES: Final[dict[str, str]] = {
    "manifest_missing": "分发清单不存在，请给出 distribute 生成的 manifest.csv 或 manifest.xlsx",
    "manifest_type": "分发清单应为 manifest.csv 或 manifest.xlsx，实为 {suffix}",
    "manifest_columns": "分发清单缺少列 {missing}，请使用 distribute 生成的清单",
    "manifest_empty": "分发清单中没有项目",
    "manifest_row": "分发清单第 {row} 行：{detail}",
    "no_files": "没有找到交回的文件（.xlsx/.xlsm/.xls/.ods/.json）",
    "path_missing": "路径不存在",
    "no_match": "不属于清单中的任何项目",
    "not_a_form_file": "不是工作簿（{suffix}），请报送单位交回分发的 .xlsx 文件",
    "ambiguous": "与清单中 {count} 个同名项目都相符，无法判断属于哪一个",
    "tampered_detail": "{file}：锁定内容（项目信息、指标或目标值）与分发时不同",
    "projects_title": "各项目交回情况",
    "unknown_title": "其他文件（不属于任何项目，或无法读取）",
    "summary": "共 {total} 个项目：已交回 {returned}，未交回 {missing}，重复交回 {duplicate}，锁定内容被改动 {tampered}；不属于任何项目的文件 {unknown} 个，无法读取的文件 {unreadable} 个",
    "sheet_projects": "交回情况",
    "sheet_unknown": "其他文件",
    "xlsx_written": "已写出 {path}",
}

# --- Validation report (sheetperf validate --html) and annotated copies (--annotate).
REPORT_LABELS: Final[dict[str, str]] = {
    "title": "绩效表单校验报告",
    "generated": "生成时间",
    "profile": "评分规则",
    "files": "文件",
    "forms": "表单",
    "clean_forms": "无错误的表单",
    "contents": "目录",
    "failed_title": "无法读取的文件",
    "no_findings": "未发现问题",
    "severity": "级别",
    "cell": "单元格",
    "rule": "规则",
    "stated": "填报值",
    "expected": "应为",
    "message": "说明",
    "sheet": "工作表",
    "empty": "（空）",
    "none": "—",
    "form_problems": "{errors} 个错误，{warnings} 个警告，{notices} 个提示",
    "footer": "本报告由 sheetperf 根据填报内容重新计算生成；“应为”一栏是按所选评分规则重新计算或与绩效目标表核对的结果。",
    "indicator_n": "第 {n} 项指标",
}

ANNOTATE_MESSAGES: Final[dict[str, str]] = {
    "comment_author": "sheetperf 校验",
    "comment_line": "【{severity}】{message}",
    "comment_expected": "（填报：{stated}；应为：{expected}）",
    "sheet_level": "（表级问题）",
    "not_annotatable": "{suffix} 文件无法写入批注，已跳过（请另存为 .xlsx 后重试）",
    "no_findings": "未发现问题，不生成批注副本",
    "written": "已写出批注副本 {path}（{cells} 个单元格）",
    "same_as_source": "批注副本不能覆盖原文件：{path}",
    "html_written": "已写出校验报告 {path}",
    "cannot_write": "无法写出 {path}：{detail}",
    "goals_not_goal_table": "{path}：{name} 不是绩效目标表，已忽略",
    "goals_none": "--goals 给出的文件中没有绩效目标表",
    "cannot_annotate": "无法为此工作簿生成批注副本（openpyxl 打不开它：{detail}），校验结果不受影响；可在 Excel/WPS 中打开并另存为 .xlsx 后再试",
    "too_large_to_annotate": "工作表「{sheet}」有 {count} 个单元格（含合并区域），超过批注副本的上限 {limit}（MAX_ANNOTATE_CELLS），未生成批注副本；校验结果不受影响",
}

# --- fill (filler.py, `sheetperf fill`): putting a record's inputs into a template.
FILL_MESSAGES: Final[dict[str, str]] = {
    "not_record": "只能填写绩效自评表或绩效目标表记录，收到的是 {kind}",
    "not_template": "不是 sheetperf 生成的模板（缺少模板信息），请先用 sheetperf template 生成模板",
    "layout_version": "模板版式版本为 {found}，本程序为 {expected}：请用当前版本的 sheetperf template 重新生成模板",
    "wrong_form": "模板是{template}，记录是{record}：请使用对应表单的模板",
    "too_many_indicators": "记录有 {count} 项指标，模板只有 {capacity} 行指标：请用 sheetperf template --from 生成预填模板",
    "indicator_count": "记录有 {count} 项指标，预填模板锁定了 {capacity} 项：记录与模板不是同一个项目，请使用为该项目生成的模板",
    "locked_mismatch": "工作表「{sheet}」单元格 {cell}（{field}）已锁定为「{template}」，记录中为「{record}」：请使用为该项目生成的模板",
    "fingerprint_mismatch": "记录的项目信息或指标与预填模板锁定的内容不一致（指纹不符）：请使用为该项目生成的模板",
    "missing_sheet": "模板中没有工作表「{sheet}」或该表已损坏：请重新生成模板",
    "formula_cell": "工作表「{sheet}」单元格 {cell}（{field}）是公式单元格，不能填写：模板已被改动，请重新生成模板",
    "merged_cell": "工作表「{sheet}」单元格 {cell}（{field}）位于以 {anchor} 开头的合并区域内，无法单独填写：请重新生成模板",
    "not_number": "{field} 应为数字，记录中为「{value}」：请改为数字",
    "bad_char": "{field} 含有工作簿无法保存的控制字符 {code}：请删除该字符后重试",
    "too_long": "工作表「{sheet}」单元格 {cell}（{field}）的文字有 {count} 个字符，超过 Excel 单元格的上限 {limit}：请删减后重试",
    "indicator_field": "第 {n} 项指标的{field}",
    "unreadable": "无法打开模板：{detail}",
    "several_records": "记录文件含有 {count} 条记录，fill 一次只填写一条：请把要填写的记录单独存为一个 JSON 文件",
    "no_records": "记录文件中没有记录",
    "same_file": "输出文件不能与模板相同：{path}",
    "written": "已填写：{path}",
    "cannot_write": "无法写出 {path}：{detail}",
}

# --- Consolidation (sheetperf consolidate): summary sheets, their column headers, the file
# statuses of 文件清单 and the messages of the command.
SUMMARY_SHEETS: Final[dict[str, str]] = {
    "overview": "总览",
    "projects": "项目汇总",
    "indicators": "指标明细",
    "findings": "校验问题",
    "files": "文件清单",
    "departments": "主管部门统计",
    "missing": "未交回",
}

#: Headers of the summary tables; keys shared with the reader's frames keep their words.
SUMMARY_COLUMN_LABELS: Final[dict[str, str]] = {
    **FRAME_COLUMN_LABELS,
    "form": "表单类型",
    "total_execution_rate": "执行率(%)（填报）",
    "recomputed_execution_rate": "执行率(%)（重算）",
    "budget_score": "预算执行得分（填报）",
    "recomputed_budget_score": "预算执行得分（重算）",
    "total_score": "总分（填报）",
    "recomputed_total_score": "总分（重算）",
    "grade": "评分等级（填报）",
    "recomputed_grade": "评分等级（重算）",
    "errors": "错误数",
    "warnings": "警告数",
    "notices": "提示数",
    "score": "得分（填报）",
    "recomputed_score": "得分（重算）",
    "rule_applied": "计分规则",
    "field": "字段",
    "rule": "规则代码",
    "rule_title": "问题类型",
    "severity": "级别",
    "stated": "填报值",
    "expected": "应为",
    "message": "说明",
    "status": "状态",
    "reason": "原因",
    "forms": "表单数",
    "kept_forms": "汇总表单数",
    "size": "大小(字节)",
    "sha256": "SHA-256",
    "modified": "修改时间",
    "notes": "附注",
    "projects": "项目数",
    "annual_budget_total": "全年预算数合计(万元)",
    "executed_total": "全年执行数合计(万元)",
    "department_execution_rate": "执行率(%)",
    "average_score": "平均分（重算）",
    "grade_count": "{grade}（个）",
    "manifest_match": "分发清单",
    "distributed_file": "分发文件",
}

#: Status of an input file in 文件清单.
FILE_STATUS_LABELS: Final[dict[str, str]] = {
    "ok": "成功",
    "failed": "失败",
    "no_form": "无表单",
    "superseded": "已被替代",
    "skipped": "已跳过",
    "own_output": "已跳过（sheetperf 输出）",
}

#: The scoring rule applied to an indicator (values of scoring.Rule).
SCORING_RULE_LABELS: Final[dict[str, str]] = {
    "positive": "正向指标",
    "reverse": "反向指标",
    "range": "区间指标",
    "qualitative": "定性指标",
    "not_applicable": "不适用",
    "unscored": "无法计分",
}

#: Why an indicator could not be scored (scoring.IndicatorScore.reason; the sheet leaves its score empty).
UNSCORED_REASONS: Final[dict[str, str]] = {
    "no_weight": "分值未填写",
    "no_actual": "实际完成值未填写",
    "needs_level": "定性指标应选择达成等级",
    "not_a_number": "定量指标的实际完成值不是数字",
}

FORM_SHORT_TITLES: Final[dict[str, str]] = {
    "self_evaluation": "绩效自评表",
    "goal_table": "绩效目标表",
    "monitoring": "绩效监控表",
}

CONSOLIDATE_MESSAGES: Final[dict[str, str]] = {
    "lock_file": "Office 锁定文件（有人打开该工作簿时产生），已跳过",
    "not_workbook": "不是工作簿（{suffix}），已跳过；需要汇总请另存为 .xlsx",
    "json_in_folder": "记录 JSON 不从文件夹中汇总（以免与同名工作簿重复），需要汇总请直接给出文件名",
    "not_regular": "不是普通文件，已跳过",
    "missing": "文件不存在",
    "timeout": "读取超过 {seconds} 秒仍未完成，已中止；请用 Excel/WPS 打开检查后另存为 .xlsx",
    "crashed": "读取时工作进程异常退出（{detail}），文件可能已损坏；请另存为 .xlsx 后重试",
    "internal": "读取时出现程序错误（{detail}），请把该文件报告给维护者",
    "unexpected": "无法读取文件（{detail}），请另存为 .xlsx 后重试",
    "superseded_file": "全部 {count} 张表单已被更新的文件替代：{newer}",
    "superseded_some": "{count} 张表单已被更新的文件替代：{newer}",
    "cut_mark": "……（已截断：原文 {count} 字，全文见 CSV 或原表）",
    "cut_finding": "「{column}」的文字有 {count} 个字符，超过单元格上限 {limit}，汇总表中已截断（{table}第 {row} 行）",
    "superseded_finding": "项目“{project}”在更新的文件 {newer}（工作表「{sheet}」）中也有，本表未汇总",
    "summary_line": "共 {files} 个文件（{statuses}）；汇总 {projects} 个项目；{findings}",
    "missing_line": "未交回 {missing} 个项目（见「{sheet}」表）；不属于分发清单中任何项目的文件 {unknown} 个",
    "written": "已写出 {path}",
    "cannot_write": "无法写出汇总文件：{detail}",
    "output_is_input": "汇总文件不能覆盖输入的工作簿，请换一个输出文件名",
    "progress": "汇总",
    "output_folder_missing": "汇总文件所在的文件夹不存在，请先创建",
    "no_goal_tables": "没有找到绩效目标表，请检查 --goals 给出的文件或文件夹",
    "no_department": "（未填写）",
    "chart_grades": "各主管部门评分等级分布",
    "chart_scores": "各主管部门平均分（重算）",
    "chart_axis_projects": "项目数",
    "chart_axis_score": "平均分",
}

#: Page footer of every table sheet sheetperf writes (Excel code &P: the page number, counted from 1 in each sheet).
PRINT_LABELS: Final[dict[str, str]] = {
    "footer": "第 &P 页",
}

#: The 总览 sheet of the summary: the collection on one screen and one printed page.
OVERVIEW_LABELS: Final[dict[str, str]] = {
    "title": "绩效表单汇总总览",
    "profile": "规则配置：{profile}",
    "counts": "概况",
    "money": "资金与得分（绩效自评表）",
    "files": "文件数",
    "files_ok": "读取成功的文件",
    "files_failed": "读取失败的文件",
    "files_other": "无表单或已跳过的文件",
    "forms": "表单数",
    "projects": "汇总项目数",
    "of_which": "其中：{form}",
    "superseded": "已被替代的表单",
    "distributed": "分发项目数",
    "missing": "未交回项目数",
    "not_in_manifest": "不属于任何项目的文件",
    "annual_budget": "全年预算数合计(万元)",
    "executed": "全年执行数合计(万元)",
    "execution_rate": "总执行率(%)",
    "average_score": "平均分（重算）",
    "lowest_score": "最低分（重算）",
    "grades_title": "评分等级分布",
    "grade": "评分等级",
    "count": "项目数",
    "rates_title": "执行率分布",
    "rate_band": "执行率",
    "no_grade": "未评分",
    "departments_title": "错误最多的主管部门",
    "department": "主管部门",
    "department_errors": "错误数",
    "department_warnings": "警告数",
    "lowest_title": "得分最低的项目",
    "project": "项目名称",
    "score": "总分（重算）",
    "rules_title": "问题按规则",
    "rule": "问题类型",
    "severity": "级别",
    "findings": "条数",
    "none": "（无）",
    "more": "另有 {count} 项见「{sheet}」",
}

#: Bands of the execution-rate chart of 总览: (lower bound inclusive, label); the last is open.
RATE_BANDS: Final[tuple[tuple[float, str], ...]] = (
    (0, "<60%"),
    (60, "60–80%"),
    (80, "80–90%"),
    (90, "90–100%"),
    (100, "≥100%"),
)

# --- Template writer: input prompts, validation messages, the 填表说明 sheet, CLI messages.
TEMPLATE_PROMPTS: Final[dict[str, tuple[str, str]]] = {
    # key: (input title ≤ 32 characters, input message ≤ 255 characters)
    "year": ("年度", "填写四位数年度，例如 2023。"),
    "text": ("请填写", "直接输入文字。"),
    "amount": ("金额（万元）", "填写数字，保留两位小数，例如 35.00；没有则填 0。"),
    "yuan": ("金额（元）", "填写数字（元），例如 5535000。"),
    "level1": ("一级指标", "从下拉列表中选择，例如 产出指标、效益指标、满意度指标。"),
    "level2": ("二级指标", "从下拉列表中选择，例如 数量指标、质量指标、时效指标。"),
    "name": ("三级指标", "填写具体指标名称。"),
    "target": (
        "年度指标值",
        "按表样填写，例如 ≥98(%)、=30(人次)、≤5(%)、150-200项；定性指标直接写文字，例如 第三季度。",
    ),
    "actual": (
        "实际完成值",
        "定量指标填写数值及单位，例如 98.00(%)；定性指标从下拉列表选择达成等级；不适用的指标选“不适用”。",
    ),
    "weight": ("分值", "填写 0–100 之间的数字；预算执行分值与各指标分值合计应为 100。"),
    "deviation": ("偏差原因分析及改进措施", "得分低于分值或超额完成的指标必须填写（未填写时单元格标红）。"),
}

TEMPLATE_ERRORS: Final[dict[str, tuple[str, str]]] = {
    "year": ("年度无效", "请填写 2000–2100 之间的四位数年度。"),
    "amount": ("金额无效", "请填写不小于 0 的数字（万元）。"),
    "yuan": ("金额无效", "请填写不小于 0 的数字（元）。"),
    "weight": ("分值无效", "请填写 0–100 之间的数字。"),
    "category": ("类别不在列表中", "该类别不在规范指标体系中，确定要使用吗？"),
}

#: Extra choice of the achievement-level dropdown besides the three levels (a word the parser knows).
NOT_APPLICABLE_CHOICE: Final = words.NOT_APPLICABLE_CHOICE

#: The 填表说明 sheet; {placeholders} are filled from the rules profile (a line that comes out
#: empty, such as the caps of a profile without any, is left out).
INSTRUCTIONS: Final[tuple[str, ...]] = (
    "填表说明",
    "一、填写范围",
    "浅黄色单元格为填写区，其余单元格已锁定（工作表保护，无需密码即可查看）。",
    "预先填好的项目信息、绩效指标、年度指标值和分值由财政部门下达，不得修改；如需调整请联系主管部门。",
    "二、怎样填写",
    "项目资金以万元为单位，保留两位小数；没有的资金来源填 0。",
    "年度指标值按表样填写：≥98(%)、=30(人次)、≤5(%)、150-200项；定性指标直接写文字（例如 第三季度）。",
    "实际完成值：定量指标填写数值及单位，例如 98.00(%)；定性指标从下拉列表选择达成等级。",
    "不适用的指标在实际完成值中选择“不适用”，该指标不计分，其余指标分值按比例折算{rescale}。",
    "得分低于分值或超额完成（达到目标值的 {over} 倍及以上）的指标，必须填写偏差原因分析及改进措施；未填写时单元格标红。",
    "三、怎样计分（规则配置：{profile}）",
    "满分 {total_weight} 分：预算执行 {budget_weight} 分，绩效指标 {indicator_weight} 分。",
    "执行率(%) = 全年执行数 ÷ 全年预算数 × 100（保留两位小数）；预算执行得分 = min(执行率 ÷ 100, 1) × {budget_weight}。",
    "正向指标（≥、>、=）：实际值≥目标值得满分，否则得 分值 × 实际值 ÷ 目标值。",
    "{over_target}",
    "反向指标（≤、<）：实际值≤目标值得满分，否则{reverse}。",
    "定性指标按达成等级计分：达成指标得分值的 {achieved}%（评价时可在 {achieved_band} 内确定）；部分达成指标并具有一定效果得 {partial}%（{partial_band}）；未达成指标且效果较差得 {not_achieved}%（{not_achieved_band}）。",
    "各项得分{decimals}（四舍五入），总分 = 预算执行得分 + 各指标得分。",
    "{caps}",
    "评分等级：{grades}。",
    "四、其他",
    "得分、总分和评分等级由公式自动计算，打开文件时重新计算；请勿覆盖公式单元格。",
    "本表由 sheetperf 生成，隐藏的辅助列用于解析年度指标值和实际完成值，请勿删除行列。",
)

INSTRUCTION_PARTS: Final[dict[str, str]] = {
    "rescale_on": "（保持总分不变）",
    "rescale_off": "（本规则配置不折算）",
    "reverse_ratio": "得 分值 × 目标值 ÷ 实际值（不超过分值）",
    "reverse_linear": "得 分值 × (1 − (实际值 − 目标值) ÷ 目标值)，最低为 0",
    "over_target": "实际值达到正向目标值的 {ratio} 倍及以上的，视为目标设定偏低，得分为分值的 {keep}%（扣减 {deduct}%）。",
    "decimals_0": "取整数",
    "decimals_1": "保留一位小数",
    "decimals_2": "保留两位小数",
    "band_inclusive": "{low}% ≤ 得分比例 ≤ {high}%",
    "band_exclusive": "{low}% ≤ 得分比例 < {high}%",
    "cap_item": "执行率低于 {below}% 的，总分最高 {max} 分",
    "cap_sep": "；",
    "caps": "总分按执行率设上限：{items}（评分等级按限定后的总分确定）。",
    "grade_item": "{name} ≥ {min}",
    "grade_sep": "；",
}

# --- Rules profiles (rules/profiles.py, `sheetperf profiles`): errors in a profile file, and the
# Chinese name of every setting as `sheetperf profiles show` prints it.
PROFILE_MESSAGES: Final[dict[str, str]] = {
    "bad_list": "{where}：{key} 应为至少两项、互不重复的文字列表",
    "unreadable": "无法读取规则配置文件：{detail}",
    "encoding": "规则配置文件不是 UTF-8 编码，请另存为 UTF-8 后重试",
    "syntax": "规则配置文件格式错误：{detail}",
    "unknown_profile": "未知的规则配置 {name!r}；可用：{available}，或给出 .toml 文件路径",
    "cycle": "规则配置循环继承：{chain}",
    "chain_sep": " → ",
    "top_level": "（顶层）",
    "list_sep": "、",
    "not_table": "{where}: 设置 {key} 应为表（[{key}] 或 {{ … }}）",
    "not_array": "{where}: 设置 {key} 应为数组（[[{key}]] 或 [ … ]）",
    "unknown_key": "{where}: 未知的设置 {keys}；允许的设置：{allowed}",
    "missing": "{where}: 规则配置 {name!r} 缺少设置 {key}（或用 inherits 继承一个完整的配置，如 national）",
    "not_number": "{where}: 设置 {key} 应为数字，实为 {value!r}",
    "out_of_range": "{where}: 设置 {key} 为 {value}，应在 {range}",
    "at_least": "{low} 及以上",
    "between": "{low}–{high} 之间",
    "bad_text": "{where}: 设置 {key} 应为非空文字，实为 {value!r}",
    "not_bool": "{where}: 设置 {key} 应为 true 或 false，实为 {value!r}",
    "bad_choice": "{where}: 设置 {key} 为 {value!r}，应为 {allowed} 之一",
    "no_total": "{where}: budget_weight 与 indicator_weight 之和应大于 0",
    "band_order": "{where}: {key} 的下限 {low} 应小于上限 {high}",
    "band_default": "{where}: {key} 的默认值 {default} 不在区间 {band} 内",
    "no_grades": "{where}: grades 至少应有一个评分等级",
    "grades_repeat": "{where}: grades 中的等级名称或最低分重复",
    "caps_order": "{where}: total_caps 中各项的 below 不能重复，且 below 越低 max 不能越高",
}

#: The settings as `sheetperf profiles show` prints them: label of each line, and the words of its values.
PROFILE_LABELS: Final[dict[str, str]] = {
    "name": "名称",
    "title": "适用地区",
    "source": "配置文件",
    "inherits": "继承自",
    "budget_weight": "预算执行分值",
    "indicator_weight": "绩效指标分值",
    "total_weight": "总分值",
    "level1_split": "一级指标分值（指导比例）",
    "decimals": "得分小数位数",
    "reverse_rule": "反向指标未达标时",
    "over_completion_ratio": "超额完成须说明原因",
    "over_target": "目标设定偏低扣分",
    "budget_deviation_below": "执行率低于此值须说明偏差",
    "rescale_not_applicable": "不适用指标",
    "qualitative.achieved": "定性：达成指标",
    "qualitative.partial": "定性：部分达成指标并具有一定效果",
    "qualitative.not_achieved": "定性：未达成指标且效果较差",
    "total_caps": "按执行率限定总分",
    "grades": "评分等级",
    "framework": "指标体系",
    "goal_table": "目标表必备一级指标",
    "monitoring.period": "监控表：监控期间",
    "monitoring.lag_threshold": "监控表：进度滞后预警",
    "monitoring.possibility": "监控表：完成目标可能性",
    "monitoring.reasons": "监控表：偏差原因类别",
}
PROFILE_VALUES: Final[dict[str, str]] = {
    "period": "1-{n} 月（时间进度 {time}%）",
    "lag_threshold": "执行率落后时间进度超过 {value} 个百分点",
    "none": "（无）",
    "off": "不设",
    "points": "{value} 分",
    "decimals": "{value} 位（{example}）",
    "decimals_example_0": "整数",
    "decimals_example_1": "一位小数",
    "decimals_example_2": "两位小数",
    "reverse_ratio": "ratio：分值 × 目标值 ÷ 实际值（不超过分值）",
    "reverse_linear": "linear：分值 × (1 − (实际值 − 目标值) ÷ 目标值)，最低为 0",
    "over_completion": "实际值达到目标值的 {ratio} 倍及以上（仍得满分）",
    "over_target": "实际值达到正向目标值的 {ratio} 倍及以上，扣分值的 {deduct}%",
    "budget_deviation": "{value}%",
    "rescale_on": "不计分，其余指标分值按比例折算",
    "rescale_off": "不计分，其余指标不折算",
    "band": "{band}，默认 {default}%",
    "cap": "执行率低于 {below}% 时总分最高 {max} 分",
    "grade": "{name} ≥ {min}",
    "category": "{level1}：{level2}",
    "sep": "；",
    "list_sep": "、",
    "listing_title": "可用的规则配置（--profile 名称，或 .toml 文件路径）：",
    "default_mark": "（默认）",
}

TEMPLATE_MESSAGES: Final[dict[str, str]] = {
    "written": "已生成：{path}",
    "goal_table_from_self_evaluation": "绩效目标表不能由自评表生成，请给出绩效目标表记录",
    "no_record": "文件中没有表单记录",
    "many_records": "文件中有 {count} 张表单，只使用第一张",
    "bad_year": "年度应为 2000–2100 之间的四位数，实为 {year}",
    "cannot_write": "无法写入文件：{detail}",
}

# --- Hostile and broken workbooks (issue 8: limits.py, hazards.py): limits hit while reading,
# and what a workbook carries that is never run or followed (macros, external links, DDE).
LIMIT_MESSAGES: Final[dict[str, str]] = {
    "bad_row": "工作表「{sheet}」中有无效的行号 {row}，文件可能已损坏",
    "out_of_sheet": "工作表「{sheet}」单元格 {ref} 超出 Excel 工作表范围（{rows} 行 × {cols} 列），文件可能已损坏或被篡改，已拒绝读取",
    "too_many_merges": "工作表「{sheet}」有 {count} 个合并区域，超过上限 {limit}（MAX_MERGES），已拒绝读取",
    "too_many_merged_cells": "工作表「{sheet}」的合并区域共覆盖超过 {limit} 个单元格（MAX_MERGED_CELLS），已拒绝读取",
    "too_many_strings": "共享字符串表超过 {limit} 条（MAX_SHARED_STRINGS），已拒绝读取",
    "strings_too_long": "共享字符串合计超过 {limit} 个字符（MAX_SHARED_STRING_CHARS），已拒绝读取",
    "too_many_tags": "工作簿部件 {part} 有 {count} 个 XML 标记，超过上限 {limit}（MAX_XML_TAGS），已拒绝读取",
    "entity_bomb": "工作簿部件 {part} 含有实体声明或实体引用爆炸，疑似 XML 炸弹，已拒绝读取",
    "encrypted_member": "压缩包成员 {member} 已加密或使用了不支持的压缩方式，请在 Excel/WPS 中取消密码后另存为 .xlsx",
}

#: Rule codes of the hazards found in a workbook package (sheetperf.xlsx.hazards); the validator
#: reports them like any other finding.  Titles and explanations also go into RULE_TITLES /
#: RULE_EXPLANATIONS below, so the HTML report and the CLI show them.
HAZARD_TITLES: Final[dict[str, str]] = {
    "macro_present": "工作簿含有宏（不会运行）",
    "external_link": "工作簿含有外部链接（不会更新）",
    "dde_formula": "单元格含有 DDE 公式（不会执行）",
    "dde_link": "工作簿含有 DDE 链接（不会执行）",
    "embedded_object": "工作簿含有嵌入对象（不会打开）",
}

HAZARD_EXPLANATIONS: Final[dict[str, str]] = {
    "macro_present": "工作簿中有 VBA 宏工程（vbaProject.bin）。sheetperf 从不运行宏，只读取单元格的值；报送的表单不需要宏，请另存为 .xlsx 后再报送。",
    "external_link": "工作簿引用了其他文件中的数据（外部链接）。sheetperf 不打开、不更新链接，只读取保存时的数值；请把引用的数值粘贴为数值后再报送。",
    "dde_formula": "DDE 公式（如 =cmd|' /C calc'!A0、DDEAUTO）可以在打开文件时启动其他程序，是常见的攻击手法。sheetperf 从不执行公式，只读取文件中保存的结果；请删除该公式，并核实文件来源。",
    "dde_link": "工作簿中保存了 DDE 链接（外部程序的数据通道），打开时可能启动其他程序。sheetperf 不执行它；请删除链接，并核实文件来源。",
    "embedded_object": "工作簿中嵌入了其他文件或控件（OLE 对象、ActiveX 控件，位于 xl/embeddings、xl/activeX），其中可能藏有可执行程序，在 Excel 中双击即运行。sheetperf 从不打开它们，只读取单元格；报送的表单不需要嵌入对象，请删除后再报送，并核实文件来源。",
}

HAZARD_MESSAGES: Final[dict[str, str]] = {
    "macro_present": "工作簿含有宏（{part}），sheetperf 从不运行宏，只读取数值",
    "external_link": "工作簿含有外部链接 {target}（{part}），链接不会被打开或更新，读取的是保存时的数值",
    "dde_formula": "工作表「{sheet}」单元格 {cell} 含有 DDE 公式 {formula}，sheetperf 不执行它，只读取保存的结果；请删除该公式并核实文件来源",
    "dde_link": "工作簿含有 DDE 链接 {service}|{topic}（{part}），sheetperf 不执行它；请删除链接并核实文件来源",
    "embedded_object": "工作簿含有 {count} 个嵌入对象（{part}），sheetperf 不打开它们；请删除后再报送并核实文件来源",
}

RULE_TITLES.update(HAZARD_TITLES)
RULE_EXPLANATIONS.update(HAZARD_EXPLANATIONS)

# --- Outputs (io/atomic.py): what is refused before a file is written, and why a write failed.
OUTPUT_KIND_LABELS: Final[dict[str, str]] = {
    "summary": "汇总工作簿",
    "status": "交回情况工作簿",
    "manifest": "分发清单工作簿",
    "annotated": "批注副本",
    "report": "HTML 校验报告",
    "template": "模板",
    "filled": "填写后的工作簿",
    "csv": "CSV 文件",
}

OUTPUT_MESSAGES: Final[dict[str, str]] = {
    "cannot_write": "无法写出{kind}：{reason}；原有文件（如有）保持不变",
    "scratch_failed": "无法在临时文件夹 {folder} 中写入：{reason}；请清理该文件夹，或把环境变量 TMPDIR 指向空间充足的文件夹",
    "folder_missing": "输出文件所在的文件夹不存在，请先创建或改正路径",
    "is_folder": "这是一个文件夹，请给出{kind}的文件名",
    "wrong_suffix": "写出的是{kind}，文件名应以 {expected} 结尾，请改正文件名",
    "open_in_excel": "文件正在 Excel 或 WPS 中打开（旁边有锁定文件 {lock}），请先关闭该文件再运行",
    "open_in_libreoffice": "文件正在 LibreOffice 中打开（旁边有锁定文件 {lock}），请先关闭该文件再运行",
    "read_only": "文件为只读，不会覆盖；请另选文件名，或先取消文件的只读属性",
    "not_ours": "已有同名文件，它不是 sheetperf 写出的{kind}（可能是交回的表单或其他文件），不会覆盖；请另选文件名，或加 --force 覆盖",
    "other_kind": "已有同名文件，它是 sheetperf 写出的{found}，不是{kind}，不会覆盖；请另选文件名，或加 --force 覆盖",
    "sheets_changed": "已有同名的{kind}，但其中的工作表已被改动（如添加或改名了工作表），不会覆盖；请另选文件名，或加 --force 覆盖",
    "exists": "文件已存在，不会覆盖；请另选文件名，或加 --force 覆盖",
    "busy": "另一个 sheetperf 正在写出这个文件，请等它结束后再运行",
    "inputs_missing": "输入文件不存在：{paths}；没有写出任何文件，请检查路径是否写错",
    "interrupted": "已中断，没有写出或改动任何输出文件",
    "or": " 或 ",
    "list": "、",
    "temporary_skipped": "sheetperf 写出时留下的临时文件（写出被中止），不作为表单读取，可以删除",
    "output_skipped": "已跳过（sheetperf 输出）：这是 sheetperf 写出的{kind}，不作为表单读取",
}

# --- click's usage errors, said in Chinese (cli/__init__.py translates them by their kind).
CLI_USAGE_MESSAGES: Final[dict[str, str]] = {
    "no_such_option": "没有选项 {name}",
    "did_you_mean": "，是否想用 {names}",
    "no_such_command": "没有命令 {name}",
    "missing_argument": "缺少参数 {name}",
    "missing_option": "缺少选项 {name}",
    "bad_value": "{name} 的值无效：{detail}",
    "bad_value_plain": "{name} 的值无效",
    "needs_value": "选项 {name} 需要一个值",
    "extra_arguments": "多余的参数：{args}",
    "usage": "用法有误：{detail}",
    "see_help": "（用 {command} -h 查看用法）",
    "not_integer": "「{value}」不是整数",
    "not_number": "「{value}」不是数字",
    "not_choice": "「{value}」不是可选的值（{choices}）",
    "out_of_range": "{value} 不在允许的范围 {range} 内",
    "path_missing": "「{value}」不存在",
    "path_is_folder": "「{value}」是文件夹，这里应给出文件",
    "path_is_file": "「{value}」是文件，这里应给出文件夹",
    "path_unreadable": "「{value}」无法读取",
}

# --- The monitoring form (项目支出绩效目标执行监控表, issue 17) --------------------------------
# ``{n}`` in a text is the form's period: the months 1–N it reports on (a profile setting).
FORM_TITLES["monitoring"] = "项目支出绩效目标执行监控表"
SHEET_NAMES["monitoring"] = "绩效监控表"
FORM_TEXTS.update(
    {
        "monitoring_title": "项目支出绩效目标执行监控表",
        "monitoring_period": "监控期间",
        "m_executed": "1-{n}月执行数",
        "m_execution_rate": "1-{n}月执行率(%)",
        "m_forecast": "全年预计执行数",
        "m_time_progress": "时间进度(%)",
        "m_progress_flag": "进度预警",
        "m_note": "偏差说明",
        "m_goal_block": "年度总体\n目标",
        "m_goal_expected": "年初设定目标",
        "m_goal_progress": "1-{n}月执行情况",
        "m_progress": "1-{n}月执行情况",
        "m_ind_forecast": "全年预计完成情况",
        "m_possibility": "完成目标可能性",
        "m_reasons": "偏差原因类别",
        "m_deviation": "偏差原因分析",
        "m_measures": "相关建议或举措",
        "m_ind_note": "备注",
    }
)
#: The period line of the monitoring form: the number 7 shows as "监控期间：1-7月".
PERIOD_LINE_FORMAT: Final = '"监控期间：1-"0"月"'
#: What the progress flag formula shows: the rate lags time by more than the profile allows, or not.
PROGRESS_FLAGS: Final[dict[str, str]] = {"lagging": "滞后", "normal": "正常"}
FIELD_LABELS.update(
    {
        "period": "监控期间（月）",
        "goal_progress": "1-N月执行情况",
        "forecast": "全年预计执行数",
        "progress": "1-N月执行情况",
        "possibility": "完成目标可能性",
        "reasons": "偏差原因类别",
        "time_progress": "时间进度(%)",
        "progress_flag": "进度预警",
    }
)
TEMPLATE_PROMPTS.update(
    {
        "progress": ("1-N月执行情况", "填写截至监控期末的完成值，例如 45(场)、60(%)；定性指标写进展。"),
        "forecast": ("全年预计完成情况", "预计全年的完成值，例如 ≥98(%)。"),
        "possibility": ("完成目标可能性", "从下拉列表选择；选“确定能”以外的选项时须填写偏差原因分析和相关建议或举措。"),
        "reasons": ("偏差原因类别", "从下拉列表选择主要原因（经费保障、制度保障、人员保障、硬件条件保障、其他）。"),
        "measures": ("相关建议或举措", "完成目标可能性不是“确定能”时必须填写（未填写时单元格标红）。"),
        "note": ("说明", "全年预计执行数超过年初预算数时必须说明原因。"),
    }
)
TEMPLATE_MESSAGES.update(
    {
        "bad_period": "监控期间应为 1–12 之间的月数，实为 {period}",
        "monitoring_from_self_evaluation": "监控表只能由绩效目标表或监控表生成，请给出绩效目标表",
    }
)
RULE_TITLES.update(
    {
        "monitoring_rate": "执行率与资金数额不符",
        "monitoring_time_progress": "时间进度与监控期间不符",
        "monitoring_flag": "进度预警与重新计算不符",
        "monitoring_lag": "预算执行进度明显滞后于时间进度",
        "monitoring_forecast_over_budget": "全年预计执行数超过年初预算数且未说明",
        "monitoring_reason_missing": "完成目标可能性不是“确定能”，缺少偏差原因分析或举措",
        "monitoring_possibility_unknown": "完成目标可能性不在选项中",
        "monitoring_forecast_impossible": "年中预计不能完成的指标自评得满分",
        "monitoring_possibility_missing": "完成目标可能性未填写",
    }
)
RULE_EXPLANATIONS.update(
    {
        "monitoring_rate": "1-N月执行率(%) = 1-N月执行数 ÷ 年初预算数 × 100，保留两位小数。",
        "monitoring_time_progress": "时间进度(%) = N ÷ 12 × 100，保留两位小数。",
        "monitoring_flag": "执行率低于时间进度超过规则配置的阈值时为“滞后”，否则为“正常”。",
        "monitoring_lag": "“双监控”：预算执行进度与时间进度比较，执行率落后时间进度超过规则配置的阈值（百分点）时预警。",
        "monitoring_forecast_over_budget": "全年预计执行数一般不应超过年初预算数；超过时须在偏差说明中写明原因。",
        "monitoring_reason_missing": "完成目标可能性为“有可能”或“不可能”时，须填写偏差原因分析和相关建议或举措。",
        "monitoring_possibility_unknown": "完成目标可能性应从规则配置的选项中选择（如 确定能、有可能、不可能）。",
        "monitoring_forecast_impossible": "年中监控预计不可能完成的指标，年终自评却得满分，应核实。",
        "monitoring_possibility_missing": "每项指标都应判断完成目标可能性。",
    }
)
MONITORING_MESSAGES: Final[dict[str, str]] = {
    "rate": "{row}的1-{n}月执行率填写为 {stated}，按 {executed} ÷ {budget} 应为 {expected}",
    "time_progress": "时间进度填写为 {stated}，1-{n}月应为 {expected}",
    "flag": "进度预警填写为“{stated}”，按执行率 {rate}% 与时间进度 {time}% 应为“{expected}”",
    "lag": "年度资金总额的1-{n}月执行率 {rate}% 落后时间进度 {time}% 达 {gap} 个百分点（阈值 {threshold}）",
    "forecast_over_budget": "{row}的全年预计执行数 {forecast} 超过年初预算数 {budget}，请在偏差说明中写明原因",
    "reason_missing": "第 {n} 项指标“{name}”完成目标可能性为“{possibility}”，须填写{missing}",
    "possibility_unknown": "第 {n} 项指标“{name}”的完成目标可能性“{possibility}”不在选项（{allowed}）中",
    "possibility_missing": "第 {n} 项指标“{name}”没有填写完成目标可能性",
    "forecast_impossible": "第 {n} 项指标“{name}”在监控表（{source}）中预计“{possibility}”完成，自评却得满分 {score}，请核实",
    "and": "和",
    "form_empty_what": "1-N月执行数、全年预计执行数、指标执行情况和完成目标可能性",
    "deviation_or_reasons": "偏差原因分析",
    "measures": "相关建议或举措",
}
#: The word for each form in the goal-drift messages (``…在自评表中没有出现``) and for the form that
#: sets the targets a later form is held to.
DRIFT_WORDS: Final[dict[str, str]] = {
    "self_evaluation": "自评表",
    "monitoring": "监控表",
    "goal_table": "绩效目标表",
}
TEMPLATE_ERRORS["possibility"] = ("选项无效", "请从下拉列表中选择完成目标可能性。")
#: The 填表说明 sheet of a monitoring template; {period}, {time}, {threshold}, {possibility}, {first},
#: {reasons} and {profile} are filled from the rules in force.
MONITORING_INSTRUCTIONS: Final[tuple[str, ...]] = (
    "填表说明",
    "一、填写范围",
    "浅黄色单元格为填写区，其余单元格已锁定（工作表保护，无需密码即可查看）。",
    "预先填好的项目信息、年度总体目标、绩效指标和年度指标值取自绩效目标表，不得修改；如需调整请联系主管部门。",
    "二、怎样填写",
    "项目资金以万元为单位，保留两位小数；1-{period}月执行数填截至{period}月底的实际支出，全年预计执行数填预计全年支出。",
    "全年预计执行数超过年初预算数时，须在该行的偏差说明中写明原因（未填写时单元格标红）。",
    "绩效指标的1-{period}月执行情况填写截至{period}月底的完成值，全年预计完成情况填写预计全年的完成值。",
    "完成目标可能性从下拉列表选择（{possibility}）；不是“{first}”时，须填写偏差原因分析和相关建议或举措（未填写时单元格标红）。",
    "偏差原因类别从下拉列表选择：{reasons}；有几类原因时用“、”分隔。",
    "三、怎样计算（规则配置：{profile}）",
    "1-{period}月执行率(%) = 1-{period}月执行数 ÷ 年初预算数 × 100，保留两位小数。",
    "时间进度(%) = {period} ÷ 12 × 100 = {time}。",
    "执行率落后时间进度超过 {threshold} 个百分点时，进度预警显示“滞后”。",
)
# The 监控汇总 sheet of a consolidation (issue 17): one row per monitoring return, lagging projects first.
SUMMARY_SHEETS["monitoring"] = "监控汇总"
SUMMARY_COLUMN_LABELS.update(
    {
        "period": "监控期间（月）",
        "m_initial_budget": "年初预算数(万元)",
        "m_executed": "1-N月执行数(万元)",
        "m_execution_rate": "执行率(%)（重算）",
        "m_time_progress": "时间进度(%)",
        "m_gap": "落后时间进度（百分点）",
        "m_flag": "进度预警（重算）",
        "m_forecast": "全年预计执行数(万元)",
        "possibility_count": "{possibility}（项）",
        "possibility_other": "未填写或其他（项）",
    }
)
