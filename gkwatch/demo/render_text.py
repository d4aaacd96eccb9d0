"""A report as plain text, in the linearisations real documents come in.

Text copied out of PDFs, OCR output and crawler dumps print the same tables in many
orders; these renderers produce each of them from one report, so that the parser can be
tried on all of them (tests/test_parse_linearisations.py):

- ``row``: one table row per line, the label then its numbers, tab-separated;
- ``fullwidth``: ``label：n1　n2 …`` with ideographic spaces and ``/`` for blanks;
- ``cell``: one cell per line (label, then each number on a line of its own);
- ``next_line``: the label on one line, its numbers on the next;
- ``wrapped``: long labels broken over two lines, numbers after the second;
- ``header_block``: table 四's fifteen column labels first, then its fifteen numbers.

Blank cells print as ``/`` where a position must be kept, and the label rows of groups
(（三）不予公开 …) stand on lines of their own, as printed forms have them.
"""
from __future__ import annotations

from typing import Any, Callable, Literal

from gkwatch.demo.layout import (T3_BALANCE_NOTE, T3_COLUMNS, T3_HEAD_ROWS, T3_RESULTS_HEADING, T3_TAIL_ROW,
                                 T4_CELLS, T4_GROUPS, fmt_number, layout_of)
from gkwatch.demo.text import narrative, title_of

Linearisation = Literal["row", "fullwidth", "cell", "next_line", "wrapped", "header_block"]
LINEARISATIONS: tuple[Linearisation, ...] = ("row", "fullwidth", "cell", "next_line", "wrapped", "header_block")


def _num(v: object) -> str:
    return "/" if v is None else fmt_number(v)


def _row_lines(label: str, values: list[Any], how: Linearisation) -> list[str]:
    nums = [_num(v) for v in values]
    if how == "fullwidth":
        return [f"{label}：" + "\u3000".join(nums)]
    if how == "cell":
        return [label, *nums]
    if how == "next_line":
        return [label, " ".join(nums)]
    if how == "wrapped" and len(label) > 8:
        cut = len(label) // 2
        return [label[:cut], label[cut:] + "\t" + "\t".join(nums)]
    return [label + "\t" + "\t".join(nums)]


def _table2(t2: dict[str, Any], version: str, how: Linearisation) -> list[str]:
    out: list[str] = []
    for block in layout_of(version).t2_blocks:
        out.append(block.heading)
        out.append("\t".join(["信息内容", *block.columns]))
        for key, label in block.rows:
            rec = t2.get(key) or {}
            out += _row_lines(label, [rec.get(f) for f in block.fields], "row" if how == "header_block" else how)
    return out


def _table3(t3: dict[str, list[Any]], version: str, how: Linearisation) -> list[str]:
    row_how: Linearisation = "row" if how == "header_block" else how
    out = [T3_BALANCE_NOTE, "申请人情况", "自然人", "法人或其他组织", *T3_COLUMNS[1:]]
    for key, label in T3_HEAD_ROWS:
        out += _row_lines(label, t3[key], row_how)
    out.append(T3_RESULTS_HEADING)
    for group in layout_of(version).result_groups:
        for key, label in group.rows:
            if label:
                if label.startswith("1."):
                    out.append(group.heading)
                out += _row_lines(label, t3[key], row_how)
            else:
                out += _row_lines(group.heading, t3[key], row_how)
    key, label = T3_TAIL_ROW
    out += _row_lines(label, t3[key], row_how)
    return out


def _table4(t4: dict[str, list[Any]], how: Linearisation) -> list[str]:
    values = [v for g in T4_GROUPS for v in t4[g]]
    head = ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"]
    if how in ("header_block", "cell"):
        return head + list(T4_CELLS) * 3 + [_num(v) for v in values]
    sep = "\u3000" if how == "fullwidth" else "\t"
    return ["\t".join(head), "\t".join(T4_CELLS * 3), sep.join(_num(v) for v in values)]


def report_text(report: dict[str, Any], *, seed: int, how: Linearisation = "row") -> str:
    """The whole report (title, six sections, the tables in place) as text."""
    version = report.get("format_version") or "2021"
    tables: dict[int, Callable[[], list[str]]] = {
        1: lambda: _table2(report["table2"], version, how),
        2: lambda: _table3(report["table3"], version, how),
        3: lambda: _table4(report["table4"], how),
    }
    lines = [title_of(report["agency"], report["year"])]
    for n, (heading, paragraphs) in enumerate(narrative(report, seed=seed)):
        lines.append(heading)
        lines += paragraphs
        if n in tables:
            lines += tables[n]()
    return "\n".join(lines) + "\n"
