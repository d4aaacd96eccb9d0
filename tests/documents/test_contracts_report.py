"""What passes out of the document pipeline is defined once, checked once and serialises
itself: a finding (whoever makes it, and its row) and the parsed report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ground.catalogue import publication_finding
from ground.contracts import REPORT_SCHEMA, ParsedReport, new_finding
from models import Finding as FindingRow
from workers.parse import parse_path
from workers.pipeline import check_bytes

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "seeds"


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
