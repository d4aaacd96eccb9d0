"""The Celery application (Redis broker).

Reliability settings follow practices.md: late acks with prefetch 1 so a task whose
worker dies is delivered again; a visibility timeout above the longest task; no long
ETAs (long waits live in database rows that beat ticks scan); one queue per stage.

Queues: ``crawl`` (Scrapy in a child process, slow; run it with low concurrency),
``process`` (extract → parse → validate, CPU), ``evaluate`` (deadline verdicts and alert
lifecycle, short database work) and ``notify`` (outbox sweeps and the beat ticks: short,
latency-sensitive messages that must never wait behind a parsing backlog).
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Any

import redis
from celery import Celery
from celery.beat import Scheduler
from celery.schedules import crontab
from celery.signals import after_setup_logger, after_setup_task_logger, worker_process_init

from ground.procs import alive
from ground.settings import get_settings
from ground.telemetry import JsonFormatter, init_sentry
from models.db import get_engine
from workers.health import install_celery_hooks
from workers.units import STAGES, TICK_QUEUE

log = logging.getLogger("gkwatch.beat")


def beat_schedule(settings: Any) -> dict[str, dict[str, Any]]:
    """The few fixed ticks; per-portal schedules live in the database (Portal.next_crawl_at)."""
    return {
        "crawl-due-portals": {"task": "gkwatch.tick.crawl", "schedule": settings.tick_crawl_seconds},
        "evaluate-deadlines": {"task": "gkwatch.tick.evaluate",
                               "schedule": crontab(minute=settings.tick_evaluate_minute)},
        "deliver-notifications": {"task": "gkwatch.tick.deliver", "schedule": settings.tick_deliver_seconds},
        "reconcile": {"task": "gkwatch.tick.reconcile", "schedule": settings.tick_reconcile_seconds},
    }


def make_app() -> Celery:
    settings = get_settings()
    init_sentry(settings)
    app = Celery("gkwatch", broker=settings.redis_url or "memory://", include=["workers.tasks"])
    unit_limit = settings.process_time_limit
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="process",
        task_routes={**{st.task: {"queue": st.queue} for st in STAGES.values()},
                     "gkwatch.tick.*": {"queue": TICK_QUEUE}},
        task_annotations={STAGES["crawl"].task: {"time_limit": settings.crawl_child_timeout + 120,
                                                 "soft_time_limit": settings.crawl_child_timeout + 60}},
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a restarting Redis is waited for, not given up on
        task_time_limit=unit_limit,
        task_soft_time_limit=unit_limit * 0.9,
        task_ignore_result=True,
        worker_max_tasks_per_child=2000,  # parsers allocate a lot; recycle children now and then
        timezone=settings.timezone,
        beat_schedule=beat_schedule(settings),
        beat_scheduler="workers.app:SingleBeat",
        beat_max_loop_interval=10,
    )
    return app


#: set KEYS[1] to ARGV[2] (ttl ARGV[3]) only while it still holds ARGV[1]
_SWAP = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
         "return redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) else return false end")


class SingleBeat(Scheduler):
    """Celery beat that refuses to run twice: it holds a Redis lock while it runs.

    A second beat started by mistake exits at start; a beat that lost its lock (Redis
    restarted and someone else took it) stops sending ticks.
    """

    lock_key = "gkwatch:beat-lock"
    lock_ttl = 60  # seconds; refreshed every tick (beat_max_loop_interval is 10 s)

    def setup_schedule(self) -> None:
        super().setup_schedule()
        self._redis = redis.Redis.from_url(self.app.conf.broker_url)
        # who holds it, so that a successor on the same machine can tell a dead holder
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        if not self._redis.set(self.lock_key, self._token, nx=True, ex=self.lock_ttl) \
                and not self._take_over_from_dead_holder():
            raise SystemExit("another celery beat is running (Redis lock gkwatch:beat-lock); only one may run")

    def _take_over_from_dead_holder(self) -> bool:
        """A beat killed with -9 leaves its lock until the TTL runs out; when its holder ran
        on this machine and its process is gone, take the lock now (compare-and-set)."""
        held = self._redis.get(self.lock_key)
        if held is None:
            return bool(self._redis.set(self.lock_key, self._token, nx=True, ex=self.lock_ttl))
        host, _, rest = held.decode(errors="replace").partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit() or alive(int(pid)):
            return False
        swapped = self._redis.eval(_SWAP, 1, self.lock_key, held, self._token, self.lock_ttl)
        if swapped:
            log.warning("beat lock: its holder (pid %s on this machine) is gone; taken over", pid)
        return bool(swapped)

    def _holds_lock(self) -> bool:
        try:
            held = self._redis.get(self.lock_key)
            if held is None:  # expired or Redis restarted: take it again
                return bool(self._redis.set(self.lock_key, self._token, nx=True, ex=self.lock_ttl))
            if held.decode() != self._token:
                return False
            self._redis.expire(self.lock_key, self.lock_ttl)
            return True
        except Exception as exc:  # Redis unreachable: beat can send nothing anyway
            now = time.monotonic()
            if now - getattr(self, "_warned", -1e9) > 30:  # once per outage, not once per loop
                log.warning("beat lock: %s", exc)
                self._warned = now
            return True

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._holds_lock():
            log.error("another beat holds the lock; this one sends nothing")
            return float(self.max_interval)
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        try:
            if self._redis.get(self.lock_key) == self._token.encode():
                self._redis.delete(self.lock_key)
        except Exception:
            pass
        super().close()


app = make_app()

install_celery_hooks(app)  # /healthz and /metrics on GKWATCH_HEALTH_PORT in worker and beat processes


@worker_process_init.connect
def _no_inherited_connections(**_: Any) -> None:
    """A forked pool child must not share its parent's database connections."""
    get_engine.cache_clear()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _structured_logs(logger: logging.Logger, *_: Any, **__: Any) -> None:
    """``GKWATCH_LOG_FORMAT=json``: the workers' and beat's logs as JSON lines too."""
    if get_settings().log_format == "json":
        for handler in logger.handlers:
            handler.setFormatter(JsonFormatter())
