"""What passes between the stages, named and shaped once.

``gkwatch.report/1`` is the canonical report the parser builds and the validator, the
database (``Report.data``), the dashboard and the CLI read; ``gkwatch.findings/1`` is what
``gkwatch check`` prints: a report with its findings. A finding has the same keys wherever
it comes from — a check of the validator or a publication rule (P-*) raised by a stage.
Imports nothing.
"""
from __future__ import annotations

from typing import Any, Literal, TypedDict

REPORT_SCHEMA = "gkwatch.report/1"
FINDINGS_SCHEMA = "gkwatch.findings/1"

Severity = Literal["error", "warning", "info"]
Status = Literal["fail", "review", "not_assessable"]


class _FindingKeys(TypedDict):
    rule: str
    severity: Severity
    status: Status
    where: dict[str, Any]
    expected: Any
    actual: Any
    message_zh: str
    message_en: str


class Finding(_FindingKeys, total=False):
    """One failing, to-review or not-assessable check, or a publication finding."""

    #: status ``review``: why, and the doubtful cells with their candidate readings
    review: dict[str, Any]
