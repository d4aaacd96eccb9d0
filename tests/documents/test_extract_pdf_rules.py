"""Drawn table cells of text-layer PDFs (``Block.cells``, ``workers.extract.rules``).

PDFs are drawn here with reportlab, so where every rule lies is known: a reportlab Table
with a GRID, and grids drawn by hand as the other generators do (stroked lines, thin
filled boxes, transformed coordinates, form XObjects). The extracted cell extents must
be what was drawn, to half a point, and in the units of the words' x0/x1; lines outside
tables, and PDFs without rules, have no cells.
"""
from __future__ import annotations

import io
import random
import re
from itertools import accumulate
from typing import Any, Callable

import pytest

from gkwatch.demo import render_office
from gkwatch.demo.layout import T3_HEAD_ROWS, T3_TAIL_ROW
from gkwatch.demo.reports import Stock, make_report
from workers.extract import extract
from workers.extract import rules as rules_mod
from workers.extract.model import Block, ExtractedDocument, Word
from workers.extract.rules import HRule, PageRules, VRule, cells_at, drawn_cell_of

FONT = "STSong-Light"
TOL = 0.5
Canvas = Any


def _pdf(draw: Callable[[Canvas], None], size: tuple[float, float] = (600, 800)) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, invariant=1)
    c.setFont(FONT, 10)
    # enough text that the page is read as a text layer, not sent to OCR as a scan
    c.drawString(72, size[1] - 40, "某某局二〇二三年政府信息公开工作年度报告（测试）")
    draw(c)
    c.save()
    return buf.getvalue()


def _doc(data: bytes) -> ExtractedDocument:
    doc = extract(data, filename="t.pdf")
    assert doc.format == "pdf"
    return doc


def _line(doc: ExtractedDocument, start: str) -> Block:
    return next(b for b in doc.blocks if b.text.startswith(start))


def _assert_cells(got: list[tuple[float, float]] | None, xs: list[float]) -> None:
    """``got`` are the cells between consecutive rule positions ``xs``."""
    assert got is not None
    want = list(zip(xs, xs[1:]))
    assert len(got) == len(want), got
    for (a, b), (p, q) in zip(got, want):
        assert abs(a - p) <= TOL and abs(b - q) <= TOL, (got, want)


def _assert_words_in_cells(block: Block, expect: dict[str, int]) -> None:
    """Word text → index of the drawn cell it lies in."""
    by_text = {w.text: w for w in block.words or []}
    for text, k in expect.items():
        assert drawn_cell_of(block, by_text[text]) == k, (text, block.cells, by_text[text])


# --- a reportlab Table with GRID ------------------------------------------------------


def test_reportlab_table_grid_cells_are_the_drawn_columns() -> None:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    widths = [120.0, 60.0, 45.0, 70.0]
    heights = [24.0, 20.0, 20.0]
    x, y = 72.0, 400.0

    def draw(c: Canvas) -> None:
        c.drawString(72, 700, "表格上方的一段正文，不在任何单元格内。")
        t = Table([["项目", "甲", "乙", "丙"], ["本年新收", "12", "", "3119"],
                   ["上年结转", "7", "45", "0"]], colWidths=widths, rowHeights=heights)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("FONTNAME", (0, 0), (-1, -1), FONT),
                               ("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
        t.wrapOn(c, 600, 800)
        t.drawOn(c, x, y)

    doc = _doc(_pdf(draw))
    xs = [x + s for s in accumulate([0.0] + widths)]
    for start in ("项目", "本年新收", "上年结转"):
        _assert_cells(_line(doc, start).cells, xs)
    _assert_words_in_cells(_line(doc, "本年新收"), {"本年新收": 0, "12": 1, "3119": 3})
    _assert_words_in_cells(_line(doc, "上年结转"), {"7": 1, "45": 2, "0": 3})
    assert _line(doc, "表格上方").cells is None


def test_spanned_cells_have_no_rule_inside() -> None:
    """A merged cell is one drawn cell: the rule between its columns is not drawn."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    widths = [100.0, 50.0, 50.0, 50.0]
    x, y = 60.0, 500.0

    def draw(c: Canvas) -> None:
        t = Table([["申请人情况", "", "", ""], ["合计", "1", "2", "3"]], colWidths=widths,
                  rowHeights=[20.0, 20.0])
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("SPAN", (0, 0), (2, 0)), ("FONTNAME", (0, 0), (-1, -1), FONT)]))
        t.wrapOn(c, 600, 800)
        t.drawOn(c, x, y)

    doc = _doc(_pdf(draw))
    xs = [x + s for s in accumulate([0.0] + widths)]
    _assert_cells(_line(doc, "申请人情况").cells, [xs[0], xs[3], xs[4]])
    _assert_cells(_line(doc, "合计").cells, xs)


# --- grids drawn by hand ---------------------------------------------------------------

XS = [80.0, 200.0, 260.0, 330.0, 420.0]
YS = [600.0, 620.0, 640.0]  # row boundaries, bottom up


def _texts(c: Canvas, dx: float = 0.0, dy: float = 0.0) -> None:
    c.drawString(XS[0] + 4 + dx, YS[0] + 6 + dy, "行政许可")
    c.drawString(XS[1] + 4 + dx, YS[0] + 6 + dy, "168")
    c.drawString(XS[3] + 4 + dx, YS[0] + 6 + dy, "29")
    c.drawString(XS[0] + 4 + dx, YS[1] + 6 + dy, "行政处罚")
    c.drawString(XS[2] + 4 + dx, YS[1] + 6 + dy, "5")
    c.drawString(XS[3] + 4 + dx, YS[1] + 6 + dy, "77")


def _check_hand_grid(doc: ExtractedDocument, xs: list[float]) -> None:
    for start in ("行政许可", "行政处罚"):
        _assert_cells(_line(doc, start).cells, xs)
    _assert_words_in_cells(_line(doc, "行政许可"), {"行政许可": 0, "168": 1, "29": 3})
    _assert_words_in_cells(_line(doc, "行政处罚"), {"5": 2, "77": 3})


def test_stroked_lines() -> None:
    def draw(c: Canvas) -> None:
        c.setLineWidth(0.75)
        for x in XS:
            c.line(x, YS[0], x, YS[-1])
        for y in YS:
            c.line(XS[0], y, XS[-1], y)
        _texts(c)

    _check_hand_grid(_doc(_pdf(draw)), XS)


def test_thin_filled_rectangles() -> None:
    """Word/WPS style: every rule a filled box ~0.5pt thick, no stroke at all."""
    def draw(c: Canvas) -> None:
        c.setFillColorRGB(0, 0, 0)
        for x in XS:
            c.rect(x - 0.25, YS[0] - 0.25, 0.5, YS[-1] - YS[0] + 0.5, stroke=0, fill=1)
        for y in YS:
            c.rect(XS[0] - 0.25, y - 0.25, XS[-1] - XS[0] + 0.5, 0.5, stroke=0, fill=1)
        _texts(c)

    _check_hand_grid(_doc(_pdf(draw)), XS)


def test_many_thin_boxes_in_one_path_and_per_cell_stroked_boxes() -> None:
    """Rules as several subpaths of one filled path, and cells as stroked rectangles
    (each inner rule then drawn twice, once by each neighbour)."""
    def draw(c: Canvas) -> None:
        p = c.beginPath()
        for x in XS:
            p.rect(x - 0.3, YS[0], 0.6, YS[-1] - YS[0])
        c.drawPath(p, stroke=0, fill=1)
        for y0, y1 in zip(YS, YS[1:]):
            for x0, x1 in zip(XS, XS[1:]):
                c.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
        _texts(c)

    _check_hand_grid(_doc(_pdf(draw)), XS)


def test_transformed_coordinates_and_form_xobjects() -> None:
    """Rules drawn under a scaled, translated CTM, and inside a form XObject placed with
    a translation: cells in page units, like the words'."""
    def draw_translated(c: Canvas) -> None:
        c.saveState()
        c.translate(20, -100)
        c.scale(1.25, 1.0)
        for x in XS:
            c.line(x, YS[0], x, YS[-1])
        for y in YS:
            c.line(XS[0], y, XS[-1], y)
        c.restoreState()
        _texts(c, dy=-100)

    doc = _doc(_pdf(draw_translated))
    for start in ("行政许可", "行政处罚"):
        _assert_cells(_line(doc, start).cells, [20 + 1.25 * x for x in XS])

    def draw_form(c: Canvas) -> None:
        c.beginForm("grid")
        c.scale(2, 1)  # a matrix inside the form too: both must be applied
        for x in XS:
            c.line(x / 2, YS[0], x / 2, YS[-1])
        for y in YS:
            c.line(XS[0] / 2, y, XS[-1] / 2, y)
        c.endForm()
        c.saveState()
        c.translate(30, 40)
        c.doForm("grid")
        c.restoreState()
        _texts(c, dx=30, dy=40)

    _check_hand_grid(_doc(_pdf(draw_form)), [x + 30 for x in XS])


def test_double_rules_bound_one_cell_by_their_inner_lines() -> None:
    def draw(c: Canvas) -> None:
        for x in XS:
            c.line(x, YS[0], x, YS[-1])
        c.line(XS[-1] + 1.5, YS[0], XS[-1] + 1.5, YS[-1])  # a double outer border
        c.line(XS[1] - 1.5, YS[0], XS[1] - 1.5, YS[-1])    # a double rule inside
        for y in YS:
            c.line(XS[0], y, XS[-1] + 1.5, y)
        _texts(c)

    doc = _doc(_pdf(draw))
    got = _line(doc, "行政许可").cells
    assert got is not None and len(got) == 4
    assert abs(got[0][1] - (XS[1] - 1.5)) <= TOL and abs(got[1][0] - XS[1]) <= TOL
    assert abs(got[-1][1] - XS[-1]) <= TOL


# --- no rules, or no cells ---------------------------------------------------------------


def test_pdf_without_rules_has_no_cells() -> None:
    def draw(c: Canvas) -> None:
        c.drawString(72, 700, "二〇二三年政府信息公开工作年度报告")
        c.drawString(72, 680, "行政许可 168 29")
        c.drawString(72, 660, "行政处罚 5 77")

    doc = _doc(_pdf(draw))
    assert doc.blocks and all(b.cells is None for b in doc.blocks)
    assert "ruling" not in doc.meta


def test_shading_white_rules_and_gaps_are_not_cells() -> None:
    """Filled shading, rules painted white and curved boxes draw no cells, and the gap
    between two tables side by side (no rule above or below it) is not a cell."""
    def draw(c: Canvas) -> None:
        c.setFillColorRGB(0.85, 0.85, 0.85)
        c.rect(60, 700, 400, 40, stroke=0, fill=1)  # a shaded band behind text
        c.setStrokeColorRGB(1, 1, 1)
        for x in (100, 200, 300):
            c.line(x, 700, x, 740)                  # invisible rules
        c.setStrokeColorRGB(0, 0, 0)
        c.roundRect(60, 640, 400, 40, 8)            # a rounded frame: curves
        c.setFillColorRGB(0, 0, 0)
        c.drawString(110, 715, "阴影 背景 12")
        c.drawString(110, 655, "圆角 边框 34")
        for x0 in (80.0, 320.0):                    # two tables, 80..240 and 320..480
            for x in (x0, x0 + 80, x0 + 160):
                c.line(x, 500, x, 530)
            for y in (500, 530):
                c.line(x0, y, x0 + 160, y)
        c.drawString(84, 510, "左表 1")
        c.drawString(170, 510, "2")
        c.drawString(324, 510, "右表 3")

    doc = _doc(_pdf(draw))
    assert _line(doc, "阴影").cells is None
    assert _line(doc, "圆角").cells is None
    _assert_cells_pairs = _line(doc, "左表").cells
    assert _assert_cells_pairs is not None
    assert [(round(a), round(b)) for a, b in _assert_cells_pairs] == [
        (80, 160), (160, 240), (320, 400), (400, 480)]


def test_object_cap_leaves_the_page_without_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    def draw(c: Canvas) -> None:
        for x in XS:
            c.line(x, YS[0], x, YS[-1])
        for y in YS:
            c.line(XS[0], y, XS[-1], y)
        _texts(c)

    data = _pdf(draw)
    monkeypatch.setattr(rules_mod, "MAX_OBJECTS", 5)
    doc = _doc(data)
    assert all(b.cells is None for b in doc.blocks)
    assert "page 1" in doc.meta["ruling"] and "5" in doc.meta["ruling"]
    assert _line(doc, "行政许可").words  # the text itself is unaffected


# --- the pure helpers ---------------------------------------------------------------------


def test_drawn_cell_of() -> None:
    b = Block("para", text="总计 12 3", words=[Word("总计", 10, 30), Word("12", 52, 60),
                                                 Word("3", 98, 104)], cells=[(0, 50), (50, 100)])
    assert drawn_cell_of(b, b.words[0]) == 0
    assert drawn_cell_of(b, b.words[1]) == 1
    assert drawn_cell_of(b, b.words[2]) is None  # straddles the rule at 100
    assert drawn_cell_of(b, Word("9", 49.8, 55)) == 1  # within the half-point slack
    assert drawn_cell_of(b, Word("9", 120, 125)) is None  # right of every cell
    assert drawn_cell_of(Block("para", text="x", words=[Word("x", 0, 1)]), Word("x", 0, 1)) is None


def test_cells_at_needs_a_closing_rule() -> None:
    r = PageRules(vertical=[VRule(0, 0, 20), VRule(50, 0, 20), VRule(100, 0, 40)],
                  horizontal=[HRule(0, 0, 100), HRule(20, 0, 100), HRule(40, 50, 100)])
    assert cells_at(r, 10) == [(0, 50), (50, 100)]
    assert cells_at(r, 30) is None  # a single vertical rule crosses
    assert cells_at(r, 50) is None
    # a row cut by a page break: closed above only (the rule at 20), still a cell
    cut = PageRules(vertical=[VRule(0, -5, 20), VRule(50, -5, 20)], horizontal=[HRule(20, 0, 50)])
    assert cells_at(cut, 0) == [(0, 50)]
    # side rules with no horizontal rule within their reach: no cell
    bare = PageRules(vertical=[VRule(0, 0, 20), VRule(50, 0, 20)], horizontal=[HRule(30, 0, 50)])
    assert cells_at(bare, 10) is None


# --- the demo renderer's reports ----------------------------------------------------------

_NUM = re.compile(r"^\d+$")


@pytest.mark.usefixtures("narrative_without_blanks")
@pytest.mark.parametrize("seed", [0, 1, 5])
def test_demo_report_table3_numbers_lie_in_their_drawn_columns(seed: int) -> None:
    """Every number of table 三 lies inside a drawn cell, and the drawn cell alone gives
    its column (the rightmost 7 cells of a row are the 7 applicant columns), blank cells
    included, whatever the glyph clusters say."""
    rng = random.Random(seed)
    report, _ = make_report(f"测试{seed}局", 2021 + seed % 3, "部门", seed=seed,
                            stock=Stock((1, 0, 0, 0, 0, 0), 0, 12))
    if seed:  # blank some cells: a number's column is then not its printed position
        for key, row in report["table3"].items():
            report["table3"][key] = [None if rng.random() < 0.3 else v for v in row]
    grid, _ = render_office.table3_grid(report["table3"])
    expected = [[(j, t) for j, t in enumerate(row[3:]) if t] for row in grid[3:]]
    expected = [e for e in expected if e]

    doc = _doc(render_office.render_pdf(report, seed=seed))
    paras = [b for b in doc.blocks if b.kind == "para"]
    first = next(i for i, b in enumerate(paras) if b.text.startswith(T3_HEAD_ROWS[0][1]) and b.cells)
    last = next(i for i, b in enumerate(paras) if i > first and b.text.startswith(T3_TAIL_ROW[1]))
    got: list[list[tuple[int, str]]] = []
    for b in paras[first:last + 1]:
        assert b.cells is not None and len(b.cells) >= 7, b.text
        nums: list[Word] = []
        for w in reversed(b.words or []):  # the trailing numbers of the line
            if not _NUM.match(w.text):
                break
            nums.insert(0, w)
        if not nums:
            continue
        row = []
        for w in nums:
            k = drawn_cell_of(b, w)
            assert k is not None, (b.text, w, b.cells)
            x0, x1 = b.cells[k]
            assert x0 <= w.x0 and w.x1 <= x1
            row.append((k - (len(b.cells) - 7), w.text))
        got.append(row)
    assert got == expected
