"""Downloader middleware: never request, nor follow a redirect to, a host that is not allowed.

Spam sites clone government pages, and a compromised or expired portal may redirect
anywhere; only the configured hosts are authoritative (domain.md).  The redirect is
dropped before Scrapy's RedirectMiddleware sees it, and the request's errback receives
:class:`OffHostRedirectIgnored`, so the spider records the failure on the entry.
"""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import urljoin

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.rules import host_allowed


class OffHostRedirectIgnored(IgnoreRequest):
    """A 3xx pointed outside the allowed hosts; ``target`` says where."""

    def __init__(self, url: str, target: str) -> None:
        self.url = url
        self.target = target
        super().__init__(f"off-host redirect to {target}")


class OffHostRedirectMiddleware:
    """Place it after RedirectMiddleware's number (600) so its process_response runs first."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "OffHostRedirectMiddleware":
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        """The last gate: whatever the spider decided, no request leaves for a host that is
        not allowed, judged on the URL the client really fetches (``request.url``)."""
        hosts = getattr(self.crawler.spider, "allowed_hosts", None) or []
        if hosts and not host_allowed(request.url, hosts):
            self.crawler.stats.inc_value("gkwatch/offhost_requests")
            raise IgnoreRequest(f"off-host request to {request.url}")

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Response:
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            hosts = getattr(self.crawler.spider, "allowed_hosts", None) or []
            if not host_allowed(target, hosts):
                self.crawler.stats.inc_value("gkwatch/offhost_redirects")
                raise OffHostRedirectIgnored(request.url, target)
        return response


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with one cache per process instead of per crawler:
    in a batch, the portals of one host are crawled one after the other by different
    crawlers, and each would fetch the same robots.txt again (a request per portal that
    politeness pays for). Each host's file is fetched once per batch; a file that could
    not be fetched counts as "allow all", as in Scrapy."""

    _shared: dict[str, Any] = {}

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._parsers = SharedRobotsTxtMiddleware._shared

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        await super()._parse_robots(response, netloc, request)
        parser = self._parsers.get(netloc)
        if hasattr(parser, "spider"):  # kept for decoding only: do not keep the spider alive
            parser.spider = None


class DelayAfterAnswer:
    """Extension: count a host's delay from the previous answer, not from when the previous
    request was handed to the client.

    Scrapy spaces the moments its downloader *dispatches* requests of a slot. In a batch,
    one reactor serves hundreds of crawlers; on a busy machine a request may leave the
    client well after its dispatch, and the next one right after its answer, so a host saw
    two requests 0.1 s apart at a 1 s delay (benchmarks/bench_crawl.py). Restarting the
    slot's clock when an answer arrives (``response_downloaded`` comes before Scrapy looks
    at the slot's queue again) makes the gap the host sees at least the delay, whatever
    the load; it costs one answer's latency per request. A failed download (no answer)
    frees the slot at once, as in Scrapy."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        crawler.signals.connect(self._answered, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "DelayAfterAnswer":
        return cls(crawler)

    def _answered(self, response: Response, request: Request, spider: Any = None) -> None:
        slots = self.crawler.engine.downloader.slots
        slot = slots.get(request.meta.get("download_slot"))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, time.monotonic())
