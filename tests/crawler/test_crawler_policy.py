"""Politeness and safety: robots.txt, off-host redirects, pagination traps, budgets,
and failures translated into CrawlError at the process boundary."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.discover import discover
from crawler.run import crawl_settings, run_crawl
from crawler.spec import load_spec
from crawler.testserver import SiteServer, html_page, html_reply
from ground.errors import CrawlError

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _report_page(year: int) -> bytes:
    t = f"戊区{year}年度政府信息公开工作年度报告"
    return html_page(f"<h1>{t}</h1><p>发布时间：{year + 1}-01-20 10:00</p>", title=t)


def _list(*links: str) -> tuple[int, dict, bytes]:
    return html_reply("<ul>" + "".join(f"<li>{x}</li>" for x in links) + "</ul>")


def test_settings_are_explicitly_polite() -> None:
    spec = load_spec({"list_urls": ["http://a.gov.cn/nb/"], "download_delay": 2.0,
                      "page_budget": 30, "byte_budget": 1_000_000})
    s = crawl_settings(spec, snapshot_dir=Path("/s"), out_path=Path("/o"))
    assert s["ROBOTSTXT_OBEY"] is True and s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert s["DOWNLOAD_DELAY"] == 2.0 and s["AUTOTHROTTLE_ENABLED"] is True
    assert s["CLOSESPIDER_PAGECOUNT"] == 30 and s["DOWNLOAD_MAXSIZE"] == 1_000_000


def test_robots_txt_forbidden_entry_is_reported_not_fetched() -> None:
    routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
        "/nb/": _list('<a href="/nb/202501/t20250120_1.html">戊区2024年度政府信息公开工作年度报告</a> 2025-01-20',
                      '<a href="/private/202401/t20240120_2.html">戊区2023年度政府信息公开工作年度报告</a> 2024-01-20'),
        "/nb/202501/t20250120_1.html": (200, HTML, _report_page(2024)),
        "/private/202401/t20240120_2.html": (200, HTML, _report_page(2023)),
    }
    with SiteServer(routes=routes) as srv:
        result = discover(srv.url("/nb/"), download_delay=0)
    by_year = {e["year"]: e for e in result["entries"]}
    assert by_year[2024]["status"] == 200
    assert by_year[2023]["status"] is None and by_year[2023]["error"] == "forbidden by robots.txt"
    assert by_year[2023]["published_at"] == "2024-01-20T00:00:00+08:00"
    assert not any(p.startswith("/private/") for p in srv.requests)


def test_off_host_redirect_is_dropped_and_recorded() -> None:
    routes = {
        "/nb/": _list('<a href="/nb/202501/t20250120_1.html">戊区2024年度政府信息公开工作年度报告</a> 2025-01-20',
                      '<a href="/nb/202401/t20240120_2.html">戊区2023年度政府信息公开工作年度报告</a> 2024-01-20'),
        "/nb/202501/t20250120_1.html": (302, {"Location": "/nb/moved/t20250120_1.html"}, b""),
        "/nb/moved/t20250120_1.html": (200, HTML, _report_page(2024)),
    }
    with SiteServer(routes=routes) as srv:
        # "localhost" is another host than "127.0.0.1": a clone site as far as we know
        srv.routes["/nb/202401/t20240120_2.html"] = (
            301, {"Location": f"http://localhost:{srv.port}/nb/clone.html"}, b"")
        result = discover(srv.url("/nb/"), download_delay=0, allowed_hosts=["127.0.0.1"])
    by_year = {e["year"]: e for e in result["entries"]}
    assert by_year[2024]["status"] == 200                      # same-host redirect followed
    assert by_year[2024]["url"] == srv.url("/nb/202501/t20250120_1.html")   # as listed
    assert by_year[2024]["published_at"] == "2025-01-20T10:00:00+08:00"
    bad = by_year[2023]
    assert bad["status"] is None
    assert bad["error"] == f"off-host redirect to http://localhost:{srv.port}/nb/clone.html"
    assert "/nb/clone.html" not in srv.requests


def _trap(m: re.Match[str]) -> tuple[int, dict, bytes]:
    n = int(m.group(1) or 0)
    # every page invents a new "report" and a next page: only the budget can stop this
    body = (f'<a href="/trap/2024{n % 12 + 1:02d}/t20240101_{n}.html">戊区{2000 + n % 25}年度政府信息公开工作年度报告</a>'
            f' 2024-01-01 <a href="/trap/index_{n + 1}.html">下一页</a>')
    return 200, HTML, html_page(body)


def _trap_detail(m: re.Match[str]) -> tuple[int, dict, bytes]:
    return 200, HTML, _report_page(2020)


def test_endless_pagination_trap_stops_at_the_page_budget(tmp_path: Path) -> None:
    dynamic = {r"/trap/(?:index_(\d+)\.html)?": _trap, r"/trap/\d{6}/t\d+_\d+\.html": _trap_detail}
    with SiteServer(dynamic=dynamic) as srv:
        spec = {"list_urls": [srv.url("/trap/")], "download_delay": 0, "page_budget": 25,
                "max_list_pages": 1000}
        items = run_crawl(spec, snapshot_dir=tmp_path / "s", out_path=tmp_path / "o.jsonl", timeout=60)
    # CLOSESPIDER_PAGECOUNT may let the few requests already in flight finish
    assert 10 <= len(srv.requests) <= 25 + 4
    assert len([i for i in items if i["type"] == "list_page"]) < 25


def test_pagination_cap_and_repeating_pages(tmp_path: Path) -> None:
    dynamic = {r"/trap/(?:index_(\d+)\.html)?": _trap, r"/trap/\d{6}/t\d+_\d+\.html": _trap_detail,
               # a pager that always shows the same items: stop when nothing is new
               r"/same/(?:index_(\d+)\.html)?": lambda m: (200, HTML, html_page(
                   '<a href="/same/202401/t20240101_1.html">戊区2023年度政府信息公开工作年度报告</a>'
                   f' 2024-01-01 <a href="/same/index_{int(m.group(1) or 0) + 1}.html">下一页</a>')),
               r"/same/\d{6}/t\d+_\d+\.html": _trap_detail}
    with SiteServer(dynamic=dynamic) as srv:
        spec = {"list_urls": [srv.url("/trap/")], "download_delay": 0, "max_list_pages": 3}
        run_crawl(spec, snapshot_dir=tmp_path / "s", out_path=tmp_path / "a.jsonl", timeout=60)
        trap_lists = [p for p in srv.requests if re.fullmatch(r"/trap/(index_\d+\.html)?", p)]
        assert len(trap_lists) == 3
        spec = {"list_urls": [srv.url("/same/")], "download_delay": 0}
        run_crawl(spec, snapshot_dir=tmp_path / "s", out_path=tmp_path / "b.jsonl", timeout=60)
        same_lists = [p for p in srv.requests if re.fullmatch(r"/same/(index_\d+\.html)?", p)]
        assert same_lists == ["/same/", "/same/index_1.html"]


def test_failures_become_crawl_errors(tmp_path: Path) -> None:
    with pytest.raises(CrawlError, match="bad spec"):
        run_crawl({"list_urls": ["ftp://x/"]}, snapshot_dir=tmp_path, out_path=tmp_path / "o")
    with SiteServer(routes={}) as srv:
        with pytest.raises(CrawlError, match="unreachable"):
            discover(srv.url("/nothing/"), download_delay=0)


def test_backslash_userinfo_link_cannot_reach_another_host(tmp_path: Path) -> None:
    """'http://B\\@A/x.pdf' reads as host A to urlsplit, but the HTTP client fetches B: the
    link is judged as the client parses it, so B never sees a request and nothing is stored."""
    with SiteServer(host="127.0.0.2", routes={"/x.pdf": (200, {"Content-Type": "application/pdf"},
                                                          b"%PDF-1.4 not for you")}) as other:
        routes = {"/nb/": _list(
            '<a href="/nb/202501/t20250120_1.html">戊区2024年度政府信息公开工作年度报告</a> 2025-01-20',
            f'<a href="http://127.0.0.2:{other.port}\\@127.0.0.1:9/x.pdf">'
            '戊区2023年度政府信息公开工作年度报告</a> 2024-01-20'),
            "/nb/202501/t20250120_1.html": (200, HTML, _report_page(2024))}
        with SiteServer(routes=routes) as srv:
            spec = {"list_urls": [srv.url("/nb/")], "download_delay": 0, "allowed_hosts": ["127.0.0.1"]}
            items = run_crawl(spec, snapshot_dir=tmp_path / "s", out_path=tmp_path / "o.jsonl", timeout=60)
    assert other.requests == []
    stored = [i for i in items if i.get("type") == "document" and i.get("snapshot")]
    assert all("127.0.0.2" not in (i.get("url") or "") for i in stored)
    assert not any(b"not for you" in p.read_bytes() for p in (tmp_path / "s").rglob("*") if p.is_file())
