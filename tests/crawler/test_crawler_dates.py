"""Publication dates: every source a page offers, best first, ISO 8601 +08:00."""
from __future__ import annotations

from datetime import date

import pytest

from crawler.dates import (best_date, collect_dates, complete_list_date, decode_html,
                           infer_year, parse_date, parse_month_day, url_date)
from crawler.listing import parse_list_page
from crawler.rules import load_rules


@pytest.mark.parametrize("text,iso", [
    ("2025-03-10 15:35", "2025-03-10T15:35:00+08:00"),
    ("2025-03-10 15:35:07", "2025-03-10T15:35:07+08:00"),
    ("2025年3月1日", "2025-03-01T00:00:00+08:00"),
    ("2025年03月01日 09时05分", "2025-03-01T09:05:00+08:00"),
    ("2025/3/1", "2025-03-01T00:00:00+08:00"),
    ("2025.03.01", "2025-03-01T00:00:00+08:00"),
    ("２０２５－０３－０１", "2025-03-01T00:00:00+08:00"),
    ("[2024-01-31]", "2024-01-31T00:00:00+08:00"),
])
def test_parse_date_formats(text: str, iso: str) -> None:
    assert parse_date(text) == iso


def test_parse_date_rejects_non_dates() -> None:
    assert parse_date("2023-02-30") is None
    assert parse_date("无日期") is None


def test_url_dates() -> None:
    assert url_date("http://h/c/202503/t20250313_1.htm") == "2025-03-13T00:00:00+08:00"
    assert url_date("http://h/art/2024/1/5/art_12_34.html") == "2024-01-05T00:00:00+08:00"
    assert url_date("http://h/c/report.html") is None


PAGE = """<html><head>
<meta name="PubDate" content="2025-01-20 09:00">
<meta name="Desctiption" content="2000-01-01">
<script>var t = "发布时间：1999-01-01";</script>
</head><body>
<table class="xxgk"><tr><td>索引号：</td><td>123/2025-00001</td><td>发布日期：</td><td>2025-01-21</td></tr></table>
<div class="byline">来源：办公室 &nbsp; 发布时间：2025年1月22日 10:30</div>
<div class="body">2024年1月1日至12月31日，时间：2024-12-31 在正文中。</div>
</body></html>"""


def test_all_page_dates_best_first() -> None:
    dates = collect_dates(PAGE, url="http://h/c/202501/t20250119_1.html", list_date="2025-01-23")
    best = best_date(dates)
    assert dates == [
        {"source": "meta", "value": "2025-01-20T09:00:00+08:00"},
        {"source": "header", "value": "2025-01-21T00:00:00+08:00"},
        {"source": "byline", "value": "2025-01-22T10:30:00+08:00"},
        {"source": "list", "value": "2025-01-23T00:00:00+08:00"},
        {"source": "url", "value": "2025-01-19T00:00:00+08:00"},
    ]
    assert best == "2025-01-20T09:00:00+08:00"


def test_fallbacks_when_the_page_has_nothing() -> None:
    dates = collect_dates("<html><body>无</body></html>", url="http://h/a/t20240105_2.html",
                          list_date="2024-01-06")
    assert [d["source"] for d in dates] == ["list", "url"]
    assert best_date(dates) == "2024-01-06T00:00:00+08:00"
    assert collect_dates(None) == [] and best_date([]) is None


def test_byline_time_label_and_gbk_bytes() -> None:
    html = '<html><head><meta charset="gbk"></head><body><span>时间：2023-02-08 16:34</span>' \
           '<p>乙县政府信息公开</p></body></html>'
    body = html.encode("gbk")
    assert collect_dates(body) == [{"source": "byline", "value": "2023-02-08T16:34:00+08:00"}]
    assert "乙县政府信息公开" in decode_html(body)
    assert "乙县" in decode_html(body, "gb2312")          # GB2312 read as GB18030
    assert decode_html(b"\xff\xfe\xfa", "utf-8")           # never raises


# --- list dates printed without a year ----------------------------------------------

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize("text,md", [
    ("01-20", (1, 20, 0, 0)),
    ("[12/28]", (12, 28, 0, 0)),
    ("1月20日", (1, 20, 0, 0)),
    ("０１－２０", (1, 20, 0, 0)),
    ("发布：03-05 10:30", (3, 5, 10, 30)),
])
def test_month_day_forms(text: str, md: tuple[int, int, int, int]) -> None:
    assert parse_month_day(text) == md


@pytest.mark.parametrize("text", ["2025-01-20", "第1-20页", "13-40", "v1.20", "无日期"])
def test_month_day_rejects_full_dates_ranges_and_noise(text: str) -> None:
    assert parse_month_day(text) is None


def test_year_from_the_nearest_full_date_on_the_page() -> None:
    # a January entry next to a late-December date belongs to the next year
    assert complete_list_date("01-20", near="2024-12-30T00:00:00+08:00", today=TODAY) == \
        ("2025-01-20T00:00:00+08:00", {"raw": "01-20", "year_from": "page"})
    # a December entry next to an early-February date belongs to the year before
    assert complete_list_date("12月28日", near="2025-02-03T09:00:00+08:00", today=TODAY) == \
        ("2024-12-28T00:00:00+08:00", {"raw": "12月28日", "year_from": "page"})


def test_year_from_the_url_then_the_report_year() -> None:
    url = "http://h/nb/202501/t20250118_7.html"
    assert complete_list_date("1月20日", url=url, report_year=2024, today=TODAY) == \
        ("2025-01-20T00:00:00+08:00", {"raw": "1月20日", "year_from": "url"})
    assert complete_list_date("01-20 08:15", report_year=2024, today=TODAY) == \
        ("2025-01-20T08:15:00+08:00", {"raw": "01-20 08:15", "year_from": "report"})
    assert complete_list_date("01-20", today=TODAY) is None          # nothing to go by


def test_the_reading_is_never_in_the_future() -> None:
    # the closest reading to the page date (2026-01-10) is after today: take the year before
    got = infer_year(1, 10, near="2025-12-20T00:00:00+08:00", today=date(2025, 12, 25))
    assert got == (date(2025, 1, 10), "page")
    # report year + 1 would be in the future and earlier readings predate the report
    assert infer_year(12, 28, report_year=2024, today=date(2025, 3, 1)) is None


def test_a_report_is_not_dated_before_its_year_ended() -> None:
    # 2024-01-20 is closer to the page's date, but a 2024 report cannot be out before 2025
    assert infer_year(1, 20, near="2024-06-01T00:00:00+08:00", report_year=2024,
                      today=TODAY) == (date(2025, 1, 20), "page")
    # 29 February only exists in leap years
    assert infer_year(2, 29, near="2025-03-01T00:00:00+08:00", today=TODAY) == \
        (date(2024, 2, 29), "page")


def test_a_date_between_its_neighbours_in_a_sorted_list() -> None:
    between = ("2024-12-30T00:00:00+08:00", "2023-01-31T00:00:00+08:00")
    assert infer_year(1, 25, near=between[0], between=between, today=TODAY) == \
        (date(2024, 1, 25), "page")
    # a gap wide enough for two readings decides nothing: the nearest date does
    wide = ("2025-06-01T00:00:00+08:00", "2023-01-01T00:00:00+08:00")
    assert infer_year(3, 1, near=wide[0], between=wide, today=TODAY) == (date(2025, 3, 1), "page")


def test_inferred_list_date_is_marked_in_the_dates() -> None:
    dates = collect_dates(None, url="http://h/show?id=5", list_date="2025-01-20T00:00:00+08:00",
                          list_date_info={"raw": "01-20", "year_from": "page"})
    assert dates == [{"source": "list", "value": "2025-01-20T00:00:00+08:00",
                      "raw": "01-20", "year_from": "page"}]
    printed = collect_dates(None, list_date="2025-01-20")
    assert printed == [{"source": "list", "value": "2025-01-20T00:00:00+08:00"}]


def test_list_page_short_dates_get_their_year() -> None:
    html = """<div class="head">更新时间：2025-02-03</div><ul>
      <li><a href="./202501/t20250119_3.html">甲区2024年度政府信息公开工作年度报告</a><span>01-20</span></li>
      <li><a href="./202412/t20241229_2.html">甲区农业局2024年度政府信息公开工作年度报告</a><span>2024-12-30</span></li>
      <li><a href="/show?id=9">甲区2023年度政府信息公开工作年度报告</a><span>1月25日</span></li>
      <li><a href="./t20230101_1.html">甲区2022年度政府信息公开工作年度报告</a><span>2023-01-31</span></li>
    </ul>"""
    page = parse_list_page(html, "http://h/nb/", load_rules(), today=TODAY)
    got = {e.url.rsplit("/", 1)[-1]: (e.list_date, e.list_date_info) for e in page.entries}
    assert got["t20250119_3.html"] == ("2025-01-20T00:00:00+08:00",
                                       {"raw": "01-20", "year_from": "page"})
    assert got["t20241229_2.html"] == ("2024-12-30T00:00:00+08:00", {})
    # nearest is 2024-12-30 (→ 2025-01-25), but in this newest-first list the entry sits
    # between 2024-12-30 and 2023-01-31: only 2024-01-25 fits
    assert got["show?id=9"] == ("2024-01-25T00:00:00+08:00", {"raw": "1月25日", "year_from": "page"})
    assert got["t20230101_1.html"] == ("2023-01-31T00:00:00+08:00", {})
