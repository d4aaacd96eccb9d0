"""`gkwatch demo` end to end: generated portal on 127.0.0.1, SMTP and webhook sinks."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_reports_exactly_the_planted_statuses(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "gkwatch", "demo", "--format", "json",
                           "--now", "2026-04-15T09:00", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["expected_statuses_matched"] is True, out["mismatches"]
    plan = json.loads((tmp_path / "site" / "plan.json").read_text(encoding="utf-8")) \
        if (tmp_path / "site" / "plan.json").exists() else None
    statuses = {s["agency"]: s for s in out["statuses"]}
    assert len(statuses) >= 10
    seen = {s["status"] for s in out["statuses"]}
    assert {"on_time", "late", "missing", "inconsistent"} <= seen
    assert any("T3-BALANCE" in s["rules_failed"] for s in out["statuses"])
    kinds = {(a["kind"], a["channel"]) for a in out["alerts"]}
    for kind in ("P-MISSING", "P-LATE", "inconsistent", "P-CHANGED"):
        assert (kind, "email") in kinds and (kind, "webhook") in kinds, kinds
    # progress goes to stderr so that stdout stays one JSON document
    assert "[6/6]" in proc.stderr
    if plan:
        assert {a["name"] for a in plan["agencies"]} == set(statuses)


def test_demo_before_the_deadline_reports_nothing_missing(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "gkwatch", "demo", "--format", "json",
                           "--now", "2026-01-20T09:00", "--year", "2025", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    out = json.loads(proc.stdout)
    assert not any(s["status"] == "missing" for s in out["statuses"])
    assert not any(a["kind"] == "P-MISSING" for a in out["alerts"])
