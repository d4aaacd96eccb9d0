"""Portal kinds (crawler/kinds): detection, reading each kind's answer, and the spec checks.
Pure functions over text; the crawls over real HTTP are in test_crawler_kinds_sites.py."""
from __future__ import annotations

import json

import pytest

from crawler.kinds import LIST_KINDS, REGISTRY, ListInput, detect_kind
from crawler.kinds.jsonapi import dig, mapping, page_request, record_date
from crawler.rules import load_rules
from crawler.spec import load_spec
from ground.errors import ConfigError

RULES = load_rules()
REPORT = "乙县住建局{year}年政府信息公开工作年度报告"


def _island(records: list[tuple[str, str, str]], total: int, per_page: int = 2) -> str:
    recs = "".join(f"<record><![CDATA[<li><a href='{h}' title='{t}'>{t}</a><span>{d}</span></li>]]></record>"
                   for h, t, d in records)
    return ("<html><body><div id='5501'><script type=\"text/xml\"><datastore><nextgroup><![CDATA["
            "<a href=\"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=9&path=/&columnid=77"
            "&unitid=5501&webname=%E4%B9%99%E5%8E%BF&permissiontype=0\"></a>]]></nextgroup>"
            f"<recordset>{recs}</recordset></datastore></script></div>"
            f"<script>$('#5501').jpage({{totalRecord: {total}, perPage: {per_page}}});</script>"
            "<a href='/col/col78/index.html'>部门</a></body></html>")


def test_registry_names_every_kind_once() -> None:
    assert LIST_KINDS == ("auto", "static", "trs", "hanweb", "jsonapi", "browser")
    assert all(REGISTRY[name].kind == name for name in REGISTRY)


@pytest.mark.parametrize("page, kind", [
    ("<ul><li><a href='/a/1.html'>x</a></li></ul>", "static"),
    ('<script>createPageHTML(3, 0, "index", "html");</script>', "trs"),
    (_island([("/art/2025/1/2/art_77_1.html", REPORT.format(year=2024), "2025-01-02")], 1), "hanweb"),
])
def test_kind_detected_from_the_page(page: str, kind: str) -> None:
    assert detect_kind(page.encode()).kind == kind


def test_hanweb_first_page_reads_the_island_and_asks_the_dataproxy() -> None:
    recs = [(f"/art/{y + 1}/1/2/art_77_{y}.html", REPORT.format(year=y), f"{y + 1}-01-02") for y in (2024, 2023)]
    recs.insert(1, ("/art/2025/1/5/art_77_9.html", "关于报送2024年度政府信息公开工作年度报告的通知", "2025-01-05"))
    page = REGISTRY["hanweb"].read(ListInput(_island(recs, total=9, per_page=1).encode(),
                                             "http://a.test/col/col77/index.html"), RULES, None)
    assert [(e.year, e.list_date[:10]) for e in page.entries] == [(2024, "2025-01-02"), (2023, "2024-01-02")]
    assert page.subcolumns == ["http://a.test/col/col78/index.html"]
    (req,) = page.requests
    assert req.method == "POST" and req.kind == "hanweb"
    assert req.url == "http://a.test/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=1"
    form = dict(req.form)
    assert (form["columnid"], form["unitid"], form["webid"], form["permissiontype"]) == ("77", "5501", "9", "0")
    assert form["webname"] == "乙县" and form["col"] == "1"


def test_hanweb_dataproxy_answer_pages_on_until_the_total() -> None:
    kind = REGISTRY["hanweb"]
    first = kind.read(ListInput(_island([("/art/2025/1/2/art_77_1.html", "x", "2025-01-02")] * 3, 7, 1).encode(),
                                "http://a.test/col/col77/index.html"), RULES, None).requests[0]
    answer = ('<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>7</totalrecord><recordset>'
              f"<record><![CDATA[<li><a href='/art/2023/1/9/art_77_5.html'>{REPORT.format(year=2022)}</a>"
              "<span>2023-01-09</span></li>]]></record></recordset></datastore>")
    page = kind.read(ListInput(answer.encode(), first.url, state=dict(first.state)), RULES, None)
    assert [(e.url, e.year) for e in page.entries] == [("http://a.test/art/2023/1/9/art_77_5.html", 2022)]
    (nxt,) = page.requests
    assert "startrecord=7&endrecord=7&perpage=1" in nxt.url
    last = kind.read(ListInput(answer.encode(), nxt.url, state=dict(nxt.state)), RULES, None)
    assert last.requests == []  # record 7 of 7: the column ends


def test_jsonapi_mapping_reads_records_and_pages_by_total() -> None:
    api = {"endpoint": "/api/list", "method": "POST", "body": "json", "params": {"columnId": "12"},
           "page_param": "pageNo", "size_param": "pageSize", "page_size": 2, "records": "data.list",
           "title": "docTitle", "url": "link.href", "date": "pubTime", "total": "data.total"}
    spec = load_spec({"list_urls": ["http://b.test/xxgk/nb.html"], "api": api})
    assert spec.list_kind == "jsonapi"
    (start,) = REGISTRY["jsonapi"].start_requests(spec)
    assert start.url == "http://b.test/api/list" and json.loads(start.json_body or "") == \
        {"columnId": "12", "pageNo": "1", "pageSize": "2"}
    body = {"data": {"total": 3, "list": [
        {"docTitle": REPORT.format(year=2024), "link": {"href": "/c/1.html"}, "pubTime": 1737100800000},
        {"docTitle": "2025年政务公开工作要点", "link": {"href": "/c/2.html"}, "pubTime": "2025-03-01 10:00"}]}}
    page = REGISTRY["jsonapi"].read(ListInput(json.dumps(body).encode(), start.url, state=dict(start.state)),
                                    RULES, spec)
    assert [(e.url, e.year, e.list_date) for e in page.entries] == \
        [("http://b.test/c/1.html", 2024, "2025-01-17T16:00:00+08:00")]
    assert page.item_links == 2 and json.loads(page.requests[0].json_body or "")["pageNo"] == "2"


def test_jsonapi_gkmlpt_profile_and_helpers() -> None:
    m = mapping({"profile": "gkmlpt", "endpoint": "/x/gkmlpt/api/all/7?sid=3"})
    assert (m["records"], m["date"], m["page_param"]) == ("articles", "created_at", "page")
    req = page_request({"profile": "gkmlpt", "endpoint": "/x/gkmlpt/api/all/7?sid=3"}, "http://c.test/x/gkmlpt/index", 2)
    assert req.url == "http://c.test/x/gkmlpt/api/all/7?sid=3&page=2" and req.method == "GET"
    assert dig({"a": [{"b": 5}]}, "a.0.b") == 5 and dig({"a": 1}, "a.b") is None
    assert record_date("2026-06-18 16:25:04") == "2026-06-18T16:25:04+08:00"
    assert record_date(1781771108) == record_date("1781771108000")


@pytest.mark.parametrize("extra, message", [
    ({"render": "chrome"}, "render"),
    ({"list_kind": "wordpress"}, "list_kind"),
    ({"list_kind": "jsonapi"}, "api.endpoint"),
    ({"api": {"endpoint": "/a", "profile": "nope"}}, "api.profile"),
    ({"api": {"endpoint": "/a", "method": "PUT"}}, "api.method"),
    ({"api": {"endpoint": "/a", "page_size": "10"}}, "api.page_size"),
    ({"render": "browser", "browser": {"tabs": 3}}, "browser.tabs"),
    ({"render": "browser", "browser": {"budget": 0}}, "browser.budget"),
])
def test_bad_kind_options_are_config_errors_naming_the_key(extra: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_spec({"list_urls": ["http://a.test/col/"], **extra})


def test_browser_settings_keep_the_same_host_rule_in_the_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crawler.kinds.browser.chromium_path", lambda: "/usr/bin/chromium")
    spec = load_spec({"list_urls": ["http://a.test/nb.html"], "render": "browser",
                      "browser": {"concurrency": 2, "timeout": 9}})
    s = REGISTRY["browser"].settings(spec)
    assert s["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 2 and s["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == 9000
    assert s["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"] == ["--headless", "--no-sandbox", "--disable-gpu",
                                                       "--disable-background-networking"]
    abort = s["PLAYWRIGHT_ABORT_REQUEST"]

    class Req:
        def __init__(self, url: str, rtype: str = "script") -> None:
            self.url, self.resource_type = url, rtype

    assert not abort(Req("http://a.test/app.js"))
    assert abort(Req("http://cdn.other.test/app.js")) and abort(Req("http://a.test/logo.png", "image"))
    # judged as the browser reads it (a backslash is a slash): host other.test, not a.test
    assert abort(Req("http://other.test\\@a.test/x"))


def test_browser_time_budget_stops_further_rendered_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.spiders import annual_reports
    from crawler.spiders.annual_reports import AnnualReportsSpider

    spider = AnnualReportsSpider(spec={"list_urls": ["http://a.test/nb.html"], "render": "browser",
                                       "browser": {"budget": 10}})
    stats = MemoryStatsCollector(SimpleNamespace(settings=Settings({"STATS_DUMP": False})))  # type: ignore[arg-type]
    spider.crawler = SimpleNamespace(stats=stats)  # type: ignore[assignment]
    clock = iter([100.0, 105.0, 111.0])
    monkeypatch.setattr(annual_reports.time, "monotonic", lambda: next(clock))
    assert spider._browser_budget_left("browser")            # the budget starts
    assert list(spider._more_list("http://a.test/nb.html?page=2", 0))   # 5 s in: rendered
    assert not list(spider._more_list("http://a.test/nb.html?page=3", 0))  # 11 s: spent
    assert stats.get_value("gkwatch/browser_budget_spent") == 1
    assert spider._browser_budget_left("static")              # other kinds are not bound by it
