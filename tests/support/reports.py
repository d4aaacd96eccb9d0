"""Small reports built in code, shared by the document tests: a plain-text report with a
consistent table 三 (``text_report``), the same as an XLSX workbook (``xlsx_report``), the
report dict the validator reads (``make_report``) and a planter of blank cells."""
from __future__ import annotations

import copy
import io
import random
from typing import Any

T3_LABELS = [
    ("1", "一、本年新收政府信息公开申请数量"), ("2", "二、上年结转政府信息公开申请数量"),
    ("3.1", "（一）予以公开"), ("3.2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("3.3.1", "1.属于国家秘密"), ("3.3.2", "2.其他法律行政法规禁止公开"),
    ("3.3.3", "3.危及“三安全一稳定”"), ("3.3.4", "4.保护第三方合法权益"),
    ("3.3.5", "5.属于三类内部事务信息"), ("3.3.6", "6.属于四类过程性信息"),
    ("3.3.7", "7.属于行政执法案卷"), ("3.3.8", "8.属于行政查询事项"),
    ("3.4.1", "1.本机关不掌握相关政府信息"), ("3.4.2", "2.没有现成信息需要另行制作"),
    ("3.4.3", "3.补正后申请内容仍不明确"), ("3.5.1", "1.信访举报投诉类申请"),
    ("3.5.2", "2.重复申请"), ("3.5.3", "3.要求提供公开出版物"),
    ("3.5.4", "4.无正当理由大量反复申请"), ("3.5.5", "5.要求行政机关确认或重新出具已获取信息"),
    ("3.6.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("3.6.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("3.6.3", "3.其他"), ("3.7", "（七）总计"), ("4", "四、结转下年度继续办理"),
]


def sample_values() -> dict[str, list[int]]:
    """A consistent table 三: 5 new + 1 carried = 5 handled + 1 carried over."""
    z = [0] * 7
    v = {k: list(z) for k, _ in T3_LABELS}
    v["1"] = [4, 1, 0, 0, 0, 0, 5]
    v["2"] = [1, 0, 0, 0, 0, 0, 1]
    v["3.1"] = [2, 1, 0, 0, 0, 0, 3]
    v["3.4.1"] = [2, 0, 0, 0, 0, 0, 2]
    v["3.7"] = [4, 1, 0, 0, 0, 0, 5]
    v["4"] = [1, 0, 0, 0, 0, 0, 1]
    return v


def text_report(sep: str = "\t") -> str:
    vals = sample_values()
    lines = ["示范街道办事处2024年政府信息公开工作年度报告",
             "本报告统计期限自2024年1月1日至2024年12月31日。", "一、总体情况", "工作平稳推进。",
             "二、主动公开政府信息情况", "第二十条第（一）项",
             sep.join(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]),
             sep.join(["规章", "0", "0", "1"]), sep.join(["行政规范性文件", "2", "1", "9"]),
             sep.join(["行政许可", "12"]), sep.join(["行政处罚", "3"]), sep.join(["行政强制", "0"]),
             sep.join(["行政事业性收费", "1.5"]),
             "三、收到和处理政府信息公开申请情况"]
    for k, label in T3_LABELS:
        lines.append(sep.join([label] + [str(x) for x in vals[k]]))
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议" + sep + "行政诉讼",
              sep.join(str(x) for x in [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]),
              "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "未收取信息处理费。"]
    return "\n".join(lines) + "\n"



def xlsx_report(blank: tuple[str, int] | None = None) -> bytes:
    """One sheet per table, as agencies publish them; ``blank`` leaves one table-3 cell empty."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表二"
    ws.append(["示范县财政局2024年政府信息公开工作年度报告"])
    ws.append(["二、主动公开政府信息情况"])
    ws.append(["第二十条第（一）项"])
    ws.merge_cells("A3:D3")
    ws.append(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])
    ws.append(["规章", 0, 0, 0])
    ws.append(["行政规范性文件", 3, 1, 12])
    ws.append(["第二十条第（五）项"])
    ws.append(["信息内容", "本年处理决定数量"])
    ws.append(["行政许可", 40])
    ws.append(["行政处罚", 2])
    ws.append(["行政强制", 0])
    ws.append(["第二十条第（八）项"])
    ws.append(["信息内容", "本年收费金额（单位：万元）"])
    ws.append(["行政事业性收费", 12.5])
    t3 = wb.create_sheet("表三")
    t3.append(["三、收到和处理政府信息公开申请情况"])
    t3.append(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", None, None, "申请人情况"])
    t3.merge_cells("D2:J2")
    t3.append([None, None, None, "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"])
    vals = sample_values()
    for key, label in T3_LABELS:
        row = [label, None, None] + list(vals[key])
        if blank and blank[0] == key:
            row[3 + blank[1]] = None
        t3.append(row)
        t3.merge_cells(start_row=t3.max_row, start_column=1, end_row=t3.max_row, end_column=3)
    t4 = wb.create_sheet("表四")
    t4.append(["四、政府信息公开行政复议、行政诉讼情况"])
    t4.append(["行政复议"] + [None] * 4 + ["行政诉讼"])
    t4.merge_cells("A2:E2")
    t4.append([1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()



def blank_tables(report: dict[str, Any], rng: random.Random, rate: float) -> None:
    """Blank random cells of tables 三 and 四 (and some whole 三 rows) at ``rate``; table 四
    keeps at least one printed cell."""
    for key, row in report["table3"].items():
        if rng.random() < rate / 4:
            report["table3"][key] = [None] * 7  # a row left entirely blank
        else:
            report["table3"][key] = [None if rng.random() < rate else v for v in row]
    for g, row in report["table4"].items():
        report["table4"][g] = [None if rng.random() < rate else v for v in row]
    if all(v is None for row in report["table4"].values() for v in row):
        report["table4"]["review"][0] = 0



ROWS = ["1", "2", "3.1", "3.2", *(f"3.3.{i}" for i in range(1, 9)), *(f"3.4.{i}" for i in range(1, 4)),
        *(f"3.5.{i}" for i in range(1, 6)), "3.6.1", "3.6.2", "3.6.3", "3.7", "4"]


def make_report(**over: object) -> dict:
    """A consistent 2024 report: 3 new applications (2 natural persons, 1 other),
    2 disclosed, 1 cannot be provided; one review upheld."""
    t3 = {k: [0] * 7 for k in ROWS}
    t3["1"] = [2, 0, 0, 0, 0, 1, 3]
    t3["3.1"] = [1, 0, 0, 0, 0, 1, 2]
    t3["3.4.1"] = [1, 0, 0, 0, 0, 0, 1]
    t3["3.7"] = [2, 0, 0, 0, 0, 1, 3]
    rep = {
        "schema": "gkwatch.report/1", "agency": "某市某局", "year": 2024, "format_version": "2021",
        "sections": ["1", "2", "3", "4", "5", "6"],
        "table2": {"rules": {"issued": 0, "repealed": 0, "in_force": 0},
                   "normative_documents": {"issued": 2, "repealed": 1, "in_force": 10},
                   "licensing": {"decisions": 5}, "punishment": {"decisions": 1},
                   "coercion": {"decisions": 0}, "fees": {"amount": 1.5}},
        "table3": t3,
        "table4": {"review": [1, 0, 0, 0, 1], "litigation_direct": [0] * 5,
                   "litigation_after_review": [0] * 5},
    }
    rep.update(copy.deepcopy(over))
    return rep
