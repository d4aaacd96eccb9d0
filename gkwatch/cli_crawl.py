"""``gkwatch crawl``: crawl the due portals (or all) and process what they publish, in
this process. As each portal's crawl ends it gets a line (找到 N 份报告, new and changed,
the documents that could not be fetched and why); a Rich progress bar counts the portals
on a terminal; at the end a table per portal gives the reports read once processing is
over. Logs are quiet (warnings only) unless ``-v``.

Handlers import the database and worker code when they run, as in ``gkwatch/commands.py``:
``gkwatch parse`` must start without SQLAlchemy or Scrapy.
"""
from __future__ import annotations

import argparse
import logging
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from gkwatch.plaintext import table

#: documents that could not be fetched, listed under a portal's line (the rest counted)
SHOWN_FAILURES = 5


def portal_line(summary: dict[str, Any]) -> list[str]:
    """The progress line of one finished crawl, then its errors, Chinese first."""
    name = summary["agency"]
    if summary["state"] == "failed" or (summary["error"] and not summary["pages"]):
        return [f"{name}：抓取失败 crawl failed — {summary['error'] or '未知错误 unknown error'}"]
    head = (f"{name}：列表页 {summary['pages']} 页，找到 {summary['found']} 份报告"
            f"（新 {summary['new']}，变更 {summary['changed']}）"
            f" · {summary['pages']} list page(s), {summary['found']} report document(s) found "
            f"({summary['new']} new, {summary['changed']} changed)")
    failures = summary["failures"]
    lines = [head + (f"，{len(failures)} 个文档无法获取 {len(failures)} could not be fetched" if failures else "")]
    lines += [f"    ✗ {url}：{error}" for url, error in failures[:SHOWN_FAILURES]]
    if len(failures) > SHOWN_FAILURES:
        lines.append(f"    … 另有 {len(failures) - SHOWN_FAILURES} 个 and {len(failures) - SHOWN_FAILURES} more")
    return lines


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl every due portal (or all with --all) and process what it finds, in-process."""
    from sqlmodel import select

    from ground.settings import get_settings
    from ground.telemetry import setup_logging
    from models import Portal, utcnow
    from models.db import session_scope, upgrade
    from models.portal_health import crawl_run_summary, reports_read
    from workers.inline import drain
    from workers.stages.crawl import due_portals, schedule_crawl

    setup_logging(args.verbose)
    if not args.verbose:  # a crawl's own lines say what happened; logs only for trouble
        logging.getLogger().setLevel(logging.WARNING)
    settings = get_settings()
    upgrade(settings.effective_database_url)
    with session_scope(settings.effective_database_url) as s:
        ids = [p.id for p in s.exec(select(Portal)).all()] if args.all else due_portals(s, now=utcnow())
        runs = [schedule_crawl(s, portal_id=p) for p in ids]  # type: ignore[arg-type]
    console = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)
    console.print(f"抓取 {len(runs)} 个门户 crawling {len(runs)} portal(s)", markup=False)
    summaries: dict[int, dict[str, Any]] = {}
    other = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        portals_task = bar.add_task("门户 portals", total=len(runs))

        def tick(stage: str, unit: int, left: int) -> None:
            nonlocal other
            if stage != "crawl":
                other += 1
                bar.update(portals_task, description=f"门户 portals · 已处理 {other} 项 {other} processed")
                return
            with session_scope(settings.effective_database_url) as s:
                summary = crawl_run_summary(s, unit)
            if summary is not None:
                summaries[summary["portal_id"]] = summary
                for line in portal_line(summary):
                    bar.console.print(line, markup=False)
            bar.advance(portals_task)

        done = drain(settings, [("crawl", r) for r in runs], progress=tick)
    with session_scope(settings.effective_database_url) as s:
        read = reports_read(s, list(summaries))
    if summaries:
        rows = [[x["agency"], x["found"], read.get(pid, 0), len(x["failures"]) + (1 if x["error"] else 0)]
                for pid, x in summaries.items()]
        console.print(table(["单位 agency", "找到报告 found", "读出年报 reports read", "错误 errors"], rows, {1, 2, 3}),
                      markup=False)
    console.print(f"完成 {done} 项工作 {done} unit(s) of work done", markup=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("crawl", help="crawl due portals and process what they publish")
    p.add_argument("--all", action="store_true", help="crawl every portal, due or not")
    p.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    p.set_defaults(func=cmd_crawl)
