"""What a notification says: one event per alert, a Chinese subject, plain text and HTML,
Chinese first and English after, with links to the dashboard's report (or agency) page,
the source page and the snapshot that was checked."""
from __future__ import annotations

import html
from typing import Any

from models import Alert

KIND_EN = {"P-MISSING": "missing", "P-LATE": "late", "P-CHANGED": "changed after publication",
           "P-UNPARSED": "unreadable", "P-UNREACHABLE": "portal unreachable", "inconsistent": "inconsistent",
           "reminder": "deadline near"}
#: link names, Chinese first: the order in which messages list them
LINK_NAMES = {"report": "看板报告页 report page", "agency": "看板机关页 agency page",
              "source": "原文 source", "snapshot": "快照 snapshot"}
KIND_ZH = {"P-MISSING": "未发布", "P-LATE": "逾期发布", "P-CHANGED": "发布后被修改", "P-UNPARSED": "无法解析",
           "P-UNREACHABLE": "门户无法访问", "inconsistent": "数据不一致", "reminder": "临近期限"}
REASON_ZH = {"first notification": "首次通知", "new alerts": "新增告警", "some resolved": "部分恢复",
             "all resolved": "全部恢复", "repeat": "仍在告警", "test": "测试"}


def links(alert: Alert, labels: dict[str, Any], public_url: str = "") -> dict[str, str]:
    """Where a reader goes from the alert: the dashboard's report page (else the agency's),
    the source page as crawled, and the stored snapshot. Dashboard links need the
    dashboard's public address; the source link is always there when known."""
    out: dict[str, str] = {}
    base = public_url.rstrip("/")
    if base:
        if labels.get("report_id"):
            out["report"] = f"{base}/reports/{labels['report_id']}"
        if alert.agency_id:
            out["agency"] = f"{base}/agencies/{alert.agency_id}"
    if labels.get("source_url"):
        out["source"] = str(labels["source_url"])
    version = labels.get("version_id") or labels.get("report_version_id")
    if base and version:
        out["snapshot"] = f"{base}/api/v1/versions/{version}/snapshot"
    return out


def event(alert: Alert, labels: dict[str, Any], *, event: str, repeat: bool = False,
          public_url: str = "") -> dict[str, Any]:
    """The JSON form of one alert event, as webhooks carry it."""
    return {"event": event, "kind": alert.kind, "rule": alert.rule, "fingerprint": alert.fingerprint,
            "agency": labels.get("agency"), "agency_id": alert.agency_id, "region": labels.get("region"),
            "year": alert.year, "severity": alert.severity, "summary_zh": alert.summary_zh,
            "summary_en": alert.summary_en, "starts_at": alert.starts_at.isoformat(),
            "ends_at": alert.ends_at.isoformat() if alert.ends_at and event == "resolved" else None,
            "repeat": repeat, "labels": labels, "links": links(alert, labels, public_url)}


def subject(events: list[dict[str, Any]], *, reason: str, group: dict[str, Any]) -> str:
    firing = sum(1 for e in events if e["event"] == "firing")
    scope = "、".join(str(v) for v in group.values() if v not in (None, ""))
    head = f"【gkwatch】政府信息公开年报告警{f'（{scope}）' if scope else ''}"
    if reason == "repeat":
        return f"{head}：仍有 {firing} 条告警未解除"
    parts = [f"告警 {firing} 条"] if firing else []
    if len(events) - firing:
        parts.append(f"恢复 {len(events) - firing} 条")
    return f"{head}：{'，'.join(parts)}"


def _tag(e: dict[str, Any]) -> str:
    if e["event"] == "resolved":
        return "已恢复 RESOLVED"
    return "仍在告警 STILL FIRING" if e.get("repeat") else "告警 FIRING"


def text(events: list[dict[str, Any]], *, reason: str) -> str:
    lines = [f"通知原因 reason: {REASON_ZH.get(reason, reason)} ({reason})", ""]
    for e in events:
        lines.append(f"[{_tag(e)}] {kind_label(e['kind'])}：{e['summary_zh']}")
        lines.append(f"    {e['summary_en']}")
        for key, url in (e.get("links") or {}).items():
            lines.append(f"    {LINK_NAMES.get(key, key)}: {url}")
    lines += ["", "— gkwatch 政府信息公开年报监测"]
    return "\n".join(lines)


def kind_label(kind: str) -> str:
    return f"{KIND_ZH.get(kind, kind)} {KIND_EN.get(kind, kind)}"


def _links_html(e: dict[str, Any]) -> str:
    return "<br>".join(f'<a href="{html.escape(url, quote=True)}">{html.escape(LINK_NAMES.get(key, key))}</a>'
                       for key, url in (e.get("links") or {}).items())


def html_body(events: list[dict[str, Any]], *, subject_line: str, reason: str) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(_tag(e))}</td><td>{html.escape(kind_label(e['kind']))}</td>"
        f"<td>{html.escape(str(e.get('agency') or ''))}</td><td>{e.get('year') or ''}</td>"
        f"<td>{html.escape(e['summary_zh'])}<br><small>{html.escape(e['summary_en'])}</small></td>"
        f"<td>{_links_html(e)}</td></tr>"
        for e in events)
    return (f"<html><body><h3>{html.escape(subject_line)}</h3>"
            f"<p>通知原因 reason：{html.escape(REASON_ZH.get(reason, reason))} ({html.escape(reason)})</p>"
            "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>状态 state</th><th>类型 kind</th>"
            f"<th>机关 agency</th><th>年度 year</th><th>说明 summary</th><th>链接 links</th></tr>{rows}</table>"
            "<p>— gkwatch 政府信息公开年报监测</p></body></html>")
