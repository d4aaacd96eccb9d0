"""Render a report as the body of an HTML article: six sections, the three national tables.

Two markup flavours, as found on real portals: ``plain`` (CMS editor output, one text
node per cell) and ``word`` (pasted from Word: every cell text wrapped in
``<p class=MsoNormal><span>`` and split over several spans, digits included).
PDF and DOCX renderers live in :mod:`gkwatch.demo.render_office`.

Every renderer takes ``layout`` ("2021" or "2019"); ``None`` means the report's own
``format_version`` (the demo's reports are all 2021, which stays the default).
"""
from __future__ import annotations

from html import escape
from typing import Any, Literal

from gkwatch.demo.layout import (T3_BALANCE_NOTE, T3_COLUMNS, T3_HEAD_ROWS, T3_RESULTS_HEADING, T3_TAIL_ROW,
                                 T4_CELLS, T4_GROUPS, T2Block, fmt_number, layout_of, spread)
from gkwatch.demo.text import narrative, title_of

Flavour = Literal["plain", "word"]


class _Cells:
    """Builds ``<td>`` elements in one markup flavour."""

    def __init__(self, flavour: Flavour) -> None:
        self.flavour = flavour

    def inner(self, text: str) -> str:
        if self.flavour == "plain":
            return escape(text)
        # Word splits runs at arbitrary points (spell-check marks, language changes)
        cut = max(1, len(text) // 2)
        parts = [text[:cut], text[cut:]] if len(text) > 1 else [text]
        spans = "".join(f'<span style="font-size:10.5pt;font-family:宋体">{escape(p)}</span>'
                        for p in parts if p)
        return f'<p class="MsoNormal" align="center" style="text-align:center">{spans}</p>'

    def td(self, text: str, *, rowspan: int = 1, colspan: int = 1) -> str:
        attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + \
                (f' colspan="{colspan}"' if colspan > 1 else "")
        return f'<td{attrs} valign="center">{self.inner(text)}</td>'

    def nums(self, values: list[Any]) -> str:
        return "".join(self.td(fmt_number(v)) for v in values)


def _table(rows: list[str], flavour: Flavour) -> str:
    style = ' class="MsoNormalTable"' if flavour == "word" else ""
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    return f'<table{style} border="1" cellspacing="0" cellpadding="0" align="center"><tbody>{body}</tbody></table>'


def cell_text(row: dict[str, Any], field: str) -> str:
    """A table-二 value as printed, with its unit when the report keeps one (``amount_unit``)."""
    value = row[field]
    unit = row.get(f"{field}_unit") if value is not None else None
    return fmt_number(value) + (unit or "")


def t2_rows(block: T2Block, t2: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(label, printed cells) of each row of one table-二 block."""
    return [(label, [cell_text(t2[key], f) for f in block.fields]) for key, label in block.rows]


def table2_html(t2: dict[str, Any], flavour: Flavour = "plain", *, layout: str | None = None) -> str:
    lay = layout_of(layout)
    c = _Cells(flavour)
    rows = []
    for block in lay.t2_blocks:
        rows.append(c.td(block.heading, colspan=lay.t2_width + 1))
        spans = spread(len(block.columns), lay.t2_width)
        rows.append(c.td("信息内容") + "".join(c.td(h, colspan=n) for h, n in zip(block.columns, spans)))
        for label, texts in t2_rows(block, t2):
            rows.append(c.td(label) + "".join(c.td(t, colspan=n) for t, n in zip(texts, spans)))
    return _table(rows, flavour)


def table3_html(t3: dict[str, list[Any]], flavour: Flavour = "plain", *, layout: str | None = None) -> str:
    groups = layout_of(layout).result_groups
    c = _Cells(flavour)
    rows = [
        c.td(T3_BALANCE_NOTE, rowspan=3, colspan=3) + c.td("申请人情况", colspan=7),
        c.td(T3_COLUMNS[0], rowspan=2) + c.td("法人或其他组织", colspan=5) + c.td(T3_COLUMNS[6], rowspan=2),
        "".join(c.td(h) for h in T3_COLUMNS[1:6]),
    ]
    for key, label in T3_HEAD_ROWS:
        rows.append(c.td(label, colspan=3) + c.nums(t3[key]))
    n_results = sum(len(g.rows) for g in groups)
    first = True
    for group in groups:
        for i, (key, label) in enumerate(group.rows):
            lead = c.td(T3_RESULTS_HEADING, rowspan=n_results) if first else ""
            first = False
            if not label:
                cells = c.td(group.heading, colspan=2)
            elif i == 0:
                cells = c.td(group.heading, rowspan=len(group.rows)) + c.td(label)
            else:
                cells = c.td(label)
            rows.append(lead + cells + c.nums(t3[key]))
    key, label = T3_TAIL_ROW
    rows.append(c.td(label, colspan=3) + c.nums(t3[key]))
    return _table(rows, flavour)


def table4_html(t4: dict[str, list[Any]], flavour: Flavour = "plain") -> str:
    c = _Cells(flavour)
    rows = [
        c.td("行政复议", colspan=5) + c.td("行政诉讼", colspan=10),
        "".join(c.td(h, rowspan=2) for h in T4_CELLS) + c.td("未经复议直接起诉", colspan=5)
        + c.td("复议后起诉", colspan=5),
        "".join(c.td(h) for h in T4_CELLS * 2),
        "".join(c.nums(t4[g]) for g in T4_GROUPS),
    ]
    return _table(rows, flavour)


def article_html(report: dict[str, Any], *, seed: int, flavour: Flavour = "plain",
                 layout: str | None = None) -> str:
    """The article body: title, the six sections with their text, the tables in place."""
    version = layout or report.get("format_version")
    tables = {1: table2_html(report["table2"], flavour, layout=version),
              2: table3_html(report["table3"], flavour, layout=version),
              3: table4_html(report["table4"], flavour)}
    p_open = '<p class="MsoNormal" style="text-indent:2em">' if flavour == "word" else '<p style="text-indent:2em">'
    parts = [f'<p style="text-align:center"><strong>{escape(title_of(report["agency"], report["year"]))}</strong></p>']
    for n, (heading, paragraphs) in enumerate(narrative(report, seed=seed)):
        parts.append(f'<p style="text-indent:2em"><strong>{escape(heading)}</strong></p>')
        parts += [f"{p_open}{escape(p)}</p>" for p in paragraphs]
        if n in tables:
            parts.append(tables[n])
    return "\n".join(parts)
