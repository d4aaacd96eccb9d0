"""``gkwatch alerts list|test|deliver`` and ``gkwatch silence add|list|expire``.

Handlers import what they run when they run (lazy on purpose): ``gkwatch parse`` must
start without SQLAlchemy, FastAPI, Celery or Scrapy (see ``gkwatch/cli.py``).
"""
from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import timedelta
from typing import Any

from gkwatch.plaintext import table
from ground.errors import ConfigError


def _settings():  # type: ignore[no-untyped-def]
    from ground.settings import get_settings
    from models.db import upgrade

    settings = get_settings()
    upgrade(settings.effective_database_url)
    return settings


def _dump(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def cmd_alerts_list(args: argparse.Namespace) -> int:
    """Alerts with their delivery states and what mutes them."""
    from alerts.config import load_config
    from alerts.alert_queries import list_alerts
    from models.db import session_scope

    settings = _settings()
    with session_scope(settings.effective_database_url) as s:
        rows = list_alerts(s, config=load_config(settings), state=args.state)
    if args.format == "json":
        _dump(rows)
        return 0
    print(table(["#", "告警 kind", "机关 agency", "年度", "状态", "送达 deliveries", "说明 note"],
                [[r["id"], r["kind"] + (f" {r['rule']}" if r["rule"] and r["rule"] != r["kind"] else ""),
                  r["agency"], r["year"], r["state"],
                  " ".join(f"{k}:{v}" for k, v in sorted(r["deliveries"].items())) or "—",
                  r["muted"] or r["note"] or ""] for r in rows]))
    return 0


def _default_target(settings: Any, channel: str) -> str:
    from alerts.config import load_config

    for route in load_config(settings).routes:
        for r in route.receivers:
            if r.channel == channel:
                return r.target

    raise ConfigError(f"no {channel} receiver configured; pass --target")


def cmd_alerts_test(args: argparse.Namespace) -> int:
    """Send one test message through a channel, now, without the outbox."""
    from alerts import messages
    from alerts.channels import Message, get_channel

    settings = _settings()
    channel = get_channel(args.channel, settings)
    target = args.target or _default_target(settings, args.channel)
    event = {"event": "firing", "kind": "test", "rule": None, "fingerprint": "test", "agency": "gkwatch",
             "year": None, "severity": "info", "summary_zh": "这是一条测试通知，说明通知渠道配置正确。",
             "summary_en": "This is a test notification: the channel is configured correctly.",
             "starts_at": None, "ends_at": None, "repeat": False, "labels": {}}
    subject = "【gkwatch】测试通知 test notification"
    with channel:
        channel.send(Message(target=target, message_id=f"msg_test_{uuid.uuid4().hex}", subject=subject,
                             text=messages.text([event], reason="test"),
                             html=messages.html_body([event], subject_line=subject, reason="test"),
                             events=[event], reason="test"))
    print(f"sent a test notification through {args.channel} to {target}")
    return 0


def cmd_alerts_deliver(args: argparse.Namespace) -> int:
    """Run one delivery tick now (``--flush`` ignores group_wait/group_interval)."""
    from alerts.outbox import deliver_due
    from models.db import session_scope

    settings = _settings()
    with session_scope(settings.effective_database_url) as s:
        rep = deliver_due(s, settings=settings, flush=args.flush)
    print(f"{rep.planned} planned, {rep.sent} sent, {rep.failed} to retry, {rep.dead} given up")
    return 0


def _matchers(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"gkwatch silence: matcher must be label=value, got {item!r}")
        values = [v.strip() for v in value.split(",")]
        out[key.strip()] = values if len(values) > 1 else values[0]
    return out


def cmd_silence_add(args: argparse.Namespace) -> int:
    from alerts.config import duration
    from alerts.mute import add_silence
    from models.db import session_scope

    settings = _settings()
    with session_scope(settings.effective_database_url) as s:
        row = add_silence(s, matchers=_matchers(args.matchers),
                          duration=timedelta(seconds=duration(args.duration, "--duration")),
                          comment=args.comment or "", created_by=args.by or "")
        print(f"silence #{row.id} until {row.ends_at.isoformat(timespec='minutes')}: {row.matchers}")
        for line in _silence_warnings(s, row.matchers):
            print(line, file=sys.stderr)
    return 0


def _silence_warnings(session: Any, matchers: dict[str, Any]) -> list[str]:
    """Say so when a silence can match nothing: an agency name no agency has (the label is
    the exact name), and how many firing alerts it holds back now."""
    from sqlmodel import col, select

    from alerts.mute import alert_labels
    from alerts.routes import matches
    from models import Agency, Alert

    out = []
    wanted = matchers.get("agency")
    for name in ([wanted] if isinstance(wanted, str) else wanted or []):
        if session.exec(select(Agency.id).where(Agency.name == name)).first() is None:
            near = session.exec(select(Agency.name).where(col(Agency.name).contains(name)).limit(5)).all()
            hint = f"；是否指 did you mean: {'、'.join(near)}" if near else ""
            out.append(f"警告 warning: 没有名为“{name}”的机关，agency= 需要完整名称 "
                       f"(no agency is named {name!r}; agency= takes the exact name){hint}")
    firing = session.exec(select(Alert).where(Alert.state == "firing")).all()
    held = sum(1 for a in firing if matches(matchers, alert_labels(session, a)))
    out.append(f"现有告警中有 {held} 条被此静默压制 (silences {held} of {len(firing)} firing alerts now)")
    return out


def cmd_silence_list(args: argparse.Namespace) -> int:
    from alerts.mute import list_silences
    from alerts.alert_queries import silence_rows
    from models.db import session_scope

    settings = _settings()
    with session_scope(settings.effective_database_url) as s:
        rows = silence_rows(list_silences(s, include_expired=args.all))
    if args.format == "json":
        _dump(rows)
        return 0
    print(table(["#", "matchers", "until", "active", "by", "comment"],
                [[r["id"], json.dumps(r["matchers"], ensure_ascii=False), r["ends_at"],
                  "yes" if r["active"] else "no", r["created_by"], r["comment"]] for r in rows]))
    return 0


def cmd_silence_expire(args: argparse.Namespace) -> int:
    from alerts.mute import expire_silence
    from models.db import session_scope

    settings = _settings()
    with session_scope(settings.effective_database_url) as s:
        try:
            row = expire_silence(s, args.id)
        except LookupError as exc:
            print(f"gkwatch silence: {exc}", file=sys.stderr)
            return 2
        print(f"silence #{row.id} expired at {row.ends_at.isoformat(timespec='minutes')}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``alerts`` and ``silence`` to the gkwatch command line."""
    p = sub.add_parser("alerts", help="list alerts, test a channel, run a delivery tick")
    asub = p.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    sp = asub.add_parser("list", help="alerts with their deliveries and what mutes them")
    sp.add_argument("--state", choices=("firing", "resolved", "all"), default="firing")
    sp.add_argument("--format", choices=("table", "json"), default="table")
    sp.set_defaults(func=cmd_alerts_list)
    sp = asub.add_parser("test", help="send a test notification through CHANNEL (email, webhook …)")
    sp.add_argument("channel", metavar="CHANNEL")
    sp.add_argument("--target", help="address or URL; default the first configured receiver of CHANNEL")
    sp.set_defaults(func=cmd_alerts_test)
    sp = asub.add_parser("deliver", help="plan and send the notifications that are due")
    sp.add_argument("--flush", action="store_true", help="do not wait for group_wait / group_interval")
    sp.set_defaults(func=cmd_alerts_deliver)

    p = sub.add_parser("silence", help="mute matching alerts until a silence expires")
    ssub = p.add_subparsers(dest="silence_command", required=True, metavar="ACTION")
    sp = ssub.add_parser("add", help="add a silence: label=value … (value may be a,b,c)")
    sp.add_argument("matchers", nargs="+", metavar="LABEL=VALUE",
                    help="labels: kind, agency, agency_id, year, rule, region, agency_kind, severity")
    sp.add_argument("--duration", default="2h", help="how long, e.g. 30m, 2h, 7d (default 2h)")
    sp.add_argument("--comment", help="why")
    sp.add_argument("--by", help="who")
    sp.set_defaults(func=cmd_silence_add)
    sp = ssub.add_parser("list", help="active silences (--all: expired too)")
    sp.add_argument("--all", action="store_true")
    sp.add_argument("--format", choices=("table", "json"), default="table")
    sp.set_defaults(func=cmd_silence_list)
    sp = ssub.add_parser("expire", help="end a silence now")
    sp.add_argument("id", type=int)
    sp.set_defaults(func=cmd_silence_expire)
