"""Discovery and crawl of the fixture city (gkwatch/demo/cityserve.py: 30 bodies, 5 hosts).

    .venv/bin/python benchmarks/bench_city.py [--delay 0]

Prints: `portals discover` from the home page (bodies found, right kind / column / portal
kind, requests, seconds), then one crawl per discovered portal (the spider in its child
process, as the crawl stage runs it): reports found with the planted publication date,
attachments fetched, requests per host, requests off the city (must be 0), seconds per
portal kind.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.run import run_crawl  # noqa: E402
from crawler.survey import survey  # noqa: E402
from gkwatch.demo.cityserve import CityServer  # noqa: E402
from gkwatch.portals_io import survey_entries  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=0.0, help="seconds between requests to one host")
    args = ap.parse_args()
    with CityServer() as city, tempfile.TemporaryDirectory() as tmp:
        plan = {r["name"]: r for r in city.plan()}
        t0 = time.perf_counter()
        found = survey(city.url("www", "/"), delay=args.delay)
        t_disc = time.perf_counter() - t0
        right = sum(1 for b in found.bodies if (p := plan.get(b.name))
                    and (p["kind"], p["column"], p["portal"]) == (b.kind, b.column_url, b.list_kind))
        print(f"discover: {len(found.bodies)}/{len(plan)} bodies, {right} with the right kind, column and "
              f"portal kind, {len(found.fetched)} requests, {t_disc:.2f} s")
        n_before = len(city.requests)
        per_kind: dict[str, float] = defaultdict(float)
        got = want = atts = 0
        t0 = time.perf_counter()
        for e in survey_entries(found):
            spec = {"list_urls": e["list_urls"], "download_delay": args.delay, "known": {},
                    **{k: e[k] for k in ("render", "api") if e.get(k)}}
            t1 = time.perf_counter()
            items = run_crawl(spec, snapshot_dir=Path(tmp) / "s", out_path=Path(tmp) / f"{e['name']}.jsonl")
            per_kind[plan[e["name"]]["portal"]] += time.perf_counter() - t1
            docs = {it["url"]: it for it in items if it.get("type") == "document"}
            for rep in plan[e["name"]]["reports"]:
                want += 1
                d = docs.get(rep["url"])
                got += bool(d and d["status"] == 200 and d["published_at"] == rep["published"])
            atts += sum(1 for d in docs.values() if d["parent_url"] and d["status"] == 200)
        t_crawl = time.perf_counter() - t0
        hosts = Counter(h for h, _, _ in city.requests[n_before:])
        print(f"crawl: {got}/{want} reports with the planted date, {atts} attachments, "
              f"{sum(hosts.values())} requests {dict(hosts)}, off the city: {hosts.get('ext', 0)}, {t_crawl:.1f} s")
        print("seconds per kind: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(per_kind.items())))
    return 0 if got == want and right == len(plan) else 1


if __name__ == "__main__":
    sys.exit(main())
