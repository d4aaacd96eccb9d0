"""A plain-text table of findings for people (Chinese message first)."""
from __future__ import annotations

import unicodedata

_STATUS_ZH = {"fail": "不通过", "review": "待人工核对", "not_assessable": "无法判断", "pass": "通过"}
_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    return s + " " * max(w - _width(s), 0)


def _where(where: dict) -> str:
    parts = []
    if where.get("section") is not None:
        parts.append(f"§{where['section']}")
    if where.get("table"):
        parts.append(str(where["table"]))
    if where.get("row") is not None:
        parts.append(f"row {where['row']}")
    if where.get("column") is not None:
        parts.append(f"col {where['column']}")
    return " ".join(parts) or "-"


def render_findings_table(findings: list[dict]) -> str:
    """One line per finding: rule, severity, status, location, then the Chinese and
    the English message. Failures come first, errors before warnings."""
    if not findings:
        return "未发现问题 / no findings"
    order = {"error": 0, "warning": 1, "info": 2}
    rows = sorted(findings, key=lambda f: (f.get("status") != "fail", order.get(f.get("severity"), 3)))
    head = ("规则 rule", "级别 severity", "结果 status", "位置 where")
    cells = [(f["rule"], f"{_SEVERITY_ZH.get(f['severity'], f['severity'])} {f['severity']}",
              _STATUS_ZH.get(f["status"], f["status"]), _where(f.get("where") or {})) for f in rows]
    widths = [max(_width(r[i]) for r in [head, *cells]) for i in range(4)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(head, widths)) + "  说明 message",
             "-" * (sum(widths) + 2 * 4 + 12)]
    for f, c in zip(rows, cells):
        lines.append("  ".join(_pad(x, w) for x, w in zip(c, widths)) + "  " + f["message_zh"])
        lines.append(" " * (sum(widths) + 2 * 4) + f["message_en"])
    n_fail = sum(1 for f in findings if f.get("status") == "fail")
    lines.append(f"共 {len(findings)} 项，其中不通过 {n_fail} 项 / {len(findings)} findings, {n_fail} failing")
    return "\n".join(lines)
