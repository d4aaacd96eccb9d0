"""``gkwatch serve`` on embedded defaults: SIGTERM stops it between two units of work
(exit 0, no unit left leased), and a restart finishes exactly what was left."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from benchmarks.bench_pipeline import discover, make_agencies
from models import AgencyYear, DocumentVersion, Report
from models.db import session_scope

ROOT = Path(__file__).resolve().parents[2]
#: ``gkwatch serve`` with a reader that takes a moment, so SIGTERM lands mid-run (the
#: service reads documents in a time-limited child: the wait is put before handing over)
SERVE = ("import sys, time\nimport workers.sandbox as sb\nreal = sb.ParseSandbox.parse\n"
         "def slow(self, data, **kw):\n    time.sleep(0.2)\n    return real(self, data, **kw)\n"
         "sb.ParseSandbox.parse = slow\nfrom gkwatch.cli import main\nsys.exit(main(['serve']))\n")


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SERVE], env={**os.environ, **env}, cwd=str(ROOT),
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def _wait(settings, pred, what: str, log: Path, limit: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + limit
    while time.monotonic() < end:
        with session_scope(settings.effective_database_url) as s:
            if pred(s):
                return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}\n{log.read_text(errors='replace')[-3000:]}")


def _states(s) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(v.state for v in s.exec(select(DocumentVersion)).all())


def _serve_until(env: dict, log, condition) -> None:  # type: ignore[no-untyped-def]
    """Run ``gkwatch serve`` until ``condition()`` returns, then SIGTERM: it must exit 0."""
    proc = _start(env, log)
    try:
        condition()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_sigterm_loses_no_work_and_a_restart_finishes_it(settings, tmp_path) -> None:
    versions = discover(settings, make_agencies(settings, 16))
    env = {"GKWATCH_DATA_DIR": str(settings.data_dir), "GKWATCH_REDIS_URL": "", "GKWATCH_DATABASE_URL": "",
           "GKWATCH_SENTRY_DSN": "", "GKWATCH_TICK_DELIVER_SECONDS": "0.5", "GKWATCH_TICK_RECONCILE_SECONDS": "0.5"}
    log = tmp_path / "serve.log"
    _serve_until(env, log, lambda: _wait(settings, lambda s: _states(s)["done"] >= 3, "a few documents", log))
    with session_scope(settings.effective_database_url) as s:
        states = _states(s)
        assert states["running"] == 0  # stopped between two units: nothing left leased
        assert states["done"] + states["pending"] == len(versions)
    assert "service stopped" in log.read_text()

    _serve_until(env, log, lambda: _wait(settings, lambda s: _states(s)["done"] == len(versions) and all(
        y.state == "done" for y in s.exec(select(AgencyYear)).all()), "every document", log))
    with session_scope(settings.effective_database_url) as s:
        reports = Counter(r.version_id for r in s.exec(select(Report)).all())
        assert set(reports) == set(versions) and set(reports.values()) == {1}
