"""The document pipeline as pure functions: bytes → report → findings.

No database, no Celery: the CLI (``gkwatch parse`` / ``gkwatch check``), the stages and
the benchmarks all call these.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ground.catalogue import publication_finding
from ground.contracts import FINDINGS_SCHEMA, REPORT_SCHEMA, Finding, ParsedReport
from ground.errors import DocumentError
from workers import parse
from workers.validate import validate

def empty_report() -> ParsedReport:
    """The report of a document that could not be parsed: every field unknown."""
    return ParsedReport.checked({"schema": REPORT_SCHEMA, "agency": None, "year": None,
                                 "format_version": None, "sections": []})


def unparsed_finding(exc: DocumentError) -> Finding:
    """A document that cannot be parsed is a finding, never a silent success."""
    return publication_finding("P-UNPARSED", "fail", where={"document": exc.source}, expected="three tables",
                               actual=type(exc).__name__, error=exc)


def check_report(report: dict[str, Any], *, previous: dict[str, Any] | None = None,
                 agency_kind: str | None = None) -> list[Finding]:
    """Run the rule catalogue over one parsed report."""
    return validate(report, previous=previous, agency_kind=agency_kind)


def check_bytes(data: bytes, *, filename: str, content_type: str | None = None,
                previous: dict[str, Any] | None = None,
                agency_kind: str | None = None) -> dict[str, Any]:
    """Parse and validate one document; a parse failure becomes a P-UNPARSED finding."""
    try:
        report = parse.parse_bytes(data, filename=filename, content_type=content_type)
    except DocumentError as exc:
        return {"schema": FINDINGS_SCHEMA, "report": empty_report(), "findings": [unparsed_finding(exc)]}
    return {"schema": FINDINGS_SCHEMA, "report": report,
            "findings": check_report(report, previous=previous, agency_kind=agency_kind)}


def check_documents(paths: list[Path], *, previous: Path | None = None,
                    agency_kind: str | None = None) -> list[dict[str, Any]]:
    """``gkwatch check``: each file checked; ``previous`` enables the cross-year rules."""
    prev_report = parse.parse_path(previous) if previous else None
    results = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(f"cannot read file: {exc.strerror}", source=str(path)) from exc
        results.append(check_bytes(data, filename=path.name, previous=prev_report,
                                   agency_kind=agency_kind))
    return results


def diff_reports(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Cells of tables 二, 三 and 四 whose values differ between two parses."""
    changes: list[dict[str, Any]] = []
    for table in ("table2", "table3", "table4"):
        a, b = old.get(table) or {}, new.get(table) or {}
        for row in sorted(set(a) | set(b)):
            va, vb = a.get(row), b.get(row)
            if isinstance(va, dict) or isinstance(vb, dict):
                va, vb = va or {}, vb or {}
                cols = sorted(set(va) | set(vb))
                pairs = [(c, va.get(c), vb.get(c)) for c in cols]
            else:
                va, vb = va or [], vb or []
                pairs = [(i, va[i] if i < len(va) else None, vb[i] if i < len(vb) else None)
                         for i in range(max(len(va), len(vb)))]
            changes += [{"table": table, "row": row, "column": c, "old": x, "new": y}
                        for c, x, y in pairs if x != y]
    return changes
