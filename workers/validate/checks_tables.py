"""Arithmetic and value checks of tables 三 and 四 (T3-*, T4-*)."""
from __future__ import annotations

from typing import Iterator

from .cells import (Sum, as_int, blanks_text, is_number, row_cells, t3_cell, t3_column_sum,
                    t3_result_rows, table3, table4)
from .labels import T3_ROWS, cell_en, cell_zh, T4_GROUPS, t3_col_en, t3_col_zh, t3_row_en, t3_row_zh, t4_group_en, t4_group_zh
from .registry import NOT_ASSESSABLE, CellRef, Context, Issue, assumed_na, check, na


def _t3(rows: list[str], c: int) -> list[CellRef]:
    return [("current", "table3", k, c) for k in rows]


def _col_params(c: int) -> dict:
    return {"col": c, "col_zh": t3_col_zh(c), "col_en": t3_col_en(c)}


@check("T3-BALANCE")
def t3_balance(ctx: Context) -> Iterator[Issue]:
    """1[c] + 2[c] == 3.7[c] + 4[c] for every column."""
    rep = ctx.report
    if not table3(rep):
        return
    for c in range(7):
        new, carried_in = t3_cell(rep, "1", c), t3_cell(rep, "2", c)
        results, carried_out = t3_cell(rep, "3.7", c), t3_cell(rep, "4", c)
        lhs, rhs = new + carried_in, results + carried_out
        where = {"table": "table3", "row": "3.7", "column": c}
        inputs = _t3(["1", "2", "3.7", "4"], c)
        what = (f"表三“{t3_col_zh(c)}”列的勾稽关系", f"table 3 balance of column '{t3_col_en(c)}'")
        if circular := ctx.assumed_by("T3-BALANCE", inputs):
            yield assumed_na(where, *what, circular)
        elif not (lhs.exact and rhs.exact):
            yield na(where, f"表三“{t3_col_zh(c)}”列的勾稽关系",
                     f"table 3 balance of column '{t3_col_en(c)}'",
                     blanks_text(lhs.blanks + rhs.blanks), blanks_text(lhs.blanks + rhs.blanks))
        elif lhs.value != rhs.value:
            yield Issue("fail", where, expected=lhs.value, actual=rhs.value, params={
                **_col_params(c), "new": new.value, "carried_in": carried_in.value, "lhs": lhs.value,
                "results": results.value, "carried_out": carried_out.value, "rhs": rhs.value},
                inputs=tuple(inputs))


@check("T3-RESULTS")
def t3_results(ctx: Context) -> Iterator[Issue]:
    """3.7[c] == sum of the result rows at c."""
    rep = ctx.report
    if not table3(rep):
        return
    keys = t3_result_rows(rep)
    for c in range(7):
        total, parts = t3_cell(rep, "3.7", c), t3_column_sum(rep, keys, c)
        where = {"table": "table3", "row": "3.7", "column": c}
        inputs = _t3(["3.7", *keys], c)
        if circular := ctx.assumed_by("T3-RESULTS", inputs):
            yield assumed_na(where, f"表三“{t3_col_zh(c)}”列的办理结果合计",
                             f"table 3 results sum of column '{t3_col_en(c)}'", circular)
        elif not (total.exact and parts.exact):
            missing = blanks_text(total.blanks + parts.blanks)
            yield na(where, f"表三“{t3_col_zh(c)}”列的办理结果合计",
                     f"table 3 results sum of column '{t3_col_en(c)}'", missing, missing)
        elif total.value != parts.value:
            yield Issue("fail", where, expected=parts.value, actual=total.value,
                        params={**_col_params(c), "printed": total.value, "computed": parts.value},
                        inputs=tuple(inputs))


def _row_sums(r: list, key: str, last: int) -> tuple[Sum, Sum]:
    """The sum of cells ``0..last-1`` of a row and its printed total (cell ``last``)."""
    parts, total = Sum(), Sum()
    for c in range(last):
        parts.add(r[c], f"{key}[{c}]")
    total.add(r[last], f"{key}[{last}]")
    return parts, total


@check("T3-TOTALS")
def t3_totals(ctx: Context) -> Iterator[Issue]:
    """r[6] == sum of r[0..5] for every row."""
    t = table3(ctx.report)
    for key in t:
        r = row_cells(t, key, 7)
        if r is None:
            continue  # malformed rows are S-TABLES' business
        parts, total = _row_sums(r, key, 6)
        where = {"table": "table3", "row": key, "column": 6}
        inputs = [("current", "table3", key, c) for c in range(7)]
        if circular := ctx.assumed_by("T3-TOTALS", inputs):
            yield assumed_na(where, f"表三“{t3_row_zh(key)}”行的总计", f"table 3 row total of {t3_row_en(key)}",
                             circular)
        elif not (parts.exact and total.exact):
            missing = blanks_text(total.blanks + parts.blanks)
            yield na(where, f"表三“{t3_row_zh(key)}”行的总计", f"table 3 row total of {t3_row_en(key)}",
                     missing, missing)
        elif parts.value != total.value:
            yield Issue("fail", where, expected=parts.value, actual=total.value, params={
                "row": key, "row_zh": t3_row_zh(key), "row_en": t3_row_en(key),
                "printed": total.value, "computed": parts.value}, inputs=tuple(inputs))


def _bad_values(table: dict, name: str, width: int, rows: list[str]) -> Iterator[Issue]:
    blanks = total = 0
    for key in rows:
        r = table.get(key)
        if not isinstance(r, list):
            continue
        for c, v in enumerate(r[:width]):
            total += 1
            if v is None:
                blanks += 1
            elif not is_number(v) or as_int(v) is None or as_int(v) < 0:
                yield Issue("fail", {"table": name, "row": key, "column": c}, expected="≥0 整数/integer",
                            actual=v, params={"table": name, "row": key, "column": c, "value": repr(v),
                                    "cell_zh": cell_zh(name, key, c), "cell_en": cell_en(name, key, c)})
    if blanks:
        yield Issue("blanks", {"table": name}, expected=0, actual=blanks,
                    params={"table": name, "blanks": blanks, "cells": total}, status=NOT_ASSESSABLE)


@check("T3-VALUES")
def t3_values(ctx: Context) -> Iterator[Issue]:
    t = table3(ctx.report)
    yield from _bad_values(t, "table3", 7, [k for k in t if k in T3_ROWS] + [k for k in t if k not in T3_ROWS])


@check("T4-TOTALS")
def t4_totals(ctx: Context) -> Iterator[Issue]:
    """g[4] == g[0] + g[1] + g[2] + g[3] for every group."""
    t = table4(ctx.report)
    for g in T4_GROUPS:
        r = row_cells(t, g, 5)
        if r is None:
            continue
        parts, total = _row_sums(r, g, 4)
        where = {"table": "table4", "row": g, "column": 4}
        inputs = [("current", "table4", g, c) for c in range(5)]
        if circular := ctx.assumed_by("T4-TOTALS", inputs):
            yield assumed_na(where, f"表四“{t4_group_zh(g)}”的总计", f"table 4 total of {t4_group_en(g)}", circular)
        elif not (parts.exact and total.exact):
            missing = blanks_text(total.blanks + parts.blanks)
            yield na(where, f"表四“{t4_group_zh(g)}”的总计", f"table 4 total of {t4_group_en(g)}", missing, missing)
        elif parts.value != total.value:
            yield Issue("fail", where, expected=parts.value, actual=total.value, params={
                "group": g, "group_zh": t4_group_zh(g), "group_en": t4_group_en(g),
                "cells": " + ".join(str(as_int(v)) for v in r[:4]),
                "printed": total.value, "computed": parts.value}, inputs=tuple(inputs))


@check("T4-VALUES")
def t4_values(ctx: Context) -> Iterator[Issue]:
    t = table4(ctx.report)
    yield from _bad_values(t, "table4", 5, list(t))
