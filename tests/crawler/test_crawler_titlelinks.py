"""A portal with URL shapes the rules have never seen (``/show?id=``, ``/content/<id>``,
one folder per report, a year folder that is a column): reports are found by their
titles.  Served on 127.0.0.1 and crawled in a child process through ``discover``."""
from __future__ import annotations

import pytest

from crawler.discover import discover
from crawler.testserver import SiteServer, html_reply
from ground.errors import ConfigError

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _report(title: str, pubdate: str, extra: str = "") -> tuple[int, dict[str, str], bytes]:
    head = f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{pubdate}">'
    body = (f"<h1>{title}</h1><p>一、总体情况</p><p>二、主动公开政府信息情况</p>"
            f"<p>三、收到和处理政府信息公开申请情况</p>{extra}")
    return html_reply(body, title=title, head=head)


def _routes(offhost: str) -> dict[str, tuple[int, dict[str, str], bytes]]:
    column = html_reply(
        '<div class="top">栏目更新：2025-02-03</div><ul>'
        '<li><a href="/show?id=5">戊县2024年度政府信息公开工作年度报告</a><span>01-20</span></li>'
        '<li><a href="/content/123" title="戊县2023年度政府信息公开工作年度报告">查看</a>'
        "<span>2024-01-18</span></li>"
        '<li><a href="/zfxxgknb/2022/">戊县2022年政府信息公开年报</a><span>2023-01-16</span></li>'
        '<li><a href="/zfxxgknb/2021/">2021年度政府信息公开工作年度报告</a></li>'
        '<li><a href="/content/999">关于报送2024年度政府信息公开工作年度报告的通知</a></li>'
        '<li><a href="/img/nb2020.jpg">戊县2020年度政府信息公开工作年度报告</a></li>'
        f'<li><a href="{offhost}/content/77">己县2024年度政府信息公开工作年度报告</a></li>'
        "</ul>")
    year_column = html_reply(
        "<ul>"
        '<li><a href="/content/201">戊县教育局2021年度政府信息公开工作年度报告</a><i>2022-01-25</i></li>'
        '<li><a href="/content/202">戊县民政局2021年度政府信息公开工作年度报告</a><i>1月27日</i></li>'
        '<li><a href="/content/203">戊县卫健局2021年度政府信息公开工作年度报告</a><i>2022-01-28</i></li>'
        "</ul>")
    # a report in its own folder that also links to other years: still a report
    folder_report = _report(
        "戊县2022年政府信息公开年报", "2023-01-16 10:00",
        '<p>往年：<a href="/content/123">戊县2023年度政府信息公开工作年度报告</a>'
        '<a href="/zfxxgknb/2021/">2021年度政府信息公开工作年度报告</a></p>')
    return {
        "/gk/nb/": column,
        "/show?id=5": _report("戊县2024年度政府信息公开工作年度报告", "2025-01-20 09:00"),
        "/content/123": _report("戊县2023年度政府信息公开工作年度报告", "2024-01-18 09:00"),
        "/zfxxgknb/2022/": folder_report,
        "/zfxxgknb/2021/": year_column,
        "/content/201": _report("戊县教育局2021年度政府信息公开工作年度报告", "2022-01-25 09:00"),
        "/content/202": (200, HTML, b"<html><body>no dates here</body></html>"),
        "/content/203": (404, {}, b""),
        "/content/999": _report("关于报送2024年度政府信息公开工作年度报告的通知", "2024-12-01 09:00"),
        "/img/nb2020.jpg": (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff"),
    }


def test_reports_with_unknown_url_shapes_are_found_by_title() -> None:
    with SiteServer(routes=_routes("http://localhost:9")) as srv:
        result = discover(srv.url("/gk/nb/"), download_delay=0)
    entries = {e["url"].replace(srv.url(""), ""): e for e in result["entries"]}
    assert set(entries) == {"/show?id=5", "/content/123", "/zfxxgknb/2022/", "/content/201",
                            "/content/202", "/content/203", "http://localhost:9/content/77"}
    got = {u: (e["year"], e["status"]) for u, e in entries.items()}
    assert got["/show?id=5"] == (2024, 200) and got["/content/123"] == (2023, 200)
    assert got["/zfxxgknb/2022/"] == (2022, 200) and got["/content/201"] == (2021, 200)
    assert got["/content/203"] == (2021, 404)
    # an off-host report link is reported, never fetched
    assert entries["http://localhost:9/content/77"]["status"] is None
    assert "off-host" in entries["http://localhost:9/content/77"]["error"]
    # the year folder holding three reports was read as a column, not as a report
    assert srv.url("/zfxxgknb/2021/") in {p["url"] for p in result["list_pages"]}
    # notices and unsupported downloads are not fetched
    assert "/content/999" not in srv.requests and "/img/nb2020.jpg" not in srv.requests
    # year-less list dates got a year, and say where it came from
    listed = {u: next(d for d in e["dates"] if d["source"] == "list")
              for u, e in entries.items() if any(d["source"] == "list" for d in e["dates"])}
    assert listed["/show?id=5"] == {"source": "list", "value": "2025-01-20T00:00:00+08:00",
                                    "raw": "01-20", "year_from": "page"}
    assert listed["/content/202"] == {"source": "list", "value": "2022-01-27T00:00:00+08:00",
                                      "raw": "1月27日", "year_from": "page"}
    assert entries["/content/202"]["published_at"] == "2022-01-27T00:00:00+08:00"
    assert listed["/content/123"] == {"source": "list", "value": "2024-01-18T00:00:00+08:00"}


def test_discover_byte_budget() -> None:
    routes = {
        "/nb/": html_reply('<ul><li><a href="/show?id=1">庚县2024年度政府信息公开工作年度报告</a>'
                           "<span>2025-01-10</span></li></ul>"),
        "/show?id=1": _report("庚县2024年度政府信息公开工作年度报告", "2025-01-10 09:00",
                              "<p>" + "正文" * 3000 + "</p>"),          # ~18 kB
    }
    with SiteServer(routes=routes) as srv:
        roomy = discover(srv.url("/nb/"), download_delay=0)
        tight = discover(srv.url("/nb/"), download_delay=0, byte_budget=8_000)
    assert [e["status"] for e in roomy["entries"]] == [200]
    # the budget also caps one document: the report is reported, with why it was not read
    [cut] = tight["entries"]
    assert cut["status"] is None and "max size" in cut["error"]
    assert cut["published_at"] == "2025-01-10T00:00:00+08:00"      # the list date remains
    with pytest.raises(ConfigError, match="byte_budget"):
        discover("http://127.0.0.1:9/x/", byte_budget=0)
