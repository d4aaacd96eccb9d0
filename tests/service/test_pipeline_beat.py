"""Only one celery beat may run: a second one, started by mistake, exits at start."""
from __future__ import annotations

import time

import pytest

from tests.support.procs import beat_args, celery_process, restartable_redis

pytestmark = pytest.mark.slow


def _wait_for_lock(client, beat, log) -> bytes:  # type: ignore[no-untyped-def]
    """The lock value once the started beat holds it (fails with the beat's log if not)."""
    end = time.monotonic() + 60
    while client.get("gkwatch:beat-lock") is None and time.monotonic() < end and beat.poll() is None:
        time.sleep(0.2)
    held = client.get("gkwatch:beat-lock")
    assert held is not None, log.read_text()[-2000:]
    return held


def test_a_second_beat_refuses_to_run(tmp_path) -> None:
    import redis as redis_lib

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with restartable_redis(tmp_path) as server:
        env = {"GKWATCH_REDIS_URL": server.url, "GKWATCH_DATA_DIR": str(tmp_path / "var"), "GKWATCH_SENTRY_DSN": ""}
        client = redis_lib.Redis.from_url(server.url)
        with celery_process(env, beat_args(tmp_path / "a"), log=tmp_path / "a.log") as first:
            _wait_for_lock(client, first, tmp_path / "a.log")
            with celery_process(env, beat_args(tmp_path / "b"), log=tmp_path / "b.log") as second:
                assert second.wait(60) != 0
            assert "another celery beat" in (tmp_path / "b.log").read_text()
            assert first.poll() is None  # the first one keeps its place
        assert client.get("gkwatch:beat-lock") is None  # released on a clean stop


def test_a_beat_killed_hard_is_replaced_at_once(tmp_path) -> None:
    """kill -9 leaves the lock in Redis until its TTL; a new beat on the same machine sees
    that its holder's process is gone and takes the lock at once."""
    import os
    import signal

    import redis as redis_lib

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with restartable_redis(tmp_path) as server:
        env = {"GKWATCH_REDIS_URL": server.url, "GKWATCH_DATA_DIR": str(tmp_path / "var"), "GKWATCH_SENTRY_DSN": ""}
        client = redis_lib.Redis.from_url(server.url)
        with celery_process(env, beat_args(tmp_path / "a"), log=tmp_path / "a.log") as first:
            held = _wait_for_lock(client, first, tmp_path / "a.log")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        assert client.get("gkwatch:beat-lock") == held  # still there: nobody released it
        with celery_process(env, beat_args(tmp_path / "b"), log=tmp_path / "b.log") as second:
            end = time.monotonic() + 30
            while client.get("gkwatch:beat-lock") == held and time.monotonic() < end and second.poll() is None:
                time.sleep(0.2)
            assert second.poll() is None, (tmp_path / "b.log").read_text()[-2000:]
            assert client.get("gkwatch:beat-lock") not in (None, held)
            assert client.ttl("gkwatch:beat-lock") > 30  # taken over, long before the old TTL ran out
