"""``gkwatch serve``: the long-running service on embedded defaults.

One process runs the same ticks as Celery beat would — crawl due portals, evaluate
deadlines, deliver due notifications, reconcile — and the units of work in-process.
SIGTERM or SIGINT stops it between two units, so no work is lost: anything not
finished is still ``pending`` (or leased) in the database and is picked up on restart.
"""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

from models import utcnow
from models.db import session_scope, upgrade

log = logging.getLogger("gkwatch.service")


@dataclass
class Ticks:
    crawl: float = 300.0
    evaluate: float = 3600.0
    deliver: float = 30.0


class Service:
    """The embedded scheduler and worker loop."""

    def __init__(self, settings: Any, ticks: Ticks | None = None) -> None:
        self.settings = settings
        self.ticks = ticks or Ticks()
        self.stopping = threading.Event()
        self._last: dict[str, float] = {}

    def stop(self, *_: Any) -> None:
        log.info("stopping after the current unit of work")
        self.stopping.set()

    def _due(self, name: str, every: float, now: float) -> bool:
        if now - self._last.get(name, -1e18) >= every:
            self._last[name] = now
            return True
        return False

    def run_once(self, now: float) -> int:
        """One pass over the ticks that are due; returns how many units ran."""
        from workers.inline import drain, pending_work
        from workers.stages.crawl import due_portals, schedule_crawl
        from workers.units import mark_due_evaluations

        work = pending_work(self.settings)  # the reconciler: whatever an earlier run left
        if self._due("crawl", self.ticks.crawl, now):
            with session_scope(self.settings.effective_database_url) as s:
                work += [("crawl", schedule_crawl(s, portal_id=p)) for p in due_portals(s, now=utcnow())]
        if self._due("evaluate", self.ticks.evaluate, now):
            work += mark_due_evaluations(self.settings)
        return drain(self.settings, work, stop=self.stopping)

    def serve(self) -> None:
        import time

        upgrade(self.settings.effective_database_url)
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("gkwatch service started (database %s)", self.settings.effective_database_url.split("@")[-1])
        while not self.stopping.is_set():
            self.run_once(time.monotonic())
            self.stopping.wait(min(self.ticks.deliver, self.ticks.crawl))
        log.info("gkwatch service stopped")
