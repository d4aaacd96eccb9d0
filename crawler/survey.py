"""Find a government's bodies and their annual-report columns from its home page.

``survey(url)`` walks: home page → 政府信息公开 directory (and its parts: the 部门 page,
the 乡镇（街道） page) → each body's 信息公开 page → its 政府信息公开年报 column, and
looks at the column once to say how it is read (``static``/``trs``/``hanweb`` are read
from the page at crawl time; a gkmlpt column gets its JSON API mapping; a column the
browser draws gets ``render = "browser"``).  Nothing is stored; the result is for a
person to review (``gkwatch portals discover`` writes it as a portals TOML).

Hosts: the start URL's host, then each host the directory links a body on (the
directory vouches for them); a column on yet another host is reported, not fetched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawler.directory import (
    Link,
    agency_kind,
    body_links,
    column_link,
    directory_links,
    group_links,
    looks_script_drawn,
    region_of,
)
from crawler.fetcher import Page, PoliteFetcher
from crawler.kinds import detect_kind
from crawler.kinds.jsonapi import gkmlpt_api, gkmlpt_column
from crawler.rules import client_url, host_allowed
from ground.errors import CrawlError

MIN_BODIES = 5          # a page linking fewer bodies is not the directory
MAX_DIRECTORY_PAGES = 12


@dataclass
class FoundBody:
    name: str
    kind: str
    body_url: str
    column_url: str | None = None
    list_kind: str | None = None        # how the column reads (static, trs, hanweb, jsonapi, browser)
    api: dict[str, Any] | None = None
    render: str | None = None
    problem: str | None = None

    def hosts(self) -> list[str]:
        urls = [self.column_url] if self.column_url else []
        return sorted({urlsplit(client_url(u)).hostname or "" for u in urls} - {""})


@dataclass
class Survey:
    start_url: str
    directory_urls: list[str] = field(default_factory=list)
    bodies: list[FoundBody] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    government: str | None = None

    @property
    def region(self) -> str:
        return region_of(self.government) if self.government else ""


def _host(url: str) -> str:
    return urlsplit(client_url(url)).hostname or ""


def _try(fetcher: PoliteFetcher, url: str) -> Page | None:
    try:
        page = fetcher.get(url)
    except CrawlError:
        return None
    return page if 200 <= page.status < 300 else None


def _find_directory(fetcher: PoliteFetcher, start: Page) -> list[Page]:
    """The directory page(s): the start page if it lists bodies, else the best 信息公开
    link, two steps deep at most."""
    frontier, seen = [start], {start.url}
    for _ in range(3):
        for page in frontier:
            if len(body_links(page.text, page.url)) >= MIN_BODIES or group_links(page.text, page.url):
                return [page]
        nxt = []
        for page in frontier:
            for link in directory_links(page.text, page.url)[:3]:
                url = link.url.split("#", 1)[0]
                if url in seen or not host_allowed(url, fetcher.allowed_hosts):
                    continue
                seen.add(url)
                if (got := _try(fetcher, url)) is not None:
                    nxt.append(got)
        frontier = nxt
    return []


def _directory_bodies(fetcher: PoliteFetcher, first: Page) -> tuple[list[str], list[Link]]:
    pages, queue, seen = [], [first], {first.url}
    found: dict[str, Link] = {}
    while queue and len(pages) < MAX_DIRECTORY_PAGES:
        page = queue.pop(0)
        pages.append(page.url)
        for link in body_links(page.text, page.url):
            found.setdefault(link.text, link)
        for link in group_links(page.text, page.url):
            url = link.url.split("#", 1)[0]
            if url not in seen and _host(url) == _host(first.url):
                seen.add(url)
                if (got := _try(fetcher, url)) is not None:
                    queue.append(got)
    return pages, list(found.values())


def _probe(fetcher: PoliteFetcher, body: FoundBody) -> None:
    """How the column reads (one fetch of the column page)."""
    assert body.column_url
    page = _try(fetcher, body.column_url)
    if page is None:
        body.problem = "column page unreachable"
        return
    if gkmlpt_column(body.column_url):
        body.api = gkmlpt_api(body.column_url, page.text)
        body.list_kind = "jsonapi" if body.api else None
        if not body.api:
            body.problem = "gkmlpt column without a site id (SID): map its API by hand"
    elif looks_script_drawn(page.text, page.url):
        body.render, body.list_kind = "browser", "browser"
    else:
        body.list_kind = detect_kind(page.body, None).kind


def _body(fetcher: PoliteFetcher, link: Link, home_host: str) -> FoundBody:
    body = FoundBody(name=link.text, kind=agency_kind(link.text), body_url=link.url)
    fetcher.allow_host(link.url)  # the directory vouches for the body's host
    page = _try(fetcher, link.url)
    if page is None:
        body.problem = "信息公开 page unreachable"
        return body
    col = column_link(page.text, page.url)
    if col is None:
        body.problem = "no 政府信息公开年报 column found on its 信息公开 page"
        return body
    body.column_url = col.url
    if _host(col.url) not in (_host(page.url), home_host):
        body.problem = f"column on another host ({_host(col.url)}): check and add it to allowed_hosts"
        return body
    _probe(fetcher, body)
    return body


def survey(url: str, *, delay: float = 1.0, obey_robots: bool = True,
           timeout: float = 30.0) -> Survey:
    """Walk from a government's home (or 信息公开) page to every body's report column."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise CrawlError("not an http(s) URL", url=url)
    fetcher = PoliteFetcher({_host(url)}, delay=delay, obey_robots=obey_robots, timeout=timeout)
    result = Survey(start_url=url, fetched=fetcher.fetched)
    start = fetcher.get(url)
    if not 200 <= start.status < 300:
        raise CrawlError(f"start page answered HTTP {start.status}", url=url)
    directory = _find_directory(fetcher, start)
    if not directory:
        raise CrawlError("no 政府信息公开 directory listing bodies found from this page", url=url)
    result.directory_urls, found = _directory_bodies(fetcher, directory[0])
    home_host = _host(start.url)
    for link in found:
        result.bodies.append(_body(fetcher, link, home_host))
    govs = [b.name for b in result.bodies if b.kind == "本级政府"]
    result.government = govs[0] if govs else None
    return result
