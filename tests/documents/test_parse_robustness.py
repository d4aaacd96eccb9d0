"""Generated reports with blank cells, rendered in every demo format and parsed back.

Blank is not zero: a cell left blank (None) must come back as None, never as 0 and never
shifted into a neighbouring column, whichever format the report was printed in. The
reports come from the demo generator; blanks are planted at random (seeded).
"""
from __future__ import annotations

import random
from typing import Any

import pytest

from gkwatch.demo import render_html, render_office
from gkwatch.demo.reports import Stock, make_report
from tests.support.reports import blank_tables
from workers.extract.model import Word
from workers.parse import parse_bytes
from workers.parse.columns import _EPS, _clusters, cluster_finder, header_bands, place
from workers.parse.rows import Item, Row

pytestmark = pytest.mark.usefixtures("narrative_without_blanks")
SEEDS = range(20)
KINDS = ("本级政府", "部门", "乡镇街道")


def blank_report(seed: int) -> dict[str, Any]:
    """A consistent report with random cells of tables 三 and 四 blanked (rate varies by
    seed, up to whole rows); table 四 keeps at least one printed cell."""
    rng = random.Random(f"robust:{seed}")
    kind = KINDS[seed % 3]
    report, _ = make_report(f"测试{seed}局", 2020 + seed % 6, kind, seed=seed,
                            stock=Stock((rng.choice((0, 1)), 0, 0, 0, 0, 0), 0, 12))
    blank_tables(report, rng, (0.05, 0.2, 0.4, 0.7)[seed % 4])
    return report


def renderings(report: dict[str, Any], seed: int) -> dict[str, tuple[bytes, str]]:
    return {
        "html-plain": (render_html.article_html(report, seed=seed, flavour="plain").encode(), "r.html"),
        "html-word": (render_html.article_html(report, seed=seed, flavour="word").encode(), "r.html"),
        "pdf": (render_office.render_pdf(report, seed=seed), "r.pdf"),
        "docx": (render_office.render_docx(report, seed=seed), "r.docx"),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_blank_cells_round_trip_in_every_format(seed: int) -> None:
    report = blank_report(seed)
    for fmt, (data, name) in renderings(report, seed).items():
        got = parse_bytes(data, filename=name)
        assert got.get("table3") == report["table3"], (fmt, got.get("warnings"))
        assert got.get("table4") == report["table4"], (fmt, got.get("warnings"))


# --- label variants the national layout allows ------------------------------------------

VARIANTS: list[list[tuple[str, str]]] = [
    [("四、政府信息公开行政复议、行政诉讼情况", "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况"),
     ("五、存在的主要问题及改进情况", "五、存在的主要问题和改进措施")],
    [("一、本年新收", "本年新收"), ("二、上年结转", "上年结转"), ("（一）予以公开", "予以公开"),
     ("（二）部分公开", "部分公开"), ("四、结转下年度", "结转下年度")],
    [(f"{n}.", f"{n}、") for n in range(1, 9)],
    [(f">{n}.", f">（{n}）") for n in range(1, 9)],
    [(f">{n}.", ">") for n in range(1, 3)] + [("（七）总计", "（七）总计")],
]


@pytest.mark.parametrize("variant", range(len(VARIANTS)))
@pytest.mark.parametrize("flavour", ["plain", "word"])
def test_label_variants(variant: int, flavour: str) -> None:
    seed = 100 + variant
    report = blank_report(seed)
    html = render_html.article_html(report, seed=seed, flavour=flavour)  # type: ignore[arg-type]
    for old, new in VARIANTS[variant]:
        assert old in html or flavour == "word", old
        html = html.replace(old, new)
    got = parse_bytes(html.encode(), filename="r.html")
    assert got["table3"] == report["table3"], got.get("warnings")
    assert got["table4"] == report["table4"]
    assert got["sections"] == ["1", "2", "3", "4", "5", "6"]


# --- placement by position, directly ----------------------------------------------------

def _row(label: str, xs: list[tuple[str, float]]) -> Row:
    prov: dict = {"page": 1, "table": None, "row": None, "col": None}
    items = [Item(label, prov)] + [Item(t, prov, (x - 3, x + 3)) for t, x in xs]
    return Row(items, grid=False, is_para=True, labels=items[:1], values=items[1:], nums=len(xs))


def test_partial_row_without_bands_is_left_out_not_guessed() -> None:
    rows = [_row("一、本年新收", [("5", 100), ("5", 400)]),
            _row("二、上年结转", [("1", 100), ("1", 400)])]
    warnings = place(rows, range(2), 7, [], "table3")
    assert all(r.dropped for r in rows) and len(warnings) == 2


def test_partial_row_placed_by_full_row_and_headings() -> None:
    cols = [100 + 40 * c for c in range(7)]
    full = _row("一、本年新收", [(str(c), x) for c, x in enumerate(cols)])
    part = _row("二、上年结转", [("3", cols[0]), ("3", cols[6])])
    assert place([full, part], range(2), 7, [], "table3") == []
    assert [v.text for v in part.values] == ["3", "", "", "", "", "", "3"] and part.grid
    heads = [Word(h, x - 8, x + 8) for h, x in zip("ABCDEFG", cols)] + [Word("申请人情况", 90, 360)]
    bands = header_bands(heads, 7)
    assert bands is not None and all(a < x < b for (a, b), x in zip(bands, cols))
    lone = _row("四、结转下年度", [("2", cols[2])])
    head_row = Row([], grid=False, is_para=True, words=heads)
    assert place([lone], range(1), 7, [head_row], "table3") == []
    assert [v.text for v in lone.values] == ["", "", "2", "", "", "", ""]


def test_cluster_finder_is_the_first_cluster_holding_each_span() -> None:
    """The bisection in ``cluster_finder`` finds what a scan of every cluster from the left
    finds, on random spans including zero-width ones and ones touching within ``_EPS``
    (where a neighbouring cluster may hold a span too)."""
    rng = random.Random(7)
    for _ in range(2000):
        spans = []
        for _ in range(rng.randint(1, 20)):
            a = rng.choice([rng.uniform(0, 600), round(rng.uniform(0, 600)), rng.randint(0, 60) * 10.0])
            spans.append((a, a + rng.choice([0.0, 0.3, rng.uniform(0, 40)])))
        clusters = _clusters(spans)
        first = cluster_finder(clusters)
        for x in spans:
            scan = next(j for j, c in enumerate(clusters) if c[0] - _EPS <= x[0] and x[1] <= c[1] + _EPS)
            assert first(x) == scan, (x, clusters)
