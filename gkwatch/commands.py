"""Service sub-commands (demo, discover, crawl, serve, status, db), registered on the parser.

Handlers import what they run when they run (lazy on purpose): ``gkwatch parse`` must
start without SQLAlchemy, FastAPI, Celery or Scrapy (see ``gkwatch/cli.py``).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gkwatch import cli_crawl
from gkwatch.plaintext import render_alerts, render_statuses, table

BEIJING = ZoneInfo("Asia/Shanghai")


def _dump(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _parse_now(text: str | None, default: datetime) -> datetime:
    if not text:
        return default
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"gkwatch: --now must be an ISO date such as 2026-04-15, got {text!r}") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=BEIJING)


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def delivered_line(alerts: list[dict[str, Any]], *, mails: int, webhooks: int, bad_signatures: int) -> str:
    """The demo's counts explained: the table lists alert events per channel, and the
    events of one receiver and group travel in one message."""
    email_events = sum(1 for a in alerts if a.get("channel") == "email")
    hook_events = sum(1 for a in alerts if a.get("channel") == "webhook")
    return (f"已送达告警 alerts delivered: {email_events} 条告警事件经 {mails} 封邮件，{hook_events} 条经 {webhooks} 次 "
            f"webhook 送达；同一接收人、同一分组的告警合并为一条消息，签名错误 {bad_signatures} 次\n"
            f"  ({email_events} alert events in {mails} emails, {hook_events} in {webhooks} webhook calls: the alerts "
            f"of one receiver and group share one message; {bad_signatures} bad signatures)")


def cmd_demo(args: argparse.Namespace) -> int:
    """Full crawl → parse → validate → alert run against a generated portal on 127.0.0.1."""
    from gkwatch.demo.run import run_demo

    now = _parse_now(args.now, datetime(datetime.now(BEIJING).year, 4, 15, 9, 0, tzinfo=BEIJING))
    quiet = args.format == "json"
    result = run_demo(now=now, data_dir=Path(args.data_dir) if args.data_dir else None,
                      progress=_err if quiet else (lambda m: print(m, flush=True)),
                      report_year=args.year)
    if quiet:
        _dump(result.to_json())
    else:
        print(f"\n审计日期 audit date: {now.isoformat()}\n")
        print(render_statuses(result.statuses))
        print("\n" + delivered_line(result.alerts, mails=result.mails, webhooks=result.webhooks,
                                     bad_signatures=result.bad_signatures) + "\n")
        print(render_alerts(result.alerts))
        from gkwatch.web import hint

        print(f"\ndata kept in {result.data_dir}")
        print(f"dashboard: {hint(result.data_dir)}")
        if result.mismatches:
            print("\nMISMATCH with the planted statuses:\n  " + "\n  ".join(result.mismatches))
        else:
            print("\nevery status matches what the generator planted")
    return 1 if result.mismatches else 0


def cmd_discover(args: argparse.Namespace) -> int:
    """Crawl one column once, store nothing, list the annual reports found."""
    from crawler.discover import discover

    api = None
    if args.api:
        try:
            api = json.loads(args.api)
        except ValueError as exc:
            raise SystemExit(f"gkwatch discover: --api must be a JSON object: {exc}") from None
    kind = args.kind or ("jsonapi" if api else "auto")
    result = discover(args.url, allowed_hosts=args.allowed_host or None, timeout=args.timeout,
                      download_delay=args.delay, obey_robots=not args.ignore_robots,
                      kind=kind, api=api)
    if args.format == "json":
        _dump(result)
        return 0
    rows = [[e.get("year"), (e.get("published_at") or "")[:16], e.get("title"),
             e.get("error") or e.get("status") or "", e.get("url")] for e in result["entries"]]
    print(table(["年度", "发布时间", "标题", "状态", "URL"], rows))
    return 0


def _settings():  # type: ignore[no-untyped-def]
    from ground.settings import get_settings
    from models.db import upgrade

    settings = get_settings()
    upgrade(settings.effective_database_url)
    return settings


def cmd_status(args: argparse.Namespace) -> int:
    """Agency-year verdicts (and, with Redis, queue depths)."""
    from models.crud import statuses
    from models.db import session_scope

    settings = _settings()
    from gkwatch.cli_ops import pipeline_state, render_state

    with session_scope(settings.effective_database_url) as s:
        rows = statuses(s, year=args.year)
    state = pipeline_state(settings)
    if args.format == "json":
        _dump({"statuses": rows, **state})
    else:
        print(render_statuses(rows))
        print()
        print(render_state(state))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the background service on embedded defaults until SIGTERM."""
    from gkwatch.service import Service
    from ground.settings import get_settings
    from ground.telemetry import init_sentry, setup_logging

    settings = get_settings()
    setup_logging(args.verbose)
    init_sentry(settings)
    if settings.uses_celery:  # the same service as separate celery worker and beat processes
        from gkwatch.service import CeleryService

        return CeleryService(settings).serve()
    web = _start_web(settings, args) if args.web_port else None
    if web is False:
        return 2
    try:
        Service(settings).serve()
    finally:
        if web:
            web.should_exit = True
    return 0


def _start_web(settings, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The dashboard in a thread of the service process (embedded mode)."""
    import uvicorn

    from gkwatch.cli_web import check_settings
    from gkwatch.web import create_app
    from models.db import upgrade

    insecure = bool(getattr(args, "insecure_local", False))
    problem = check_settings(settings, host=args.web_host, insecure_local=insecure)
    if problem:
        _err(f"gkwatch serve: {problem}")
        return False
    upgrade(settings.effective_database_url)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, insecure_local=insecure),
                                           host=args.web_host, port=args.web_port,
                                           log_level="warning"))
    threading.Thread(target=server.run, name="gkwatch-web", daemon=True).start()
    _err(f"dashboard on http://{args.web_host}:{args.web_port}/")
    return server


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from ground.settings import get_settings
    from models.db import upgrade

    url = get_settings().effective_database_url
    upgrade(url)
    _err(f"database at {url.split('@')[-1]} is at the newest revision")
    return 0


#: modules that add more sub-commands; each has ``register(sub)`` and imports lazily
EXTRA_COMMANDS = ("gkwatch.cli_ops", "gkwatch.cli_alerts", "gkwatch.cli_web", "gkwatch.cli_portals")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the service commands; each handler imports its stage lazily."""
    for name in EXTRA_COMMANDS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(sub)
    p = sub.add_parser("demo", help="full crawl → parse → validate → alert run on a local demo portal")
    p.add_argument("--now", help="audit date (ISO, Beijing time); default 15 April of this year")
    p.add_argument("--year", type=int, help="report year; default the year before --now")
    p.add_argument("--data-dir", help="keep the demo's site, database and snapshots here")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("discover", help="crawl one annual-report column once and list its reports")
    p.add_argument("url")
    p.add_argument("--allowed-host", action="append", help="host to trust (default: the URL's host)")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--delay", type=float, default=1.0, help="seconds between requests to the host (polite: ≥1)")
    p.add_argument("--ignore-robots", action="store_true", help="do not obey robots.txt (your own sites only)")
    # no fixed choices: the portal-kind registry (crawler/kinds) decides, and the spec check
    # names the known kinds (importing the registry here would slow every command's start)
    p.add_argument("--kind", help="how the column's list is read: a portal kind of crawler/kinds "
                   "(default auto: from the page; browser: render in Chromium)")
    p.add_argument("--api", help='JSON list API mapping, e.g. \'{"profile": "gkmlpt", "endpoint": "/gkmlpt/api/all/12?sid=3"}\'')
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_discover)

    cli_crawl.register(sub)

    p = sub.add_parser("status", help="publication status per agency and year")
    p.add_argument("--year", type=int)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("serve", help="run the background service (embedded scheduler and workers)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--web-port", type=int, help="also serve the dashboard on this port (needs a web token)")
    p.add_argument("--web-host", default="127.0.0.1", help="address of the dashboard (default 127.0.0.1)")
    # the same flag as `gkwatch web`, which the token error message suggests
    p.add_argument("--insecure-local", action="store_true",
                   help="dashboard without authentication, loopback only (as `gkwatch web --insecure-local`)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", required=True)
    dp = dsub.add_parser("upgrade", help="apply the Alembic migrations")
    dp.set_defaults(func=cmd_db_upgrade)
