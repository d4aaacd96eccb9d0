"""Chinese and English names of table rows, columns and groups (for messages)."""
from __future__ import annotations

T3_COLUMNS_ZH: tuple[str, ...] = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T3_COLUMNS_EN: tuple[str, ...] = ("natural persons", "commercial enterprises", "research institutions",
                                  "public-interest organisations", "legal service agencies", "other", "total")

T3_ROWS: dict[str, tuple[str, str]] = {
    "1": ("一、本年新收政府信息公开申请数量", "1 new applications this year"),
    "2": ("二、上年结转政府信息公开申请数量", "2 applications carried over from last year"),
    "3.1": ("（一）予以公开", "3.1 disclosed"),
    "3.2": ("（二）部分公开", "3.2 partly disclosed"),
    # the form's own row names (国办公开办函〔2021〕30号), so a message names the row a reader sees
    "3.3.1": ("（三）不予公开 1.属于国家秘密", "3.3.1 refused: state secret"),
    "3.3.2": ("（三）不予公开 2.其他法律行政法规禁止公开", "3.3.2 refused: barred by other laws"),
    "3.3.3": ("（三）不予公开 3.危及“三安全一稳定”", "3.3.3 refused: endangers security or stability"),
    "3.3.4": ("（三）不予公开 4.保护第三方合法权益", "3.3.4 refused: third-party rights"),
    "3.3.5": ("（三）不予公开 5.属于三类内部事务信息", "3.3.5 refused: internal affairs"),
    "3.3.6": ("（三）不予公开 6.属于四类过程性信息", "3.3.6 refused: process information"),
    "3.3.7": ("（三）不予公开 7.属于行政执法案卷", "3.3.7 refused: enforcement files"),
    "3.3.8": ("（三）不予公开 8.属于行政查询事项", "3.3.8 refused: administrative enquiry"),
    "3.4.1": ("（四）无法提供 1.本机关不掌握相关政府信息", "3.4.1 cannot provide: not held"),
    "3.4.2": ("（四）无法提供 2.没有现成信息需要另行制作", "3.4.2 cannot provide: would need new work"),
    "3.4.3": ("（四）无法提供 3.补正后申请内容仍不明确", "3.4.3 cannot provide: still unclear"),
    "3.5.1": ("（五）不予处理 1.信访举报投诉类申请", "3.5.1 not processed: petitions and complaints"),
    "3.5.2": ("（五）不予处理 2.重复申请", "3.5.2 not processed: repeated request"),
    "3.5.3": ("（五）不予处理 3.要求提供公开出版物", "3.5.3 not processed: published material"),
    "3.5.4": ("（五）不予处理 4.无正当理由大量反复申请", "3.5.4 not processed: mass repeated requests"),
    "3.5.5": ("（五）不予处理 5.要求行政机关确认或重新出具已获取信息", "3.5.5 not processed: re-issue of held information"),
    "3.6.1": ("（六）其他处理 1.申请人无正当理由逾期不补正", "3.6.1 other: no correction in time"),
    "3.6.2": ("（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用", "3.6.2 other: fee not paid in time"),
    "3.6.3": ("（六）其他处理 3.其他", "3.6.3 other: other"),
    "3.6": ("（六）其他处理", "3.6 other handling"),
    "3.7": ("（七）总计", "3.7 results total"),
    "4": ("四、结转下年度继续办理", "4 carried forward to next year"),
}

#: Rows every table 三 must have; （六）其他处理 is either 3.6.1–3.6.3 or the single row 3.6.
T3_FIXED_ROWS: tuple[str, ...] = (
    "1", "2", "3.1", "3.2", *(f"3.3.{i}" for i in range(1, 9)), *(f"3.4.{i}" for i in range(1, 4)),
    *(f"3.5.{i}" for i in range(1, 6)), "3.7", "4")
T3_OTHER_SPLIT: tuple[str, ...] = ("3.6.1", "3.6.2", "3.6.3")

T4_GROUPS: dict[str, tuple[str, str]] = {
    "review": ("行政复议", "administrative review"),
    "litigation_direct": ("未经复议直接起诉", "litigation without prior review"),
    "litigation_after_review": ("复议后起诉", "litigation after review"),
}
T4_CELLS_ZH: tuple[str, ...] = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
T4_CELLS_EN: tuple[str, ...] = ("upheld", "corrected", "other outcome", "pending", "total")

T2_ROWS: dict[str, tuple[str, str]] = {
    "rules": ("规章", "rules (规章)"),
    "normative_documents": ("行政规范性文件", "normative documents"),
    "licensing": ("行政许可", "licensing"),
    "other_services": ("其他对外管理服务事项", "other public services"),
    "punishment": ("行政处罚", "punishment"),
    "coercion": ("行政强制", "coercion"),
    "fees": ("行政事业性收费", "administrative fees"),
    "procurement": ("政府集中采购", "central procurement"),
}
T2_FIELDS: dict[str, tuple[str, str]] = {
    "issued": ("本年制发件数", "issued this year"),
    "repealed": ("本年废止件数", "repealed this year"),
    "in_force": ("现行有效件数", "in force"),
    "decisions": ("处理决定数量", "decisions"),
    "amount": ("金额", "amount"),
    "made": ("本年新制作数量", "made this year"),
    "published": ("本年新公开数量", "published this year"),
    "total_public": ("对外公开总数量", "total public"),
    "previous_items": ("上一年项目数量", "items last year"),
    "change": ("本年增/减", "change this year"),
    "items": ("采购项目数量", "procurement items"),
}

#: Expected table-2 rows per layout.
T2_LAYOUT_ROWS: dict[str, tuple[str, ...]] = {
    "2021": ("rules", "normative_documents", "licensing", "punishment", "coercion", "fees"),
    "2019": ("rules", "normative_documents", "licensing", "other_services", "punishment", "coercion",
             "fees", "procurement"),
}

SECTION_ZH: dict[str, str] = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六", "preamble": "开头"}


def t3_row_zh(key: str) -> str:
    return T3_ROWS.get(key, (key, key))[0]


def t3_row_en(key: str) -> str:
    return T3_ROWS.get(key, (key, key))[1]


def t3_col_zh(c: int) -> str:
    return T3_COLUMNS_ZH[c] if 0 <= c < len(T3_COLUMNS_ZH) else str(c)


def t3_col_en(c: int) -> str:
    return T3_COLUMNS_EN[c] if 0 <= c < len(T3_COLUMNS_EN) else str(c)


def t4_group_zh(g: str) -> str:
    return T4_GROUPS.get(g, (g, g))[0]


def t4_group_en(g: str) -> str:
    return T4_GROUPS.get(g, (g, g))[1]


def t2_zh(row: str, field: str | None = None) -> str:
    name = T2_ROWS.get(row, (row, row))[0]
    return f"{name}“{T2_FIELDS.get(field, (field, field))[0]}”" if field else name


def t2_en(row: str, field: str | None = None) -> str:
    name = T2_ROWS.get(row, (row, row))[1]
    return f"{name} / {T2_FIELDS.get(field, (field, field))[1]}" if field else name


def section_zh(key: str) -> str:
    return SECTION_ZH.get(key, key)


def cell_zh(table: str, row: object, column: object = None) -> str:
    """A cell as a reader finds it on the printed form: 表三“（一）予以公开”行“自然人”列."""
    row_s = str(row) if row is not None else None
    if table == "table3":
        where = f"表三“{t3_row_zh(row_s)}”行" if row_s else "表三"
        return where + (f"“{t3_col_zh(int(column))}”列" if isinstance(column, int) else "")
    if table == "table4":
        where = f"表四“{t4_group_zh(row_s)}”" if row_s else "表四"
        return where + (f"“{t4_cell_zh(column)}”" if isinstance(column, int) else "")
    if table == "table2":
        return f"表二{t2_zh(row_s, str(column) if column is not None else None)}" if row_s else "表二"
    return table


def cell_en(table: str, row: object, column: object = None) -> str:
    row_s = str(row) if row is not None else None
    if table == "table3":
        where = f"table 3 row '{t3_row_en(row_s)}'" if row_s else "table 3"
        return where + (f", column '{t3_col_en(int(column))}'" if isinstance(column, int) else "")
    if table == "table4":
        where = f"table 4 '{t4_group_en(row_s)}'" if row_s else "table 4"
        return where + (f", '{t4_cell_en(column)}'" if isinstance(column, int) else "")
    if table == "table2":
        return f"table 2 {t2_en(row_s, str(column) if column is not None else None)}" if row_s else "table 2"
    return table


def t4_cell_zh(c: int) -> str:
    return T4_CELLS_ZH[c] if 0 <= c < len(T4_CELLS_ZH) else str(c)


def t4_cell_en(c: int) -> str:
    return T4_CELLS_EN[c] if 0 <= c < len(T4_CELLS_EN) else str(c)
