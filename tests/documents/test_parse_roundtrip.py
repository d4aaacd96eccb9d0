"""Generated reports, printed in every linearisation and format, read back and checked.

Each seed makes one report of either layout: consistent, with blank cells, with rows
printed without values, or with one planted arithmetic error (a single cell changed).
It is rendered as text in each linearisation of ``gkwatch.demo.render_text`` and as HTML
(two markups), PDF and DOCX; every rendering must parse back to the same tables, cell by
cell, and the checks on the parse must fail exactly where the checks on the generated
report fail: every planted error found, no false error. Read from a grid or from clean
text nothing is uncertain, so no finding may end in ``review``.
"""
from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from gkwatch.demo import render_html, render_office
from gkwatch.demo.render_text import LINEARISATIONS, report_text
from gkwatch.demo.reports import Stock, make_report, make_report_2019
from tests.support.reports import blank_tables
from workers.parse import parse_bytes
from workers.validate import validate

pytestmark = pytest.mark.usefixtures("narrative_without_blanks")
SEEDS = range(16)
KINDS = ("本级政府", "部门", "乡镇街道")
ARITHMETIC = ("T3-BALANCE", "T3-RESULTS", "T3-TOTALS", "T4-TOTALS")


def generated(seed: int) -> tuple[dict[str, Any], str]:
    """(report, what was planted) for one seed."""
    rng = random.Random(f"roundtrip:{seed}")
    kind = KINDS[seed % 3]
    stock = Stock((rng.choice((0, 1)), 0, 0, 0, 0, 0), 0, 12)
    make = make_report_2019 if seed % 5 == 4 else make_report
    report, _ = make(f"测试{seed}局", 2019 + seed % 2 if make is make_report_2019 else 2022, kind,
                     seed=seed, stock=stock)
    plan = ("consistent", "blanks", "error", "empty_rows")[seed % 4]
    if plan == "blanks":
        blank_tables(report, rng, 0.25)
    elif plan == "empty_rows":
        for key in rng.sample(sorted(report["table3"]), 3):
            report["table3"][key] = [None] * 7  # printed with its label and no values
    elif plan == "error":
        table = rng.choice(("table3", "table3", "table4"))
        row = rng.choice(sorted(report[table]))
        col = rng.randrange(len(report[table][row]))
        report = copy.deepcopy(report)
        report[table][row][col] += rng.choice((1, 2, 5))
    return report, plan


def renderings(report: dict[str, Any], seed: int) -> dict[str, tuple[bytes, str]]:
    out = {f"text-{how}": (report_text(report, seed=seed, how=how).encode(), "r.txt") for how in LINEARISATIONS}
    out["html-plain"] = (render_html.article_html(report, seed=seed, flavour="plain").encode(), "r.html")
    out["html-word"] = (render_html.article_html(report, seed=seed, flavour="word").encode(), "r.html")
    out["pdf"] = (render_office.render_pdf(report, seed=seed), "r.pdf")
    out["docx"] = (render_office.render_docx(report, seed=seed), "r.docx")
    return out


def _errors(findings: list[dict]) -> set[tuple]:
    return {(f["rule"], f["where"].get("row"), f["where"].get("column")) for f in findings
            if f["severity"] == "error" and f["status"] == "fail" and f["rule"] in ARITHMETIC}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_rendering_reads_back_and_checks_the_same(seed: int) -> None:
    report, plan = generated(seed)
    truth = _errors(validate(report))
    assert (plan == "error") == bool(truth) or plan != "error"  # a planted change may cancel out
    for fmt, (data, name) in renderings(report, seed).items():
        got = parse_bytes(data, filename=name)
        for table in ("table3", "table4"):
            assert got.get(table) == report[table], (fmt, plan, table, got.get("warnings"))
        findings = validate(got)
        assert _errors(findings) == truth, (fmt, plan)
        review = [f["rule"] for f in findings if f["status"] == "review"]
        assert not review, (fmt, plan, review)
        for row, cells in got["reading"]["table3"].items():
            assert isinstance(cells, list) and all(c["certain"] for c in cells), (fmt, row)


def test_planted_errors_are_among_the_seeds() -> None:
    """The suite exercises what it claims: planted errors that really break a rule,
    blank cells and rows without values, both layouts."""
    plans = [generated(s) for s in SEEDS]
    assert sum(1 for r, p in plans if p == "error" and _errors(validate(r))) >= 3
    assert any(p == "empty_rows" for _, p in plans) and any(p == "blanks" for _, p in plans)
    assert {r["format_version"] for r, _ in plans} == {"2019", "2021"}
