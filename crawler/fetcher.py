"""A small polite fetcher for walking a government's directory (``portals discover``).

Discovery reads a few pages per body (the directory, the body's 信息公开 page, its
column), one after another, so it does not need Scrapy's machinery; it keeps the same
manners: robots.txt obeyed (per host, read once), a delay between requests to one host,
a size cap per answer, the same User-Agent, and the same-host rule judged on the URL the
client really fetches (:func:`crawler.rules.client_url`), redirects included.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from ground.errors import CrawlError

from crawler.dates import decode_html
from crawler.rules import client_url, host_allowed
from crawler.run import USER_AGENT

MAX_REDIRECTS = 5


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # every hop is checked by the fetcher itself


@dataclass
class Page:
    url: str               # after on-host redirects
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        declared = None
        if "charset=" in self.content_type.lower():
            declared = self.content_type.lower().split("charset=", 1)[1].split(";")[0].strip()
        return decode_html(self.body, declared)


@dataclass
class PoliteFetcher:
    allowed_hosts: set[str]
    delay: float = 1.0
    obey_robots: bool = True
    max_bytes: int = 5_000_000
    timeout: float = 30.0
    fetched: list[str] = field(default_factory=list)
    _robots: dict[str, RobotFileParser | None] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)

    def allow_host(self, url: str) -> None:
        host = urlsplit(client_url(url)).hostname
        if host:
            self.allowed_hosts.add(host)

    def _wait(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None and self.delay > 0:
            pause = self.delay - (time.monotonic() - last)
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def _raw(self, url: str) -> tuple[int, dict[str, str], bytes]:
        host = urlsplit(url).netloc
        self._wait(host)
        self.fetched.append(url)
        req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                status, headers = resp.status, dict(resp.headers.items())
                body = resp.read(self.max_bytes + 1)
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, dict(exc.headers.items()), b""
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise CrawlError(f"cannot fetch: {exc}", url=url) from exc
        if len(body) > self.max_bytes:
            raise CrawlError(f"answer larger than {self.max_bytes} bytes", url=url)
        return status, headers, body

    def _robots_ok(self, url: str) -> bool:
        if not self.obey_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: RobotFileParser | None = RobotFileParser()
            try:
                status, _, body = self._raw(origin + "/robots.txt")
            except CrawlError:
                status, body = 404, b""
            if status == 200:
                parser.parse(body.decode("utf-8", "replace").splitlines())  # type: ignore[union-attr]
            else:
                parser = None  # no robots.txt: everything allowed
            self._robots[origin] = parser
        rp = self._robots[origin]
        return rp is None or rp.can_fetch(USER_AGENT, url)

    def get(self, url: str) -> Page:
        """GET ``url`` (following on-host redirects); raise CrawlError when not allowed."""
        url = client_url(url.split("#", 1)[0])
        for _ in range(MAX_REDIRECTS + 1):
            if not host_allowed(url, self.allowed_hosts):
                raise CrawlError("off-host: host not in allowed hosts", url=url)
            if not self._robots_ok(url):
                raise CrawlError("forbidden by robots.txt", url=url)
            status, headers, body = self._raw(url)
            lowered = {k.lower(): v for k, v in headers.items()}
            if 300 <= status < 400 and lowered.get("location"):
                url = client_url(urljoin(url, lowered["location"]))
                continue
            return Page(url=url, status=status, content_type=lowered.get("content-type", ""), body=body)
        raise CrawlError("too many redirects", url=url)
