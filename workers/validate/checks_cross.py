"""Cross-year checks against last year's report of the same agency (X-*)."""
from __future__ import annotations

import re
from typing import Iterator

from .cells import as_int, row_cells, table3
from .labels import t2_en, t2_zh, t3_col_en, t3_col_zh
from .registry import NOT_ASSESSABLE, Context, Issue, check, na
from .textutil import normalize, section_texts


def _years(ctx: Context) -> tuple[object, object]:
    return ctx.report.get("year"), (ctx.previous or {}).get("year")


def _not_consecutive(ctx: Context, rule_zh: str, rule_en: str) -> Issue | None:
    cur, prev = _years(ctx)
    if isinstance(cur, int) and isinstance(prev, int) and cur - prev == 1:
        return None
    return na({"table": None}, rule_zh, rule_en, f"连续年度（本年 {cur}，上年 {prev}）",
              f"consecutive years (this {cur}, previous {prev})")


@check("X-CARRY")
def x_carry(ctx: Context) -> Iterator[Issue]:
    """This year's 2[c] == last year's 4[c]."""
    if ctx.previous is None:
        return
    if (bad := _not_consecutive(ctx, "上年结转核对", "carry-over check")) is not None:
        yield bad
        return
    cur = row_cells(table3(ctx.report), "2", 7)
    prev = row_cells(table3(ctx.previous), "4", 7)
    for c in range(7):
        a = as_int(cur[c]) if cur is not None else None
        b = as_int(prev[c]) if prev is not None else None
        where = {"table": "table3", "row": "2", "column": c}
        if a is None or b is None:
            missing = ", ".join(x for x, v in ((f"本年 2[{c}]", a), (f"上年 4[{c}]", b)) if v is None)
            yield na(where, f"表三“{t3_col_zh(c)}”列上年结转", f"carry-over of column '{t3_col_en(c)}'",
                     missing, missing.replace("本年", "this year").replace("上年", "last year"))
        elif a != b:
            yield Issue("fail", where, expected=b, actual=a, params={
                "col": c, "col_zh": t3_col_zh(c), "col_en": t3_col_en(c), "current": a, "previous": b,
                "year": ctx.report.get("year"), "prev_year": ctx.previous.get("year")},
                inputs=(("current", "table3", "2", c), ("previous", "table3", "4", c)))


def _stock_fields(rep: dict, row: str) -> dict | None:
    t2 = rep.get("table2")
    r = t2.get(row) if isinstance(t2, dict) else None
    return r if isinstance(r, dict) else None


@check("X-STOCK")
def x_stock(ctx: Context) -> Iterator[Issue]:
    """in_force(t) == in_force(t-1) + issued(t) - repealed(t) (2019 layout:
    total_public(t) == total_public(t-1) + published(t))."""
    if ctx.previous is None:
        return
    if (bad := _not_consecutive(ctx, "现行有效件数核对", "stock check")) is not None:
        yield bad
        return
    for row in ("rules", "normative_documents"):
        cur, prev = _stock_fields(ctx.report, row), _stock_fields(ctx.previous, row)
        if cur is None or prev is None:
            continue
        if "in_force" in cur and "in_force" in prev:
            stock, added, removed = "in_force", "issued", "repealed"
        elif "total_public" in cur and "total_public" in prev:
            stock, added, removed = "total_public", "published", None
        else:
            yield Issue("layouts", {"table": "table2", "row": row}, status=NOT_ASSESSABLE,
                        params={"row_zh": t2_zh(row), "row_en": t2_en(row),
                                "year": ctx.report.get("year"), "prev_year": ctx.previous.get("year")})
            continue
        now, before, plus = as_int(cur.get(stock)), as_int(prev.get(stock)), as_int(cur.get(added))
        minus = as_int(cur.get(removed)) if removed else 0
        where = {"table": "table2", "row": row, "column": stock}
        if None in (now, before, plus, minus):
            yield na(where, f"{t2_zh(row)}存量", f"stock of {t2_en(row)}", "空白单元格", "blank cells")
            continue
        expected = before + plus - minus
        if expected != now:
            yield Issue("fail", where, expected=expected, actual=now, params={
                "row_zh": t2_zh(row), "row_en": t2_en(row), "before": before, "plus": plus, "minus": minus,
                "expected": expected, "now": now, "stock_zh": t2_zh(row, stock), "stock_en": t2_en(row, stock)})


def _shingles(text: str, k: int = 5) -> set[str]:
    t = re.sub(r"\d+", "0", normalize(text))  # years and counts change, copied wording does not
    t = re.sub(r"[^\w]", "", t)
    return {t[i:i + k] for i in range(max(len(t) - k + 1, 0))}


COPY_THRESHOLD = 0.8
COPY_MIN_CHARS = 80


@check("X-COPY")
def x_copy(ctx: Context) -> Iterator[Issue]:
    """Sections 一 and 五 nearly the same as last year's (内容雷同)."""
    if ctx.previous is None:
        return
    cur, prev = section_texts(ctx.report), section_texts(ctx.previous)
    for sec in ("1", "5"):
        where = {"section": sec}
        if cur is None or prev is None or sec not in cur or sec not in prev:
            yield na(where, f"第{'一' if sec == '1' else '五'}部分与上年的相似度",
                     f"similarity of section {sec} with last year", "两年的正文", "the text of both years")
            continue
        if min(len(normalize(cur[sec])), len(normalize(prev[sec]))) < COPY_MIN_CHARS:
            continue  # too short to call a copy (S-PROBLEMS covers empty sections)
        a, b = _shingles(cur[sec]), _shingles(prev[sec])
        sim = len(a & b) / len(a | b) if a | b else 0.0
        if sim >= COPY_THRESHOLD:
            yield Issue("fail", where, expected=f"<{COPY_THRESHOLD:.0%}", actual=f"{sim:.0%}", params={
                "section": sec, "section_zh": "一" if sec == "1" else "五", "similarity": f"{sim:.0%}",
                "prev_year": ctx.previous.get("year")})
