"""How much one crawl worker covers per hour with polite settings.

Generates the demo portal network, serves it on 127.0.0.1, and crawls every agency's
column once, one after the other, exactly as one ``celery worker -Q crawl -c 1`` would:
one ``crawler.run`` child process per portal, the default politeness (1 s download
delay per host, jittered, AutoThrottle, robots.txt obeyed). It prints the requests and
seconds per portal and the derived pages/hour and portals/hour::

    .venv/bin/python deploy/measure_crawl.py [--delay 1.0] [--portals N] [--format json]

The local server answers at once, so the figure is bounded by politeness and the child
process start, not by the network; real portals add their own response time.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def measure(*, delay: float = 1.0, portals: int | None = None) -> dict[str, Any]:
    """Crawl the demo portals sequentially with ``delay`` and return the figures."""
    from crawler.run import run_crawl
    from gkwatch.demo.site import build_site
    from gkwatch.sinks import StaticSite

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gkwatch-measure-") as tmp:
        root = Path(tmp)
        plan = build_site(root / "site", report_year=2025).to_dict()
        agencies = plan["agencies"][:portals] if portals else plan["agencies"]
        with StaticSite(root / "site") as site:
            for a in agencies:
                spec = {"portal_id": None, "agency": a["name"],
                        "list_urls": [site.base_url + p for p in a["list_paths"]],
                        "allowed_hosts": ["127.0.0.1"], "download_delay": delay, "obey_robots": True,
                        "page_budget": 200, "byte_budget": 50_000_000, "known": {}}
                before = len(site.requests)
                started = time.monotonic()
                run_crawl(spec, snapshot_dir=root / "snapshots", out_path=root / f"items-{len(rows)}.jsonl",
                          timeout=900)
                seconds = time.monotonic() - started
                requests = len(site.requests) - before
                rows.append({"agency": a["name"], "requests": requests, "seconds": round(seconds, 2)})
    total_req = sum(r["requests"] for r in rows)
    total_s = sum(r["seconds"] for r in rows)
    return {
        "download_delay": delay, "portals": len(rows), "requests": total_req, "seconds": round(total_s, 1),
        "requests_per_portal_median": statistics.median(r["requests"] for r in rows),
        "seconds_per_portal_median": statistics.median(r["seconds"] for r in rows),
        "pages_per_hour": round(total_req / total_s * 3600),
        "portals_per_hour": round(len(rows) / total_s * 3600),
        "per_portal": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=1.0, help="download delay per host, seconds")
    ap.add_argument("--portals", type=int, help="crawl only the first N demo portals")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    result = measure(delay=args.delay, portals=args.portals)
    if args.format == "json":
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for r in result["per_portal"]:
        print(f"{r['agency']:<24} {r['requests']:>4} requests {r['seconds']:>7.1f} s")
    print(f"{result['portals']} portals, {result['requests']} requests in {result['seconds']} s "
          f"(delay {result['download_delay']} s): {result['pages_per_hour']} pages/hour, "
          f"{result['portals_per_hour']} portals/hour per crawl worker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
