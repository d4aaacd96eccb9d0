"""Parse stage: any report file → the canonical ``gkwatch.report/1`` dict.

    from workers.parse import parse_path, parse_bytes
    report = parse_path(Path("x.pdf"))
    report = parse_bytes(data, filename="x.html", content_type="text/html; charset=gbk")

Layout knowledge lives in ``layouts.toml``; this package holds only general matching code.
Heavy libraries are imported lazily by the extractors, so importing this module is cheap.
"""
from __future__ import annotations

from pathlib import Path

from ground.collector import collector_paused
from ground.contracts import REPORT_SCHEMA, ParsedReport
from ground.errors import ExtractionError, ParseError
from workers.extract import DEFAULT_MAX_BYTES, extract
from workers.parse.normalize import document_scope
from workers.parse.report import build_report

__all__ = ["parse_path", "parse_bytes", "parse_document", "ParsedReport", "SCHEMA"]

SCHEMA = REPORT_SCHEMA


def parse_path(path: Path, *, max_bytes: int | None = None) -> ParsedReport:
    """Parse a report file; the size limit is checked before the file is read."""
    path = Path(path)
    limit = max_bytes or DEFAULT_MAX_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise ExtractionError(f"file is {size} bytes, over the {limit} byte limit", source=str(path))
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"cannot read file: {exc.strerror or exc}", source=str(path)) from exc
    return parse_bytes(data, filename=path.name, max_bytes=limit, source=str(path))


def parse_bytes(data: bytes, *, filename: str, content_type: str | None = None,
                max_bytes: int | None = None, source: str | None = None) -> ParsedReport:
    """Parse file bytes; ``filename`` and ``content_type`` only help to recognise the format."""
    # no cycle collection while the document's objects pile up (``ground.collector``)
    with collector_paused():
        doc = extract(data, filename=filename, content_type=content_type,
                      max_bytes=max_bytes or DEFAULT_MAX_BYTES)
        report = parse_document(doc, source=source or filename)
        # the document freed by reference counting while the collector still waits: alive
        # when it resumes, its thousands of objects would be scanned at the next allocation
        del doc
    return report


#: characters of text a document may carry. An annual report has 10,000–200,000; parsing
#: costs about 100 bytes of memory per character, so this bounds one document to a few
#: hundred MB whatever the file (a 51 MB text file would otherwise take 5 GB).
MAX_TEXT_CHARS = 1_000_000


def parse_document(doc, *, source: str | None = None) -> ParsedReport:
    """Document model → report (pure function), its shape checked here, once: what
    leaves the parser is a :class:`ParsedReport` whatever path built it."""
    # the text the parser reads (each paragraph and each cell once, a merged cell's copies
    # not again), measured before any matcher looks at it, and read by them afterwards
    text = doc.plain_text()
    if len(text) > MAX_TEXT_CHARS:
        raise ExtractionError(f"the document holds {len(text)} characters of text, over the limit of "
                              f"{MAX_TEXT_CHARS} for one report", source=source)

    with document_scope():
        report = build_report(doc, text=text)
    if not any(k in report for k in ("table2", "table3", "table4")):
        raise ParseError("none of the three tables (主动公开/依申请/复议诉讼) was found", source=source)
    return ParsedReport.checked(report)
