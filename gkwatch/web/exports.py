"""The audit as a spreadsheet: one row per agency-year with status, dates and failing
rules — the table a 政务公开办 sends upward. CSV (UTF-8 with BOM, so Excel reads the
Chinese) and XLSX."""
from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from gkwatch.web.view import STATUS_ZH, fmt_dt

COLUMNS = [("agency", "机关 agency"), ("region", "地区 region"), ("kind", "类型 kind"), ("year", "年度 year"),
           ("status", "状态 status"), ("status_zh", "状态（中文）"), ("publication", "发布 publication"),
           ("deadline", "截止时间 deadline"), ("published_at", "发布时间 published"),
           ("rules_failed", "未通过规则 rules failed"), ("report_url", "报告地址 report URL")]


def audit_table(rows: list[dict[str, Any]], tz: str = "Asia/Shanghai") -> list[list[Any]]:
    """Header plus one list per agency-year, dates in local time."""
    out: list[list[Any]] = [[title for _, title in COLUMNS]]
    for r in rows:
        values = dict(r, status_zh=STATUS_ZH.get(r["status"], r["status"]),
                      deadline=fmt_dt(r.get("deadline"), tz), published_at=fmt_dt(r.get("published_at"), tz),
                      rules_failed=" ".join(r.get("rules_failed") or []), report_url=r.get("report_url") or "")
        out.append([values.get(key) for key, _ in COLUMNS])
    return out


def audit_csv(rows: list[dict[str, Any]], tz: str = "Asia/Shanghai") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(audit_table(rows, tz))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def audit_xlsx(rows: list[dict[str, Any]], tz: str = "Asia/Shanghai") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "audit"
    fills = {"late": "FFF4CC", "missing": "F8D0D0", "inconsistent": "F9E0B8", "on_time": "D9F0D9"}
    for i, line in enumerate(audit_table(rows, tz)):
        ws.append(line)
        if i == 0:
            for cell in ws[1]:
                cell.font = Font(bold=True)
            continue
        colour = fills.get(str(line[4]))
        if colour:
            ws.cell(row=i + 1, column=5).fill = PatternFill("solid", fgColor=colour)
    for letter, w in zip("ABCDEFGHIJK", (30, 12, 10, 8, 14, 12, 12, 18, 18, 24, 50)):
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
