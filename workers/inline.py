"""The embedded mode: the same units of work, run in this process, in order.

Used when ``GKWATCH_REDIS_URL`` is not set (``gkwatch demo``, ``gkwatch serve`` on one
machine). Work comes from a queue of follow-ups, and whatever the database still lists
as pending (a crash in between) is picked up by :func:`pending_work`.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any


from models import AgencyYear, CrawlRun, DocumentVersion
from models.db import session_scope
from models.lease import expired
from workers.units import UNITS, Work

log = logging.getLogger("gkwatch.inline")


def pending_work(settings: Any) -> list[Work]:
    """Every unit the database says is not done, in pipeline order (the reconciler)."""
    with session_scope(settings.effective_database_url) as s:
        work: list[Work] = [("crawl", i) for i in expired(s, CrawlRun)]
        work += [("process", i) for i in expired(s, DocumentVersion)]
        work += [("evaluate", i) for i in expired(s, AgencyYear)]
    return work + [("deliver", 0)]


def drain(settings: Any, work: list[Work], *, now: datetime | None = None,
          progress: Callable[[str, int, int], None] | None = None,
          stop: threading.Event | None = None) -> int:
    """Run ``work`` and everything it leads to; returns how many units ran.

    ``stop`` ends the loop between two units (a clean shutdown loses nothing: the
    database still lists the rest as pending).
    """
    queue: deque[Work] = deque(work)
    done = 0
    while queue and not (stop and stop.is_set()):
        stage, unit = queue.popleft()
        func = UNITS[stage]
        try:
            # ``now`` is the audit time of an evaluation; deliveries always run on the clock
            follow = func(settings, unit, now=now) if stage == "evaluate" else func(settings, unit)
        except Exception:  # a failing unit is recorded in its row; keep the others going
            log.exception("%s unit %s failed", stage, unit)
            follow = []
        done += 1
        if progress:
            progress(stage, unit, len(queue))
        for item in follow:
            if item not in queue:
                queue.append(item)
    return done
