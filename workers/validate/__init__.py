"""Validate stage: the rule catalogue (``rules.toml``) and its checks.

    from workers.validate import validate, validate_pair, RULES
    findings = validate(report, previous=None, agency_kind=None)

Pure functions over the ``gkwatch.report/1`` dict; nothing here touches a database.
"""
from __future__ import annotations

from .engine import RULES, validate, validate_pair

__all__ = ["RULES", "validate", "validate_pair"]
