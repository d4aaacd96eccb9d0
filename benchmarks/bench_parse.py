"""Parse speed and memory per format, single process, on the shared corpus.

    .venv/bin/python benchmarks/bench_parse.py [--seconds 3] [--compare]

For every document of ../shared/corpus with a gold file it parses the document
repeatedly for about ``--seconds`` per format and prints documents per second, the
peak resident memory of a fresh process per format, and the cell accuracy of one
parse against the gold. ``--compare`` also runs pdfplumber's own ``extract_tables`` on
the same PDFs (``pip install pdfplumber``) and scores the rows it finds by the same
gold: a general-purpose extractor a user might reach for instead.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))


def corpus_docs() -> list[tuple[Path, Path]]:
    out = []
    for gold in sorted((CORPUS / "gold").glob("*.json")):
        for sub in ("seeds", "real"):
            for doc in (CORPUS / sub).glob(gold.stem + ".*"):
                if doc.suffix != ".tsv":
                    out.append((doc, gold))
    return out


def fmt_of(doc: Path) -> str:
    return {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "text", ".txt": "text",
            ".docx": "docx"}.get(doc.suffix.lower(), doc.suffix.lower().lstrip("."))


def gold_cells(report: dict) -> dict:
    out = {}
    for table in ("table3", "table4"):
        for row, vals in (report.get(table) or {}).items():
            for i, v in enumerate(vals):
                out[(table, row, i)] = v
    return out


def accuracy(pred: dict, gold: dict) -> tuple[int, int]:
    g, p = gold_cells(gold), gold_cells(pred)
    return sum(1 for k, v in g.items() if k in p and p[k] == v), len(g)


def bench_format(fmt: str, seconds: float) -> dict:
    """Runs inside a fresh process so that peak memory belongs to one format."""
    from workers.parse import parse_bytes

    docs = [(d, g) for d, g in corpus_docs() if fmt_of(d) == fmt]
    blobs = [(d.name, d.read_bytes(), json.loads(g.read_text(encoding="utf-8"))) for d, g in docs]
    ok = total = 0
    for name, data, gold in blobs:  # one scored pass (also warms imports)
        a, b = accuracy(parse_bytes(data, filename=name), gold)
        ok, total = ok + a, total + b
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for name, data, _ in blobs:
            parse_bytes(data, filename=name)
            n += 1
    elapsed = time.perf_counter() - start
    return {"format": fmt, "documents": len(blobs), "parses": n, "docs_per_s": n / elapsed,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "cells_ok": ok, "cells": total}


def pdfplumber_rows(data: bytes) -> list[list[int | None]]:
    import io

    import pdfplumber

    rows = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                for row in table:
                    nums = [c.strip() for c in row if c and c.strip()]
                    if nums and all(c.isdigit() for c in nums[-5:]):
                        rows.append([int(c) if c.isdigit() else None for c in nums])
    return rows


def bench_pdfplumber(seconds: float) -> dict:
    """pdfplumber's tables, scored as rows: a gold row counts if it appears as a row."""
    docs = [(d, json.loads(g.read_text(encoding="utf-8"))) for d, g in corpus_docs() if fmt_of(d) == "pdf"]
    found = total = 0
    for doc, gold in docs:
        rows = [tuple(r[-7:]) for r in pdfplumber_rows(doc.read_bytes())] + \
               [tuple(r[-5:]) for r in pdfplumber_rows(doc.read_bytes())]
        want = [tuple(v) for t in ("table3", "table4") for v in (gold.get(t) or {}).values()]
        found += sum(1 for w in want if w in rows)
        total += len(want)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for doc, _ in docs:
            pdfplumber_rows(doc.read_bytes())
            n += 1
    elapsed = time.perf_counter() - start
    return {"format": "pdf (pdfplumber extract_tables)", "documents": len(docs), "parses": n,
            "docs_per_s": n / elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rows_found": found, "rows": total}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--compare", action="store_true", help="also run pdfplumber on the PDFs")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        res = bench_pdfplumber(args.seconds) if args.one == "pdfplumber" else bench_format(args.one, args.seconds)
        print(json.dumps(res))
        return 0
    if not CORPUS.exists():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    formats = sorted({fmt_of(d) for d, _ in corpus_docs()})
    if args.compare:
        formats.append("pdfplumber")
    print(f"{'format':34} {'docs':>4} {'docs/s':>8} {'peak MB':>8}  accuracy")
    for fmt in formats:
        p = subprocess.run([sys.executable, __file__, "--one", fmt, "--seconds", str(args.seconds)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{fmt:34} failed: {p.stderr.strip().splitlines()[-1] if p.stderr else p.returncode}")
            continue
        r = json.loads(p.stdout)
        acc = (f"table 三/四 cells {r['cells_ok']}/{r['cells']}" if "cells" in r
               else f"table 三/四 rows found {r['rows_found']}/{r['rows']}")
        print(f"{r['format']:34} {r['documents']:4} {r['docs_per_s']:8.1f} {r['peak_rss_mb']:8.0f}  {acc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
