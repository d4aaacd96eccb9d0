"""Check-function registry and the small value types the checks exchange.

A check function takes a :class:`Context` and yields :class:`Issue` objects; the
engine turns each issue into a finding using the message templates of the rule's
catalogue entry (``rules.toml``). Passing checks yield nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from workers.reading import cell_reading

FAIL = "fail"
NOT_ASSESSABLE = "not_assessable"
REVIEW = "review"  # 待人工核对: would fail, but rests on a cell read without certainty

#: a cell a check rests on: (which report — "current" or "previous" —, table, row, column)
CellRef = tuple[str, str, str, Any]


@dataclass(frozen=True)
class Context:
    """Inputs of one validation run."""

    report: dict
    previous: dict | None = None
    agency_kind: str | None = None

    def reading(self, ref: CellRef) -> Mapping[str, Any] | None:
        which, table, row, col = ref
        rep = self.report if which == "current" else self.previous
        return cell_reading(rep, table, row, col) if rep is not None else None

    def assumed_by(self, rule_id: str, inputs: Iterable[CellRef]) -> list[CellRef]:
        """The inputs whose reading assumed ``rule_id``'s identity (checking it on them
        would be circular)."""
        return [ref for ref in inputs if rule_id in ((self.reading(ref) or {}).get("assumed") or ())]

    def uncertain(self, inputs: Iterable[CellRef]) -> list[tuple[CellRef, Mapping[str, Any]]]:
        """The inputs read without certainty, with their reading records."""
        out = []
        for ref in inputs:
            rd = self.reading(ref)
            if rd is not None and rd.get("certain") is False:
                out.append((ref, rd))
        return out


@dataclass(frozen=True)
class Issue:
    """One failing (or not assessable) location of one rule.

    ``variant`` names the message template in the catalogue entry (``fail``, ``na`` …);
    ``params`` fill the template's ``{placeholders}``.
    """

    variant: str
    where: dict
    expected: Any = None
    actual: Any = None
    params: dict = field(default_factory=dict)
    status: str = FAIL
    inputs: tuple[CellRef, ...] = ()  # the cells the verdict rests on (for certainty)


CheckFn = Callable[[Context], Iterable[Issue]]

#: rule ID -> check function
REGISTRY: dict[str, CheckFn] = {}


def check(rule_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the implementation of ``rule_id`` (one function per rule)."""

    def deco(fn: CheckFn) -> CheckFn:
        if rule_id in REGISTRY and REGISTRY[rule_id] is not fn:
            raise ValueError(f"rule {rule_id} registered twice ({REGISTRY[rule_id].__name__}, {fn.__name__})")
        REGISTRY[rule_id] = fn
        return fn

    return deco


def na(where: dict, what_zh: str, what_en: str, missing_zh: str, missing_en: str,
       variant: str = "na") -> Issue:
    """A not-assessable issue naming the check and the blank or missing inputs."""
    return Issue(variant, where, params={"what_zh": what_zh, "what_en": what_en,
                                         "missing_zh": missing_zh, "missing_en": missing_en},
                 status=NOT_ASSESSABLE)


def cells_text(refs: Iterable[CellRef]) -> str:
    """'table3 1[0], table3 3.7[0]' for messages."""
    return ", ".join(f"{'上年' if w == 'previous' else ''}{t} {r}[{c}]" for w, t, r, c in refs)


def assumed_na(where: dict, what_zh: str, what_en: str, refs: list[CellRef]) -> Issue:
    """Not assessable: the reading of these cells assumed the identity being checked."""
    cells = cells_text(refs)
    return Issue("assumed", where, params={"what_zh": what_zh, "what_en": what_en, "cells": cells},
                 status=NOT_ASSESSABLE, inputs=tuple(refs))
