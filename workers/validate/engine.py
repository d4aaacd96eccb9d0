"""Run the catalogue's checks over a report and build the findings."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

# Importing the check modules registers their functions.
from . import checks_cross, checks_structure, checks_table2, checks_tables, checks_text  # noqa: F401
from .catalogue import Rule, load_catalogue
from .registry import REGISTRY, Context, Issue

RULES: Mapping[str, Rule] = load_catalogue(REGISTRY)


class _Blank(dict):
    """Format params: a placeholder a check did not fill shows as '?' instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def _finding(rule: Rule, issue: Issue) -> dict[str, Any]:
    msg = rule.messages.get(issue.variant) or rule.messages.get("fail") or rule.messages.get("na")
    params = _Blank(issue.params)
    zh = msg.zh.format_map(params) if msg else rule.title_zh
    en = msg.en.format_map(params) if msg else rule.title_en
    en = en[:1].upper() + en[1:]
    return {"rule": rule.id, "severity": rule.severity, "status": issue.status, "where": dict(issue.where),
            "expected": issue.expected, "actual": issue.actual, "message_zh": zh, "message_en": en}


def _run(rules: Iterable[Rule], ctx: Context) -> list[dict]:
    out: list[dict] = []
    for rule in rules:
        if rule.check is None:
            continue
        for issue in rule.check(ctx):
            out.append(_finding(rule, issue))
    return out


def validate(report: dict, previous: dict | None = None, agency_kind: str | None = None) -> list[dict]:
    """All findings (fail / not_assessable) of the single-document rules, plus the
    cross-year rules when last year's report is given. Passing checks are left out."""
    ctx = Context(report, previous, agency_kind)
    rules = [r for r in RULES.values()
             if r.scope == "document" or (r.scope == "cross_year" and previous is not None)]
    return _run(rules, ctx)


def validate_pair(current: dict, previous: dict) -> list[dict]:
    """Findings of the cross-year rules (X-*) only."""
    ctx = Context(current, previous, None)
    return _run([r for r in RULES.values() if r.scope == "cross_year"], ctx)
