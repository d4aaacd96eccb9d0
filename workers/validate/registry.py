"""Check-function registry and the small value types the checks exchange.

A check function takes a :class:`Context` and yields :class:`Issue` objects; the
engine turns each issue into a finding using the message templates of the rule's
catalogue entry (``rules.toml``). Passing checks yield nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

FAIL = "fail"
NOT_ASSESSABLE = "not_assessable"


@dataclass(frozen=True)
class Context:
    """Inputs of one validation run."""

    report: dict
    previous: dict | None = None
    agency_kind: str | None = None


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
