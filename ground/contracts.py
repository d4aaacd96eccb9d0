"""What passes between the stages, named and shaped once.

``gkwatch.report/1`` is the canonical report the parser builds and the validator, the
database (``Report.data``), the dashboard and the CLI read; ``gkwatch.findings/1`` is what
``gkwatch check`` prints: a report with its findings. A finding has the same keys wherever
it comes from — a check of the validator or a publication rule (P-*) raised by a stage.
A report leaves the parser as a :class:`ParsedReport`, checked once there; a finding is built by :func:`new_finding` only, which checks it; everything after that
(the JSON ``gkwatch check`` prints, ``Finding`` rows, alerts) reads the dict it returns.
Imports nothing.
"""
from __future__ import annotations

import json
from typing import Any, Literal, Mapping, TypedDict

REPORT_SCHEMA = "gkwatch.report/1"
FINDINGS_SCHEMA = "gkwatch.findings/1"

Severity = Literal["error", "warning", "info"]
Status = Literal["fail", "review", "not_assessable"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
STATUSES: tuple[str, ...] = ("fail", "review", "not_assessable")


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


def new_finding(*, rule: str, severity: str, status: str, where: Mapping[str, Any], expected: Any,
                actual: Any, message_zh: str, message_en: str,
                review: Mapping[str, Any] | None = None) -> Finding:
    """The one way a finding is made, checked here once: a known severity and status, a
    rule id, a ``where`` mapping and both texts. Keys in the order ``gkwatch check``
    prints them; ``review`` only on a finding that waits for a person."""
    if not isinstance(rule, str) or not rule:
        raise ValueError(f"finding: rule must be a rule id, got {rule!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"finding {rule}: unknown severity {severity!r}")
    if status not in STATUSES:
        raise ValueError(f"finding {rule}: unknown status {status!r}")
    if not isinstance(where, Mapping):
        raise ValueError(f"finding {rule}: where must be a mapping, got {where!r}")
    if not isinstance(message_zh, str) or not isinstance(message_en, str):
        raise ValueError(f"finding {rule}: both messages must be text")
    if review is not None and status != "review":
        raise ValueError(f"finding {rule}: the reason to review belongs to a finding to review")
    out: Finding = {"rule": rule, "severity": severity, "status": status,  # type: ignore[typeddict-item]
                    "where": dict(where), "expected": expected, "actual": actual,
                    "message_zh": message_zh, "message_en": message_en}
    if review is not None:
        out["review"] = dict(review)
    return out


#: the tables of a report: table2 maps a row to its fields, table3 and table4 a row to a list
REPORT_TABLES = ("table2", "table3", "table4")
FORMAT_VERSIONS = ("2021", "2019", None)


def _cell_ok(value: Any) -> bool:
    # a printed number, or None for a blank cell (a blank is not zero)
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


#: the types of nearly every cell: tested for a row at once, in C (``issuperset`` of the
#: cells' types); a row with any other type is judged cell by cell by ``_cell_ok``
_PLAIN_CELL_TYPES = frozenset({int, float, type(None)})


class ParsedReport(dict[str, Any]):
    """A ``gkwatch.report/1`` report, checked once where the parser hands it over.

    It stays the dict it always was (the validator, ``Report.data``, the dashboard and
    the scorer read it as JSON), so wrapping changes no byte of what is printed; what it
    adds is the check of the shape (:meth:`checked`) and its own serialisation
    (:meth:`to_json`, :meth:`from_json`). The parser's extra keys (``reading``,
    ``provenance``…) are its own: only the keys of the contract are checked.
    """

    @classmethod
    def checked(cls, data: Mapping[str, Any]) -> "ParsedReport":
        """The report, or ValueError naming what breaks the contract."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise ValueError(f"report: not a JSON object but {type(data).__name__}")
        if data.get("schema") != REPORT_SCHEMA:
            raise ValueError(f"report: schema must be {REPORT_SCHEMA!r}, got {data.get('schema')!r}")
        year = data.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise ValueError(f"report: year must be an integer or null, got {year!r}")
        agency = data.get("agency")
        if agency is not None and not isinstance(agency, str):
            raise ValueError(f"report: agency must be text or null, got {agency!r}")
        if data.get("format_version") not in FORMAT_VERSIONS:
            raise ValueError(f"report: unknown format_version {data.get('format_version')!r}")
        sections = data.get("sections", [])
        if not isinstance(sections, list) or not all(isinstance(x, str) for x in sections):
            raise ValueError(f"report: sections must be a list of section numbers, got {sections!r}")
        for table in REPORT_TABLES:
            rows = data.get(table)
            if rows is None:
                continue  # the table was not found: its key is missing
            if not isinstance(rows, Mapping):
                raise ValueError(f"report: {table} must map rows to cells")
            for row, cells in rows.items():
                if table == "table2":
                    ok = isinstance(cells, Mapping) and (
                        _PLAIN_CELL_TYPES.issuperset(map(type, cells.values())) or all(
                            _cell_ok(v) or (k.endswith("_unit") and isinstance(v, str)) for k, v in cells.items()))
                else:
                    ok = isinstance(cells, list) and (_PLAIN_CELL_TYPES.issuperset(map(type, cells))
                                                      or all(_cell_ok(v) for v in cells))
                if not ok:
                    raise ValueError(f"report: {table} row {row!r}: cells must be numbers or null, got {cells!r}")
        return cls(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> "ParsedReport":
        return cls.checked(json.loads(text))

    def to_json(self) -> str:
        """What ``gkwatch parse --format json`` prints (without the final newline)."""
        return json.dumps(self, ensure_ascii=False, indent=2, default=str)
