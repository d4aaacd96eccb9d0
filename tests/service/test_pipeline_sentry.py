"""Sentry, against a local HTTP endpoint that receives the SDK's envelopes: a parse crash
arrives with its document and agency as tags, a beat tick as cron check-ins."""
from __future__ import annotations

import json


from benchmarks.bench_pipeline import discover, make_agencies


def test_a_parse_crash_reaches_sentry_with_its_document_and_agency(settings, sentry_dsn, monkeypatch) -> None:
    import sentry_sdk

    import workers.parse
    from ground.telemetry import init_sentry
    from workers.inline import drain

    dsn, received = sentry_dsn
    fast = settings.model_copy(update={"sentry_dsn": dsn, "task_max_retries": 1, "retry_base_seconds": 0.01,
                                       "retry_max_seconds": 0.02})
    assert init_sentry(fast)

    def crashing(data: bytes, **kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(workers.parse, "parse_bytes", crashing)
    (vid,) = discover(fast, make_agencies(fast, 1, prefix="哨兵县"))
    drain(fast, [("process", vid)])
    sentry_sdk.flush(timeout=10)
    events = [e for e in received if e.get("exception")]
    assert events, received
    tags = events[-1]["tags"]
    assert tags["stage"] == "process" and tags["agency"] == "哨兵县00000"
    assert tags["document"].startswith("http://bench.invalid/") and tags["unit"] == str(vid)
    assert "parser exploded" in json.dumps(events[-1], ensure_ascii=False)


def test_a_beat_tick_checks_in_as_a_cron_monitor(settings, sentry_dsn, monkeypatch) -> None:
    import sentry_sdk

    from ground.telemetry import init_sentry
    from workers import tasks

    dsn, received = sentry_dsn
    assert init_sentry(settings.model_copy(update={"sentry_dsn": dsn}))
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    monkeypatch.setattr(tasks, "dispatch", lambda work, via=None: None)  # no broker here
    assert tasks.tick_reconcile.run() >= 1
    sentry_sdk.flush(timeout=10)
    checkins = [e for e in received if e.get("monitor_slug") == "gkwatch-reconcile"]
    assert [c["status"] for c in checkins] == ["in_progress", "ok"]
    config = checkins[0]["monitor_config"]
    assert config["schedule"] == {"type": "interval", "value": 2, "unit": "minute"}
