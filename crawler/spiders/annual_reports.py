"""The one spider: read a portal's report column(s), follow reports and their attachments.

Flow: list page(s) → annual-report entries (title rules) → detail page → attachments.
Every fetched list page and document becomes an item (see :mod:`crawler.items`); an
entry whose page fails (404, 500, robots.txt, off-host redirect, too large) is still
reported, with its list-page date and the failure, never dropped.

Guards against endless pagination: a column page is followed only while it shows
document links not seen before, never more than ``max_list_pages`` list pages, and the
page/byte budgets close the spider in any case.  Report pages are fetched before further
list pages (higher priority), so a budget cut loses pagination depth, not reports.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator, Iterator, Mapping
from urllib.parse import urldefrag

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.dates import best_date, collect_dates
from crawler.items import DocumentItem, document_item, list_page_item
from crawler.kinds import ListInput, detect_kind, get_kind
from crawler.kinds.browser import options
from crawler.listing import (
    ListEntry,
    ListPage,
    ListRequest,
    parse_detail_page,
    parse_list_page,
)
from crawler.middlewares import OffHostRedirectIgnored
from crawler.rules import classify_title, host_allowed
from crawler.spec import PortalSpec, load_spec

#: statuses handed to our callbacks instead of being filtered (3xx stay with the redirect
#: middleware); 304 answers a conditional GET.
HANDLED_STATUSES = [304, *range(400, 600)]
DETAIL_PRIORITY = 10
ATTACHMENT_PRIORITY = 5
MAX_SUBCOLUMN_DEPTH = 2


class AnnualReportsSpider(scrapy.Spider):
    name = "annual_reports"

    def __init__(self, spec: PortalSpec | Mapping[str, Any], *args: Any,
                 not_before: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: ``time.monotonic()`` before which no request may leave: a batch starts the next
        #: portal of a host while the host's delay after the previous portal still runs
        self.not_before = not_before
        # the crawl's child hands over the PortalSpec it restored; a mapping is checked here
        self.spec = spec if isinstance(spec, PortalSpec) else load_spec(spec)
        self.rules = self.spec.rules
        self.allowed_hosts = list(self.spec.allowed_hosts)
        self.list_pages_scheduled = 0
        self.item_links_seen: set[str] = set()
        self.signatures_seen: set[frozenset[str]] = set()
        self.entries_seen: set[str] = set()
        self.bytes_seen = 0
        self.browser_started: float | None = None

    # --- requests ----------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.not_before is not None and (wait := self.not_before - time.monotonic()) > 0:
            # every request of the crawl (robots.txt too) follows a start request, so
            # holding the first one holds them all; the batch runs the asyncio reactor
            await asyncio.sleep(wait)
        kind = self.spec.list_kind
        self._browser_budget_left(kind)  # the browser's budget runs from the start
        starts = get_kind(kind).start_requests(self.spec) if kind != "auto" else None
        for req in starts or []:
            self.list_pages_scheduled += 1
            yield self._kind_request(req, depth=0)
        for url in self.spec.list_urls if starts is None else []:
            self.list_pages_scheduled += 1
            yield self._list_request(url, depth=0)

    def _list_meta(self, kind: str, depth: int) -> dict[str, Any]:
        meta: dict[str, Any] = {"handle_httpstatus_list": HANDLED_STATUSES, "depth_sub": depth,
                                "list_kind": kind}
        if kind != "auto":
            meta.update(get_kind(kind).request_meta(self.spec))
        return meta

    def _list_request(self, url: str, depth: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_list, errback=self.list_failed,
                              meta=self._list_meta(self.spec.list_kind, depth))

    def _kind_request(self, req: ListRequest, depth: int) -> scrapy.Request:
        """A list request in a kind's own shape (a dataproxy POST, a JSON API page)."""
        meta = {**self._list_meta(req.kind, depth), "list_state": dict(req.state)}
        if req.form:
            return scrapy.FormRequest(req.url, method=req.method, formdata=list(req.form),
                                      callback=self.parse_list, errback=self.list_failed, meta=meta)
        headers = {"Content-Type": "application/json"} if req.json_body is not None else {}
        return scrapy.Request(req.url, method=req.method, body=req.json_body or b"", headers=headers,
                              callback=self.parse_list, errback=self.list_failed, meta=meta)

    def _doc_request(self, url: str, entry: dict[str, Any], kind: str,
                     parent: str | None = None) -> scrapy.Request:
        headers = {}
        known = self.spec.known.get(url) or {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return scrapy.Request(
            url, headers=headers, callback=self.parse_document, errback=self.document_failed,
            priority=DETAIL_PRIORITY if kind == "page" else ATTACHMENT_PRIORITY,
            meta={"handle_httpstatus_list": HANDLED_STATUSES, "entry": entry, "kind": kind,
                  "parent": parent})

    def _account(self, response: Response) -> bool:
        """Count bytes against the budget; True once it is spent."""
        self.bytes_seen += len(response.body)
        self.crawler.stats.set_value("gkwatch/bytes", self.bytes_seen)
        return self.bytes_seen > self.spec.byte_budget

    # --- list pages --------------------------------------------------------------------

    def parse_list(self, response: Response) -> Iterator[Any]:
        over = self._account(response)
        ok = 200 <= response.status < 300
        yield list_page_item(response.url, status=response.status, headers=response.headers,
                             body=response.body if ok else None,
                             error=None if ok else f"HTTP {response.status}")
        if not ok:
            return
        yield from self._walk_list(response, response.meta.get("depth_sub", 0), over)

    def _walk_list(self, response: Response, depth: int, over: bool,
                   page: ListPage | None = None) -> Iterator[Any]:
        """Follow a list page's entries, then (budget permitting) its pagination and
        sub-columns."""
        if page is None:
            page = self._read_list(response)
        items = frozenset(u for u in page.item_signature if host_allowed(u, self.allowed_hosts))
        fresh = items - self.item_links_seen
        repeated = items in self.signatures_seen
        self.item_links_seen |= items
        self.signatures_seen.add(items)
        for entry in page.entries:
            yield from self._follow_entry(entry, response.url)
        if over:
            raise CloseSpider("byte_budget")
        # a page that shows nothing new ends the walk: it is a trap or the last page
        if fresh and not repeated:
            for url in page.pagination:
                yield from self._more_list(url, depth)
        # a kind's own next requests likewise; but a shell page that lists nothing itself
        # (a gkmlpt column) hands over to the requests its kind read from it
        if (fresh and not repeated) or (not items and not page.pagination):
            for req in page.requests:
                yield from self._more_list(req, depth)
        if depth < MAX_SUBCOLUMN_DEPTH:
            for url in page.subcolumns:
                yield from self._more_list(url, depth + 1)

    def _read_list(self, response: Response) -> ListPage:
        """The list answer read by the kind its request named, or the one the page shows."""
        encoding = response.encoding if isinstance(response, TextResponse) else None
        name = response.meta.get("list_kind") or self.spec.list_kind
        # the downloader drops the fragment from response.url; some columns live in it
        asked = response.request.url if response.request is not None else response.url
        asked = asked if urldefrag(asked)[0] == response.url else response.url
        kind = detect_kind(response.body, encoding, asked) if name == "auto" else get_kind(name)
        self.crawler.stats.inc_value(f"gkwatch/list_pages/{kind.kind}")
        return kind.read(ListInput(body=response.body, url=response.url, encoding=encoding,
                                   state=response.meta.get("list_state") or {}, asked_url=asked),
                         self.rules, self.spec)

    def _browser_budget_left(self, kind: str) -> bool:
        """The browser kind's own time budget, counted from its first rendered page."""
        if kind != "browser":
            return True

        now = time.monotonic()
        self.browser_started = self.browser_started or now
        if now - self.browser_started <= options(self.spec)["budget"]:
            return True
        self.crawler.stats.inc_value("gkwatch/browser_budget_spent")
        return False

    def _more_list(self, target: str | ListRequest, depth: int) -> Iterator[scrapy.Request]:
        url = target.url if isinstance(target, ListRequest) else target
        if not host_allowed(url, self.allowed_hosts):
            return
        if self.list_pages_scheduled >= self.spec.max_list_pages:
            self.crawler.stats.inc_value("gkwatch/list_pages_capped")
            return
        kind = target.kind if isinstance(target, ListRequest) else self.spec.list_kind
        if not self._browser_budget_left(kind):
            return
        self.list_pages_scheduled += 1
        yield self._kind_request(target, depth) if isinstance(target, ListRequest) \
            else self._list_request(url, depth)

    def _follow_entry(self, entry: ListEntry, list_url: str) -> Iterator[Any]:
        if entry.url in self.entries_seen:
            return
        self.entries_seen.add(entry.url)
        info = {"url": entry.url, "title": entry.title, "year": entry.year,
                "list_date": entry.list_date, "list_url": list_url, "confirmed": entry.confirmed,
                "list_date_info": entry.list_date_info, "by_title": entry.by_title}
        if not host_allowed(entry.url, self.allowed_hosts):
            yield self._failed_item(entry.url, info, "page", None,
                                    "off-host link: host not in allowed_hosts", status=None)
            return
        kind = "attachment" if self.rules.is_attachment(entry.url) else "page"
        yield self._doc_request(entry.url, info, kind)

    def list_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        yield list_page_item(failure.request.url, status=None, error=_describe(failure))

    # --- documents ---------------------------------------------------------------------

    def _fallback_dates(self, url: str, entry: dict[str, Any]) -> tuple[list[Any], str | None]:
        dates = collect_dates(None, url=url, list_date=entry.get("list_date"),
                              list_date_info=entry.get("list_date_info"))
        return dates, best_date(dates)

    def _failed_item(self, url: str, entry: dict[str, Any], kind: str, parent: str | None,
                     error: str, status: int | None, headers: Any = None) -> DocumentItem:
        dates, best = self._fallback_dates(url, entry if parent is None else {})
        return document_item(url, entry_url=entry["url"], parent_url=parent,
                             title=entry.get("title"), year=entry.get("year"), kind=kind,
                             status=status, headers=headers, dates=dates, published_at=best,
                             error=error, list_url=entry.get("list_url"),
                             list_date=entry.get("list_date"))

    def parse_document(self, response: Response) -> Iterator[Any]:
        over = self._account(response)
        entry: dict[str, Any] = response.meta["entry"]
        kind: str = response.meta["kind"]
        parent: str | None = response.meta.get("parent")
        # the URL the list (or page) named, even if the server redirected on-host
        url = (response.meta.get("redirect_urls") or [response.url])[0]
        if response.status == 304:
            dates, best = self._fallback_dates(url, entry if parent is None else {})
            yield document_item(url, entry_url=entry["url"], parent_url=parent,
                                title=entry.get("title"), year=entry.get("year"), kind=kind,
                                status=304, headers=response.headers, dates=dates,
                                published_at=best, not_modified=True,
                                known_sha256=(self.spec.known.get(url) or {}).get("sha256"),
                                list_url=entry.get("list_url"), list_date=entry.get("list_date"))
            # an unchanged page: re-check the attachments the lead knows it had
            known = self.spec.known.get(url) or {}
            for att in known.get("attachments") or []:
                if isinstance(att, str) and att not in self.entries_seen \
                        and host_allowed(att, self.allowed_hosts):
                    self.entries_seen.add(att)
                    yield self._doc_request(att, entry, "attachment", parent=url)
        elif response.status >= 400:
            yield self._failed_item(url, entry, kind, parent, f"HTTP {response.status}",
                                    response.status, response.headers)
        else:
            yield from self._document_ok(response, url, entry, kind, parent)
        if over:
            raise CloseSpider("byte_budget")

    def _document_ok(self, response: Response, url: str, entry: dict[str, Any], kind: str,
                     parent: str | None) -> Iterator[Any]:
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        is_html = isinstance(response, TextResponse) and kind == "page"
        title, year, attachments = entry.get("title"), entry.get("year"), []
        if is_html:
            encoding = response.encoding
            detail = parse_detail_page(response.body, response.url, self.rules, encoding)
            if entry.get("by_title") and parent is None and not detail.report_body:
                # a link followed for its title alone may lead to a column of reports
                # (a year folder): read it as one when it lists several reports
                page = parse_list_page(response.body, response.url, self.rules, encoding)
                if sum(1 for e in page.entries if e.url != url) >= 2:
                    self.crawler.stats.inc_value("gkwatch/title_links_to_columns")
                    yield list_page_item(response.url, status=response.status,
                                         headers=response.headers, body=response.body)
                    yield from self._walk_list(response, MAX_SUBCOLUMN_DEPTH, False, page)
                    return
            if not entry.get("confirmed", True):
                match = classify_title(detail.title or "")
                if not match.is_report:
                    self.crawler.stats.inc_value("gkwatch/unconfirmed_dropped")
                    return
                title, year = detail.title, match.year
            attachments = detail.attachments
            dates = collect_dates(response.body, url=url, list_date=entry.get("list_date"),
                                  list_date_info=entry.get("list_date_info"))
        else:
            # an attachment has no dates of its own beyond its URL; the entry's list date
            # applies when the list links the file directly
            direct = parent is None
            dates = collect_dates(None, url=url,
                                  list_date=entry.get("list_date") if direct else None,
                                  list_date_info=entry.get("list_date_info") if direct else None)
        best = best_date(dates)
        if parent is not None:
            best = response.meta.get("parent_published_at") or best
        item = document_item(url, entry_url=entry["url"], parent_url=parent, title=title,
                             year=year, kind="page" if is_html else "attachment",
                             content_type=ctype, status=response.status,
                             headers=response.headers, dates=dates, published_at=best,
                             attachments=attachments, body=response.body,
                             list_url=entry.get("list_url"), list_date=entry.get("list_date"))
        if response.url != url:
            item.final_url = response.url
        yield item
        for att in attachments:
            if att in self.entries_seen:
                continue
            self.entries_seen.add(att)
            if not host_allowed(att, self.allowed_hosts):
                yield self._failed_item(att, entry, "attachment", url,
                                        "off-host link: host not in allowed_hosts", None)
                continue
            req = self._doc_request(att, entry, "attachment", parent=url)
            req.meta["parent_published_at"] = best
            yield req

    def document_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        req = failure.request
        entry = req.meta["entry"]
        yield self._failed_item(req.url, entry, req.meta["kind"], req.meta.get("parent"),
                                _describe(failure), None)


def _describe(failure: Failure) -> str:
    """A short, stable description of why a request failed."""
    exc = failure.value
    if isinstance(exc, OffHostRedirectIgnored):
        return f"off-host redirect to {exc.target}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc) or "request ignored"
        return "forbidden by robots.txt" if "robots" in text.lower() else text
    return f"{type(exc).__name__}: {exc}"
