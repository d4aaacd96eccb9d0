"""The process boundary of a crawl.

Twisted's reactor starts once per process (``ReactorNotRestartable``, practices.md), so
every crawl runs in a child process::

    python -m crawler.run --spec SPEC.json --out OUT.jsonl --snapshots DIR

and :func:`run_crawl` is how Python code (Celery tasks, ``discover``) starts one.  The
child appends JSON lines to OUT (see :mod:`crawler.items`) and prints one JSON summary
line (finish reason, pages, bytes) on stdout.  Exit status: 0 done, 2 bad spec, 1 crash.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5 if delay > 0 else 0.0,
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
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.OffHostRedirectMiddleware": 650},
        "ITEM_PIPELINES": {"crawler.pipelines.SnapshotJsonLinesPipeline": 300},
        "GKWATCH_SNAPSHOT_DIR": str(snapshot_dir),
        "GKWATCH_OUT_PATH": str(out_path),
    }
    if spec.list_kind != "auto":  # a kind may need more (the browser's download handler)
        from crawler.kinds import get_kind

        settings.update(get_kind(spec.list_kind).settings(spec))
    return settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="portal spec JSON file")
    ap.add_argument("--out", required=True, help="JSON-lines output file (appended)")
    ap.add_argument("--snapshots", required=True, help="snapshot store directory")
    ap.add_argument("--log-level", default="WARNING")
    args = ap.parse_args(argv)

    try:
        spec = PortalSpec.from_json(Path(args.spec).read_text(encoding="utf-8"))
    except (OSError, ConfigError) as exc:
        print(f"crawler.run: bad spec: {exc}", file=sys.stderr)
        return 2

    # Scrapy and Twisted load only here, in the crawl's child process: the worker or CLI
    # that starts a crawl never loads them (heavy, and Twisted's reactor is per process)
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.annual_reports import AnnualReportsSpider

    try:
        settings = crawl_settings(spec, snapshot_dir=Path(args.snapshots), out_path=Path(args.out),
                                  log_level=args.log_level)
    except ConfigError as exc:  # a kind that cannot run here (no chromium)
        print(f"crawler.run: bad spec: {exc}", file=sys.stderr)
        return 2
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(AnnualReportsSpider)
    process.crawl(crawler, spec=spec)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    summary = {
        "finish_reason": stats.get("finish_reason"),
        "responses": stats.get("response_received_count", 0),
        "bytes": stats.get("gkwatch/bytes", 0),
        "items": stats.get("item_scraped_count", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "offhost_redirects": stats.get("gkwatch/offhost_redirects", 0),
        "list_pages_capped": stats.get("gkwatch/list_pages_capped", 0),
        "spider_exceptions": stats.get("spider_exceptions", 0)
        if isinstance(stats.get("spider_exceptions"), int) else
        sum(v for k, v in stats.items() if k.startswith("spider_exceptions/")),
    }
    print(json.dumps(summary))
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
