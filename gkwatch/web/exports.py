"""The audit as CSV: one row per agency-year with status, dates and failing rules (UTF-8
with BOM, so Excel reads the Chinese). The workbook sent upward is gkwatch/exports/upward.py."""
from __future__ import annotations

import csv
import io
from typing import Any

from gkwatch.exports.upward import follow_up_text
from gkwatch.web.view import STATUS_ZH, fmt_dt

COLUMNS = [("agency", "机关 agency"), ("region", "地区 region"), ("kind", "类型 kind"), ("year", "年度 year"),
           ("status", "状态 status"), ("status_zh", "状态（中文）"), ("publication", "发布 publication"),
           ("deadline", "截止时间 deadline"), ("published_at", "发布时间 published"),
           ("rules_failed", "未通过规则 rules failed"), ("changed", "发布后变更 changed"),
           ("follow_up", "整改跟进 follow-up"), ("report_url", "报告地址 report URL")]


def audit_table(rows: list[dict[str, Any]], tz: str = "Asia/Shanghai") -> list[list[Any]]:
    """Header plus one list per agency-year, dates in local time."""
    out: list[list[Any]] = [[title for _, title in COLUMNS]]
    for r in rows:
        values = dict(r, status_zh=STATUS_ZH.get(r["status"], r["status"]),
                      deadline=fmt_dt(r.get("deadline"), tz), published_at=fmt_dt(r.get("published_at"), tz),
                      rules_failed=" ".join(r.get("rules_failed") or []), report_url=r.get("report_url") or "",
                      changed="是" if r.get("changed") else "",
                      follow_up=follow_up_text(r))
        out.append([values.get(key) for key, _ in COLUMNS])
    return out


def audit_csv(rows: list[dict[str, Any]], tz: str = "Asia/Shanghai") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(audit_table(rows, tz))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
