"""Text-layer PDFs: a number is certain only when its glyph-box column and the drawn cell
it sits in agree (two independent readings); where they cannot agree, checks end in review."""
from __future__ import annotations

import copy

import pytest

from gkwatch.demo.render_office import render_pdf
from gkwatch.demo.reports import Stock, make_report
from workers.parse import parse_bytes
from workers.validate import validate


@pytest.fixture(scope="module")
def report() -> dict:
    """A consistent report whose first rows have a three-digit 自然人 count next to a
    one-digit 商业企业 count: set tight, "300" and "1" nearly touch ("3001")."""
    rep, _ = make_report("测试局", 2022, "本级政府", seed=3, stock=Stock((0,) * 6, 0, 12))
    t3 = rep["table3"]
    for key in ("1", "3.7", "3.1"):
        t3[key] = [a + b for a, b in zip(t3[key], [300, 1, 0, 0, 0, 0, 301])]
    return rep


def _errors(findings: list[dict], status: str) -> set[tuple]:
    return {(f["rule"], f["where"].get("column")) for f in findings
            if f["severity"] == "error" and f["status"] == status and f["rule"].startswith("T3")}


def test_drawn_grid_confirms_every_placed_number(report: dict) -> None:
    for tight in (False, True):
        got = parse_bytes(render_pdf(report, seed=3, tight=tight), filename="r.pdf")
        assert got["table3"] == report["table3"], (tight, got["warnings"])
        reads = [c for row in got["reading"]["table3"].values() for c in row]
        assert {c["how"] for c in reads} == {"position"} and all(c["certain"] for c in reads)
        assert not _errors(validate(got), "fail") and not _errors(validate(got), "review")


def test_planted_error_in_a_ruled_pdf_fails(report: dict) -> None:
    bad = copy.deepcopy(report)
    bad["table3"]["4"][0] += 2
    got = parse_bytes(render_pdf(bad, seed=3), filename="r.pdf")
    assert ("T3-BALANCE", 0) in _errors(validate(got), "fail")


def test_without_ruling_lines_nothing_is_certain_and_nothing_fails(report: dict) -> None:
    bad = copy.deepcopy(report)
    bad["table3"]["4"][0] += 2  # with its total: only the balance is broken
    bad["table3"]["4"][6] += 2
    for tight in (False, True):
        got = parse_bytes(render_pdf(bad, seed=3, ruled=False, tight=tight), filename="r.pdf")
        reads = [c for row in got["reading"]["table3"].values() if isinstance(row, list) for c in row]
        assert reads and not any(c["certain"] and c["how"] != "split_forced" for c in reads), tight
        findings = validate(got)
        assert not _errors(findings, "fail"), tight  # glued digits never raise an inconsistency
        assert ("T3-BALANCE", 0) in _errors(findings, "review") | _errors(findings, "not_assessable")
