"""Checks of table 二 (T2-VALUES, T2-POWER)."""
from __future__ import annotations

from typing import Iterator

from .agency import agency_level, lacks_rule_power
from .cells import as_int, is_number
from .labels import t2_en, t2_zh
from .registry import Context, Issue, check

_MONEY = {"amount"}
_SIGNED = {"change"}  # 2019 layout 本年增/减 may be negative


def _table2(report: dict) -> dict:
    t = report.get("table2")
    return t if isinstance(t, dict) else {}


@check("T2-VALUES")
def t2_values(ctx: Context) -> Iterator[Issue]:
    for row, fields in _table2(ctx.report).items():
        if not isinstance(fields, dict):
            continue
        for f, v in fields.items():
            if f.endswith("_unit") or v is None:
                continue
            if f in _MONEY:
                ok = is_number(v) and v >= 0
            elif f in _SIGNED:
                ok = as_int(v) is not None
            else:
                ok = as_int(v) is not None and as_int(v) >= 0
            if not ok:
                yield Issue("fail", {"table": "table2", "row": row, "column": f},
                            expected="≥0" if f not in _SIGNED else "整数/integer", actual=v,
                            params={"cell_zh": t2_zh(row, f), "cell_en": t2_en(row, f), "value": repr(v)})


@check("T2-POWER")
def t2_power(ctx: Context) -> Iterator[Issue]:
    """规章 counts > 0 for a body that cannot make 规章."""
    rules = _table2(ctx.report).get("rules")
    if not isinstance(rules, dict):
        return
    agency = ctx.report.get("agency")
    level, inferred = agency_level(ctx.agency_kind, agency)
    if not lacks_rule_power(level):
        return
    how_zh = f"（据机关名称“{agency}”推断为{level}）" if inferred else f"（机关类型：{ctx.agency_kind}）"
    how_en = (f" (level {level} inferred from the name '{agency}')" if inferred
              else f" (agency kind: {ctx.agency_kind})")
    for f, v in rules.items():
        n = as_int(v)
        if f.endswith("_unit") or n is None or n <= 0:
            continue
        yield Issue("fail", {"table": "table2", "row": "rules", "column": f}, expected=0, actual=n,
                    params={"cell_zh": t2_zh("rules", f), "cell_en": t2_en("rules", f), "value": n,
                            "agency": agency or "", "how_zh": how_zh, "how_en": how_en})
