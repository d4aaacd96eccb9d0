"""The upward report as an Excel workbook a 政务公开办 can send as is: a summary sheet
(title, audit date, data source and scope, then per region and kind the counts and the
on-time rate) and a detail sheet (one row per agency-year, real Excel dates, days late,
every failing check explained with its cell, changes after publication, follow-up and the
evidence: report URL, snapshot SHA-256 and fetch time)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from gkwatch.exports.explain import (
    STATUS_ZH,
    SUMMARY_COUNTS,
    changes_text,
    days_late,
    explain_all,
    local,
    scope_text,
    summarise,
)

TITLE = "政府信息公开工作年度报告发布情况检查报告"
SOURCE = ("gkwatch 定期抓取各机关政府信息公开专栏中的年度报告，保存抓取时的原文快照（SHA-256），"
          "并按国办公开办函〔2021〕30号格式逐项核对表格数据")
FILLS = {"late": "FFF1BF", "missing": "F5C6C6", "inconsistent": "F7D9A8", "on_time": "D9F0D9",
         "changed": "D8E4F8", "pending": "E6E6EF"}
FOLLOW_UP_ZH = {"notified": "已通知整改", "fixed": "已整改", "none_needed": "无需整改"}
#: detail columns: heading, width, number format of the cells (None: text)
DETAIL = [("序号 No.", 6, "0"), ("机关 body", 30, None), ("类型 kind", 10, None), ("地区 region", 12, None),
          ("年度 year", 8, "0"), ("状态 status", 12, None), ("发布情况 publication", 12, None),
          ("截止时间 deadline", 12, "yyyy-mm-dd"), ("发布日期 published", 12, "yyyy-mm-dd"),
          ("逾期天数 days late", 10, "0"), ("未通过的检查 failed checks", 70, None),
          ("发布后变更 changes after publication", 50, None), ("整改跟进 follow-up", 24, None),
          ("报告地址 report URL", 40, None), ("看板页面 dashboard page", 36, None),
          ("快照 SHA-256 snapshot", 30, None), ("抓取时间 fetched", 17, "yyyy-mm-dd hh:mm")]
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass
class Meta:
    """What the workbook says about itself."""

    audited_at: datetime
    tz: str = "Asia/Shanghai"
    office: str = ""
    public_url: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    source: str = SOURCE


def follow_up_text(r: dict[str, Any]) -> str:
    f = r.get("follow_up")
    if not f:
        return ""
    state = FOLLOW_UP_ZH.get(f.get("state", ""), f.get("state", ""))
    return f"{state}{'：' + f['note'] if f.get('note') else ''}"


def publication_text(r: dict[str, Any]) -> str:
    return STATUS_ZH.get(r["publication"], r["publication"])


def clean(value: Any) -> Any:
    """Text Excel can store: control characters (from a crawled page or a search) dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _row(values: list[Any]) -> list[Any]:
    return [clean(v) for v in values]


def detail_values(i: int, r: dict[str, Any], meta: Meta) -> list[Any]:
    """One detail row: Python dates (Excel dates once written), numbers as numbers."""
    ev = r.get("evidence") or {}
    page = f"{meta.public_url}/reports/{r['report_id']}" if meta.public_url and r.get("report_id") else ""
    return [i, r["agency"], r.get("kind") or "", r.get("region") or "", r["year"],
            STATUS_ZH.get(r["status"], r["status"]), publication_text(r),
            local(r.get("deadline"), meta.tz), local(r.get("published_at"), meta.tz),
            days_late(r, meta.audited_at), explain_all(r.get("failed") or []),
            changes_text(r.get("changes") or [], meta.tz), follow_up_text(r), r.get("report_url") or "",
            page, ev.get("sha256") or "", local(ev.get("fetched_at"), meta.tz)]


def page_context(rows: list[dict[str, Any]], meta: Meta) -> dict[str, Any]:
    """The same report for the printable page: heading lines, summary groups, detail rows."""
    audited = local(meta.audited_at, meta.tz)
    return {"title": TITLE, "audited": f"{audited:%Y-%m-%d %H:%M}" if audited else "",
            "office": meta.office, "source": meta.source, "scope": scope_text(meta.filters, rows),
            "counts": SUMMARY_COUNTS, "summary": summarise(rows),
            "headings": [title for title, _, _ in DETAIL],
            "detail": [{"status": r["status"], "report_id": r.get("report_id"), "agency_id": r["agency_id"],
                        "values": detail_values(i, r, meta)} for i, r in enumerate(rows, 1)]}


def _head(ws: Worksheet, meta: Meta, rows: list[dict[str, Any]]) -> int:
    """Title, audit date, office, source and scope on top of a sheet; returns the next row."""
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=16)
    audited = local(meta.audited_at, meta.tz)
    lines = [("检查日期 audit date", audited), ("检查单位 office", meta.office or "（未设置 GKWATCH_OFFICE_NAME）"),
             ("数据来源 data source", meta.source), ("检查范围 scope", scope_text(meta.filters, rows))]
    for label, value in lines:
        ws.append(_row([label, value]))
        ws.cell(ws.max_row, 1).font = BOLD
    ws.cell(2, 2).number_format = "yyyy-mm-dd hh:mm"
    ws.append([])
    return ws.max_row + 1


def _summary(ws: Worksheet, rows: list[dict[str, Any]], meta: Meta) -> None:
    ws.title = "汇总 summary"
    start = _head(ws, meta, rows)
    header = (["年度 year", "地区 region", "类型 kind"] + [f"{zh} {en}" for _, zh, en in SUMMARY_COUNTS]
              + ["按时发布率 on-time rate", "数据不一致率 inconsistency rate"])
    ws.append(header)
    for cell in ws[start]:
        cell.font = BOLD
        cell.fill = PatternFill("solid", fgColor="EEF1F6")
        cell.alignment = WRAP
    for g in summarise(rows):
        ws.append(_row([g["year"], g["region"], g["kind"]] + [g[k] for k, _, _ in SUMMARY_COUNTS]
                       + [g["rate"], g["inconsistency_rate"]]))
        line = ws.max_row
        for c in (len(header) - 1, len(header)):
            ws.cell(line, c).number_format = "0.0%"
        if g["kind"] in ("小计 subtotal", ""):
            for cell in ws[line]:
                cell.font = BOLD
    for i, w in enumerate([16, 16, 14] + [10] * len(SUMMARY_COUNTS) + [12, 12], 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.column_dimensions["B"].width = 60
    ws.freeze_panes = ws.cell(start + 1, 1)


def _detail(ws: Worksheet, rows: list[dict[str, Any]], meta: Meta) -> None:
    ws.append([f"{TITLE} — 明细 detail（{local(meta.audited_at, meta.tz):%Y-%m-%d}）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([title for title, _, _ in DETAIL])
    for cell in ws[2]:
        cell.font = BOLD
        cell.fill = PatternFill("solid", fgColor="EEF1F6")
        cell.alignment = WRAP
    for i, r in enumerate(rows, 1):
        ws.append(_row(detail_values(i, r, meta)))
        line = ws.max_row
        for c, (_, _, fmt) in enumerate(DETAIL, 1):
            cell = ws.cell(line, c)
            if fmt and cell.value is not None:
                cell.number_format = fmt
            cell.alignment = WRAP
        colour = FILLS.get(r["status"])
        if colour:
            ws.cell(line, 6).fill = PatternFill("solid", fgColor=colour)
        for c in (14, 15):
            url = ws.cell(line, c).value
            if url:
                ws.cell(line, c).hyperlink = url
                ws.cell(line, c).font = Font(color="1F5FBF", underline="single")
    for i, (_, w, _) in enumerate(DETAIL, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(DETAIL))}{max(ws.max_row, 2)}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def upward_xlsx(rows: list[dict[str, Any]], meta: Meta) -> bytes:
    """The workbook: 汇总 summary first (what is read), then 明细 detail (the evidence)."""
    wb = Workbook()
    _summary(wb.active, rows, meta)
    _detail(wb.create_sheet("明细 detail"), rows, meta)
    wb.properties.title = TITLE
    wb.properties.creator = meta.office or "gkwatch"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
