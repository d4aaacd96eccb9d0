"""Sentry: errors reach a DSN served on 127.0.0.1 (a real HTTP server receiving envelopes)."""
from __future__ import annotations

import json


def test_sentry_init_sends_error_envelopes_to_the_configured_dsn(settings, sentry_dsn) -> None:
    import sentry_sdk

    from ground.telemetry import init_sentry

    dsn, received = sentry_dsn
    assert init_sentry(settings) is False  # no DSN: nothing initialised
    assert init_sentry(settings.model_copy(update={"sentry_dsn": dsn})) is True
    try:
        raise RuntimeError("parse crashed on 示例.pdf")
    except RuntimeError as exc:
        sentry_sdk.capture_exception(exc)
    sentry_sdk.flush(timeout=10)
    assert any("parse crashed" in json.dumps(item, ensure_ascii=False) for item in received)
