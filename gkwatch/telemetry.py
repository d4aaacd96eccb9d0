"""Logging and Sentry set-up, from the settings."""
from __future__ import annotations

import logging
from typing import Any


def init_sentry(settings: Any) -> bool:
    """Send errors to Sentry when ``GKWATCH_SENTRY_DSN`` is set (Celery integration on)."""
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(dsn=settings.sentry_dsn, environment=settings.sentry_environment,
                    integrations=[CeleryIntegration(monitor_beat_tasks=True),
                                  LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
                    traces_sample_rate=0.0)
    return True


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
