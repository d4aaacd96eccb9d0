"""Seconds per page, peak memory and cells right of each OCR engine on the same scans.

    .venv/bin/python benchmarks/bench_ocr.py [--seeds 2]

Scans are made by ``gkwatch.demo.render_scan`` (150 dpi greyscale JPEG, no text layer).
Each engine runs in its own process pinned to one core (``os.sched_setaffinity``), so
peak RSS is that engine's alone and the time is single-core time.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(engine: str, seeds: int) -> None:
    os.sched_setaffinity(0, {0})
    os.environ["GKWATCH_OCR_ENGINE"] = engine
    os.environ["GKWATCH_OCR_THREADS"] = "1"
    from gkwatch.demo.render_scan import render_scan
    from gkwatch.demo.reports import Stock, make_report
    from workers.parse import parse_bytes
    from ground.errors import DocumentError

    right = total = pages = 0
    spent = 0.0
    for seed in range(seeds):
        rep, _ = make_report(f"测试{seed}局", 2022, "本级政府", seed=seed, stock=Stock((0,) * 6, 0, 12))
        data = render_scan(rep, seed=seed)
        t0 = time.monotonic()
        try:
            got = parse_bytes(data, filename="scan.pdf")
        except DocumentError:
            got = {}
        spent += time.monotonic() - t0
        pages += int((got.get("source") or {}).get("pages") or 2)
        for table in ("table3", "table4"):
            for key, row in rep[table].items():
                read = (got.get(table) or {}).get(key) or []
                total += len(row)
                right += sum(1 for j, v in enumerate(row) if j < len(read) and read[j] == v)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"engine": engine, "pages": pages, "s_per_page": spent / pages,
                      "peak_mb": peak, "right": right, "cells": total}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.seeds)
    rows = []
    for engine in ("rapidocr", "tesseract"):
        out = subprocess.run([sys.executable, __file__, "--child", engine, "--seeds", str(a.seeds)],
                             capture_output=True, text=True, cwd=ROOT)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("{")), None)
        if line is None:
            print(engine, "failed:", out.stderr[-500:])
            continue
        rows.append(json.loads(line))
    print(f"{'engine':<10} {'pages':>5} {'s/page':>7} {'peak MB':>8} {'cells right':>14}")
    for r in rows:
        print(f"{r['engine']:<10} {r['pages']:>5} {r['s_per_page']:>7.1f} {r['peak_mb']:>8.0f} "
              f"{r['right']:>6}/{r['cells']:<5} {r['right'] / r['cells']:>5.0%}")


if __name__ == "__main__":
    main()
