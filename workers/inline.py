"""The embedded mode: the same units of work, run in this process, in order.

Used when ``GKWATCH_REDIS_URL`` is not set (``gkwatch demo``, ``gkwatch serve`` on one
machine). Work comes from a queue of follow-ups, and whatever the database still lists
as pending (a crash in between) is picked up by :func:`pending_work`.
"""
from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from models import AgencyYear, CrawlRun, Delivery, DocumentVersion
from models.db import session_scope
from models.lease import expired, reclaim_expired
from workers.units import UNITS, RetryLater, Work

log = logging.getLogger("gkwatch.inline")


def pending_work(settings: Any) -> list[Work]:
    """Every unit the database says is not done and is due, in pipeline order (the
    reconciler of the embedded mode)."""
    with session_scope(settings.effective_database_url) as s:
        reclaim_expired(s, Delivery)
        work: list[Work] = [("crawl", i) for i in expired(s, CrawlRun)]
        work += [("process", i) for i in expired(s, DocumentVersion)]
        work += [("evaluate", i) for i in expired(s, AgencyYear)]
    return work + [("deliver", 0)]


def drain(settings: Any, work: list[Work], *, now: datetime | None = None,
          progress: Callable[[str, int, int], None] | None = None,
          stop: threading.Event | None = None, parse: Callable[..., Any] | None = None) -> int:
    """Run ``work`` and everything it leads to; returns how many units ran.

    A unit that fails is retried here after its backoff when that is at most
    ``retry_countdown_max`` away (later retries are left to the next reconcile pass).
    ``stop`` ends the loop between two units (a clean shutdown loses nothing: the
    database still lists the rest as pending). ``parse`` replaces the in-process reader of
    the process stage (the service passes :class:`workers.sandbox.ParseSandbox`'s, which
    bounds each document's time).
    """
    queue: deque[Work] = deque(work)
    queued = set(queue)
    later: list[tuple[float, Work]] = []  # (monotonic due time, unit): retries in backoff
    stop = stop or threading.Event()
    done = 0
    while (queue or later) and not stop.is_set():
        if not queue:
            due, item = heapq.heappop(later)
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            queue.append(item)
            queued.add(item)
            continue
        item = queue.popleft()
        queued.discard(item)
        stage, unit = item
        func = UNITS[stage]
        try:
            # ``now`` is the audit time of an evaluation; deliveries always run on the clock
            if stage == "evaluate":
                follow = func(settings, unit, now=now)
            elif stage == "process" and parse is not None:
                follow = func(settings, unit, parse=parse)
            else:
                follow = func(settings, unit)
        except RetryLater as exc:
            if exc.delay <= settings.retry_countdown_max:
                heapq.heappush(later, (time.monotonic() + exc.delay, item))
            follow = []
        except Exception:  # a failing unit is recorded in its row; keep the others going
            log.exception("%s unit %s failed", stage, unit)
            follow = []
        done += 1
        if progress:
            progress(stage, unit, len(queue))
        for nxt in follow:
            if nxt not in queued:
                queue.append(nxt)
                queued.add(nxt)
    return done
