"""Celery tasks: thin wrappers that run one unit of work and send on its follow-ups.

Every task is idempotent (the unit's lease decides who runs it), so a redelivered
message changes nothing. A failed unit records its next attempt time in its row
(:class:`workers.units.RetryLater`); a retry due within ``retry_countdown_max`` goes back
through the broker with that countdown, a later one waits for the reconcile tick, so no
long countdown ever sits in Redis.
"""
from __future__ import annotations

import logging
from typing import Any

import redis
from celery import Celery, Task
from sqlmodel import Session, select

from ground.settings import get_settings
from ground.telemetry import cron_monitor
from models import CrawlRun, Delivery, utcnow
from models.db import session_scope
from models.lease import LEASED, backoff, expired, reclaim_expired
from workers.app import app, beat_schedule
from workers.queues import queue_depths
from workers.stages.crawl import due_portals, schedule_crawl
from workers.units import STAGES, RetryLater, Work, mark_due_evaluations

log = logging.getLogger("gkwatch.tasks")


#: set while an outbox sweep is queued and not yet started: requests meanwhile join it
SWEEP_KEY = "gkwatch:deliver-sweep-queued"


def _redis(url: str) -> Any:
    client = _REDIS.get(url)
    if client is None:
        client = _REDIS[url] = redis.Redis.from_url(url, socket_timeout=5)
    return client


_REDIS: dict[str, Any] = {}


def _sweep_wanted(broker_url: str, ttl: float) -> bool:
    """Coalesce outbox sweeps: one queued sweep covers every request made before it
    starts (each sweep reads the whole outbox), so a burst of evaluations sends one
    sweep per debounce interval, not one each. The key expires, so a lost sweep never
    blocks the next."""
    if not broker_url.startswith("redis"):
        return True
    try:
        return bool(_redis(broker_url).set(SWEEP_KEY, "1", nx=True, ex=max(1, int(ttl))))
    except Exception:
        return True


def dispatch(work: list[Work], *, via: Celery | None = None, force_deliver: bool = False) -> None:
    """Send follow-up work to its queue. ``deliver`` goes at most once, and unless
    ``force_deliver`` it is debounced: it joins a sweep already queued, or starts one
    ``deliver_debounce_seconds`` from now (a short countdown, far below the visibility
    timeout)."""
    sender = via or app
    sent_deliver = False
    for stage, unit in work:
        options: dict[str, Any] = {}
        if stage == "deliver":
            if sent_deliver:
                continue
            sent_deliver = True
            if not force_deliver:
                wait = get_settings().deliver_debounce_seconds
                if not _sweep_wanted(str(sender.conf.broker_url or ""), wait + 30):
                    continue
                options["countdown"] = wait
        sender.send_task(STAGES[stage].task, args=[unit], queue=STAGES[stage].queue, **options)


def _run(task: Task, stage: str, unit: int) -> None:
    settings = get_settings()
    try:
        follow = STAGES[stage].runner(settings, unit)
    except RetryLater as exc:
        if exc.delay <= settings.retry_countdown_max:
            # the row is claimable from exc.delay on; arrive just after that
            raise task.retry(countdown=exc.delay + 0.5, max_retries=None, exc=exc.cause)
        return  # the reconcile tick sends it when its row is due
    except Exception as exc:
        # not the unit's fault (database or broker unreachable): the row is untouched,
        # retry the message a few times with backoff; the reconciler covers the rest
        delay = backoff(task.request.retries + 1, base=2.0, cap=settings.retry_countdown_max)
        raise task.retry(exc=exc, countdown=delay, max_retries=settings.task_max_retries)
    dispatch(follow)


@app.task(name="gkwatch.crawl", bind=True, acks_late=True)
def crawl(self: Task, run_id: int) -> None:
    _run(self, "crawl", run_id)


@app.task(name="gkwatch.process", bind=True, acks_late=True)
def process(self: Task, version_id: int) -> None:
    _run(self, "process", version_id)


@app.task(name="gkwatch.evaluate", bind=True, acks_late=True)
def evaluate(self: Task, unit_id: int) -> None:
    _run(self, "evaluate", unit_id)


@app.task(name="gkwatch.deliver", bind=True, acks_late=True)
def deliver(self: Task, _unit: int = 0) -> None:
    broker = str(app.conf.broker_url or "")
    if broker.startswith("redis"):
        try:  # this sweep has started: a request from now on needs a sweep of its own
            _redis(broker).delete(SWEEP_KEY)
        except Exception:
            pass
    _run(self, "deliver", 0)


# --- beat ticks -------------------------------------------------------------------------

def _schedule_of(name: str) -> float | str:
    sched = beat_schedule(get_settings())[name]["schedule"]
    if isinstance(sched, (int, float)):
        return float(sched)
    return f"{get_settings().tick_evaluate_minute} * * * *"


@app.task(name="gkwatch.tick.crawl")
def tick_crawl() -> int:
    """Crawl the portals whose ``next_crawl_at`` has come (more often near deadlines)."""
    settings = get_settings()
    with cron_monitor("gkwatch-crawl-due-portals", _schedule_of("crawl-due-portals"), timezone=settings.timezone):
        with session_scope(settings.effective_database_url) as s:
            busy = _portals_with_open_runs(s)
            runs = [schedule_crawl(s, portal_id=p) for p in due_portals(s, now=utcnow()) if p not in busy]
        dispatch([("crawl", r) for r in runs])
    return len(runs)


def _portals_with_open_runs(session: Session) -> set[int]:
    """A portal already being crawled (or waiting for it) gets no second run."""
    return set(session.exec(select(CrawlRun.portal_id).where(CrawlRun.state.in_(("pending", "running")))))  # type: ignore[attr-defined]


@app.task(name="gkwatch.tick.evaluate")
def tick_evaluate() -> int:
    """Deadlines pass without any event: re-evaluate every agency for the open years."""
    settings = get_settings()
    with cron_monitor("gkwatch-evaluate-deadlines", _schedule_of("evaluate-deadlines"), timezone=settings.timezone):
        work = mark_due_evaluations(settings)
        dispatch(work)
    return len(work)


@app.task(name="gkwatch.tick.deliver")
def tick_deliver() -> None:
    settings = get_settings()
    with cron_monitor("gkwatch-deliver", _schedule_of("deliver-notifications"), timezone=settings.timezone):
        dispatch([("deliver", 0)], force_deliver=True)


def reconcile(settings: Any, *, depths: dict[str, int] | None = None) -> list[Work]:
    """Units to send again: every leased unit whose lease expired (its worker vanished);
    and, for a stage whose queue is empty, every pending unit that is due (its message was
    lost, e.g. with a restarted Redis). Pending units of a stage with a backlog are left
    alone: their messages are most likely still queued, and a duplicate only costs a
    failed claim. Delivery rows of a dead sweeper go back to pending."""
    now = utcnow()
    work: list[Work] = []
    with session_scope(settings.effective_database_url) as s:
        reclaim_expired(s, Delivery, now=now)
        for stage, model, queue in ((st.name, st.table, st.queue) for st in STAGES.values() if st.table is not None):
            if depths is not None and depths.get(queue, 0) > 0:
                ids = s.exec(select(model.id).where(model.state.in_(LEASED), model.lease_until < now)
                             .order_by(model.id).limit(settings.reconcile_batch)).all()
            else:
                ids = expired(s, model, now=now, limit=settings.reconcile_batch)
            work += [(stage, int(i)) for i in ids]
    return work + [("deliver", 0)]


@app.task(name="gkwatch.tick.reconcile")
def tick_reconcile() -> int:
    """Re-send every unit whose lease expired or whose message was lost."""
    settings = get_settings()
    with cron_monitor("gkwatch-reconcile", _schedule_of("reconcile"), timezone=settings.timezone):
        try:
            depths: dict[str, int] | None = queue_depths(settings.redis_url) if settings.redis_url else None
        except Exception as exc:  # cannot see the queues: be safe, send everything due
            log.warning("queue depths unavailable: %s", exc)
            depths = None
        work = reconcile(settings, depths=depths)
        dispatch(work)
        if len(work) > 1:
            log.info("reconcile: %s unit(s) sent again", len(work) - 1)
    return len(work)
