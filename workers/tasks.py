"""Celery tasks: thin wrappers that run one unit of work and send on its follow-ups.

Every task is idempotent (the unit's lease decides who runs it), so a redelivered
message changes nothing.
"""
from __future__ import annotations

import random
from celery import Task

from gkwatch.settings import get_settings
from workers.app import app
from workers.units import UNITS, Work

TASK_FOR_STAGE = {"crawl": "gkwatch.crawl", "process": "gkwatch.process",
                  "evaluate": "gkwatch.evaluate", "deliver": "gkwatch.deliver"}


def dispatch(work: list[Work]) -> None:
    """Send follow-up work to its queue (``deliver`` is sent once, whatever the count)."""
    sent_deliver = False
    for stage, unit in work:
        if stage == "deliver":
            if sent_deliver:
                continue
            sent_deliver = True
        app.send_task(TASK_FOR_STAGE[stage], args=[unit])


def _run(task: Task, stage: str, unit: int) -> None:
    try:
        follow = UNITS[stage](get_settings(), unit)
    except Exception as exc:
        # Short retries through the broker; the reconciler covers anything longer.
        delay = min(600, 10 * 2 ** task.request.retries) * random.uniform(0.5, 1.0)
        raise task.retry(exc=exc, countdown=delay, max_retries=get_settings().task_max_retries)
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
    _run(self, "deliver", 0)


@app.task(name="gkwatch.tick.crawl")
def tick_crawl() -> int:
    from models import utcnow
    from models.db import session_scope
    from workers.stages.crawl import due_portals, schedule_crawl

    settings = get_settings()
    with session_scope(settings.effective_database_url) as s:
        runs = [schedule_crawl(s, portal_id=p) for p in due_portals(s, now=utcnow())]
    dispatch([("crawl", r) for r in runs])
    return len(runs)


@app.task(name="gkwatch.tick.evaluate")
def tick_evaluate() -> int:
    """Deadlines pass without any event: re-evaluate every agency for the open years."""
    from workers.units import mark_due_evaluations

    work = mark_due_evaluations(get_settings())
    dispatch(work)
    return len(work)


@app.task(name="gkwatch.tick.deliver")
def tick_deliver() -> None:
    dispatch([("deliver", 0)])


@app.task(name="gkwatch.tick.reconcile")
def tick_reconcile() -> int:
    """Re-send every unit whose lease expired or that was never picked up."""
    from workers.inline import pending_work

    work = pending_work(get_settings())
    dispatch(work)
    return len(work)
