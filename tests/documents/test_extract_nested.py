"""Formats inside formats: HTML tables embedded in markdown/text, and a whole report laid
out in one spreadsheet-style HTML table (pages exported from Excel or WPS).

All fixtures are built here; the narrative is invented sample text.
"""
from __future__ import annotations

import time

import pytest

from workers.extract import embedded, extract, sniff
from workers.extract.html import html_to_document
from workers.parse import parse_bytes

SECTIONS = ["1", "2", "3", "4", "5", "6"]

# Table 三 (2021 layout): (key, label, group label with its rowspan or None)
T3_ROWS: list[tuple[str, str]] = [
    ("1", "一、本年新收政府信息公开申请数量"), ("2", "二、上年结转政府信息公开申请数量"),
    ("3.1", "（一）予以公开"), ("3.2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("3.3.1", "1.属于国家秘密"), ("3.3.2", "2.其他法律行政法规禁止公开"),
    ("3.3.3", "3.危及&ldquo;三安全一稳定&rdquo;"), ("3.3.4", "4.保护第三方合法权益"),
    ("3.3.5", "5.属于三类内部事务信息"), ("3.3.6", "6.属于四类过程性信息"),
    ("3.3.7", "7.属于行政执法案卷"), ("3.3.8", "8.属于行政查询事项"),
    ("3.4.1", "1.本机关不掌握相关政府信息"), ("3.4.2", "2.没有现成信息需要另行制作"),
    ("3.4.3", "3.补正后申请内容仍不明确"),
    ("3.5.1", "1.信访举报投诉类申请"), ("3.5.2", "2.重复申请"), ("3.5.3", "3.要求提供公开出版物"),
    ("3.5.4", "4.无正当理由大量反复申请"), ("3.5.5", "5.要求行政机关确认或重新出具已获取信息"),
    ("3.6.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("3.6.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("3.6.3", "3.其他"), ("3.7", "（七）总计"), ("4", "四、结转下年度继续办理")]
GROUPS = {"3.3.1": ("（三）不予公开", 8), "3.4.1": ("（四）无法提供", 3),
          "3.5.1": ("（五）不予处理", 5), "3.6.1": ("（六）其他处理", 3)}

# The expected table: 一+二 = 三(七)+四 column by column; None is a blank cell.
T3: dict[str, list[int | None]] = {k: [0] * 7 for k, _ in T3_ROWS}
T3.update({"1": [7, 2, 1, 0, 0, 1, 11], "2": [1, 0, 0, 0, 0, 0, 1],
           "3.1": [3, 1, 0, 0, 0, 1, 5], "3.2": [1, 0, 0, 0, 0, 0, 1],
           "3.3.4": [0, 1, 0, 0, 0, 0, 1], "3.4.1": [2, 0, 0, 0, 0, 0, 2],
           "3.5.2": [0, 0, 1, 0, 0, 0, 1], "3.5.5": [0, 0, None, 0, 0, 0, 0],
           "3.6.3": [1, 0, 0, 0, 0, 0, 1], "3.7": [7, 2, 1, 0, 0, 1, 11], "4": [1, 0, 0, 0, 0, 0, 1]})
T4 = {"review": [1, 0, 0, 0, 1], "litigation_direct": [0, 1, 0, 0, 1],
      "litigation_after_review": [0, 0, 0, 2, 2]}


def _td(v: int | None, attrs: str = "") -> str:
    return f"<td{attrs}>{'&nbsp;' if v is None else v}</td>"


def t3_rows(pad: int = 0, attrs: str = "") -> list[str]:
    """The <tr>s of table 三 with the template's merges; ``pad`` empty cells end each row
    (a sheet wider than the table)."""
    tail = "<td></td>" * pad
    out = ['<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，'
           '等于第三项加第四项之和）</td><td colspan="7">申请人情况</td>' + tail + "</tr>",
           '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td>'
           '<td rowspan="2">总计</td>' + tail + "</tr>",
           "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td>"
           "<td>其他</td>" + tail + "</tr>"]
    for key, label in T3_ROWS:
        vals = "".join(_td(v, attrs) for v in T3[key])
        if key in ("1", "2", "4"):
            head = f'<td colspan="3">{label}</td>'
        elif key in ("3.1", "3.2", "3.7"):
            head = f'<td colspan="2"{attrs}><span>{label}</span></td>'
            if key == "3.1":
                head = '<td rowspan="22">三、本年度<br>办理结果</td>' + head
        else:
            head = f"<td>{label}</td>"
            if key in GROUPS:
                head = f'<td rowspan="{GROUPS[key][1]}">{GROUPS[key][0]}</td>' + head
        out.append(f"<tr>{head}{vals}{tail}</tr>")
    return out


def t4_rows(pad: int = 0) -> list[str]:
    tail = "<td></td>" * pad
    kinds = "".join(f"<td>{x}</td>" for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
    vals = "".join(_td(v) for g in ("review", "litigation_direct", "litigation_after_review") for v in T4[g])
    return ['<tr><td colspan="5" rowspan="2">行政复议</td><td colspan="10">行政诉讼</td>' + tail + "</tr>",
            '<tr><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td>' + tail + "</tr>",
            f"<tr>{kinds * 3}{tail}</tr>", f"<tr>{vals}{tail}</tr>"]


def assert_t3(r: dict) -> None:
    for key, _ in T3_ROWS:
        assert r["table3"][key] == T3[key], key
    assert set(r["table3"]) == {k for k, _ in T3_ROWS}


# ---------------------------------------------------------------- markdown with HTML

T2_PIPES = """| 第二十条第（一）项 | | | |
|---|---|---|---|
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| 规章 | 0 | 0 | 3 |
| 行政规范性文件 | 2 | 1 | 15 |
| 第二十条第（五）项 | | | |
| 信息内容 | 本年处理决定数量 | | |
| 行政许可 | 120 | | |
| 第二十条第（六）项 | | | |
| 信息内容 | 本年处理决定数量 | | |
| 行政处罚 | 45 | | |
| 行政强制 | 6 | | |
| 第二十条第（八）项 | | | |
| 信息内容 | 本年收费金额（单位：万元） | | |
| 行政事业性收费 | 0 | | |"""


def markdown_report() -> str:
    """A converter's markdown: pipe table 二, tables 三/四 as raw HTML with merges, inline
    tags and entities in the text."""
    t3 = ('<table border="1" class="t3">\n<thead>\n' + "\n".join(t3_rows()[:3]) + "\n</thead>\n<tbody>\n"
          + "\n".join(t3_rows(attrs=' style="text-align:center"')[3:]) + "\n</tbody>\n</table>")
    t4 = "<table><tbody>" + "".join(t4_rows()) + "</tbody></table>"
    return "\n".join([
        "# 青溪县水利局2023年政府信息公开工作年度报告", "",
        "<!-- image -->", "",
        "## 一、总体情况", "",
        "本年度，我局认真落实<span style=\"color:red\">政务公开</span>各项要求，"
        "全年主动公开信息&nbsp;236&nbsp;条。<br>依申请公开工作有序开展。", "",
        "## 二、主动公开政府信息情况", "", T2_PIPES, "",
        "## 三、收到和处理政府信息公开申请情况", "", t3, "",
        "<p>四、政府信息公开行政复议、行政诉讼情况</p>", "", t4, "",
        "## 五、存在的主要问题及改进情况", "", "个别栏目更新不够及时，下一步将加强督促检查。", "",
        "## 六、其他需要报告的事项", "", "本年度未收取信息处理费。", ""])


def test_markdown_embedded_html_tables_parse_cell_by_cell() -> None:
    r = parse_bytes(markdown_report().encode(), filename="x.md")
    assert r["source"]["format"] == "markdown"
    assert r["agency"] == "青溪县水利局" and r["year"] == 2023
    assert r["sections"] == SECTIONS
    assert_t3(r)
    assert r["table4"] == T4
    assert r["table2"]["rules"] == {"issued": 0, "repealed": 0, "in_force": 3}
    assert r["table2"]["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 15}
    assert r["table2"]["licensing"] == {"decisions": 120}
    # the HTML table is the document's second table, its cells read from the grid
    assert r["provenance"]["table3"]["1"][0]["table"] == 2
    assert r["provenance"]["table3"]["1"][0]["col"] == 3
    assert r["reading"]["table3"]["3.3.4"][1]["how"] == "grid"


def test_markdown_blocks_in_reading_order() -> None:
    doc = extract(markdown_report().encode(), filename="x.md")
    kinds = [(b.kind, b.table, b.grid) for b in doc.blocks if b.kind == "table"]
    assert kinds == [("table", 1, False), ("table", 2, True), ("table", 3, True)]
    texts = [b.text for b in doc.blocks]
    i3 = texts.index("三、收到和处理政府信息公开申请情况")
    assert doc.blocks[i3 + 1].table == 2  # the fragment sits where it was written
    assert doc.blocks[i3 + 2].text == "四、政府信息公开行政复议、行政诉讼情况"
    t3 = doc.blocks[i3 + 1].rows
    assert [c.text for c in t3[3][:3]] == ["一、本年新收政府信息公开申请数量"] * 3
    assert (t3[5][0].text, t3[5][0].span, t3[6][0].span) == ("三、本年度\n办理结果", False, True)
    assert t3[9][2].text == "3.危及“三安全一稳定”"  # entities decoded
    assert t3[22][5].text == ""  # &nbsp; is a blank cell
    assert "<!--" not in doc.plain_text() and not doc.meta


def test_inline_html_in_markdown_is_text() -> None:
    md = ("前言<br>第二行 <span class=\"a\">加</span>粗 &amp; <b>实体</b>\n\n"
          "依据《关于印发<政府信息公开信息处理费管理办法>的通知》办理。\n\n"
          "| 项目<br/>名称 | 数量 |\n|---|---|\n| 甲 | 1 |\n")
    doc = extract(md.encode(), filename="x.md")
    paras = [b.text for b in doc.blocks if b.kind == "para"]
    assert paras == ["前言", "第二行 加粗 & 实体", "依据《关于印发<政府信息公开信息处理费管理办法>的通知》办理。"]
    table = next(b for b in doc.blocks if b.kind == "table")
    assert [c.text for c in table.rows[0]] == ["项目\n名称", "数量"] and not table.grid


def test_text_file_with_embedded_table_stays_text() -> None:
    data = ("示范街道办事处2022年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
            "<table><tr><td rowspan=2>甲</td><td colspan=2>乙</td></tr><tr><td>1</td><td>2</td></tr></table>\n"
            "五、存在的主要问题及改进情况\n").encode()
    assert sniff(data, "r.txt") == "text"
    assert sniff(b"<!DOCTYPE html><html><body><p>x</p><p>y</p><p>z</p></body></html>", "r.txt") == "html"
    doc = extract(data, filename="r.txt")
    assert [b.kind for b in doc.blocks] == ["para", "para", "table", "para"]
    rows = doc.blocks[2].rows
    assert doc.blocks[2].grid
    assert [(c.text, c.span) for c in rows[0]] == [("甲", False), ("乙", False), ("乙", True)]
    assert [(c.text, c.span) for c in rows[1]] == [("甲", True), ("1", False), ("2", False)]


def test_unclosed_fragment_ends_at_blank_line() -> None:
    md = "前文\n<table><tr><td>甲</td><td>1</td>\n<tr><td>乙</td><td>2</td>\n\n后文\n"
    doc = extract(md.encode(), filename="x.md")
    assert [b.kind for b in doc.blocks] == ["para", "table", "para"]
    assert [[c.text for c in r] for r in doc.blocks[1].rows] == [["甲", "1"], ["乙", "2"]]
    assert doc.blocks[2].text == "后文"
    assert "unclosed <table>" in doc.meta["warnings"]


def test_nested_and_stray_table_tags() -> None:
    md = ("<table><tr><td><table><tr><td>内</td><td>3</td></tr></table></td></tr></table>\n"
          "中间</table>文字\n")
    doc = extract(md.encode(), filename="x.md")
    assert [(b.kind, b.table) for b in doc.blocks] == [("table", 1), ("para", None)]
    assert [c.text for c in doc.blocks[0].rows[0]] == ["内", "3"]
    assert doc.blocks[1].text == "中间文字"


def test_oversized_fragment_is_read_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "MAX_FRAGMENT_CHARS", 60)
    md = "前文\n<table><tr><td colspan=2>甲&amp;乙</td></tr><tr><td>一</td><td>5</td></tr></table>\n后文\n"
    doc = extract(md.encode(), filename="x.md")
    assert "over the 60 limit" in doc.meta["warnings"]
    assert [b.kind for b in doc.blocks] == ["para", "para", "table", "para"]
    assert doc.blocks[1].text == "甲&乙"
    assert [c.text for c in doc.blocks[2].rows[0]] == ["一", "5"] and not doc.blocks[2].grid


@pytest.mark.parametrize("junk", ["<table>\n\n", "<table", "</table>", "<span", "<!--", "<td>"])
def test_pathological_markup_is_linear(junk: str) -> None:
    text = "开头\n" + junk * 40_000 + "\n结尾\n"
    # the input's budget in CPU seconds of this process (wall clock depends on the load)
    t0 = time.process_time()
    doc = extract(text.encode(), filename="x.md")
    assert time.process_time() - t0 < 10
    assert doc.blocks[0].text == "开头"
    assert doc.meta.get("warnings", "").count("\n") <= 10


# ---------------------------------------------------------------- report in one sheet

WIDTH = 15  # table 四 is the widest part of the sheet


def _text_row(text: str, how: str) -> str:
    """A narrative row as exporters write it: merged over the sheet (Excel), merged with
    mso-ignore padding, or the row's only cell (WPS)."""
    if how == "colspan":
        return f'<tr height=40><td colspan={WIDTH} class=xl66 style="white-space:normal">{text}</td></tr>'
    if how == "padded":
        return f"<tr><td colspan=12 style='mso-ignore:colspan'>{text}</td>" + "<td></td>" * 3 + "</tr>"
    return f"<tr><td>{text}</td></tr>"


def _t2_rows() -> list[str]:
    pad = "<td></td>" * (WIDTH - 4)
    rows = [("第二十条第（一）项", None), ("信息内容", ["本年制发件数", "本年废止件数", "现行有效件数"]),
            ("规章", [0, 0, 3]), ("行政规范性文件", [2, 1, 15]), ("第二十条第（五）项", None),
            ("信息内容", ["本年处理决定数量", "", ""]), ("行政许可", [120, "", ""]),
            ("第二十条第（六）项", None), ("信息内容", ["本年处理决定数量", "", ""]),
            ("行政处罚", [45, "", ""]), ("行政强制", [6, "", ""]), ("第二十条第（八）项", None),
            ("信息内容", ["本年收费金额（单位：万元）", "", ""]), ("行政事业性收费", [0, "", ""])]
    out = []
    for label, cells in rows:
        if cells is None:
            out.append(f"<tr><td colspan=4>{label}</td>{pad}</tr>")
        else:
            out.append(f"<tr><td>{label}</td>" + "".join(f"<td x:num>{c}</td>" for c in cells) + pad + "</tr>")
    return out


def sheet_report(how: str = "colspan") -> str:
    """An Excel/WPS 'save as web page' export: everything in one <table>."""
    def text(t: str) -> str:
        return _text_row(t, how)

    spacer = f"<tr height=12><td colspan={WIDTH}></td></tr>"
    rows = [text("示范市生态环境局2024年政府信息公开工作年度报告"), spacer,
            text("本报告依据《中华人民共和国政府信息公开条例》编制，数据统计期限为2024年1月1日至12月31日。"),
            text("一、总体情况"),
            text("（一）主动公开"), text("全年通过门户网站发布各类信息312条，及时回应群众关切。"),
            text("（二）依申请公开"), text("全年受理申请11件，均在法定期限内答复。"),
            text("二、主动公开政府信息情况"), *_t2_rows(), spacer,
            text("三、收到和处理政府信息公开申请情况"), *t3_rows(pad=WIDTH - 10),
            text("四、政府信息公开行政复议、行政诉讼情况"), *t4_rows(),
            text("五、存在的主要问题及改进情况"), text("信息更新频率有待提高。下一步将完善发布审核机制。"),
            text("六、其他需要报告的事项"), text("本年度未收取信息处理费。"),
            text("示范市生态环境局"), text("2025年1月15日")]
    return ('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8">'
            '<style>.xl66{mso-number-format:"\\@";}</style></head><body>'
            f'<table x:str border=0 cellpadding=0 cellspacing=0 width=1200><col width=80 span={WIDTH}>'
            + "".join(rows) + "</table></body></html>")


@pytest.mark.parametrize("how", ["colspan", "padded", "only-cell"])
def test_sheet_report_parses_sections_and_tables(how: str) -> None:
    r = parse_bytes(sheet_report(how).encode(), filename="r.html")
    assert r["sections"] == SECTIONS
    assert r["agency"] == "示范市生态环境局" and r["year"] == 2024
    assert_t3(r)
    assert r["table4"] == T4
    assert r["table2"]["rules"] == {"issued": 0, "repealed": 0, "in_force": 3}
    assert r["table2"]["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 15}
    assert r["table2"]["licensing"] == {"decisions": 120}
    assert r["table2"]["punishment"] == {"decisions": 45}
    assert r["table2"]["coercion"] == {"decisions": 6}
    assert "312条" in r["section_text"]["1"]
    assert "下一步将完善发布审核机制" in r["section_text"]["5"]


def test_sheet_is_split_into_paragraphs_and_tables() -> None:
    doc = html_to_document(sheet_report(), encoding="utf-8")
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert [b.table for b in tables] == [1, 2, 3] and all(b.grid for b in tables)
    paras = [b.text for b in doc.blocks if b.kind == "para"]
    assert paras[:4] == ["示范市生态环境局2024年政府信息公开工作年度报告",
                         "本报告依据《中华人民共和国政府信息公开条例》编制，数据统计期限为2024年1月1日至12月31日。",
                         "一、总体情况", "（一）主动公开"]
    assert paras[-2:] == ["示范市生态环境局", "2025年1月15日"]
    t2, t3, t4 = (b.rows for b in tables)
    # each table is its own grid: rows from 0, the sheet's padding columns cut off
    assert t2[0][0].text == "第二十条第（一）项" and max(len(r) for r in t2) == 4
    assert max(len(r) for r in t3) == 10 and len(t3) == 3 + len(T3_ROWS)
    assert [(c.text, c.row, c.col) for c in t3[3][2:4]] == [("一、本年新收政府信息公开申请数量", 3, 2), ("7", 3, 3)]
    assert len(t4) == 4 and [c.text for c in t4[3]] == [str(v) for g in T4.values() for v in g]
    i3 = doc.blocks.index(tables[1])
    assert doc.blocks[i3 - 1].text == "三、收到和处理政府信息公开申请情况"
    assert doc.blocks[i3 + 1].text == "四、政府信息公开行政复议、行政诉讼情况"


def test_ordinary_tables_are_not_split() -> None:
    """A caption and a note inside a table, or full-width 第二十条 rows, keep the table whole."""
    html = ("<table><tr><td colspan=3>三、收到和处理政府信息公开申请情况</td></tr>"
            "<tr><td>项目</td><td>自然人</td><td>总计</td></tr><tr><td>一、本年新收</td><td>1</td><td>1</td></tr>"
            "<tr><td colspan=3>注：本表数据截至年底。</td></tr></table>"
            "<table><tr><td colspan=4>第二十条第（一）项</td></tr><tr><td>规章</td><td>0</td><td>0</td><td>1</td></tr>"
            "<tr><td colspan=4>第二十条第（五）项</td></tr><tr><td>行政许可</td><td>3</td><td></td><td></td></tr></table>")
    doc = html_to_document(html, encoding="utf-8")
    assert [(b.kind, b.table, len(b.rows)) for b in doc.blocks] == [("table", 1, 4), ("table", 2, 4)]


def test_sheet_rows_covered_from_above_stay_in_the_table() -> None:
    """A row whose only written cell sits beside a rowspan is a table row, not a paragraph."""
    html = ("<table><tr><td colspan=3>一、总体情况</td></tr><tr><td colspan=3>工作平稳有序。</td></tr>"
            "<tr><td rowspan=2>（三）不予公开</td><td>1.属于国家秘密</td><td>0</td></tr>"
            "<tr><td>（一）予以公开</td></tr>"
            "<tr><td colspan=3>二、主动公开政府信息情况</td></tr></table>")
    doc = html_to_document(html, encoding="utf-8")
    assert [b.kind for b in doc.blocks] == ["para", "para", "table", "para"]
    assert [[c.text for c in r] for r in doc.blocks[2].rows] == [
        ["（三）不予公开", "1.属于国家秘密", "0"], ["（三）不予公开", "（一）予以公开"]]


def test_huge_merges_are_capped() -> None:
    """Merged cells are expanded only up to a budget: hostile spans cannot blow up."""
    md = "<table>" + "<tr><td rowspan=200 colspan=200>甲</td><td>1</td></tr>" * 3000 + "</table>\n"
    t0 = time.process_time()  # the input's budget in CPU seconds, not wall clock
    doc = extract(md.encode(), filename="x.md")
    assert time.process_time() - t0 < 20
    assert sum(len(r) for r in doc.blocks[0].rows) < 2_000_000
