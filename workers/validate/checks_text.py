"""Text against tables (N-APPLICATIONS, N-LITIGATION)."""
from __future__ import annotations

from typing import Iterator

from .cells import (
    Sum,
    as_int,
    combine,
    row_cells,
    t3_group_value,
    t3_row_value,
    t4_group_value,
    table3,
    table4,
)
from .labels import T3_OTHER_SPLIT, section_zh
from .registry import NOT_ASSESSABLE, Context, Issue, check, na
from .statements import Statement, scan
from .textutil import all_texts

_NO_TEXT = ("正文（section_text / preamble 未提供）", "the narrative text (section_text / preamble not provided)")


def _group(prefix: str, n: int) -> list[str]:
    return [f"{prefix}.{i}" for i in range(1, n + 1)]


def _app_candidates(report: dict) -> dict[str, tuple[str, list[Sum]]]:
    """kind -> (primary row key, candidate sums)."""
    r1, r2 = t3_row_value(report, "1"), t3_row_value(report, "2")
    r37, r4 = t3_row_value(report, "3.7"), t3_row_value(report, "4")
    r31, r32 = t3_row_value(report, "3.1"), t3_row_value(report, "3.2")
    t3 = table3(report)
    other = list(T3_OTHER_SPLIT) if any(k in t3 for k in T3_OTHER_SPLIT) or "3.6" not in t3 else ["3.6"]
    received = r1 + combine(r1, r2) + r37 + combine(r37, r4)
    return {
        "received": ("1", received), "handled": ("1", received),
        "concluded": ("3.7", r37 + r1 + combine(r1, r2)),
        "on_application": ("1", received + r31 + combine(r31, r32)),
        "carried_in": ("2", r2), "carried_out": ("4", r4),
        "disclosed": ("3.1", r31 + combine(r31, r32)), "disclosed_both": ("3.1", combine(r31, r32)),
        "partial": ("3.2", r32), "refused": ("3.3", t3_group_value(report, _group("3.3", 8))),
        "unable": ("3.4", t3_group_value(report, _group("3.4", 3))),
        "not_processed": ("3.5", t3_group_value(report, _group("3.5", 5))),
        "other": ("3.6", t3_group_value(report, other)),
    }


def _lit_candidates(report: dict) -> dict[str, tuple[str, list[Sum]]]:
    rv = t4_group_value(report, "review")
    d, a = t4_group_value(report, "litigation_direct"), t4_group_value(report, "litigation_after_review")
    lit = combine(d, a) + d + a
    return {"review": ("review", rv + combine(rv, a)), "litigation": ("litigation_direct", lit),
            "combined": ("review", combine(rv, d, a) + rv + lit)}


def _describe(cands: list[Sum]) -> str:
    vals: list[str] = []
    for s in cands:
        txt = str(s.value) if s.exact else f"≥{s.value}"
        if txt not in vals:
            vals.append(txt)
    return "/".join(vals)


def _compare(st: Statement, table: str, cmap: dict[str, tuple[str, list[Sum]]]) -> Issue | None:
    cands: list[Sum] = []
    row = None
    for kind in sorted(st.kinds):
        if kind in cmap:
            row = row or cmap[kind][0]
            cands += cmap[kind][1]
    if not cands or any(s.matches(st.value) for s in cands):
        return None
    where = {"section": st.where, "table": table, "row": row, "column": 6 if table == "table3" else 4}
    return Issue("fail", where, expected=_describe(cands), actual=st.value, params={
        "section_zh": section_zh(st.where), "section": st.where, "clause": st.clause,
        "value": st.value, "candidates": _describe(cands)})


def _percent_issue(st: Statement, report: dict) -> Issue | None:
    r1, r2, r37 = t3_row_value(report, "1"), t3_row_value(report, "2"), t3_row_value(report, "3.7")
    bases = sorted({s.value for s in r37 + r1 + combine(r1, r2) if s.exact and s.value > 0})
    if not bases or st.percent is None:
        return None
    p = float(st.percent)
    decimals = len(st.percent.split(".")[1]) if "." in st.percent else 0
    tol = 10 ** -decimals + 1e-9  # rounding or truncation of the last printed digit
    if any(abs(100.0 * st.value / b - p) <= tol for b in bases):
        return None
    shown = ", ".join(f"{100.0 * st.value / b:.{max(decimals, 1)}f}%" for b in bases)
    return Issue("percent", {"section": st.where, "table": "table3", "row": "3.7", "column": 6},
                 expected=shown, actual=f"{st.percent}%", params={
                     "section_zh": section_zh(st.where), "section": st.where, "clause": st.clause,
                     "value": st.value, "percent": st.percent, "computed": shown,
                     "bases": "/".join(map(str, bases))})


@check("N-APPLICATIONS")
def n_applications(ctx: Context) -> Iterator[Issue]:
    texts = all_texts(ctx.report)
    if texts is None:
        yield na({"section": None}, "正文中的申请数量", "application counts in the text", *_NO_TEXT)
        return
    if not table3(ctx.report):
        return
    cmap = _app_candidates(ctx.report)
    stmts, _ = scan(texts)
    for st in stmts:
        if not st.kinds & cmap.keys():
            continue
        issue = _compare(st, "table3", cmap)
        if issue is None and st.percent is not None:
            issue = _percent_issue(st, ctx.report)
        if issue is not None:
            yield issue


@check("N-LITIGATION")
def n_litigation(ctx: Context) -> Iterator[Issue]:
    texts = all_texts(ctx.report)
    if texts is None:
        yield na({"section": None}, "正文中的复议、诉讼数量", "review and litigation counts in the text", *_NO_TEXT)
        return
    if not table4(ctx.report):
        return
    cmap = _lit_candidates(ctx.report)
    stmts, claims = scan(texts)
    for st in stmts:
        if st.kinds & cmap.keys():
            issue = _compare(st, "table4", cmap)
            if issue is not None:
                yield issue
    t4 = table4(ctx.report)
    for cl in claims:
        corrected: list[tuple[str, int]] = []
        blanks: list[str] = []
        for g in cl.groups:
            r = row_cells(t4, g, 5)
            n = as_int(r[1]) if r is not None else None
            if n is None:
                blanks.append(f"{g}[1]")
            elif n > 0:
                corrected.append((g, n))
        where = {"section": cl.where, "table": "table4", "row": cl.groups[0], "column": 1}
        if corrected:
            g, n = corrected[0]
            yield Issue("maintained", {**where, "row": g}, expected=0, actual=n, params={
                "section_zh": section_zh(cl.where), "section": cl.where, "phrase": cl.phrase,
                "clause": cl.sentence, "group": g, "value": n})
        elif blanks:
            yield Issue("na", where, status=NOT_ASSESSABLE, params={
                "what_zh": f"正文“{cl.phrase}”与表四“结果纠正”", "what_en": f"the claim '{cl.phrase}' against table 4 'corrected'",
                "missing_zh": ", ".join(blanks), "missing_en": ", ".join(blanks)})
