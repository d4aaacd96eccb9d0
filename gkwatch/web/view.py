"""Presentation helpers shared by the pages and the exports: labels, dates, and the
report tables laid out as the agency printed them with failing cells marked."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gkwatch.exports.explain import STATUS_EN as _STATUS_EN, STATUS_ZH as _STATUS_ZH
from gkwatch.plaintext import T3_COLUMNS, T4_COLUMNS, T4_GROUPS
from workers.validate.labels import T2_FIELDS as T2_FIELD_LABELS, T2_ROWS as T2_ROW_LABELS, T2_UNITS
from workers.validate.labels import cell_en, cell_zh, t3_row_zh

# one vocabulary for pages and exports
STATUS_ZH, STATUS_EN = _STATUS_ZH, _STATUS_EN

# table 二 names from workers/parse/layouts.toml (through workers/validate/labels.py)
T2_ROWS: dict[str, str] = {k: zh for k, (zh, _) in T2_ROW_LABELS.items()}
T2_FIELDS: dict[str, str] = {k: zh for k, (zh, _) in {**T2_FIELD_LABELS, **T2_UNITS}.items()}


def status_label(status: str) -> str:
    return f"{STATUS_ZH.get(status, status)} {STATUS_EN.get(status, '')}".strip()


def fmt_dt(value: datetime | str | None, tz: str = "Asia/Shanghai", *, date_only: bool = False) -> str:
    """A timestamp in Beijing time (or the configured zone), as people read it."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(tz))
    return value.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")


def cell_label(table: Any, row: Any = None, column: Any = None) -> str:
    """A cell named as the printed form names it, Chinese then English (never an index)."""
    if not table:
        return ""
    return f"{cell_zh(str(table), row, column)}（{cell_en(str(table), row, column)}）"


def t3_label(key: str) -> str:
    """A table-3 row as the form prints it (3.3.1 （三）不予公开 1.属于国家秘密)."""
    name = t3_row_zh(key)
    return f"{key} {name}" if name != key else key


def _cell_key(table: str, row: Any, column: Any) -> tuple[str, str, str]:
    return (table, str(row), str(column))


def failing_cells(findings: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Findings that point at one table cell, by (table, row, column)."""
    cells: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for f in findings:
        where = f.get("where") or {}
        if f.get("status") == "fail" and where.get("table") and where.get("column") is not None:
            cells.setdefault(_cell_key(where["table"], where.get("row"), where["column"]), []).append(f)
    return cells


def _provenance_text(p: Any) -> str:
    if not isinstance(p, dict):
        return ""
    bits = [f"{k} {p[k]}" for k in ("page", "table", "row", "col") if p.get(k) is not None]
    text = "source: " + ", ".join(bits) if bits else ""
    if p.get("text") is not None:
        text += f" — printed “{p['text']}”"
    return text


def _cell(table: str, row: str, column: Any, value: Any, prov: Any,
          failing: dict[tuple[str, str, str], list[dict[str, Any]]],
          changed: dict[tuple[str, str, str], Any]) -> dict[str, Any]:
    key = _cell_key(table, row, column)
    fails = failing.get(key, [])
    notes = [f"{f['rule']}: {f.get('message_zh') or ''} {f.get('message_en') or ''}".strip() for f in fails]
    if key in changed:
        notes.append(f"changed from {changed[key]!r} in the previous version")
    prov_text = _provenance_text(prov)
    if prov_text:
        notes.append(prov_text)
    return {"id": f"{table}-{row}-{column}".replace(".", "_"), "value": "—" if value is None else value,
            "blank": value is None, "fail": bool(fails), "changed": key in changed,
            "rules": [f["rule"] for f in fails], "title": "\n".join(notes)}


def report_tables(data: dict[str, Any], findings: list[dict[str, Any]],
                  changes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Tables 二, 三 and 四 as header + rows of cells (value, fail, changed, title)."""
    failing = failing_cells(findings)
    changed = {_cell_key(c["table"], c["row"], c["column"]): c.get("old") for c in changes or []}
    prov = data.get("provenance") or {}
    tables: list[dict[str, Any]] = []
    t2 = data.get("table2") or {}
    if t2:
        rows = []
        for key, fields in t2.items():
            fields = fields if isinstance(fields, dict) else {}
            p = (prov.get("table2") or {}).get(key) or []
            cells = [dict(_cell("table2", key, name, v, p[i] if i < len(p) else None, failing, changed),
                          label=T2_FIELDS.get(name, name)) for i, (name, v) in enumerate(fields.items())]
            rows.append({"label": T2_ROWS.get(key, key), "cells": cells, "free": True})
        tables.append({"key": "table2", "title": "表二 主动公开政府信息情况", "header": [], "rows": rows})
    for key, title, header, labels, src in (
            ("table3", "表三 收到和处理政府信息公开申请情况", T3_COLUMNS, None, data.get("table3")),
            ("table4", "表四 行政复议、行政诉讼情况", T4_COLUMNS, T4_GROUPS, data.get("table4"))):
        if not src:
            continue
        rows = []
        for row, values in src.items():
            values = values if isinstance(values, list) else []
            p = (prov.get(key) or {}).get(row) or []
            cells = [_cell(key, row, i, v, p[i] if i < len(p) else None, failing, changed)
                     for i, v in enumerate(values)]
            rows.append({"label": labels.get(row, row) if labels else t3_label(row), "cells": cells,
                         "free": False})
        tables.append({"key": key, "title": title, "header": header, "rows": rows})
    return tables
