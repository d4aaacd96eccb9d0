"""The audit in words an office sends upward: statuses in Chinese, days late, each failing
check explained with the cell it points at, and the per-region summary."""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ground import clock
from ground.catalogue import CATALOGUE
from workers.validate.labels import cell_zh

STATUS_ZH = {"on_time": "按时", "late": "逾期", "missing": "未发布", "inconsistent": "数据不一致",
             "changed": "发布后变更", "pending": "未到期"}
STATUS_EN = {"on_time": "on time", "late": "late", "missing": "missing", "inconsistent": "inconsistent",
             "changed": "changed after publication", "pending": "pending"}
FINDING_STATUS_ZH = {"fail": "未通过", "review": "待人工核对"}
#: the columns of the summary, in order: key, Chinese and English heading
SUMMARY_COUNTS = (("bodies", "机关数", "bodies"), ("on_time", "按时发布", "on time"),
                  ("late", "逾期发布", "late"), ("missing", "未发布", "missing"),
                  ("inconsistent", "数据不一致", "inconsistent"), ("changed", "发布后变更", "changed"),
                  ("pending", "未到期", "not yet due"))


def local(value: datetime | None, tz: str) -> datetime | None:
    """A stored UTC time in the office's zone, without tzinfo (what Excel stores)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(tz))
    return value.replace(tzinfo=None)


def days_late(row: dict[str, Any], now: datetime | None = None) -> int | None:
    """Whole days (rounded up) between the deadline and the publication; for a missing
    report, the days since the deadline as of ``now``. None when not late."""
    deadline = row.get("deadline")
    if deadline is None:
        return None
    if row.get("publication") == "late" and row.get("published_at") is not None:
        end = row["published_at"]
    elif row.get("publication") == "missing":
        end = now or clock.now()
    else:
        return None
    seconds = (end - deadline).total_seconds()
    return max(math.ceil(seconds / 86400), 1) if seconds > 0 else None


def rule_title(rule: str) -> str:
    entry = CATALOGUE.get(rule)
    return entry.title_zh if entry else rule


def explain(finding: dict[str, Any]) -> str:
    """One failing check in Chinese: rule, what it checks, the cell and what was found."""
    where = finding.get("where") or {}
    cell = cell_zh(where["table"], where.get("row"), where.get("column")) if where.get("table") else ""
    state = FINDING_STATUS_ZH.get(finding.get("status", ""), finding.get("status", ""))
    head = f"{finding['rule']}（{rule_title(finding['rule'])}，{state}）"
    return f"{head}{'［' + cell + '］' if cell else ''}：{finding.get('message_zh') or ''}"


def explain_all(findings: list[dict[str, Any]]) -> str:
    return "\n".join(f"{i}. {explain(f)}" for i, f in enumerate(findings, 1))


def changes_text(changes: list[dict[str, Any]], tz: str) -> str:
    """The P-CHANGED findings of an agency-year, dated."""
    out = []
    for f in changes:
        when = local(f.get("created_at"), tz)
        out.append(f"{when:%Y-%m-%d} {f.get('message_zh') or ''}" if when else str(f.get("message_zh") or ""))
    return "\n".join(out)


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per year, region and kind: bodies, counts per verdict and the on-time rate (on time
    among those due); then a subtotal per region and a total per year."""
    groups: dict[tuple[int, str, str], dict[str, Any]] = {}

    def add(key: tuple[int, str, str], r: dict[str, Any]) -> None:
        g = groups.setdefault(key, {"year": key[0], "region": key[1], "kind": key[2], "agencies": set(),
                                    **{k: 0 for k, _, _ in SUMMARY_COUNTS if k != "bodies"}})
        g["agencies"].add(r["agency_id"])
        # publication counts by the publication verdict; inconsistency and change on top
        g[r["publication"]] = g.get(r["publication"], 0) + 1
        if r["status"] == "inconsistent":
            g["inconsistent"] += 1
        if r.get("changed"):
            g["changed"] += 1

    for r in rows:
        region = r.get("region") or "（未填地区）"
        add((r["year"], region, r.get("kind") or ""), r)
        add((r["year"], region, "小计 subtotal"), r)
        add((r["year"], "总计 total", ""), r)
    out = []
    for key in sorted(groups, key=lambda k: (k[0], k[1] == "总计 total", k[1], k[2] == "小计 subtotal", k[2])):
        g = groups[key]
        g["bodies"] = len(g.pop("agencies"))
        due = g["on_time"] + g["late"] + g["missing"]
        g["rate"] = g["on_time"] / due if due else None
        g["inconsistency_rate"] = g["inconsistent"] / (g["on_time"] + g["late"]) if g["on_time"] + g["late"] else None
        out.append(g)
    return out


def scope_text(filters: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The audit's scope in words: filters given and what they cover."""
    years = sorted({r["year"] for r in rows})
    bits = [f"年度 {filters['year']}" if filters.get("year") else
            (f"年度 {years[0]}–{years[-1]}" if len(years) > 1 else (f"年度 {years[0]}" if years else "全部年度"))]
    for key, name in (("region", "地区"), ("kind", "类型"), ("status", "状态"), ("q", "名称含")):
        if filters.get(key):
            value = STATUS_ZH.get(filters[key], filters[key]) if key == "status" else filters[key]
            bits.append(f"{name} {value}")
    bits.append(f"共 {len({r['agency_id'] for r in rows})} 个机关、{len(rows)} 个机关年度")
    return "；".join(bits)
