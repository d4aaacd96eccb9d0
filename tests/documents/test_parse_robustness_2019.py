"""Generated reports in the 〔2019〕60号 layout, rendered in every demo format and parsed back.

The older form differs from the 2021 one in table 二 (item counts with their yearly
change, which may be negative, the 其他对外管理服务事项 row and the 第（九）项 采购 block
with its amount in 元) and in table 三 (one （六）其他处理 row).  Every table must come back
cell for cell, blanks as None, and the layout must be recognised as "2019".
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from gkwatch.demo import render_html, render_office
from gkwatch.demo.layout import LAYOUTS
from gkwatch.demo.reports import Stock, failed_checks, make_report_2019
from tests.support.reports import blank_tables
from workers.parse import parse_bytes, parse_path

pytestmark = pytest.mark.usefixtures("narrative_without_blanks")
SEEDS = range(10)
KINDS = ("本级政府", "部门", "乡镇街道")


def report_2019(seed: int) -> dict[str, Any]:
    """A consistent 2019-layout report; from seed 2 on, random cells of all three tables
    are blanked (rate varies by seed, up to whole table-三 rows)."""
    rng = random.Random(f"robust2019:{seed}")
    report, _ = make_report_2019(f"测试{seed}局", 2019 + seed % 2, KINDS[seed % 3], seed=seed,
                                 stock=Stock((rng.choice((0, 1)), 0, 0, 0, 0, 0), 0, 12))
    rate = (0.0, 0.0, 0.05, 0.2, 0.4)[min(seed, 4)] if seed < 5 else (0.1, 0.3, 0.5)[seed % 3]
    for name, row in report["table2"].items():
        for f in [f for f in row if not f.endswith("_unit")]:
            if rng.random() < rate / 2:
                row[f] = None
        if row.get("amount") is None:
            row.pop("amount_unit", None)  # no number, no unit printed
    blank_tables(report, rng, rate)
    return report


def test_generator_is_consistent_and_has_the_2019_shape() -> None:
    seen_negative = False
    for seed in range(30):
        report, _ = make_report_2019("测试局", 2019, KINDS[seed % 3], seed=seed,
                                     stock=Stock((1, 0, 0, 0, 0, 0), 0, 5))
        assert report["format_version"] == "2019"
        assert failed_checks(report) == []
        assert tuple(report["table3"]) == LAYOUTS["2019"].t3_keys
        t2 = report["table2"]
        assert set(t2) == {"rules", "normative_documents", "licensing", "other_services", "punishment",
                           "coercion", "fees", "procurement"}
        assert t2["procurement"]["amount_unit"] == "元"
        seen_negative |= any(t2[k]["change"] < 0 for k in ("licensing", "other_services", "punishment",
                                                           "coercion", "fees"))
        for k in ("licensing", "other_services", "punishment", "coercion", "fees"):
            assert t2[k]["previous_items"] + t2[k]["change"] >= 0
    assert seen_negative


def test_2019_layout_is_printed() -> None:
    report = report_2019(0)
    html = render_html.article_html(report, seed=0)
    for text in ("第二十条第（九）项", "本年新制作数量", "本年增/减", "其他对外管理服务事项", "采购总金额",
                 "（六）其他处理", "政府信息公开工作存在的主要问题及改进情况"):
        assert text in html, text
    for text in ("本年制发件数", "逾期不补正", "收费通知"):
        assert text not in html, text
    amount = render_html.cell_text(report["table2"]["procurement"], "amount")
    assert amount.endswith("元") and f">{amount}<" in html


@pytest.mark.parametrize("seed", SEEDS)
def test_2019_reports_round_trip_in_every_format(seed: int, tmp_path: Path) -> None:
    report = report_2019(seed)
    files = {
        "html-plain": ("r.html", render_html.article_html(report, seed=seed, flavour="plain").encode()),
        "html-word": ("r.htm", render_html.article_html(report, seed=seed, flavour="word").encode()),
        "pdf": ("r.pdf", render_office.render_pdf(report, seed=seed)),
        "docx": ("r.docx", render_office.render_docx(report, seed=seed)),
    }
    for fmt, (name, data) in files.items():
        if fmt in ("pdf", "docx"):
            path = tmp_path / name
            path.write_bytes(data)
            got = parse_path(path)
        else:
            got = parse_bytes(data, filename=name)
        where = (fmt, got.get("warnings"))
        assert got["format_version"] == "2019", where
        assert got.get("table2") == report["table2"], where
        assert got.get("table3") == report["table3"], where
        assert got.get("table4") == report["table4"], where
        assert got["sections"] == ["1", "2", "3", "4", "5", "6"], where


def test_explicit_layout_keyword_matches_the_report_version() -> None:
    report = report_2019(1)
    assert render_html.article_html(report, seed=1, layout="2019") == render_html.article_html(report, seed=1)
    with pytest.raises(ValueError):
        render_html.table2_html(report["table2"], layout="2018")
