"""Outbox planner benchmark: the cost of one delivery sweep against how many alerts exist.

A province's database after a season: N alerts firing, each already told to its
receiver (its group's notification log says so, the repeat not yet due), N/10 newer events
waiting for their group's ``group_interval``, N/20 muted by a silence, and one new event
due now. One sweep (:func:`alerts.notify.plan`) must plan that one message; what it costs
should not grow with N.

    .venv/bin/python benchmarks/bench_outbox.py --alerts 1000 10000 50000

SQLite in a temporary directory (``--database-url`` for PostgreSQL). Prints one JSON line
per N: rows, the median seconds of a sweep over ``--repeats`` sweeps, messages planned.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def populate(url: str, n: int) -> Any:
    """Write the season's rows; returns the alerts config the sweeps use."""
    from alerts.config import AlertsConfig
    from alerts.routes import Route, Timers
    from models import (
        Alert,
        Delivery,
        NotificationFiring,
        NotificationLog,
        Silence,
        utcnow,
    )
    from models.db import session_scope

    now = utcnow()
    route = Route(name="office", group_by=("agency",),
                  timers=Timers(group_wait=0.0, group_interval=3600.0, repeat_interval=86400.0))
    timers = {"group_wait": 0.0, "group_interval": 3600.0, "repeat_interval": 86400.0}
    with session_scope(url) as s:
        alerts = [Alert(fingerprint=uuid.uuid4().hex, kind="P-LATE", labels={"kind": "P-LATE", "agency": f"机关{i:06d}"},
                        summary_zh=f"机关{i:06d} 逾期") for i in range(n + n // 10 + n // 20 + 1)]
        s.add_all(alerts)
        s.flush()

        def delivery(a: Any, state: str) -> Delivery:
            key, labels = route.group_key(a.labels)
            return Delivery(alert_id=a.id, event="firing", channel="email", target="office@example.invalid",
                            message_id=f"msg_{uuid.uuid4().hex}", state=state,
                            payload={"labels": a.labels, "context": {}, "group": key, "group_labels": labels,
                                     "route": route.name, "timers": timers})

        told, waiting = alerts[:n], alerts[n:n + n // 10]
        muted, new = alerts[n + n // 10:-1], alerts[-1]
        s.add_all([delivery(a, "sent") for a in told])
        logs = [NotificationLog(channel="email", target="office@example.invalid",
                                group_key=route.group_key(a.labels)[0], group_labels=a.labels,
                                route=route.name, repeat_interval=86400.0, last_planned_at=now,
                                last_sent_at=now, notifications=1) for a in told]
        s.add_all(logs)
        s.flush()
        s.add_all([NotificationFiring(log_id=log.id, fingerprint=a.fingerprint) for log, a in zip(logs, told)])
        # newer events in groups told a moment ago: they wait for group_interval
        for k, a in enumerate(waiting):
            a.labels = told[k].labels
            s.add(a)
            s.add(delivery(a, "pending"))
        for a in muted:
            a.labels = {"kind": "P-LATE", "agency": "静默机关"}
            s.add(a)
            s.add(delivery(a, "pending"))
        s.add(Silence(matchers={"agency": "静默机关"}, starts_at=now - timedelta(hours=1),
                      ends_at=now + timedelta(days=30), created_by="bench", comment="benchmark"))
        s.add(delivery(new, "pending"))
        s.commit()
    return AlertsConfig(routes=(route,))


def sweep_cost(url: str, config: Any, repeats: int) -> tuple[float, int]:
    from alerts.notify import plan
    from models import Notification, utcnow
    from models.db import session_scope
    from sqlmodel import delete

    times: list[float] = []
    planned = 0
    for _ in range(repeats):
        with session_scope(url) as s:
            t = time.perf_counter()
            planned += plan(s, config=config, now=utcnow())
            times.append(time.perf_counter() - t)
            s.exec(delete(Notification))  # type: ignore[call-overload]
            s.commit()
    return statistics.median(times), planned


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--alerts", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args(argv)
    from models.db import upgrade

    for n in args.alerts:
        url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='gkwatch-outbox-')}/bench.db"
        upgrade(url)
        config = populate(url, n)
        cost, planned = sweep_cost(url, config, args.repeats)
        print(json.dumps({"alerts": n, "pending": n // 10 + n // 20 + 1, "sweep_median_s": round(cost, 4),
                          "planned_first_sweep": planned}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
