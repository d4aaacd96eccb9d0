"""What a notification says: one event per alert, a Chinese subject, plain text and HTML."""
from __future__ import annotations

import html
from typing import Any

from models import Alert

KIND_ZH = {"P-MISSING": "未发布", "P-LATE": "逾期发布", "P-CHANGED": "发布后被修改", "P-UNPARSED": "无法解析",
           "P-UNREACHABLE": "门户无法访问", "inconsistent": "数据不一致", "reminder": "临近期限"}
REASON_ZH = {"first notification": "首次通知", "new alerts": "新增告警", "some resolved": "部分恢复",
             "all resolved": "全部恢复", "repeat": "仍在告警", "test": "测试"}


def event(alert: Alert, labels: dict[str, Any], *, event: str, repeat: bool = False) -> dict[str, Any]:
    """The JSON form of one alert event, as webhooks carry it."""
    return {"event": event, "kind": alert.kind, "rule": alert.rule, "fingerprint": alert.fingerprint,
            "agency": labels.get("agency"), "agency_id": alert.agency_id, "region": labels.get("region"),
            "year": alert.year, "severity": alert.severity, "summary_zh": alert.summary_zh,
            "summary_en": alert.summary_en, "starts_at": alert.starts_at.isoformat(),
            "ends_at": alert.ends_at.isoformat() if alert.ends_at and event == "resolved" else None,
            "repeat": repeat, "labels": labels}


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
        lines.append(f"[{_tag(e)}] {e['summary_zh']}")
        lines.append(f"    {e['summary_en']}")
    lines += ["", "— gkwatch 政府信息公开年报监测"]
    return "\n".join(lines)


def html_body(events: list[dict[str, Any]], *, subject_line: str, reason: str) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(_tag(e))}</td><td>{html.escape(KIND_ZH.get(e['kind'], e['kind']))}</td>"
        f"<td>{html.escape(str(e.get('agency') or ''))}</td><td>{e.get('year') or ''}</td>"
        f"<td>{html.escape(e['summary_zh'])}<br><small>{html.escape(e['summary_en'])}</small></td></tr>"
        for e in events)
    return (f"<html><body><h3>{html.escape(subject_line)}</h3>"
            f"<p>通知原因：{html.escape(REASON_ZH.get(reason, reason))}</p>"
            "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>状态</th><th>类型</th><th>机关</th>"
            f"<th>年度</th><th>说明</th></tr>{rows}</table></body></html>")
