"""Publication dates: every source a page offers, best first, ISO 8601 +08:00."""
from __future__ import annotations

import pytest

from crawler.dates import best_date, collect_dates, decode_html, extract_dates, parse_date, url_date


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
    dates, best = extract_dates(PAGE, url="http://h/c/202501/t20250119_1.html",
                                list_date="2025-01-23")
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
