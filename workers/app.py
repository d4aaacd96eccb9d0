"""The Celery application (Redis broker).

Reliability settings follow practices.md: late acks with prefetch 1 so a task whose
worker dies is delivered again; a visibility timeout above the longest task; no long
ETAs (long waits live in database rows that beat ticks scan); one queue per stage.
"""
from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

from gkwatch.settings import get_settings
from gkwatch.telemetry import init_sentry

QUEUES = ("crawl", "process", "evaluate", "notify")


def make_app() -> Celery:
    settings = get_settings()
    init_sentry(settings)
    app = Celery("gkwatch", broker=settings.redis_url or "memory://", include=["workers.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="process",
        task_routes={
            "gkwatch.crawl": {"queue": "crawl"},
            "gkwatch.process": {"queue": "process"},
            "gkwatch.evaluate": {"queue": "evaluate"},
            "gkwatch.deliver": {"queue": "notify"},
            "gkwatch.tick.*": {"queue": "evaluate"},
        },
        broker_transport_options={"visibility_timeout": 2 * 3600},
        broker_connection_retry_on_startup=True,
        task_time_limit=settings.crawl_timeout + 120,
        task_soft_time_limit=settings.crawl_timeout + 60,
        task_ignore_result=True,
        timezone=settings.timezone,
        beat_schedule={
            "crawl-due-portals": {"task": "gkwatch.tick.crawl", "schedule": 300.0},
            "evaluate-deadlines": {"task": "gkwatch.tick.evaluate", "schedule": crontab(minute=5)},
            "deliver-notifications": {"task": "gkwatch.tick.deliver", "schedule": 30.0},
            "reconcile": {"task": "gkwatch.tick.reconcile", "schedule": 120.0},
        },
    )
    return app


app = make_app()
