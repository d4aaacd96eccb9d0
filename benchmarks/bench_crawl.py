"""Crawling many hosts at once against the politeness limit.

    .venv/bin/python benchmarks/bench_crawl.py [--portals 1000] [--hosts 200] [--delay 1.0]
        [--via stage|batch] [--processes 1] [--concurrency N] [--format json]

A separate server process (asyncio) listens on ``--hosts`` loopback addresses
(127.0.2.1, 127.0.2.2, … — each a distinct host for the crawler) and serves ``--portals``
fixture portals spread evenly over them. Every portal is an annual-report column of two
list pages (the second through 下一页), three report pages, one PDF attachment, and one
link into ``/private/`` that robots.txt disallows; every answer is delayed 30–150 ms at
random, as a real portal's. The server stamps each request's arrival and the moment its
answer was written, per host, and reports overlaps (two requests of one host in flight)
and arrivals closer than the delay.

``--via stage`` (the default) goes through the real crawl stage: a SQLite database with
one agency and portal each, one pending CrawlRun each, and one ``run_crawl_unit`` that
claims them all as one batch, crawls them in one child process and ingests every run.
``--via batch --processes N`` calls ``crawler.run.run_batch`` directly, with the hosts
partitioned among N child processes (each its own batch).

Printed: total requests, wall time (of the crawl child(ren); stage: also the ingest), the
politeness limit (the largest, over hosts, of requests × delay), wall / limit,
requests per second, peak memory (VmHWM) and CPU seconds of the crawl process(es),
reports found, overlaps and violations seen by the server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.run import read_items, run_batch  # noqa: E402

PAGE_PAD = "<p>" + "本机关坚持以公开为常态、不公开为例外，" * 40 + "</p>"   # ~2.4 KB of prose
PDF = b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n"


def address(i: int) -> str:
    """The i-th host (0-based): 127.0.2.1 … 127.0.2.254, 127.0.3.1 …"""
    return f"127.0.{2 + i // 254}.{1 + i % 254}"


def portal_pages(p: int) -> dict[str, tuple[str, bytes]]:
    """Path → (content type, body) of portal p's column."""
    base = f"/p{p}"
    name = f"第{p}号局"

    def title(y: int) -> str:
        return f"{name}{y}年度政府信息公开工作年度报告"

    def link(y: int, path: str) -> str:
        return f'<li><a href="{path}">{title(y)}</a><span>{y + 1}-01-2{y % 10}</span></li>'

    def page(body: str, t: str = "政府信息公开年报") -> bytes:
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{t}</title></head>'
                f"<body>{body}</body></html>").encode()

    html = "text/html; charset=utf-8"
    out = {f"{base}/index.html": (html, page("<ul>" + "".join(link(y, f"{base}/{y}.html") for y in (2024, 2023))
                                           + f'</ul><a href="{base}/index_1.html">下一页</a>')),
           f"{base}/index_1.html": (html, page("<ul>" + link(2022, f"{base}/2022.html")
                                               + link(2019, f"/private/p{p}-2019.html") + "</ul>")),
           f"{base}/2024.pdf": ("application/pdf", PDF)}
    for y in (2024, 2023, 2022):
        att = f'<a href="{base}/2024.pdf">附件：{title(y)}.pdf</a>' if y == 2024 else ""
        out[f"{base}/{y}.html"] = (html, page(f"<h1>{title(y)}</h1><p>发布时间：{y + 1}-01-2{y % 10} 09:00</p>"
                                              f"{PAGE_PAD}{att}", title(y)))
    return out


# --- the fixture server (its own process) ----------------------------------------------------

def serve(hosts: int, portals: int, conn: Any, seed: int) -> None:
    """Serve every portal on its host; send the port map, then on request the stamps."""
    rng = random.Random(seed)
    site: dict[int, dict[str, tuple[str, bytes]]] = {h: {} for h in range(hosts)}
    for p in range(portals):
        site[p % hosts].update(portal_pages(p))
    robots = b"User-agent: *\nDisallow: /private/\n"
    stamps: dict[int, list[tuple[float, float, str]]] = {h: [] for h in range(hosts)}

    async def handle(h: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                start = time.monotonic()
                path = head.split(b" ", 2)[1].decode("latin-1")
                await asyncio.sleep(rng.uniform(0.03, 0.15))
                if path == "/robots.txt":
                    ctype, body, status = "text/plain", robots, "200 OK"
                elif path in site[h]:
                    (ctype, body), status = site[h][path], "200 OK"
                else:
                    ctype, body, status = "text/plain", b"not found", "404 Not Found"
                stamps[h].append((start, time.monotonic(), path))
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                             f"Connection: keep-alive\r\n\r\n".encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        ports = {}
        for h in range(hosts):
            srv = await asyncio.start_server(lambda r, w, h=h: handle(h, r, w), address(h), 0, backlog=64)
            ports[h] = srv.sockets[0].getsockname()[1]
        conn.send(ports)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)   # "report"
        conn.send({h: s for h, s in stamps.items()})

    asyncio.run(main())


def judge(stamps: dict[int, list[tuple[float, float, str]]], delay: float) -> dict[str, Any]:
    """Per host: requests, overlaps (arrived before the previous answer was written) and
    arrivals sooner than the delay after the previous one (10 ms of stamp noise allowed).
    Also where the busiest host's time went, from its first arrival to its last answer:
    the answers' latency, and the waits past the delay between two requests of one portal
    and between two portals (the next crawler's start)."""
    overlaps = close = private = 0
    gaps: list[float] = []
    per_host = {}
    first = min((r[0][0] for r in stamps.values() if r), default=0.0)
    last = max((max(e for _, e, _ in r) for r in stamps.values() if r), default=0.0)
    spent: dict[int, dict[str, float]] = {}
    for h, rows in stamps.items():
        rows = sorted(rows)
        per_host[h] = len(rows)
        private += sum(1 for _, _, p in rows if p.startswith("/private/"))
        within = between = 0.0
        for (s0, e0, p0), (s1, _, p1) in zip(rows, rows[1:]):
            overlaps += s1 < e0
            close += s1 - s0 < delay - 0.01
            gaps.append(s1 - s0)
            past = max(0.0, s1 - e0 - delay)  # the wait after the answer beyond the delay
            if p0.split("/")[1:2] == p1.split("/")[1:2] or p0 == "/robots.txt":
                within += past
            else:
                between += past
        if rows:
            spent[h] = {"span": rows[-1][1] - rows[0][0], "starts_after": rows[0][0] - first,
                        "latency": sum(e - s for s, e, _ in rows), "past_delay_in_portals": within,
                        "past_delay_between_portals": between}
    gaps.sort()
    busiest = max(spent.values(), key=lambda x: x["starts_after"] + x["span"], default={})
    return {"per_host": per_host, "overlaps": overlaps, "closer_than_delay": close,
            "min_gap_s": round(gaps[0], 3) if gaps else None,
            "gap_p01_s": round(gaps[len(gaps) // 100], 3) if gaps else None, "private_fetched": private,
            "first_to_last_answer_s": round(last - first, 2),
            "last_host": {k: round(v, 2) for k, v in busiest.items()}}


# --- the crawl --------------------------------------------------------------------------------

def spec(p: int, url: str, delay: float) -> dict[str, Any]:
    return {"portal_id": p, "agency": f"第{p}号局", "list_urls": [url], "download_delay": delay,
            "known": {}}


def via_batch(urls: dict[int, str], hosts: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """run_batch directly, the hosts partitioned among --processes children."""
    parts: list[list[dict[str, Any]]] = [[] for _ in range(args.processes)]
    for p, url in urls.items():
        parts[(p % hosts) % args.processes].append({"key": str(p), "spec": spec(p, url, args.delay)})
    results: list[Any] = [None] * args.processes
    conc = args.concurrency or -(-hosts // args.processes)

    def one(i: int) -> None:
        results[i] = run_batch(parts[i], snapshot_dir=tmp / "snapshots", out_path=tmp / f"items-{i}.jsonl",
                               concurrency=conc, time_budget=3600, timeout=4000)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.processes)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    found = 0
    for i in range(args.processes):  # each file read once (portal_items reads it per portal)
        found += sum(1 for it in read_items(tmp / f"items-{i}.jsonl") if it.get("type") == "document"
                     and it.get("status") == 200 and it.get("kind") == "page")
    ok = sum(1 for res, _ in results for r in res.values() if r.get("ok"))
    stats = [st for _, st in results]
    return {"wall_s": wall, "portals_ok": ok, "report_pages_found": found,
            "vmhwm_mb": max(st.get("vmhwm_kb", 0) for st in stats) / 1024,
            "cpu_s": sum(st.get("cpu_seconds", 0) for st in stats),
            "child_seconds": [st.get("seconds") for st in stats]}


class _Figures(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "batch", None):
            self.rows.append(record.batch)  # type: ignore[attr-defined]


def via_stage(urls: dict[int, str], hosts: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """The crawl stage: one crawl unit claims every run, crawls, ingests."""
    from sqlmodel import Session, func, select

    from ground.settings import Settings
    from models import Agency, CrawlRun, Document, Portal
    from models.db import get_engine, upgrade
    from workers.stages.crawl import schedule_crawl
    from workers.units import run_crawl_unit

    settings = Settings(data_dir=tmp / "var", crawl_download_delay=args.delay, crawl_batch_portals=len(urls),
                        crawl_batch_concurrency=args.concurrency or hosts, crawl_batch_seconds=3600,
                        _env_file=None)  # type: ignore[call-arg]
    upgrade(settings.effective_database_url)
    with Session(get_engine(settings.effective_database_url)) as s:
        for p, url in urls.items():
            a = Agency(name=f"第{p}号局")
            s.add(a)
            s.flush()
            s.add(Portal(agency_id=a.id, list_urls=[url], options={"download_delay": args.delay}))
        s.commit()
        runs = [schedule_crawl(s, portal_id=pid) for pid in s.exec(select(Portal.id).order_by(Portal.id))]
    figures = _Figures()
    logging.getLogger("gkwatch.crawl").addHandler(figures)
    logging.getLogger("gkwatch.crawl").setLevel(logging.INFO)
    t0 = time.monotonic()
    run_crawl_unit(settings, runs[0])
    wall = time.monotonic() - t0
    with Session(get_engine(settings.effective_database_url)) as s:
        done = s.exec(select(func.count()).select_from(CrawlRun).where(CrawlRun.state == "done")).one()
        found = s.exec(select(func.count()).select_from(Document).where(
            Document.kind == "page", Document.last_status == 200)).one()
    st = figures.rows[-1] if figures.rows else {}
    return {"wall_s": st.get("seconds") or wall, "stage_wall_s": wall, "portals_ok": done,
            "report_pages_found": found, "vmhwm_mb": st.get("vmhwm_kb", 0) / 1024,
            "cpu_s": st.get("cpu_seconds"), "ingest_s": wall - (st.get("seconds") or wall)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portals", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--delay", type=float, default=1.0, help="seconds between two requests to one host")
    ap.add_argument("--via", choices=("stage", "batch"), default="stage")
    ap.add_argument("--processes", type=int, default=1, help="--via batch: crawl child processes")
    ap.add_argument("--concurrency", type=int, default=0, help="portals in flight per process (default: its hosts)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args()
    if args.via == "stage" and args.processes != 1:
        ap.error("--via stage runs one crawl unit (one child process); use --via batch for several")
    hosts = min(args.hosts, args.portals)
    here, there = mp.Pipe()
    server = mp.get_context("fork").Process(target=serve, args=(hosts, args.portals, there, args.seed), daemon=True)
    server.start()
    ports = here.recv()
    urls = {p: f"http://{address(p % hosts)}:{ports[p % hosts]}/p{p}/index.html" for p in range(args.portals)}
    with tempfile.TemporaryDirectory(prefix="gkwatch-bench-crawl-") as tmp:
        out = (via_stage if args.via == "stage" else via_batch)(urls, hosts, args, Path(tmp))
    here.send("report")
    verdict = judge(here.recv(), args.delay)
    server.terminate()
    per_host = verdict.pop("per_host")
    requests = sum(per_host.values())
    limit = max(per_host.values()) * args.delay
    row = {"portals": args.portals, "hosts": hosts, "delay_s": args.delay, "via": args.via,
           "processes": args.processes, "requests": requests, "max_requests_per_host": max(per_host.values()),
           "politeness_limit_s": round(limit, 2), **{k: (round(v, 2) if isinstance(v, float) else v)
                                                      for k, v in out.items()},
           "wall_over_limit": round(out["wall_s"] / limit, 3) if limit else None,
           "requests_per_s": round(requests / out["wall_s"], 1), **verdict,
           "load_average": os.getloadavg()}
    if args.format == "json":
        print(json.dumps(row, ensure_ascii=False))
    else:
        for k, v in row.items():
            print(f"{k:>22}: {v}")
    good = (row["overlaps"] == 0 and row["private_fetched"] == 0 and row["portals_ok"] == args.portals
            and row["report_pages_found"] == 3 * args.portals)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
