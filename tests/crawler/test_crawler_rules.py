"""Title recognition, link rules, list/detail page parsing and spec checks (pure, no I/O)."""
from __future__ import annotations

from datetime import date

import pytest

from crawler.listing import parse_detail_page, parse_list_page
from crawler.rules import classify_title, host_allowed, load_rules, report_year
from crawler.spec import load_spec
from ground.errors import ConfigError

RULES = load_rules()


@pytest.mark.parametrize("title,year", [
    ("某某区2024年度政府信息公开工作年度报告", 2024),
    ("某某市人民政府办公室2023年政府信息公开工作年度报告", 2023),
    ("某某县2022年政府信息公开年报", 2022),
    ("某某镇 2021 年度 政府信息公开\n工作年度报告", 2021),
    ("某某局二〇二三年度政府信息公开工作年度报告", 2023),
    ("某某局２０２０年政府信息公开工作年度报告（图片版）", 2020),
    ("关于某某局2019年政府信息公开工作年度报告", 2019),
    ("某某区2017年政府信息公开工作报告", 2017),
    ("2024政府信息公开工作年度报告", 2024),
])
def test_annual_reports_are_recognised_with_their_year(title: str, year: int) -> None:
    m = classify_title(title, today=date(2026, 6, 1))
    assert m.is_report, m.reason
    assert m.year == year


@pytest.mark.parametrize("title", [
    "关于报送2024年度政府信息公开工作年度报告的通知",
    "关于做好2023年政府信息公开工作年度报告编制和发布工作的通知",
    "2023年度政府信息公开工作年度报告考核结果通报",
    "某市2022年政府信息公开工作年度报告第三方评估报告",
    "图解：某区2024年度政府信息公开工作年度报告",
    "某某区2024年国民经济和社会发展统计公报",
    "某某区2024年政府工作报告",
    "政府信息公开工作年度报告",                      # no year
    "政府信息公开指南",
])
def test_texts_about_reports_are_not_reports(title: str) -> None:
    assert not classify_title(title, today=date(2026, 6, 1)).is_report


def test_report_year_ignores_implausible_numbers() -> None:
    assert report_year("文号2999 某区2021年度报告", today=date(2026, 1, 1)) == 2021
    assert report_year("没有年份") is None


@pytest.mark.parametrize("url,detail,listing", [
    ("http://h/zwgk/xxgknb/202401/t20240120_123.html", True, False),
    ("http://h/zwgk/xxgknb/202401/t20240120_123.shtml", True, False),
    ("http://h/art/2024/1/20/art_1234_5678.html", True, False),
    ("http://h/XxgkAnnualReport/show/42.html", True, False),
    ("http://h/zwgk/xxgknb/index_1.html", False, True),
    ("http://h/col/col1234/index.html", False, True),
    ("http://h/zwgk/xxgknb/2025n/", False, True),
])
def test_link_shapes(url: str, detail: bool, listing: bool) -> None:
    assert RULES.is_detail(url) is detail
    assert RULES.is_list(url) is listing


def test_attachments_pagination_and_pseudo_links() -> None:
    for ext in ("pdf", "doc", "docx", "wps", "xls", "xlsx"):
        assert RULES.is_attachment(f"http://h/a/W0202401.{ext.upper()}")
    assert not RULES.is_attachment("http://h/a/t20240101_1.html")
    assert RULES.is_pagination("http://h/c/index_3.html")
    assert RULES.is_pagination("http://h/col/col1/index.html?uid=1&pageNum=2")
    assert RULES.is_pagination("http://h/c/more/", "下一页")
    for href in ("javascript:;", "{{el.url}}", "#top", "mailto:a@b.cn", ""):
        assert RULES.is_pseudo(href)


def test_host_allowed_wildcards_and_ports() -> None:
    assert host_allowed("http://www.a.gov.cn/x", ["www.a.gov.cn"])
    assert host_allowed("http://file.a.gov.cn/x", ["*.a.gov.cn"])
    assert host_allowed("http://127.0.0.1:8080/x", ["127.0.0.1"])
    assert not host_allowed("http://a.gov.cn.evil.com/x", ["*.a.gov.cn"])
    assert not host_allowed("http://localhost/x", ["127.0.0.1"])


def test_spec_portal_patterns_are_checked() -> None:
    with pytest.raises(ConfigError):
        load_rules(["(unclosed"])
    with pytest.raises(ConfigError, match="list_urls"):
        load_spec({"list_urls": []})
    with pytest.raises(ConfigError, match="allowed host"):
        load_spec({"list_urls": ["http://a.gov.cn/"], "allowed_hosts": ["b.gov.cn"]})
    with pytest.raises(ConfigError, match="page_budget"):
        load_spec({"list_urls": ["http://a.gov.cn/"], "page_budget": 0})
    spec = load_spec({"list_urls": ["http://a.gov.cn/x/"]})
    assert spec.allowed_hosts == ("a.gov.cn",) and spec.obey_robots is True
    custom = load_rules([r"/show/\d+$"])
    assert custom.is_detail("http://a.gov.cn/show/12")


LIST_HTML = """
<ul>
 <li><a href="./202501/t20250120_1.html" title="甲区2024年度政府信息公开工作年度报告">甲区2024年度政府信息公…</a>
     <span>2025-01-20</span></li>
 <li><a href="./202412/t20241210_2.html">关于报送2024年度政府信息公开工作年度报告的通知</a><span>2024-12-10</span></li>
 <li><a href="./202401/t20240125_3.html">甲区2023年政府信息公开年报</a> <span>[2024年1月25日]</span></li>
 <li><a href="./202301/t20230130_4.html">甲区2022年度政府信息公开工作年度报...</a><span>2023-01-30</span></li>
 <li><a ms-attr-href="el.url" href="{{el.url}}">{{el.title}}</a></li>
 <li><a href="javascript:;">甲区2021年度政府信息公开工作年度报告</a></li>
</ul>
<div class="pages"><a href="index_1.html">下一页</a><a href="2021/">2021年</a></div>
<script>var u = "./202001/t20200101_9.html"; createPageHTML(5, 0, "index", "html");</script>
"""


def test_list_page_entries_dates_pagination() -> None:
    page = parse_list_page(LIST_HTML, "http://h/col/", RULES)
    got = [(e.url.rsplit("/", 1)[-1], e.year, e.list_date, e.confirmed) for e in page.entries]
    assert got == [
        ("t20250120_1.html", 2024, "2025-01-20T00:00:00+08:00", True),
        ("t20240125_3.html", 2023, "2024-01-25T00:00:00+08:00", True),
        ("t20230130_4.html", 2022, "2023-01-30T00:00:00+08:00", False),  # cut title: check page
    ]
    assert page.pagination == ["http://h/col/index_1.html"]  # createPageHTML's next is the same
    assert page.subcolumns == ["http://h/col/2021/"]
    assert not any("20200101" in u for u in page.item_signature)  # script strings ignored


def test_detail_page_title_and_attachments() -> None:
    html = """<html><head><meta name="ArticleTitle" content="乙县2024年度政府信息公开工作年度报告">
    <title>首页</title></head><body>
    <a href="./P020250101.pdf">附件1</a> <a href="/files/b.DOCX">附件2</a>
    <a href="./P020250101.pdf">again</a> <a href="javascript:download('x.pdf')">js</a>
    <iframe src="/viewer/c.pdf"></iframe> <a href="/about.html">about</a></body></html>"""
    d = parse_detail_page(html, "http://h/col/202501/t20250101_1.html", RULES)
    assert d.title == "乙县2024年度政府信息公开工作年度报告"
    assert d.attachments == ["http://h/col/202501/P020250101.pdf", "http://h/files/b.DOCX",
                             "http://h/viewer/c.pdf"]


@pytest.mark.parametrize("url,text,follow", [
    ("http://h/show?id=5", "", True),
    ("http://h/content/123", "", True),
    ("http://h/zfxxgknb/2024/", "", True),                     # folder: may hold one report
    ("http://h/detail.do?id=7", "", True),
    ("http://h/zwgk/xxgknb/index_2.html", "", False),          # pagination
    ("http://h/list?page=3", "", False),
    ("http://h/col/col1234/index.html", "", False),            # named column page
    ("http://h/col/col1234/", "", False),
    ("http://h/files/report2024.jpg", "", False),              # download of an unread type
    ("http://h/files/report2024.mp4", "", False),
])
def test_links_followed_for_their_title_alone(url: str, text: str, follow: bool) -> None:
    assert RULES.may_be_report_by_title(url, text) is follow


TITLE_LIST = """<ul>
 <li><a href="/show?id=5">戊县2024年度政府信息公开工作年度报告</a><span>2025-01-20</span></li>
 <li><a href="/content/123" title="戊县2023年度政府信息公开工作年度报告">查看详情</a></li>
 <li><a href="/zfxxgknb/2022/">戊县2022年政府信息公开年报</a></li>
 <li><a href="/content/999">关于报送2024年度政府信息公开工作年度报告的通知</a></li>
 <li><a href="/content/998">戊县2024年度政府信息公开工作年度...</a></li>
 <li><a href="/img/nb2021.png">戊县2021年度政府信息公开工作年度报告</a></li>
 <li><a href="/nb/index_1.html">戊县2020年度政府信息公开工作年度报告</a></li>
 <li><a href="/about/">政府信息公开年报</a></li>
</ul>"""


def test_report_titles_make_unknown_url_shapes_entries() -> None:
    page = parse_list_page(TITLE_LIST, "http://h/nb/", RULES)
    got = [(e.url, e.title, e.year, e.by_title) for e in page.entries]
    assert got == [
        ("http://h/show?id=5", "戊县2024年度政府信息公开工作年度报告", 2024, True),
        ("http://h/content/123", "戊县2023年度政府信息公开工作年度报告", 2023, True),
        ("http://h/zfxxgknb/2022/", "戊县2022年政府信息公开年报", 2022, True),
    ]
    assert page.entries[0].list_date == "2025-01-20T00:00:00+08:00"
    assert "http://h/nb/index_1.html" in page.pagination   # still pagination, not a report
