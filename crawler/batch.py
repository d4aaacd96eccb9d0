"""Many portals in one crawl process: one Twisted reactor, one Scrapy crawler per portal.

Politeness stays per host across portals. Each Scrapy crawler has its own downloader,
whose slots keep ``CONCURRENT_REQUESTS_PER_DOMAIN = 1`` and ``DOWNLOAD_DELAY`` between
request starts for that crawler only; two crawlers on one host would each keep their own
pace and hit the host together. So portals that share a host (a list URL's host or an
allowed host, joined transitively) form one **chain**, crawled one after the other with
the delay between the end of one and the start of the next, and different chains run in
parallel, at most ``concurrency`` portals at a time. Within a chain Scrapy's own per-slot
guarantee holds for the whole batch; across chains no host is shared, so nothing else is
needed. The next portal's crawler starts as soon as the previous one ends; its spider
waits for the delay itself before its first request (``not_before``), so that starting
the crawler overlaps the wait. (One crawler for many portals would have shared the slots
instead, but the spider keeps its budgets, seen-sets and stats per portal, which one
crawler per portal keeps simple and a crash stays with its portal.)

Every portal ends with a summary of its own (``ok``, ``error``, finish reason, pages,
bytes); a bad spec or a crashed crawler is that portal's failure only. A batch time budget
closes the running crawlers (finish reason ``time_budget``) and leaves the portals not yet
started as ``skipped``. Only the crawl's child process imports this module (Scrapy,
Twisted).
"""
from __future__ import annotations

import gc
import pickle
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import install_reactor
from twisted.internet import defer, task
from twisted.python.failure import Failure

from crawler.spec import PortalSpec, load_spec, portal_hosts
from crawler.spiders.annual_reports import AnnualReportsSpider
from ground.errors import ConfigError

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
#: A finished crawler leaves some 750 objects in reference cycles (crawler, engine,
#: spider, signals), which only a full collection frees. Python's own schedule ran one
#: every ~35 portals in a batch of 1,000, each traversing the whole heap (0.2-0.3 s; 28
#: of them, ≈ 7 s of the batch's ≈ 44 s of CPU). The batch collects fully after every this many
#: finished portals instead (and at least once a minute, for a batch of few long crawls),
#: and leaves the young generations to Python.
FULL_COLLECTION_EVERY = 100
FULL_COLLECTION_SECONDS = 60.0
#: settings of the batch's process as a whole (each crawler adds its portal's own)
PROCESS_SETTINGS = {"TWISTED_REACTOR": REACTOR, "TELNETCONSOLE_ENABLED": False, "LOG_INSTALL_ROOT_HANDLER": True,
                    # many crawlers at once: Twisted's DNS thread pool is not the limit
                    "REACTOR_THREADPOOL_MAXSIZE": 20}


class PickledCopySettings(Settings):
    """The process's settings, copied by a pickle round trip instead of ``copy.deepcopy``.

    Every crawler starts from a copy of them (``Crawler.__init__``), one per portal: the
    deep copy of Scrapy's 200-odd defaults took 1.5 ms of the 4 ms a crawler's settings
    cost, the pickle round trip (in C) 0.4 ms. The settings are strings, numbers and
    nested settings, which both copy alike; a value pickle cannot take falls back to
    the deep copy."""

    def copy(self) -> "PickledCopySettings":
        try:
            return pickle.loads(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError):
            return super().copy()


@dataclass
class Entry:
    """One portal of a batch: its key (how its summary and items are named), its raw spec,
    the JSON-lines file its items go to."""

    key: str
    #: a raw spec (checked here) or a PortalSpec already checked in the parent
    spec: Any
    out: Path
    settings: dict[str, Any] = field(default_factory=dict)
    hosts: frozenset[str] = frozenset()
    delay: float = 0.0


def chains(entries: list[Entry]) -> list[list[Entry]]:
    """Entries grouped so that no two groups share a host (union-find over hosts), in
    input order within a group; the longest group first, so it starts first."""
    parent: dict[str, str] = {}

    def find(h: str) -> str:
        while parent.setdefault(h, h) != h:
            parent[h] = parent[parent[h]]
            h = parent[h]
        return h

    for e in entries:
        first, *rest = sorted(e.hosts)
        for h in rest:
            parent[find(h)] = find(first)
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(find(min(e.hosts)), []).append(e)
    return sorted(groups.values(), key=len, reverse=True)


def summary_of(crawler: Crawler) -> dict[str, Any]:
    """What the parent needs to know of one finished crawl (from its stats)."""
    stats = crawler.stats.get_stats() if crawler._stats is not None else {}
    exceptions = stats.get("spider_exceptions")
    return {
        "finish_reason": stats.get("finish_reason"),
        "responses": stats.get("response_received_count", 0),
        "bytes": stats.get("gkwatch/bytes", 0),
        "items": stats.get("item_scraped_count", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "offhost_redirects": stats.get("gkwatch/offhost_redirects", 0),
        "list_pages_capped": stats.get("gkwatch/list_pages_capped", 0),
        "spider_exceptions": exceptions if isinstance(exceptions, int) else
        sum(v for k, v in stats.items() if k.startswith("spider_exceptions/")),
    }


def peak_rss_kb() -> int:
    """VmHWM of this process in kB (ru_maxrss elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class Batch:
    """Runs the entries in one reactor; ``emit`` receives each portal's summary as it ends."""

    def __init__(self, entries: list[Entry], *, snapshot_dir: Path, concurrency: int,
                 time_budget: float, emit: Callable[[dict[str, Any]], None],
                 settings_for: Callable[..., dict[str, Any]], log_level: str = "WARNING") -> None:
        self.entries = entries
        self.snapshot_dir = snapshot_dir
        self.concurrency = max(1, int(concurrency))
        self.time_budget = time_budget
        self.emit = emit
        self.settings_for = settings_for
        self.log_level = log_level
        self.expired = False
        self.running: dict[str, Crawler] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.last_answer: dict[str, float] = {}
        self.finished = 0  # portals whose crawler ended (for _collect_garbage)

    def _result(self, entry: Entry, **fields: Any) -> None:
        pid = entry.spec.portal_id if isinstance(entry.spec, PortalSpec) else \
            entry.spec.get("portal_id") if isinstance(entry.spec, dict) else None
        row = {"key": entry.key, "portal_id": pid, **fields}
        self.results[entry.key] = row
        self.emit(row)

    def prepare(self) -> list[Entry]:
        """Check every spec; a bad one ends at once as its portal's failure."""
        ready = []
        for e in self.entries:
            try:
                spec = e.spec if isinstance(e.spec, PortalSpec) else load_spec(e.spec)
                e.spec = spec
                e.settings = self.settings_for(spec, snapshot_dir=self.snapshot_dir, out_path=e.out,
                                               log_level=self.log_level)
            except (ConfigError, ValueError, TypeError) as exc:
                self._result(e, ok=False, error=f"bad spec: {exc}", bad_spec=True)
                continue
            # the portal's items name it, so that a shared output file can be split
            e.settings["GKWATCH_ITEM_TAGS"] = {"crawl_key": e.key, "portal_id": spec.portal_id}
            e.hosts, e.delay = portal_hosts(spec.list_urls, spec.allowed_hosts), spec.download_delay
            ready.append(e)
        return ready

    def _collect_garbage(self) -> None:
        self.finished += 1
        if self.finished % FULL_COLLECTION_EVERY == 0:
            gc.collect()

    def run(self) -> dict[str, dict[str, Any]]:
        ready = self.prepare()
        if not ready:
            return self.results
        # what the process holds now (imports, specs) lives as long as the batch: no
        # collection needs to traverse it again; full collections only by _collect_garbage
        gc.collect()
        gc.freeze()
        young, middle, _ = thresholds = gc.get_threshold()
        gc.set_threshold(young, middle, 1_000_000)
        try:
            return self._run(ready)
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()

    def _run(self, ready: list[Entry]) -> dict[str, dict[str, Any]]:
        # Scrapy's reactor (asyncio), installed before anything imports the default one;
        # every crawler then finds it installed
        install_reactor(REACTOR)
        from twisted.internet import reactor

        self.process = CrawlerProcess(PickledCopySettings({**PROCESS_SETTINGS, "LOG_LEVEL": self.log_level}))
        self.reactor = reactor
        self.sem = defer.DeferredSemaphore(self.concurrency)
        self.collector = task.LoopingCall(gc.collect)
        self.collector.start(FULL_COLLECTION_SECONDS, now=False)
        done = defer.DeferredList([self._chain(c) for c in chains(ready)])
        # the chains can all end before the reactor runs (every crawler failing to start):
        # the stop then waits for the reactor's start instead of being lost
        done.addBoth(lambda _: reactor.callWhenRunning(self._stop))
        if self.time_budget > 0:
            reactor.callLater(self.time_budget, self._expire)
        self.process.start(stop_after_crawl=False)
        return self.results

    @defer.inlineCallbacks
    def _chain(self, chain: list[Entry]) -> Generator[Any, Any, None]:
        previous: Entry | None = None
        for entry in chain:
            # The next portal of the host sends nothing before the longer of the two delays
            # has passed since the previous portal's last answer (which came after its last
            # request left, so the gap between two requests is never shorter than the
            # delay). Its crawler starts at once and its spider holds its first request
            # until then (``not_before``): starting a crawler takes a while in a busy
            # reactor (0.8 s median with 100 portals at once in one process), and that
            # start now overlaps the wait instead of following it.
            not_before = None
            if previous is not None:
                not_before = self.last_answer.get(previous.key, 0.0) + max(previous.delay, entry.delay)
            yield self.sem.acquire()
            try:
                if self.expired:
                    self._result(entry, ok=False, skipped=True, error="batch time budget spent first")
                    continue
                yield self._crawl(entry, not_before)
                previous = entry
            finally:
                self.sem.release()

    def _crawl(self, entry: Entry, not_before: float | None = None) -> defer.Deferred[Any]:
        started = time.monotonic()
        try:
            crawler = self.process.create_crawler(AnnualReportsSpider)
            crawler.settings.setdict(entry.settings, priority="cmdline")
            d = self.process.crawl(crawler, spec=entry.spec, not_before=not_before)
        except Exception as exc:  # noqa: BLE001 - one portal's failure, not the batch's
            self._result(entry, ok=False, error=f"crawler did not start: {type(exc).__name__}: {exc}")
            return defer.succeed(None)
        self.running[entry.key] = crawler

        def answered(*_: Any, **__: Any) -> None:
            self.last_answer[entry.key] = time.monotonic()

        # sent when a request leaves the downloader, answered or failed: after it left
        crawler.signals.connect(answered, signal=signals.request_left_downloader, weak=False)

        def ended(outcome: Any) -> None:
            self._collect_garbage()
            self.running.pop(entry.key, None)
            seconds = round(time.monotonic() - started, 3)
            if isinstance(outcome, Failure):
                self._result(entry, ok=False, seconds=seconds, **summary_of(crawler),
                             error=f"crawler crashed: {outcome.type.__name__}: {outcome.getErrorMessage()}")
            else:
                self._result(entry, ok=True, seconds=seconds, **summary_of(crawler))

        d.addBoth(ended)
        return d

    def _expire(self) -> None:
        """The batch's time is up: close what runs, start nothing more."""
        self.expired = True
        for crawler in list(self.running.values()):
            try:
                deferred_from_coro(crawler.engine.close_spider_async(reason="time_budget"))
            except RuntimeError:  # opening or already closing: it ends by itself
                pass

    def _stop(self) -> None:
        if self.collector.running:
            self.collector.stop()
        if self.reactor.running:
            self.reactor.stop()


def parse_batch(raw: Any, default_out: Path) -> tuple[list[Entry], dict[str, Any]]:
    """A batch: ``{"portals": [{"key", "spec", "out"?}], "concurrency"?, "time_budget"?}``
    (or a bare list of specs, keyed by position). Raises ValueError when malformed."""
    options: dict[str, Any] = {}
    if isinstance(raw, dict):
        options = {k: raw[k] for k in ("concurrency", "time_budget") if k in raw}
        raw = raw.get("portals")
    if not isinstance(raw, list):
        raise ValueError("a batch holds a list of portals")
    entries = []
    for i, row in enumerate(raw):
        if isinstance(row, dict) and "spec" in row:
            entries.append(Entry(key=str(row.get("key", i)), spec=row["spec"],
                                 out=Path(row.get("out") or default_out)))
        else:
            entries.append(Entry(key=str(i), spec=row, out=default_out))
    if len({e.key for e in entries}) != len(entries):
        raise ValueError("portal keys must be unique")
    return entries, options
