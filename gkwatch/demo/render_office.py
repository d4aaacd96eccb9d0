"""Render a report as PDF (reportlab) and DOCX (python-docx), with real tables.

The PDF uses reportlab's built-in CID font STSong-Light (Adobe-GB1, no font file needed);
its text layer extracts as Unicode with pypdfium2.  Both outputs are byte-for-byte
deterministic: the PDF is written in reportlab's *invariant* mode and the DOCX zip is
rewritten with fixed timestamps.  ``layout`` works as in :mod:`gkwatch.demo.render_html`.
"""
from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gkwatch.demo.layout import (
    T3_BALANCE_NOTE,
    T3_COLUMNS,
    T3_HEAD_ROWS,
    T3_RESULTS_HEADING,
    T3_TAIL_ROW,
    T4_CELLS,
    T4_GROUPS,
    fmt_number,
    layout_of,
    spread,
)
from gkwatch.demo.render_html import t2_rows
from gkwatch.demo.text import narrative, title_of

FONT = "STSong-Light"
Grid = list[list[str]]
Span = tuple[int, int, int, int]      # (first col, first row, last col, last row)


# --- the three tables as grids (text + merged ranges), shared by PDF and DOCX ---------


def table2_grid(t2: dict[str, Any], *, layout: str | None = None) -> tuple[Grid, list[Span]]:
    lay = layout_of(layout)
    grid: Grid = []
    spans: list[Span] = []
    width = lay.t2_width + 1
    for block in lay.t2_blocks:
        r = len(grid)
        grid.append([block.heading] + [""] * (width - 1))
        spans.append((0, r, width - 1, r))
        widths = spread(len(block.columns), lay.t2_width)
        starts = [1 + sum(widths[:i]) for i in range(len(widths))]
        for label, texts in [("信息内容", list(block.columns)), *t2_rows(block, t2)]:
            row = [label] + [""] * (width - 1)
            for c, n, text in zip(starts, widths, texts):
                row[c] = text
                if n > 1:
                    spans.append((c, len(grid), c + n - 1, len(grid)))
            grid.append(row)
    return grid, spans


def table3_grid(t3: dict[str, list[Any]], *, layout: str | None = None) -> tuple[Grid, list[Span]]:
    groups = layout_of(layout).result_groups
    grid: Grid = [
        [T3_BALANCE_NOTE, "", "", "申请人情况", "", "", "", "", "", ""],
        ["", "", "", T3_COLUMNS[0], "法人或其他组织", "", "", "", "", T3_COLUMNS[6]],
        ["", "", "", "", *T3_COLUMNS[1:6], ""],
    ]
    spans: list[Span] = [(0, 0, 2, 2), (3, 0, 9, 0), (3, 1, 3, 2), (4, 1, 8, 1), (9, 1, 9, 2)]
    nums = lambda key: [fmt_number(v) for v in t3[key]]  # noqa: E731
    for key, label in T3_HEAD_ROWS:
        spans.append((0, len(grid), 2, len(grid)))
        grid.append([label, "", "", *nums(key)])
    start = len(grid)
    for group in groups:
        first = len(grid)
        for key, label in group.rows:
            if not label:
                spans.append((1, len(grid), 2, len(grid)))
                grid.append([T3_RESULTS_HEADING, group.heading, "", *nums(key)])
            else:
                grid.append([T3_RESULTS_HEADING, group.heading, label, *nums(key)])
        if len(group.rows) > 1:
            spans.append((1, first, 1, len(grid) - 1))
    spans.append((0, start, 0, len(grid) - 1))
    key, label = T3_TAIL_ROW
    spans.append((0, len(grid), 2, len(grid)))
    grid.append([label, "", "", *nums(key)])
    return _blank_covered(grid, spans), spans


def table4_grid(t4: dict[str, list[Any]]) -> tuple[Grid, list[Span]]:
    grid: Grid = [
        ["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
        [*T4_CELLS, "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
        ["", "", "", "", "", *T4_CELLS, *T4_CELLS],
        [fmt_number(v) for g in T4_GROUPS for v in t4[g]],
    ]
    spans: list[Span] = [(0, 0, 4, 0), (5, 0, 14, 0), (5, 1, 9, 1), (10, 1, 14, 1)]
    spans += [(c, 1, c, 2) for c in range(5)]
    return grid, spans


def _blank_covered(grid: Grid, spans: list[Span]) -> Grid:
    """Keep text only in the top-left cell of every merged range."""
    for c0, r0, c1, r1 in spans:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    grid[r][c] = ""
    return grid


def _grids(report: dict[str, Any], layout: str | None) -> dict[int, tuple[Grid, list[Span]]]:
    """Section index → the table printed after its text."""
    version = layout or report.get("format_version")
    return {1: table2_grid(report["table2"], layout=version),
            2: table3_grid(report["table3"], layout=version), 3: table4_grid(report["table4"])}


# --- PDF -------------------------------------------------------------------------------


def render_pdf(report: dict[str, Any], *, seed: int, layout: str | None = None, ruled: bool = True,
               tight: bool = False) -> bytes:
    """The report as a text-layer PDF. ``ruled=False`` draws the tables without ruling
    lines; ``tight=True`` sets table 三's numbers against the borders they share with the
    next cell (right, left, right …, under a point of padding), as cramped real tables are, so that the
    digits of neighbouring cells nearly touch."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, firstLineIndent=21,
                          wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=11, firstLineIndent=0, spaceBefore=6)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=TA_CENTER,
                           firstLineIndent=0, spaceAfter=10)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.5, alignment=TA_CENTER,
                          wordWrap="CJK")
    t2_cols = layout_of(layout or report.get("format_version")).t2_width + 1
    widths = {1: [160 * mm / t2_cols] * t2_cols,
              2: [9 * mm, 18 * mm, 50 * mm] + [12.5 * mm] * 7,
              3: [10.5 * mm] * 15}
    story: list[Any] = [Paragraph(title_of(report["agency"], report["year"]), title)]
    grids = _grids(report, layout)
    for n, (heading, paragraphs) in enumerate(narrative(report, seed=seed)):
        story.append(Paragraph(heading, head))
        story += [Paragraph(p, body) for p in paragraphs]
        if n in grids:
            grid, spans = grids[n]
            styles = [cell] * len(grid[0])
            if tight and n == 2:
                sides = [ParagraphStyle("r", parent=cell, alignment=TA_RIGHT),
                         ParagraphStyle("l", parent=cell, alignment=TA_LEFT)]
                styles = styles[:3] + [sides[c % 2] for c in range(len(grid[0]) - 3)]
            data = [[Paragraph(t, st) if t else "" for t, st in zip(row, styles)] for row in grid]
            table = Table(data, colWidths=widths[n], repeatRows=0)
            pad = 0.8 if tight and n == 2 else 2
            style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                     ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                     ("FONTNAME", (0, 0), (-1, -1), FONT)]
            if ruled:
                style.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
            style += [("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in spans]
            table.setStyle(TableStyle(style))
            story += [Spacer(1, 4), table, Spacer(1, 6)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, invariant=1,
                            title=title_of(report["agency"], report["year"]), author=report["agency"])
    doc.build(story)
    return buf.getvalue()


# --- DOCX ------------------------------------------------------------------------------

_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def render_docx(report: dict[str, Any], *, seed: int, layout: str | None = None) -> bytes:
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # CJK text uses the East-Asian font slot
    heading = d.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title_of(report["agency"], report["year"]))
    run.bold = True
    run.font.size = Pt(16)
    grids = _grids(report, layout)
    for n, (head, paragraphs) in enumerate(narrative(report, seed=seed)):
        d.add_paragraph().add_run(head).bold = True
        for p in paragraphs:
            d.add_paragraph(p).paragraph_format.first_line_indent = Pt(21)
        if n in grids:
            grid, spans = grids[n]
            table = d.add_table(rows=len(grid), cols=len(grid[0]))
            table.style = "Table Grid"
            for r, row in enumerate(grid):
                for c, text in enumerate(row):
                    if text:
                        table.cell(r, c).text = text
            for c0, r0, c1, r1 in spans:
                table.cell(r0, c0).merge(table.cell(r1, c1))
    props = d.core_properties
    props.title = title_of(report["agency"], report["year"])
    props.author = report["agency"]
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with constant timestamps so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
