"""Plain-text rendering for people: reports, findings, status tables."""
from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workers.validate.labels import (T2_FIELDS, T3_COLUMNS_ZH, T4_CELLS_ZH, T4_GROUPS as T4_GROUP_LABELS,
                                     cell_zh, t2_zh, t3_row_zh)

# the names of workers/parse/layouts.toml (through workers/validate/labels.py), never retyped
T3_COLUMNS: list[str] = list(T3_COLUMNS_ZH)
T4_COLUMNS: list[str] = list(T4_CELLS_ZH)
T4_GROUPS: dict[str, str] = {g: zh for g, (zh, _) in T4_GROUP_LABELS.items()}


#: wide enough that no table wraps: a long message stays on its line, as before
_WIDE = 1000


def table(headers: list[str], rows: list[list[Any]], right: set[int] | None = None) -> str:
    """An aligned plain-text table drawn by Rich (CJK characters take two columns);
    ``right`` lists right-aligned column indexes. Cells are text, never Rich markup: a
    printed "[6]" stays "[6]"."""
    right = right or set()
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="", collapse_padding=True)
    for i, h in enumerate(headers):
        grid.add_column(Text(h), justify="right" if i in right else "left", no_wrap=True)
    for row in rows:
        grid.add_row(*[Text("—" if v is None else str(v)) for v in row])
    console = Console(file=io.StringIO(), width=_WIDE, color_system=None, highlight=False, emoji=False,
                      soft_wrap=False, legacy_windows=False)
    with console.capture() as captured:
        console.print(grid)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    return "\n".join(line for line in lines if line.strip())


def t2_field_zh(field: str) -> str:
    return T2_FIELDS.get(field, (field, field))[0]


def _marked(value: Any, failing: bool) -> str:
    text = "—" if value is None else str(value)
    return f"*{text}*" if failing else text


def report_head(report: dict[str, Any]) -> str:
    return (f"{report.get('agency') or '（机关名称未识别）'}  {report.get('year') or '?'} 年度  "
            f"格式 {report.get('format_version') or '?'}  章节 {','.join(report.get('sections') or []) or '—'}")


def report_tables(report: dict[str, Any], failing: set[tuple[str, str, Any]] | None = None) -> str:
    """Tables 二, 三 and 四 with their printed row names; failing cells marked *like this*."""
    failing = failing or set()
    parts: list[str] = []
    t2 = report.get("table2") or {}
    if t2:
        rows = [[t2_zh(key), "；".join(f"{t2_field_zh(k)} {_marked(v, ('table2', key, k) in failing)}"
                                       for k, v in (fields if isinstance(fields, dict) else {}).items())]
                for key, fields in t2.items()]
        parts += ["表二 主动公开政府信息情况", table(["行", "数值"], rows)]
    t3 = report.get("table3") or {}
    if t3:
        rows = [[f"{key} {t3_row_zh(key)}"] + [_marked(v, ("table3", key, i) in failing) for i, v in enumerate(vals)]
                for key, vals in t3.items()]
        parts += ["", "表三 收到和处理政府信息公开申请情况", table(["行"] + T3_COLUMNS, rows, set(range(1, 8)))]
    t4 = report.get("table4") or {}
    if t4:
        rows = [[T4_GROUPS.get(g, g)] + [_marked(v, ("table4", g, i) in failing) for i, v in enumerate(vals)]
                for g, vals in t4.items()]
        parts += ["", "表四 行政复议、行政诉讼情况", table(["类别"] + T4_COLUMNS, rows, set(range(1, 6)))]
    return "\n".join(parts).strip("\n")


def render_report(report: dict[str, Any], failing: set[tuple[str, str, Any]] | None = None) -> str:
    """The report's head and its tables 二, 三 and 四; failing cells are marked *like this*."""
    parts = [report_head(report)]
    tables = report_tables(report, failing)
    if tables:
        parts += ["", tables]
    for w in report.get("warnings") or []:
        parts.append(f"注意 warning: {w}")
    return "\n".join(parts)


def _where(where: dict[str, Any]) -> str:
    if where.get("table"):
        return cell_zh(where["table"], where.get("row"), where.get("column"))
    if where.get("section"):
        return f"section {where['section']}"
    return ""


def render_check(result: dict[str, Any], name: str | None = None) -> str:
    """The file's name and the report's head, then its failures in full, not-assessable
    checks counted per rule, then the tables with the failing cells marked."""
    findings = result.get("findings") or []
    failing = set()
    for f in findings:
        where = f.get("where") or {}
        if f.get("status") == "fail" and where.get("table") and where.get("column") is not None:
            failing.add((where["table"], str(where.get("row")), where["column"]))
    order = {"error": 0, "warning": 1, "info": 2}
    fails = sorted((f for f in findings if f.get("status") == "fail"),
                   key=lambda f: order.get(f.get("severity", ""), 3))
    rows = [[f.get("rule"), f.get("severity"), _where(f.get("where") or {}), f.get("message_zh")] for f in fails]
    report = result.get("report") or {}
    parts = [f"== {name} ==" if name else "", report_head(report), ""]
    parts = [p for p in parts[:2] if p] + [""]
    parts.append(table(["规则", "级别", "位置", "说明"], rows) if rows else "未发现不合规之处 (no failing checks)")
    skipped: dict[str, int] = {}
    for f in findings:
        if f.get("status") == "not_assessable":
            skipped[f["rule"]] = skipped.get(f["rule"], 0) + 1
    if skipped:
        parts.append("无法判断 (not assessable, blank or missing inputs): "
                     + ", ".join(f"{rule} ×{n}" for rule, n in sorted(skipped.items())))
    review = render_review(findings)
    if review:
        parts.append(review)
    tables = report_tables(report, failing)
    notes = [f"注意 warning: {w}" for w in report.get("warnings") or []]
    return "\n".join(parts + ([""] + [tables] if tables else []) + notes)


def render_review(findings: list[dict[str, Any]]) -> str:
    """The review list: checks that would fail but rest on cells read without certainty,
    with the candidate readings of those cells (empty when there are none)."""
    items = [f for f in findings if f.get("status") == "review"]
    if not items:
        return ""
    rows = []
    for f in items:
        cells = (f.get("review") or {}).get("cells") or []
        cand = "; ".join(f"{cell_zh(c['table'], c['row'], c['column'])} ∈ {{{', '.join(map(str, c.get('candidates') or []))}}}"
                         for c in cells if c.get("candidates"))
        rows.append([f.get("rule"), _where(f.get("where") or {}), f.get("message_zh"), cand or "—"])
    return ("待人工核对 (to review: would fail, but rests on uncertain readings)\n"
            + table(["规则", "位置", "说明", "可能的读数 candidates"], rows))


STATUS_LABEL = {"on_time": "按时 on time", "late": "逾期 late", "missing": "未发布 missing",
                "inconsistent": "不一致 inconsistent", "changed": "发布后变更 changed", "pending": "未到期 pending"}


def render_statuses(rows: list[dict[str, Any]]) -> str:
    return table(["机关 agency", "年度", "状态 status", "未通过规则 rules failed"],
                 [[r["agency"], r["year"], STATUS_LABEL.get(r["status"], r["status"]),
                   ", ".join(r["rules_failed"]) or "—"] for r in rows])


def render_alerts(rows: list[dict[str, Any]]) -> str:
    return table(["告警 kind", "机关 agency", "年度", "渠道 channel", "事件 event"],
                 [[r["kind"] + (f" {r['rule']}" if r.get("rule") and r["rule"] != r["kind"] else ""),
                   r["agency"], r["year"], r["channel"], r.get("event", "firing")] for r in rows])
