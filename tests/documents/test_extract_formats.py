"""Extractors on small documents built in the tests: HTML grids, GBK, PDF, DOCX, errors."""
from __future__ import annotations

import io

import pytest

from ground.errors import ExtractionError, UnsupportedFormat
from workers.extract import extract
from workers.extract.html import html_to_document
from workers.parse import parse_bytes, parse_path

T3 = [("一、本年新收政府信息公开申请数量", [3, 1, 0, 0, 0, 0, 4]),
      ("二、上年结转政府信息公开申请数量", [0, 0, 0, 0, 0, 0, 0]),
      ("（一）予以公开", [2, 1, 0, 0, 0, 0, 3]),
      ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [0] * 7),
      ("1.属于国家秘密", [0] * 7), ("2.其他法律行政法规禁止公开", [0] * 7),
      ("1.本机关不掌握相关政府信息", [1, 0, 0, 0, 0, 0, 1]),
      ("（七）总计", [3, 1, 0, 0, 0, 0, 4]), ("四、结转下年度继续办理", [0] * 7)]


def _html_t3(blank_zero: bool = False) -> str:
    """Table 三 with rowspan/colspan like the national template, labels split over spans."""
    def td(v: int) -> str:
        return "<td>&nbsp;</td>" if (blank_zero and v == 0) else f"<td><span>{v}</span></td>"
    rows = ['<tr><td colspan="3" rowspan="2">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
            '<td colspan="7">申请人情况</td></tr>',
            "<tr><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>"
            "<td>法律服务机构</td><td>其他</td><td>总计</td></tr>"]
    for n, (label, vals) in enumerate(T3):
        cells = "".join(td(v) for v in vals)
        split = f"<span>{label[:2]}</span><span lang=EN-US>{label[2:5]}</span><span>{label[5:]}</span><o:p></o:p>"
        if n == 2:
            rows.append(f'<tr><td rowspan="5">三、本年度<span>办理结果</span></td><td colspan="2">{split}</td>{cells}</tr>')
        elif n == 3:
            rows.append(f'<tr><td colspan="2">{split}</td>{cells}</tr>')
        elif n == 4:
            rows.append(f'<tr><td rowspan="2">（三）不予公开</td><td>{split}</td>{cells}</tr>')
        elif n in (5, 6):
            rows.append(f"<tr>{'<td>（四）无法提供</td>' if n == 6 else ''}<td>{split}</td>{cells}</tr>")
        else:
            rows.append(f'<tr><td colspan="3">{split}</td>{cells}</tr>')
    return "<table border=1>" + "".join(rows) + "</table>"


def _html_report(blank_zero: bool = False, charset: str = "utf-8") -> str:
    t4 = "".join(f"<td>{v}</td>" for v in [0, 1, 0, 0, 1] + [0] * 10)
    return (f'<html><head><meta charset="{charset}"><title>x</title></head><body>'
            '<div class="nav"><table><tr><td>首页</td><td>'
            '<p>示范县人民政府2024年政府信息公开工作年度报告</p>'
            '<p>一、总体情况</p><p>全年工作情况良好。</p>'
            '<p>二、主动公开政府信息情况</p>'
            '<table border=1><tr><td colspan=4>第二十条第（一）项</td></tr>'
            '<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>'
            '<tr><td>规章</td><td>0</td><td>0</td><td>2</td></tr>'
            '<tr><td>行政规范性文件</td><td>1</td><td><o:p>&nbsp;</o:p></td><td>7</td></tr></table>'
            '<p>三、收到和处理政府信息公开申请情况</p>' + _html_t3(blank_zero) +
            '<p>四、政府信息公开行政复议、行政诉讼情况</p><table border=1>'
            '<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>'
            f'<tr>{t4}</tr></table>'
            '<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p>'
            '</td></tr></table></div></body></html>')


def test_html_grid_rowspan_colspan_and_split_spans() -> None:
    r = parse_bytes(_html_report().encode(), filename="r.html")
    assert r["agency"] == "示范县人民政府" and r["year"] == 2024
    keys = ["1", "2", "3.1", "3.2", "3.3.1", "3.3.2", "3.4.1", "3.7", "4"]
    for key, (label, vals) in zip(keys, T3):
        assert r["table3"][key] == vals, key
    assert r["table4"]["review"] == [0, 1, 0, 0, 1]
    assert r["table2"]["normative_documents"] == {"issued": 1, "repealed": None, "in_force": 7}
    assert r["source"]["format"] == "html"
    assert r["provenance"]["table3"]["1"][0]["col"] == 3


def test_html_blank_cells_are_null_not_zero() -> None:
    r = parse_bytes(_html_report(blank_zero=True).encode(), filename="r.html")
    assert r["table3"]["1"] == [3, 1, None, None, None, None, 4]
    assert r["table3"]["2"] == [None] * 7


def test_grid_builder_expands_merges() -> None:
    doc = html_to_document("<table><tr><td rowspan=2>a</td><td colspan=2>b</td></tr>"
                           "<tr><td>c</td><td>d</td></tr></table>", encoding="utf-8")
    rows = doc.blocks[0].rows
    assert [(c.text, c.span) for c in rows[0]] == [("a", False), ("b", False), ("b", True)]
    assert [(c.text, c.span) for c in rows[1]] == [("a", True), ("c", False), ("d", False)]


@pytest.mark.parametrize("markup", [
    _html_report(),  # <o:p> in cells
    _html_report().replace("<o:p>", "").replace("</o:p>", ""),  # no prefixed tag at all
    "<html><body><table><tr><td><st1:chsdate Year=2024>2024年</st1:chsdate><W:P>一</W:P>"
    "<w:p>二</w:p></td><td>3</td></tr></table><p>a<x.y:br/>b</p></body></html>",
    "<html><body><table><tr><td>a<!-- <o:p> -->b</td><td>1<br>2</td></tr></table></body></html>",
    # names either parser may read otherwise: upper case, a name character lxml's tag
    # matching may treat specially, a colon first, an attribute right after the name
    "<html><body><table><tr><td><O:P>一</O:P>2<:p>三</:p></td><td><o:p{x}>4</o:p{x}>"
    "<st1:x\nyear=1>5</st1:x><W:Br/>6</td></tr></table></body></html>",
])
def test_prefixed_tag_scan_reads_what_the_full_walk_reads(markup: str) -> None:
    """The prefixed elements are asked of lxml by the tag names a scan of the markup
    finds, a superset of those the parser made (or the walk runs); the blocks are the
    ones the walk over every element gives."""
    from lxml import etree

    from workers.extract.html import body_blocks, number_tables, prefixed_names

    def tree():
        return etree.fromstring(markup.encode(), etree.HTMLParser(encoding="utf-8"))

    names = prefixed_names(markup)
    made = {e.tag for e in tree().iter(etree.Element) if ":" in e.tag}
    assert names is None or made <= names  # the scan never misses a tag the parser made
    walked = number_tables(body_blocks(tree().find("body"), None))
    assert html_to_document(markup, encoding="utf-8").blocks == walked


def test_gbk_html_from_meta_and_content_type() -> None:
    data = _html_report(charset="gbk").encode("gbk")
    r = parse_bytes(data, filename="r.html")
    assert r["source"]["encoding"] == "gb18030" and r["table3"]["1"] == [3, 1, 0, 0, 0, 0, 4]
    plain = data.replace(b'<meta charset="gbk">', b"")
    r2 = parse_bytes(plain, filename="page", content_type="text/html; charset=GBK")
    assert r2["agency"] == "示范县人民政府"


def test_xhtml_naming_its_encoding_in_an_xml_declaration() -> None:
    # lxml refuses a decoded text whose XML declaration names an encoding: such pages were
    # "unreadable HTML"; the declaration is also the page's only word on its encoding
    page = _html_report(charset="gbk").replace('<meta charset="gbk">', "")
    data = ('<?xml version="1.0" encoding="GBK"?>\n' + page).encode("gbk")
    r = parse_bytes(data, filename="r.html")
    assert r["source"]["encoding"] == "gb18030" and r["agency"] == "示范县人民政府"
    assert r["table3"]["1"] == [3, 1, 0, 0, 0, 0, 4]


def _pdf(lines_per_page: list[list[str]], **kw) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, **kw)
    for page_no, lines in enumerate(lines_per_page, 1):
        c.setFont("STSong-Light", 10)
        y = 800
        for line in lines:
            label, *nums = line.split("|")
            c.drawString(40, y, label)
            for i, n in enumerate(nums):
                c.drawRightString(330 + i * 35, y, n)
            y -= 16
        c.drawCentredString(300, 30, f"- {page_no} -")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_pdf_text_layer_table_across_pages() -> None:
    rows = ["|".join([label] + [str(v) for v in vals]) for label, vals in T3]
    page1 = ["示范镇人民政府2023年政府信息公开工作年度报告", "一、总体情况", "工作平稳。",
             "三、收到和处理政府信息公开申请情况"] + rows[:5]
    page2 = rows[5:] + ["四、政府信息公开行政复议、行政诉讼情况", "行政复议|行政诉讼",
                        "|".join(["", "0", "0", "0", "0", "0", "1", "0", "0", "0", "1", "0", "0", "0", "0", "0"]),
                        "五、存在的主要问题及改进情况", "无。"]
    r = parse_bytes(_pdf([page1, page2]), filename="r.pdf")
    assert r["year"] == 2023 and r["source"] == {"format": "pdf", "encoding": None, "pages": 2}
    assert r["table3"]["1"] == [3, 1, 0, 0, 0, 0, 4]
    assert r["table3"]["3.4.1"] == [1, 0, 0, 0, 0, 0, 1]
    assert r["table3"]["4"] == [0] * 7
    assert r["table4"]["litigation_direct"] == [1, 0, 0, 0, 1]
    assert r["provenance"]["table3"]["3.3.2"][0]["page"] == 2


def test_pdf_errors() -> None:
    with pytest.raises(ExtractionError):
        extract(b"%PDF-1.4\n garbage that is not a pdf", filename="bad.pdf")
    with pytest.raises(ExtractionError):
        extract(b"", filename="empty.pdf")
    from reportlab.lib.pdfencrypt import StandardEncryption
    enc = _pdf([["示范"]], encrypt=StandardEncryption("secret", canPrint=0))
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(enc, filename="enc.pdf")
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 200, 200, fill=1)  # an image-like page: no text at all
    c.showPage()
    c.save()
    with pytest.raises(ExtractionError):  # OcrUnavailable, or OCR finds no text
        extract(buf.getvalue(), filename="scan.pdf")


def test_pdf_whose_page_cannot_be_loaded_is_a_clear_error() -> None:
    """A page tree that promises more pages than the file holds (a damaged download):
    pdfium opens the file but cannot load a page, which is the file's fault."""
    import re

    good = _pdf([["示范"]])
    damaged = re.sub(rb"/Count \d+", b"/Count 9", good, count=1)
    with pytest.raises(ExtractionError, match="page"):
        extract(damaged, filename="damaged.pdf")


def test_docx_tables_and_paragraphs_in_order(tmp_path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("示范区教育局2024年政府信息公开工作年度报告")
    d.add_paragraph("一、总体情况")
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=len(T3) + 1, cols=9)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "项目"
    for r, (label, vals) in enumerate(T3, 1):
        t.cell(r, 0).merge(t.cell(r, 1)).text = label
        for c, v in enumerate(vals):
            t.cell(r, 2 + c).text = "" if (r == 2 and c == 3) else str(v)
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t4 = d.add_table(rows=2, cols=15)
    t4.cell(0, 0).merge(t4.cell(0, 4)).text = "行政复议"
    for c in range(15):
        t4.cell(1, c).text = "2" if c in (0, 4) else "0"
    d.add_paragraph("五、存在的主要问题及改进情况")
    p = tmp_path / "r.docx"
    d.save(p)
    r = parse_path(p)
    assert r["source"]["format"] == "docx" and r["year"] == 2024
    assert r["table3"]["1"] == [3, 1, 0, 0, 0, 0, 4]
    assert r["table3"]["2"] == [0, 0, 0, None, 0, 0, 0]
    assert r["table4"]["review"] == [2, 0, 0, 0, 2]


def test_size_limit_and_unsupported(tmp_path) -> None:
    p = tmp_path / "big.txt"
    p.write_bytes(b"x" * 2048)
    with pytest.raises(ExtractionError, match="limit"):
        parse_path(p, max_bytes=1024)
    # a broken .doc: unsupported without a converter, unreadable with one (test_extract_legacy)
    with pytest.raises((UnsupportedFormat, ExtractionError)):
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="old.doc")
    # a broken image: OcrUnavailable without tesseract, unreadable with it (test_extract_ocr)
    with pytest.raises(ExtractionError):
        extract(b"\x89PNG\r\n\x1a\n....", filename="scan.png")
