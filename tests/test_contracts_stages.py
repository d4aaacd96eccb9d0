"""What passes between the stages is defined once, checked once and serialises itself:
a finding, a crawled item, a portal spec, a parsed report."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from crawler.items import DocumentItem, ListPageItem, document_item, item_from_json, list_page_item
from crawler.pipelines import SnapshotJsonLinesPipeline
from crawler.spec import PortalSpec, load_spec
from ground.catalogue import publication_finding
from ground.contracts import REPORT_SCHEMA, ParsedReport, new_finding
from ground.errors import ConfigError
from models import Finding as FindingRow
from workers.parse import parse_path
from workers.pipeline import check_bytes

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"


def _finding(**over: object) -> dict:
    base = dict(rule="T3-BALANCE", severity="error", status="fail", where={"table": "table3"},
                expected=3, actual=2, message_zh="不平衡", message_en="Unbalanced")
    return {**base, **over}


# --- a finding -----------------------------------------------------------------------

def test_a_finding_has_one_shape_whoever_makes_it() -> None:
    made = new_finding(**_finding())  # type: ignore[arg-type]
    assert list(made) == ["rule", "severity", "status", "where", "expected", "actual",
                          "message_zh", "message_en"]
    published = publication_finding("P-DATES", "fail", where={"url": "http://a/"}, expected=None,
                                    actual=["2025-01-01", "2025-01-02"], shown="x")
    assert list(published) == list(made)
    doc = next(SEEDS.glob("*.txt"))
    for f in check_bytes(doc.read_bytes(), filename=doc.name)["findings"]:
        assert list(f)[:8] == list(made) and set(f) - set(made) <= {"review"}


@pytest.mark.parametrize("bad", [dict(severity="fatal"), dict(status="pass"), dict(rule=""),
                                 dict(where=["table3"]), dict(message_en=None),
                                 dict(review={"reason_zh": "?"})])
def test_a_finding_that_breaks_the_contract_is_refused_where_it_is_made(bad: dict) -> None:
    with pytest.raises(ValueError):
        new_finding(**_finding(**bad))  # type: ignore[arg-type]


def test_a_stored_finding_keeps_every_key(session) -> None:  # type: ignore[no-untyped-def]
    f = new_finding(**_finding(status="review", review={"reason_zh": "读数不确定", "cells": []}))  # type: ignore[arg-type]
    row = FindingRow.stored(f, agency_id=None, year=2024, version_id=None)
    session.add(row)
    session.commit()
    got = session.get(FindingRow, row.id)
    assert (got.rule, got.severity, got.status, got.where, got.expected, got.actual, got.message_zh,
            got.message_en, got.review) == tuple(f.values())


# --- a crawled item ------------------------------------------------------------------

def test_the_crawled_item_line_is_what_ingest_reads(tmp_path: Path) -> None:
    body = "2024年政府信息公开工作年度报告".encode()
    doc = document_item("http://a.gov.cn/nb/1.html", entry_url="http://a.gov.cn/nb/1.html", parent_url=None,
                        title="2024年年报", year=2024, kind="page", status=200,
                        headers={"ETag": "x", "X-Other": "dropped"}, dates=[{"source": "meta", "value": "2025-01-20"}],
                        published_at="2025-01-20T00:00:00+08:00", body=body)
    doc.final_url = "http://a.gov.cn/nb/1b.html"
    lst = list_page_item("http://a.gov.cn/nb/", status=200, body=b"<html></html>")
    pipe = SnapshotJsonLinesPipeline(str(tmp_path / "s"), str(tmp_path / "o.jsonl"))
    pipe.open_spider()
    pipe.process_item(doc)
    pipe.process_item(lst)
    pipe.close_spider()
    lines = (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()
    wire = [json.loads(line) for line in lines]
    assert list(wire[0]) == ["type", "url", "entry_url", "parent_url", "title", "year", "kind",
                             "content_type", "status", "sha256", "size", "snapshot", "fetched_at",
                             "headers", "dates", "published_at", "attachments", "not_modified", "error",
                             "list_url", "list_date", "final_url"]
    assert list(wire[1]) == ["type", "url", "status", "sha256", "size", "fetched_at", "headers", "error"]
    assert wire[0]["sha256"] == hashlib.sha256(body).hexdigest() and Path(wire[0]["snapshot"]).read_bytes() == body
    assert wire[0]["headers"] == {"ETag": "x"} and "body" not in wire[0]
    back = [item_from_json(line) for line in lines]
    assert isinstance(back[0], DocumentItem) and isinstance(back[1], ListPageItem)
    assert back[0] == doc and back[1] == lst  # the bytes are not part of the item's value
    assert back[0].to_json() == lines[0]


@pytest.mark.parametrize("bad", [{"type": "document"}, {"type": "photo", "url": "http://a/"},
                                 {"type": "document", "url": "http://a/", "kind": "zip"},
                                 {"type": "document", "url": "http://a/", "year": "2024"},
                                 {"type": "list_page", "url": "http://a/", "status": True}])
def test_a_bad_item_is_refused_when_read(bad: dict) -> None:
    with pytest.raises(ValueError):
        item_from_json(bad)


def test_an_older_or_newer_line_reads_with_defaults() -> None:
    item = item_from_json({"type": "document", "url": "http://a/", "sha256": "ab", "novel": 1})
    assert isinstance(item, DocumentItem)
    assert (item.kind, item.dates, item.headers, item.not_modified) == ("page", [], {}, False)


# --- a portal spec -------------------------------------------------------------------

def test_a_portal_spec_serialises_itself_for_the_child() -> None:
    spec = load_spec({"list_urls": ["http://a.gov.cn/nb/"], "link_patterns": [r"/nb/\d+\.html$"],
                      "known": {"http://a.gov.cn/nb/1.html": {"etag": "x"}}, "download_delay": 0})
    again = PortalSpec.from_json(spec.to_json())
    assert again == spec and again.to_dict() == spec.to_dict()
    assert again.rules.detail[0].pattern == r"/nb/\d+\.html$"  # the portal's own pattern first


def test_a_spec_file_that_is_not_a_spec_is_a_config_error() -> None:
    for text in ("[]", "{}", '{"list_urls": ["http://a/"], "nonsense": 1}', "not json"):
        with pytest.raises(ConfigError):
            PortalSpec.from_json(text)


# --- a parsed report -----------------------------------------------------------------

def test_the_parser_hands_over_a_checked_report_that_prints_itself() -> None:
    doc = next(SEEDS.glob("*.txt"))
    report = parse_path(doc)
    assert isinstance(report, ParsedReport) and report["schema"] == REPORT_SCHEMA
    assert report.to_json() == json.dumps(dict(report), ensure_ascii=False, indent=2, default=str)
    assert ParsedReport.from_json(report.to_json()) == report


@pytest.mark.parametrize("bad", [
    {"schema": "gkwatch.report/0"},
    {"schema": REPORT_SCHEMA, "year": "2024"},
    {"schema": REPORT_SCHEMA, "format_version": "2020"},
    {"schema": REPORT_SCHEMA, "table3": {"1": [1, 0, "0"]}},
    {"schema": REPORT_SCHEMA, "table3": {"1": [True]}},
    {"schema": REPORT_SCHEMA, "table2": {"fees": [1]}},
    {"schema": REPORT_SCHEMA, "table4": {"review": {"a": 1}}},
])
def test_a_report_that_breaks_the_contract_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        ParsedReport.checked(bad)


def test_blank_cells_and_units_are_part_of_the_contract() -> None:
    ok = ParsedReport.checked({"schema": REPORT_SCHEMA, "year": 2019, "format_version": "2019",
                               "table2": {"procurement": {"items": None, "amount": 12.5, "amount_unit": "元"}},
                               "table3": {"1": [None, 0, 0, 0, 0, 0, None]}})
    assert ok["table2"]["procurement"]["amount"] == 12.5 and ok["table3"]["1"][0] is None
