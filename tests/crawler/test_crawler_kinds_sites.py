"""Each portal kind crawled over real HTTP: the fixture city (gkwatch/demo/cityserve.py) on
127.0.16.x, one column per kind, read the way ``gkwatch discover URL --kind …`` reads it.
The browser kind runs a real Chromium (skipped where Debian's chromium is missing)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any, Iterator

import pytest

from crawler.discover import discover
from gkwatch.demo.citygov import Body
from gkwatch.demo.citygov_pages import gkmlpt_sid
from gkwatch.demo.cityserve import CityServer
from ground.errors import CrawlError

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def city() -> Iterator[CityServer]:
    with CityServer() as server:
        yield server


def _body(city: CityServer, portal: str, host: str | None = None) -> Body:
    return next(b for b in city.city.bodies if b.portal == portal and (host is None or b.host == host))


def _planted(city: CityServer, body: Body) -> list[tuple[int, str, str]]:
    row = next(r for r in city.plan() if r["name"] == body.name)
    return sorted((r["year"], r["url"], r["published"]) for r in row["reports"])


def _found(result: dict[str, Any]) -> list[tuple[int, str, str]]:
    return sorted((e["year"], e["url"], e["published_at"]) for e in result["entries"] if e["status"] == 200)


def _crawl(city: CityServer, body: Body, *, html_read: bool = True, **kw: Any) -> dict[str, Any]:
    before = len(city.requests)
    result = discover(city.url(body.host, body.column_path), download_delay=0, timeout=180, **kw)
    assert _found(result) == _planted(city, body)
    hosts = {h for h, _, _ in city.requests[before:]}
    assert hosts == {body.host}, "only the body's own host is fetched"
    assert city.requests_to("ext") == []
    # every page links a report on a site outside the city: reported, never fetched
    offhost = [e for e in result["entries"] if e["status"] != 200]
    assert [(e["url"].startswith(city.urls["ext"]), e["error"]) for e in offhost] == \
        ([(True, "off-host link: host not in allowed_hosts")] if html_read else [])
    return result


def test_static_column_pages_by_links(city: CityServer) -> None:
    body = _body(city, "static", "www")
    result = _crawl(city, body, kind="static")
    assert len(result["list_pages"]) == 3
    assert any(e["attachments"] for e in result["entries"]) == any(r.attachments for r in body.reports)


def test_static_gbk_column(city: CityServer) -> None:
    body = _body(city, "static", "gbk")
    result = _crawl(city, body)
    titles = {e["title"] for e in result["entries"] if e["status"] == 200}
    assert titles == {r.title for r in body.reports}  # decoded from GBK


def test_trs_column_pages_only_by_its_script(city: CityServer) -> None:
    body = _body(city, "trs")
    result = _crawl(city, body)  # auto: createPageHTML makes it a TRS column
    assert sorted(p["url"].rsplit("/", 1)[-1] for p in result["list_pages"]) == \
        ["index.html", "index_1.html", "index_2.html"]


def test_hanweb_datastore_and_dataproxy(city: CityServer) -> None:
    body = _body(city, "hanweb")
    before = len(city.requests)
    _crawl(city, body)  # detected from the page
    proxy = [(m, p) for h, m, p in city.requests[before:] if "dataproxy.jsp" in p]
    assert proxy == [("POST", "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=1")]


def test_jsonapi_gkmlpt_mapping_from_the_command_line(city: CityServer) -> None:
    """``gkwatch discover URL --kind jsonapi --api …``: the offline test command of a kind."""
    body = _body(city, "jsonapi")
    api = {"profile": "gkmlpt", "endpoint": f"/{body.prefix}/gkmlpt/api/all/{body.col_id}?sid={gkmlpt_sid(body)}"}
    before = len(city.requests)
    out = subprocess.run([sys.executable, "-m", "gkwatch", "discover", city.url(body.host, body.column_path),
                          "--kind", "jsonapi", "--api", json.dumps(api), "--delay", "0", "--format", "json"],
                         capture_output=True, text=True, timeout=180, env={**os.environ})
    assert out.returncode == 0, out.stderr
    assert _found(json.loads(out.stdout)) == _planted(city, body)
    pages = sorted(p for h, m, p in city.requests[before:] if "/api/all/" in p)
    assert [p.rsplit("page=", 1)[-1] for p in pages] == ["1", "2", "3"]
    assert city.requests_to("ext") == []


def test_gkmlpt_column_is_detected_without_a_mapping(city: CityServer) -> None:
    """A roster names only the column (``…/gkmlpt/index#<column>``): the page gives the API."""
    body = _body(city, "jsonapi")
    before = len(city.requests)
    _crawl(city, body, html_read=False)  # the column page is a shell: only its API is read
    assert any("/api/all/" in p for h, m, p in city.requests[before:])


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (apt-get install chromium)")
def test_browser_kind_renders_the_spa_and_walks_its_script_pagination(city: CityServer) -> None:
    body = _body(city, "browser")
    before = len(city.requests)
    _crawl(city, body, kind="browser")
    api = sorted(p for h, m, p in city.requests[before:] if p.startswith("/api/"))
    assert api == [f"/api/{body.prefix}/list?page={n}" for n in (1, 2, 3)]  # the browser's own fetches


def test_auto_kind_finds_nothing_in_a_spa_shell(city: CityServer) -> None:
    """Why the browser kind is needed: read as plain HTML, a script-drawn column is empty."""
    body = _body(city, "browser")
    result = discover(city.url(body.host, body.column_path), download_delay=0, timeout=120)
    assert [e for e in result["entries"] if not e["url"].startswith(city.urls["ext"])] == []


@pytest.mark.parametrize("portal, rule, kw", [
    ("hanweb", "/module/web/jpage/", {}),
    ("jsonapi", "/{prefix}/gkmlpt/api/", {"api": True}),
])
def test_robots_txt_binds_every_kind(city: CityServer, portal: str, rule: str, kw: dict[str, Any]) -> None:
    """A kind's own requests (dataproxy POSTs, API pages) obey robots.txt like any page."""
    body = _body(city, portal)
    robots = city.files[body.host]["/robots.txt"]
    city.files[body.host]["/robots.txt"] = (200, {"Content-Type": "text/plain"},
                                            f"User-agent: *\nDisallow: {rule.format(prefix=body.prefix)}\n".encode())
    extra: dict[str, Any] = {}
    if kw.get("api"):
        extra = {"kind": "jsonapi", "api": {"profile": "gkmlpt", "endpoint":
                                            f"/{body.prefix}/gkmlpt/api/all/{body.col_id}?sid={gkmlpt_sid(body)}"}}
    before = len(city.requests)
    try:
        if portal == "hanweb":  # the first page's island still gives its reports
            result = discover(city.url(body.host, body.column_path), download_delay=0, timeout=120)
            fetched = {e["year"] for e in result["entries"] if e["status"] == 200}
            assert fetched == {r.year for r in body.items[:3] if r.year}
        else:  # the API is the column: forbidden, the column is unreachable, and says why
            with pytest.raises(CrawlError, match="robots"):
                discover(city.url(body.host, body.column_path), download_delay=0, timeout=120, **extra)
    finally:
        city.files[body.host]["/robots.txt"] = robots
    asked = [p for h, m, p in city.requests[before:] if p.startswith(rule.format(prefix=body.prefix))]
    assert asked == []
