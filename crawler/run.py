"""The process boundary of a crawl.

Twisted's reactor starts once per process (``ReactorNotRestartable``, practices.md), so
every crawl runs in a child process::

    python -m crawler.run --spec SPEC.json --out OUT.jsonl --snapshots DIR
    python -m crawler.run --batch BATCH.json --out OUT.jsonl --snapshots DIR [--summary S.jsonl]
                          [--concurrency N] [--time-budget SECONDS]

:func:`run_crawl` (one portal: ``discover``, tests) and :func:`run_batch` (many portals in
one process, :mod:`crawler.batch`: the crawl stage) are how Python code starts one.  The
child appends JSON lines to OUT (see :mod:`crawler.items`). ``--spec`` prints one JSON
summary line (finish reason, pages, bytes); exit status 0 done, 2 bad spec, 1 crash.
``--batch`` prints (and appends to S) one summary line per portal as it ends, then one
``{"batch": …}`` line; one portal's bad spec or crash is in its own line, not the exit status.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping

from crawler.spec import PortalSpec, load_spec
from ground.errors import ConfigError, CrawlError
from ground.procs import run_group

USER_AGENT = "gkwatch/0.1 (+government information-disclosure report monitor)"


def crawl_settings(spec: PortalSpec, *, snapshot_dir: Path, out_path: Path,
                   log_level: str = "WARNING") -> dict[str, Any]:
    """Scrapy settings for one portal; every politeness knob is set explicitly."""
    delay = spec.download_delay
    settings = {
        "BOT_NAME": "gkwatch",
        "USER_AGENT": USER_AGENT,
        # the library default is False (practices.md): we obey unless the spec says not
        "ROBOTSTXT_OBEY": spec.obey_robots,
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        # Scrapy starts this many asyncio tasks per response to handle its output (default
        # 100); a page yields a few links, and in a batch those tasks were most of the CPU
        "CONCURRENT_ITEMS": 8,
        "DOWNLOAD_DELAY": delay,
        # no jitter: Scrapy's jitter is ±50 % around the delay, so half the gaps would be
        # shorter than the delay the portal was promised; AutoThrottle only lengthens it
        "DOWNLOAD_DELAY_JITTER": 0.0,
        "AUTOTHROTTLE_ENABLED": True,
        # AutoThrottle's own default start delay (5 s) would override a small delay
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.0),
        "AUTOTHROTTLE_MAX_DELAY": max(30.0, delay * 10),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "CLOSESPIDER_PAGECOUNT": spec.page_budget,
        "DOWNLOAD_MAXSIZE": spec.max_document_bytes,
        "DOWNLOAD_WARNSIZE": min(spec.max_document_bytes, 10_000_000),
        "DOWNLOAD_TIMEOUT": 60,
        "RETRY_TIMES": 1,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19's remote control would open a listening port for every crawler
        "REMOTE_CONTROL_ENABLED": False,
        # that check reads each callback's source with ast for every response of a new
        # spider (~5 ms each): most of a batch's CPU; our callbacks return no values
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # only http(s) is ever fetched; every crawler would otherwise build the s3, ftp,
        # data and file handlers too (a third of a crawler's start-up in a batch)
        "DOWNLOAD_HANDLERS": {"s3": None, "ftp": None, "data": None, "file": None},
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
        # robots.txt read once per host and process (a batch crawls a host's portals in turn)
        "DOWNLOADER_MIDDLEWARES": {"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                                   "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
                                   "crawler.middlewares.OffHostRedirectMiddleware": 650},
        "EXTENSIONS": {"crawler.middlewares.DelayAfterAnswer": 500},
        "ITEM_PIPELINES": {"crawler.pipelines.ThreadedSnapshotPipeline": 300},
        "GKWATCH_SNAPSHOT_DIR": str(snapshot_dir),
        "GKWATCH_OUT_PATH": str(out_path),
    }
    if spec.list_kind != "auto":  # a kind may need more (the browser's download handler)
        from crawler.kinds import get_kind

        settings.update(get_kind(spec.list_kind).settings(spec))
    return settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__.splitlines()[0])
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--spec", help="portal spec JSON file: crawl one portal")
    what.add_argument("--batch", help="batch JSON file: crawl many portals in this one process")
    ap.add_argument("--out", required=True, help="JSON-lines output file (appended)")
    ap.add_argument("--snapshots", required=True, help="snapshot store directory")
    ap.add_argument("--summary", help="--batch: JSON-lines file each portal's summary is appended to")
    ap.add_argument("--concurrency", type=int, default=None, help="--batch: portals crawled at once")
    ap.add_argument("--time-budget", type=float, default=None, help="--batch: seconds for the whole batch")
    ap.add_argument("--log-level", default="WARNING")
    args = ap.parse_args(argv)
    out = Path(args.out)
    started, cpu = time.monotonic(), time.process_time()  # the batch's figures include Scrapy's start

    try:
        if args.spec:  # checked once, in the parent (PortalSpec.to_json)
            raw: Any = PortalSpec.from_json(Path(args.spec).read_text(encoding="utf-8"))
        else:
            raw = json.loads(Path(args.batch).read_text(encoding="utf-8"))
    except (OSError, ValueError, ConfigError) as exc:
        print(f"crawler.run: bad spec: {exc}", file=sys.stderr)
        return 2

    # Scrapy and Twisted load only here, in the crawl's child process: the worker or CLI
    # that starts a crawl never loads them (heavy, and Twisted's reactor is per process)
    from crawler.batch import Batch, Entry, parse_batch, peak_rss_kb

    if args.spec:  # one portal: a batch of one, with the exit status of old
        entries, options = [Entry(key="0", spec=raw, out=out)], {}
    else:
        try:
            entries, options = parse_batch(raw, out)
        except ValueError as exc:
            print(f"crawler.run: bad batch: {exc}", file=sys.stderr)
            return 2
    summary_fh = open(args.summary, "a", encoding="utf-8") if args.summary else None

    def emit(row: dict[str, Any]) -> None:
        line = json.dumps(row, ensure_ascii=False)
        if summary_fh is not None:  # written as each portal ends: a crash later keeps it
            summary_fh.write(line + "\n")
            summary_fh.flush()
        if args.batch:
            print(line, flush=True)

    batch = Batch(entries, snapshot_dir=Path(args.snapshots), settings_for=crawl_settings,
                  concurrency=args.concurrency or options.get("concurrency") or 16,
                  time_budget=args.time_budget if args.time_budget is not None
                  else float(options.get("time_budget") or 0), emit=emit, log_level=args.log_level)
    results = batch.run()
    if summary_fh is not None:
        summary_fh.close()
    if args.spec:
        row = results.get("0") or {"ok": False, "error": "no result"}
        if row.get("bad_spec"):
            print(f"crawler.run: {row['error']}", file=sys.stderr)
            return 2
        if not row.get("ok"):
            print(f"crawler.run: {row.get('error')}", file=sys.stderr)
            return 1
        print(json.dumps({k: v for k, v in row.items() if k not in ("key", "portal_id", "ok", "seconds")}))
        return 0
    print(json.dumps({"batch": {"portals": len(entries), "ok": sum(1 for r in results.values() if r.get("ok")),
                                "seconds": round(time.monotonic() - started, 3),
                                "cpu_seconds": round(time.process_time() - cpu, 3),
                                "vmhwm_kb": peak_rss_kb()}}), flush=True)
    return 0


def run_crawl(spec: PortalSpec | Mapping[str, Any], *, snapshot_dir: Path, out_path: Path,
              timeout: float = 600) -> list[dict[str, Any]]:
    """Crawl one portal in a child process and return the items it wrote (as JSON objects,
    :mod:`crawler.items`).

    A mapping is checked here, once (:func:`crawler.spec.load_spec`); the child gets the
    checked spec. Items already in ``out_path`` before the call are not returned (the file
    is appended to).  Raises :class:`CrawlError` on a bad spec, a crash or a timeout.
    """
    if not isinstance(spec, PortalSpec):
        url = (spec.get("list_urls") or [None])[0] if isinstance(spec, Mapping) else None
        try:
            spec = load_spec(spec)
        except ConfigError as exc:
            raise CrawlError(f"bad spec: {exc}", url=url if isinstance(url, str) else None) from exc
    url = spec.list_urls[0]
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    start = out_path.stat().st_size if out_path.exists() else 0
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        fh.write(spec.to_json())
        spec_file = fh.name
    cmd = [sys.executable, "-m", "crawler.run", "--spec", spec_file, "--out", str(out_path),
           "--snapshots", str(snapshot_dir)]
    try:
        # a process group of its own that dies with us: neither a timeout nor a kill -9 of
        # the service leaves a crawler running
        proc = run_group(cmd, timeout=timeout, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    except subprocess.TimeoutExpired as exc:
        raise CrawlError(f"crawl timed out after {timeout:g} s", url=url) from exc
    except OSError as exc:
        raise CrawlError(f"cannot start crawler process: {exc}", url=url) from exc
    finally:
        Path(spec_file).unlink(missing_ok=True)
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-5:]
        raise CrawlError(f"crawler exited with {proc.returncode}: {' | '.join(tail)}", url=url)
    return read_items(out_path, start)


def run_batch(portals: list[dict[str, Any]], *, snapshot_dir: Path, out_path: Path,
              concurrency: int, time_budget: float,
              timeout: float) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Crawl many portals in one child process; return each portal's result by its key,
    and the batch's own figures (seconds, CPU seconds, ``vmhwm_kb`` of the child).

    ``portals``: ``[{"key": str, "spec": {...}, "out": path?}]`` (items go to ``out``, else
    to ``out_path``; every item carries ``crawl_key`` and ``portal_id``). A result is the
    child's summary (``ok``, ``error``, ``skipped`` when the time budget ran out before the
    portal's turn, finish reason, pages, bytes) plus ``offset``: where its items start in
    its file. A portal the child never reported on (it crashed or was killed) gets
    ``ok: False`` with the reason; the others keep their results. Raises :class:`CrawlError`
    only when the child cannot be started at all.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    offsets: dict[str, int] = {}
    for p in portals:
        f = Path(p.get("out") or out_path)
        f.parent.mkdir(parents=True, exist_ok=True)
        offsets[str(p["key"])] = f.stat().st_size if f.exists() else 0
    with tempfile.TemporaryDirectory(prefix="gkwatch-batch-") as tmp:
        batch_file, summary = Path(tmp) / "batch.json", Path(tmp) / "summary.jsonl"
        batch_file.write_text(json.dumps({"portals": [{**p, "out": str(p.get("out") or out_path)}
                                                      for p in portals]}, ensure_ascii=False),
                              encoding="utf-8")
        cmd = [sys.executable, "-m", "crawler.run", "--batch", str(batch_file), "--out", str(out_path),
               "--snapshots", str(snapshot_dir), "--summary", str(summary),
               "--concurrency", str(concurrency), "--time-budget", str(time_budget)]
        why = ""
        try:
            proc = run_group(cmd, timeout=timeout, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
            if proc.returncode != 0:
                tail = (proc.stderr or "").strip().splitlines()[-5:]
                why = f"crawler exited with {proc.returncode}: {' | '.join(tail)}"
            batch_line = next((json.loads(line) for line in reversed((proc.stdout or "").splitlines())
                               if line.startswith('{"batch"')), {})
        except subprocess.TimeoutExpired:
            why, batch_line = f"crawl timed out after {timeout:g} s", {}
        except OSError as exc:
            raise CrawlError(f"cannot start crawler process: {exc}") from exc
        results = {str(r.get("key")): r for r in read_items(summary)}
    out: dict[str, dict[str, Any]] = {}
    for p in portals:
        key = str(p["key"])
        row = results.get(key) or {"key": key, "ok": False,
                                   "error": why or "the crawler process ended before this portal did"}
        out[key] = {**row, "offset": offsets[key], "out": str(p.get("out") or out_path)}
    return out, batch_line.get("batch", {})


def portal_items(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The items one portal of :func:`run_batch` wrote (its own, by ``crawl_key``)."""
    key = result.get("key")
    return [it for it in read_items(Path(result["out"]), int(result.get("offset") or 0))
            if it.get("crawl_key") == key]


def read_items(out_path: Path, offset: int = 0) -> list[dict[str, Any]]:
    """The JSON lines written after byte ``offset`` (a torn last line is ignored)."""
    if not out_path.exists():
        return []
    with out_path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read().decode("utf-8")
    items = []
    for line in data.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            items.append(json.loads(line))
        except ValueError:
            continue
    return items


if __name__ == "__main__":
    sys.exit(main())
