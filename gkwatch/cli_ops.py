"""Operations sub-commands: ``gkwatch queues`` (queue depths, leases, last error per
stage) and ``gkwatch workers`` (the Celery processes of one machine, supervised).

Handlers import what they run when they run (lazy on purpose): ``gkwatch parse`` must
start without SQLAlchemy, FastAPI, Celery or Scrapy (see ``gkwatch/cli.py``).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gkwatch.plaintext import table


def pipeline_state(settings: Any) -> dict[str, Any]:
    """What ``gkwatch queues`` shows, as data: ``queues`` (messages waiting per Celery
    queue; null on embedded defaults), ``leases`` (rows per state and lease per stage) and
    ``errors`` (the newest error recorded per stage)."""
    from sqlmodel import col, select

    from models import AgencyYear, CrawlRun, DocumentVersion, Notification
    from models.db import session_scope
    from models.lease import lease_counts
    from workers.queues import queue_depths

    models: dict[str, Any] = {"crawl": (CrawlRun, CrawlRun.error),
                              "process": (DocumentVersion, DocumentVersion.last_error),
                              "evaluate": (AgencyYear, AgencyYear.last_error),
                              # the outbox sends Notification rows (one message each)
                              "notify": (Notification, Notification.last_error)}
    queues: dict[str, Any] | None = None
    if settings.redis_url:
        try:
            queues = dict(queue_depths(settings.redis_url))
        except Exception as exc:  # report it rather than fail: the database part still helps
            queues = {"error": f"{type(exc).__name__}: {exc}"}
    leases: dict[str, dict[str, int]] = {}
    errors: dict[str, dict[str, Any] | None] = {}
    with session_scope(settings.effective_database_url) as s:
        for stage, (model, err) in models.items():
            leases[stage] = lease_counts(s, model)
            row = s.exec(select(model).where(err.is_not(None), err != "")  # type: ignore[union-attr]
                         .order_by(col(model.id).desc()).limit(1)).first()
            errors[stage] = None if row is None else {
                "unit": row.id, "state": row.state, "attempts": row.attempts,
                "error": getattr(row, "last_error", None) or getattr(row, "error", None)}
    return {"queues": queues, "leases": leases, "errors": errors}


def render_state(state: dict[str, Any]) -> str:
    q = state["queues"]
    lines = ["队列 queues: " + ("embedded (no Redis): work waits in the database"
                               if q is None else ", ".join(f"{k} {v}" for k, v in q.items()))]
    cols = ["pending", "waiting", "running", "leased", "expired", "done", "failed", "sent", "dead"]
    rows = [[stage] + [counts.get(c, 0) for c in cols] for stage, counts in state["leases"].items()]
    lines.append(table(["stage", *cols], rows))
    for stage, err in state["errors"].items():
        if err:
            lines.append(f"last error {stage} #{err['unit']} ({err['state']}, {err['attempts']} attempts): "
                         f"{(err['error'] or '')[:160]}")
    return "\n".join(lines)


def cmd_queues(args: argparse.Namespace) -> int:
    from ground.settings import get_settings
    from models.db import upgrade

    settings = get_settings()
    upgrade(settings.effective_database_url)
    state = pipeline_state(settings)
    if args.format == "json":
        json.dump(state, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(render_state(state))
    return 0


def cmd_workers(args: argparse.Namespace) -> int:
    from gkwatch.service import CeleryService
    from ground.settings import get_settings
    from ground.telemetry import setup_logging

    settings = get_settings()
    setup_logging(args.verbose, fmt=settings.log_format)
    if not settings.uses_celery:
        print("gkwatch: GKWATCH_REDIS_URL is not set; `gkwatch serve` runs everything in-process",
              file=sys.stderr)
        return 2
    groups = tuple(g.strip() for g in args.groups.split(",") if g.strip()) if args.groups else None
    try:
        service = CeleryService(settings, process_concurrency=args.concurrency, beat=not args.no_beat,
                                groups=groups)
    except ValueError as exc:
        print(f"gkwatch: {exc}", file=sys.stderr)
        return 2
    return service.serve()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("queues", help="queue depths, leases and the last error of each pipeline stage")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_queues)

    p = sub.add_parser("workers", help="with GKWATCH_REDIS_URL: run celery workers (one per queue group) "
                                       "and beat on this machine until SIGTERM")
    p.add_argument("--concurrency", type=int, default=2, help="processes for the process/evaluate queues")
    p.add_argument("--no-beat", action="store_true", help="another machine runs the only beat")
    p.add_argument("--groups", default="", help="worker groups to run here, comma-separated "
                                                "(crawl, process, notify; default all)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_workers)
