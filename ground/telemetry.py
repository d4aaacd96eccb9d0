"""Logging and Sentry: set-up from the settings, a scope per unit of work, cron check-ins.

Every Sentry call here is a no-op until :func:`init_sentry` ran with a DSN, so units and
ticks call them unconditionally.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sentry_sdk
from sentry_sdk.crons import capture_checkin
from sentry_sdk.crons.consts import MonitorStatus


def init_sentry(settings: Any) -> bool:
    """Send errors to Sentry when ``GKWATCH_SENTRY_DSN`` is set (Celery integration on).

    Beat ticks report their own cron check-ins (:func:`cron_monitor`), so the Celery
    integration's automatic beat monitoring stays off (it would check in twice).
    """
    if not settings.sentry_dsn:
        return False
    # lazy: only with a DSN; the Celery integration imports Celery itself, which the CLI,
    # the web app and the crawl's child process otherwise never load
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(dsn=settings.sentry_dsn, environment=settings.sentry_environment,
                    integrations=[CeleryIntegration(monitor_beat_tasks=False),
                                  LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
                    traces_sample_rate=0.0)
    return True


@contextmanager
def unit_scope(stage: str, unit: int, **context: Any) -> Iterator[None]:
    """Tag everything Sentry records inside with the unit of work: stage, unit id, and
    whatever identifies it for a person (``document`` URL, ``agency`` name, ``portal``)."""
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("stage", stage)
        scope.set_tag("unit", str(unit))
        for key, value in context.items():
            if value is not None:
                scope.set_tag(key, str(value)[:200])  # Sentry tag values stop at 200 characters
        scope.set_context("unit", {"stage": stage, "unit": unit, **context})
        yield


def capture(exc: BaseException, *, level: str = "error") -> None:
    """Report one exception (inside a :func:`unit_scope`, it carries that unit's tags)."""
    with sentry_sdk.new_scope() as scope:
        scope.level = level  # type: ignore[assignment]
        sentry_sdk.capture_exception(exc)


def _monitor_config(schedule: float | str, *, timezone: str) -> dict[str, Any]:
    if isinstance(schedule, str):  # a crontab line such as "5 * * * *"
        sched: dict[str, Any] = {"type": "crontab", "value": schedule}
    else:
        sched = {"type": "interval", "value": max(1, round(schedule / 60)), "unit": "minute"}
    return {"schedule": sched, "checkin_margin": 5, "max_runtime": 30, "timezone": timezone}


@contextmanager
def cron_monitor(slug: str, schedule: float | str, *, timezone: str = "Asia/Shanghai") -> Iterator[None]:
    """A Sentry cron check-in around one beat tick: in progress, then ok or error.

    ``schedule`` is the tick's interval in seconds or a crontab line; Sentry creates the
    monitor from it on the first check-in (upsert) and alerts when a tick goes missing.
    """
    config = _monitor_config(schedule, timezone=timezone)
    check_in = capture_checkin(monitor_slug=slug, status=MonitorStatus.IN_PROGRESS,
                               monitor_config=config)  # type: ignore[arg-type]
    start = time.monotonic()
    try:
        yield
    except BaseException:
        capture_checkin(monitor_slug=slug, check_in_id=check_in, status=MonitorStatus.ERROR,
                        duration=time.monotonic() - start)
        raise
    capture_checkin(monitor_slug=slug, check_in_id=check_in, status=MonitorStatus.OK,
                    duration=time.monotonic() - start)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``extra`` fields."""

    _SKIP = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                               "logger": record.name, "msg": record.getMessage()}
        out.update({k: v for k, v in vars(record).items() if k not in self._SKIP})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(verbose: bool = False, *, fmt: str = "text") -> None:
    """Root logging to stderr, as text or JSON lines (``GKWATCH_LOG_FORMAT=json``)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Alembic says what it checks at every start (seven INFO lines); only with -v
    logging.getLogger("alembic").setLevel(logging.INFO if verbose else logging.WARNING)
