"""Pipeline benchmark: N synthetic agencies, one report each, through
discover → process (extract, parse, validate) → evaluate → deliver, on Redis +
PostgreSQL with real ``celery worker`` processes.

The crawler is bypassed: each synthetic report page is written to the snapshot store
and handed to the ingest stage as the item the crawler would have produced (the
*discovery event*), then its ``process`` message is sent. Every report is published
after its deadline, so every agency ends with a P-LATE alert that is delivered by
email to a local SMTP sink: the latency measured is discovery (``fetched_at`` of the
version) → alert delivered (``sent_at`` of its Delivery row).

    .venv/bin/python benchmarks/bench_pipeline.py --agencies 1000 --workers 2

Starts its own redis-server and PostgreSQL cluster (``--redis-url`` / ``--database-url``
use existing ones). Prints reports per minute, and median and p95 latency.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPORT_YEAR = 2025
#: 15 February 2026, Beijing: after the 31 January deadline of a 部门 → P-LATE
PUBLISHED = datetime(2026, 2, 15, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def report_page(name: str, *, seed: int, marker: str = "") -> bytes:
    """A synthetic report page (the demo generator's tables and text) for one agency."""
    from gkwatch.demo.render_html import article_html
    from gkwatch.demo.reports import make_history

    report = make_history(name, "部门", [REPORT_YEAR], seed=seed)[REPORT_YEAR]
    body = article_html(report, seed=seed)
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{name}{REPORT_YEAR}年政府信息公开"
            f"工作年度报告</title></head><body><div class=\"article\">{marker}{body}</div></body></html>"
            ).encode("utf-8")


def make_agencies(settings: Any, n: int, *, prefix: str = "合成县机关", seed: int = 7,
                  markers: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """Create ``n`` agencies with a portal each, and write their report snapshots.

    Returns the crawler-like items (one per agency) ready for :func:`discover`. Pages are
    rendered once per distinct body and varied by a comment, so generation stays fast.
    ``markers`` puts a text into chosen agencies' pages (tests use it to make a page slow
    or crashing in a patched worker).
    """
    from models import Agency, Portal
    from models.db import session_scope

    snapdir = settings.effective_snapshot_dir
    snapdir.mkdir(parents=True, exist_ok=True)
    templates = [report_page(f"{prefix}{k:03d}", seed=seed + k) for k in range(min(n, 20))]
    items: list[dict[str, Any]] = []
    with session_scope(settings.effective_database_url) as s:
        agencies = [Agency(name=f"{prefix}{i:05d}", kind="部门", region="合成县") for i in range(n)]
        s.add_all(agencies)
        s.flush()
        portals = [Portal(agency_id=a.id, list_urls=[f"http://bench.invalid/a{a.id}/"],  # type: ignore[arg-type]
                          allowed_hosts=["bench.invalid"], enabled=False) for a in agencies]
        s.add_all(portals)
        s.flush()
        for i, (agency, portal) in enumerate(zip(agencies, portals)):
            mark = (markers or {}).get(i, "")
            data = templates[i % len(templates)] + f"<!-- {agency.name} {mark} -->".encode()
            if mark:
                data = data.replace(b"<div class=\"article\">", f"<div class=\"article\">{mark}".encode(), 1)
            sha = hashlib.sha256(data).hexdigest()
            path = snapdir / sha[:2] / sha
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            items.append({"portal_id": portal.id, "item": {
                "type": "document", "kind": "page", "url": f"http://bench.invalid/a{agency.id}/{REPORT_YEAR}.html",
                "title": f"{agency.name}{REPORT_YEAR}年政府信息公开工作年度报告", "year": REPORT_YEAR,
                "status": 200, "sha256": sha, "size": len(data), "content_type": "text/html; charset=utf-8",
                "snapshot": str(path), "published_at": PUBLISHED.isoformat(), "dates": [],
                "headers": {}}})
    return items


def discover(settings: Any, items: list[dict[str, Any]]) -> list[int]:
    """The discovery event: ingest each item as the crawler would; returns version ids."""
    from sqlmodel import col, select

    from models import Portal, utcnow
    from models.db import session_scope
    from workers.stages.ingest import ingest_items

    versions: list[int] = []
    with session_scope(settings.effective_database_url) as s:
        # the batch's portals in one read: the driver's own reads are not the ingest's cost
        portals = {p.id: p for p in s.exec(select(Portal).where(
            col(Portal.id).in_([it["portal_id"] for it in items]))).all()}
        for it in items:
            portal = portals.get(it["portal_id"])
            item = dict(it["item"], fetched_at=utcnow().isoformat())
            versions += ingest_items(s, portal=portal, items=[item]).new_versions  # type: ignore[arg-type]
    return versions


def latencies(settings: Any) -> tuple[list[float], datetime | None, datetime | None]:
    """Seconds from discovery (version fetched) to the first delivered alert, per agency."""
    from sqlmodel import func, select

    from models import Alert, Delivery, Document, DocumentVersion
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        found = dict(s.exec(select(Document.agency_id, func.min(DocumentVersion.fetched_at))
                            .where(DocumentVersion.document_id == Document.id)
                            .group_by(Document.agency_id)).all())
        sent = dict(s.exec(select(Alert.agency_id, func.min(Delivery.sent_at))
                           .where(Delivery.alert_id == Alert.id, Delivery.state == "sent")
                           .group_by(Alert.agency_id)).all())
    out = [(sent[a] - t).total_seconds() for a, t in found.items() if a in sent and sent[a] is not None]
    first = min(found.values()) if found else None
    last = max((v for v in sent.values() if v is not None), default=None)
    return out, first, last


def progress_counts(settings: Any) -> dict[str, int]:
    from sqlmodel import func, select

    from models import Delivery, DocumentVersion
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        done = s.exec(select(func.count()).select_from(DocumentVersion)
                      .where(DocumentVersion.state.in_(("done", "failed")))).one()  # type: ignore[attr-defined]
        sent = s.exec(select(func.count()).select_from(Delivery).where(Delivery.state == "sent")).one()
    return {"processed": int(done), "alerts_sent": int(sent)}


class ProcWatch:
    """CPU seconds and peak memory of worker processes, read from /proc.

    A ``celery worker -c 1`` is a main process and a pool child that Celery replaces
    every ``worker_max_tasks_per_child`` tasks: a replaced child's CPU shows in its
    parent's ``cutime``/``cstime`` once reaped, a live one's in its own ``stat``; its peak
    (``VmHWM``) is sampled while it lives.
    """

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_kb: dict[int, int] = {}  # pid → highest VmHWM seen

    @staticmethod
    def children(pid: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    @staticmethod
    def _ticks(pid: int, *, reaped: bool) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0
        # fields[11:15] = utime stime cutime cstime (stat fields 14-17)
        return sum(int(x) for x in fields[11:15 if reaped else 13])

    def cpu_seconds(self) -> float:
        ticks = sum(self._ticks(p, reaped=True) + sum(self._ticks(c, reaped=False) for c in self.children(p))
                    for p in self.pids)
        return ticks / os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        for p in self.pids:
            for pid in [p, *self.children(p)]:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), kb)

    def peak_mb(self) -> float:
        return round(max(self.peak_kb.values(), default=0) / 1024, 1)


def postmaster_pid(db_url: str) -> int | None:
    """The private cluster's postmaster (its data directory names it), for its CPU."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            data_dir = c.execute(text("SHOW data_directory")).scalar()
        return int((Path(str(data_dir)) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, SQLAlchemyError):  # not ours (--database-url elsewhere): no DB CPU figure
        return None
    finally:
        engine.dispose()


def database_bytes(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
    finally:
        engine.dispose()


def send_burst(settings: Any, items: list[dict[str, Any]], client: Any) -> None:
    """Every report discovered at once, in crawl-sized batches of 200."""
    from workers.tasks import dispatch

    for i in range(0, len(items), 200):
        dispatch([("process", v) for v in discover(settings, items[i:i + 200])], via=client)


def send_steady(settings: Any, items: list[dict[str, Any]], client: Any, rate: float,
                watch: ProcWatch) -> None:
    """Reports discovered evenly at ``rate`` per second: each tick discovers those whose
    time has come (ticks of 0.2 s, so a report is discovered at most 0.2 s late)."""
    from workers.tasks import dispatch

    start, sent = time.monotonic(), 0
    while sent < len(items):
        due = min(len(items), int((time.monotonic() - start) * rate) + 1)
        if due > sent:
            dispatch([("process", v) for v in discover(settings, items[sent:due])], via=client)
            sent = due
        watch.sample()
        time.sleep(0.2)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from celery import Celery

    from benchmarks.servers import celery_worker, postgres_server, redis_server
    from ground.settings import Settings
    from gkwatch.sinks import SmtpSink
    from models.db import upgrade

    n = args.agencies if not args.rate or not args.duration else int(args.rate * args.duration)
    tmp = Path(tempfile.mkdtemp(prefix="gkwatch-bench-"))
    with ExitStack() as stack:
        redis_url = args.redis_url or stack.enter_context(redis_server(tmp))
        db_url = args.database_url or stack.enter_context(postgres_server(tmp))
        smtp = stack.enter_context(SmtpSink())
        env = {"GKWATCH_REDIS_URL": redis_url, "GKWATCH_DATABASE_URL": db_url, "GKWATCH_DATA_DIR": str(tmp / "var"),
               "GKWATCH_SMTP_HOST": "127.0.0.1", "GKWATCH_SMTP_PORT": str(smtp.port),
               "GKWATCH_MAIL_TO": '["office@example.invalid"]'}
        settings = Settings(data_dir=tmp / "var", database_url=db_url, _env_file=None)  # type: ignore[call-arg]
        upgrade(db_url)
        db_before = database_bytes(db_url)
        t0 = time.monotonic()
        items = make_agencies(settings, n)
        print(f"generated {len(items)} agencies in {time.monotonic() - t0:.1f}s", file=sys.stderr, flush=True)
        procs = [stack.enter_context(celery_worker(env, queues="process,evaluate,notify", concurrency=1,
                                                   log=tmp / f"worker{k}.log")) for k in range(args.workers)]
        client = Celery(broker=redis_url)
        time.sleep(3)  # let the workers connect and fork their pool before the clock starts
        watch = ProcWatch([p.pid for p in procs])
        pg = postmaster_pid(db_url)
        db_watch = ProcWatch([pg]) if pg else None
        cpu0, db_cpu0 = watch.cpu_seconds(), db_watch.cpu_seconds() if db_watch else 0.0
        start = time.monotonic()
        if args.rate:
            send_steady(settings, items, client, args.rate, watch)
        else:
            send_burst(settings, items, client)
        deadline = start + args.timeout
        counts = progress_counts(settings)
        while time.monotonic() < deadline:
            watch.sample()
            counts = progress_counts(settings)
            print(f"  {time.monotonic() - start:6.1f}s processed {counts['processed']}/{n}, "
                  f"alerts sent {counts['alerts_sent']}", file=sys.stderr, flush=True)
            if counts["alerts_sent"] >= n:
                break
            time.sleep(2)
        watch.sample()
        cpu = watch.cpu_seconds() - cpu0
        db_cpu = db_watch.cpu_seconds() - db_cpu0 if db_watch else None
        lat, first, last = latencies(settings)
        db_after = database_bytes(db_url)
        emails = len(smtp.messages)
    span = (last - first).total_seconds() if first and last else float("nan")
    lat.sort()
    done = len(lat)
    return {"mode": f"steady {args.rate}/s" if args.rate else "burst", "agencies": n, "workers": args.workers,
            "processed": counts["processed"], "alerts_delivered": done, "emails": emails,
            "seconds": round(span, 1),
            "reports_per_minute": round(done / span * 60, 1) if span == span and span > 0 else None,
            "latency_median_s": round(statistics.median(lat), 2) if lat else None,
            "latency_p95_s": round(lat[int(0.95 * (done - 1))], 2) if lat else None,
            "latency_max_s": round(lat[-1], 2) if lat else None,
            "worker_cpu_ms_per_report": round(cpu / done * 1000, 1) if done else None,
            "db_cpu_ms_per_report": round(db_cpu / done * 1000, 1) if done and db_cpu is not None else None,
            "db_kb_per_agency": round((db_after - db_before) / n / 1024, 1),
            "worker_peak_vmhwm_mb": watch.peak_mb()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agencies", type=int, default=1000, help="reports (one agency each)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (one celery worker -c 1 each)")
    p.add_argument("--rate", type=float, default=0.0,
                   help="steady mode: reports discovered per second, evenly (default: all at once)")
    p.add_argument("--duration", type=float, default=0.0,
                   help="steady mode: discover for this many seconds (rate × duration reports; "
                        "default: --agencies reports)")
    p.add_argument("--timeout", type=float, default=900, help="give up after this many seconds")
    p.add_argument("--redis-url", default="")
    p.add_argument("--database-url", default="")
    args = p.parse_args(argv)
    result = run(args)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["alerts_delivered"] == result["agencies"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
