"""Run the catalogue's checks over a report and build the findings."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ground.contracts import Finding, new_finding

# Importing the check modules registers their functions.
from . import checks_cross, checks_structure, checks_table2, checks_tables, checks_text  # noqa: F401
from .catalogue import Rule, load_catalogue
from .registry import FAIL, REGISTRY, REVIEW, Context, Issue, cells_text

RULES: Mapping[str, Rule] = load_catalogue(REGISTRY)


class _Blank(dict):
    """Format params: a placeholder a check did not fill shows as '?' instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def _finding(rule: Rule, issue: Issue, ctx: Context) -> Finding:
    msg = rule.messages.get(issue.variant) or rule.messages.get("fail") or rule.messages.get("na")
    params = _Blank(issue.params)
    zh = msg.zh.format_map(params) if msg else rule.title_zh
    en = msg.en.format_map(params) if msg else rule.title_en
    en = en[:1].upper() + en[1:]
    status, review = issue.status, None
    if issue.status == FAIL and rule.severity == "error":
        doubtful = ctx.uncertain(issue.inputs)
        if doubtful:
            status, review = REVIEW, _review(doubtful)
            zh, en = "待人工核对：" + zh, "To review: " + en
    return new_finding(rule=rule.id, severity=rule.severity, status=status, where=issue.where,
                       expected=issue.expected, actual=issue.actual, message_zh=zh, message_en=en,
                       review=review)


def _review(doubtful: list) -> dict[str, Any]:
    """An error that rests on cells read without certainty is not raised: it waits for a
    person, with the reason and the candidate readings of those cells."""
    cells = [{"table": t, "row": r, "column": c, "report": w, "how": rd.get("how"),
              "why": rd.get("why"), "candidates": rd.get("candidates")} for (w, t, r, c), rd in doubtful]
    return {
        "reason_zh": f"所依据的单元格读数不确定（{cells_text(ref for ref, _ in doubtful)}），需人工核对原文",
        "reason_en": f"rests on cells read without certainty ({cells_text(ref for ref, _ in doubtful)}); "
                     "check the printed document",
        "cells": cells}


def _run(rules: Iterable[Rule], ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for rule in rules:
        if rule.check is None:
            continue
        for issue in rule.check(ctx):
            out.append(_finding(rule, issue, ctx))
    return out


def validate(report: dict, previous: dict | None = None, agency_kind: str | None = None) -> list[Finding]:
    """All findings (fail / review / not_assessable) of the single-document rules, plus the
    cross-year rules when last year's report is given. Passing checks are left out."""
    ctx = Context(report, previous, agency_kind)
    rules = [r for r in RULES.values()
             if r.scope == "document" or (r.scope == "cross_year" and previous is not None)]
    return _run(rules, ctx)


def validate_pair(current: dict, previous: dict) -> list[Finding]:
    """Findings of the cross-year rules (X-*) only."""
    ctx = Context(current, previous, None)
    return _run([r for r in RULES.values() if r.scope == "cross_year"], ctx)
