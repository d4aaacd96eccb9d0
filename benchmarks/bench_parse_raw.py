"""gkwatch's parse against the raw-extraction limit, side by side in one process.

    .venv/bin/python benchmarks/bench_parse_raw.py [--repeats 15] [--pin] [--cold] [--wall] [--fast-raw] [--memory]

For each document the same bytes go through two paths, alternately, after a warm-up run:

- **raw**: what any reader of the file must at least do. HTML: decode, lxml parse, the
  text of every table cell (``text_content`` of each ``td``/``th``), by lxml's usual entry
  (``lxml.html.document_fromstring`` of the decoded text; ``--fast-raw``: by its fastest,
  UTF-8 bytes to a plain ``etree.HTMLParser``, the way the extractor parses). PDF: pypdfium2 opens
  the file and reads the text of every page.
- **full**: ``workers.parse.parse_bytes`` — what ``gkwatch parse`` does: extract (with
  glyph boxes and ruling lines for PDFs) and parse into the canonical report.

It prints the median of each per document, their ratio, and per format the ratio of the
summed medians. Times are the process's CPU time (``--wall``: wall clock). Documents: the corpus's HTML and text-layer PDFs (``../shared/corpus/real``),
the Word-exported page 015 also transcoded to GBK as a GBK portal would serve it, and pages
and PDFs of the demo generator (a GBK ``art`` page with Word markup, a UTF-8 ``trs`` page).

``--memory`` instead runs a fresh child process with a worker's imports that parses and
checks every corpus document (all formats with a gold file) and the generated ones, and
prints the child's peak resident memory (``VmHWM``) after imports and after parsing.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Doc = tuple[str, str, bytes]  # (name, format "html" | "pdf", bytes)


def _gbk_page(data: bytes) -> bytes:
    """A UTF-8 page as a GBK portal serves it: transcoded, charset declared GBK."""
    text = data.decode("utf-8").replace('charset="utf-8"', 'charset="gbk"')
    return text.encode("gbk", errors="xmlcharrefreplace")


def generated_docs(seeds: int = 2) -> list[Doc]:
    from datetime import datetime

    from gkwatch.demo.pages import Column, Item, detail_page
    from gkwatch.demo.render_html import article_html
    from gkwatch.demo.render_office import render_pdf
    from gkwatch.demo.reports import make_history

    out: list[Doc] = []
    for seed in range(seeds):
        name = f"演示县第{seed}局"
        report = make_history(name, "部门", [2024], seed=seed)[2024]
        for style, flavour in (("art", "word"), ("trs", "plain")):
            col = Column(site_name="演示县人民政府门户网站", agency=name, style=style,
                         list_dir="/x/", col_id=1)
            item = Item(title=f"{name}2024年政府信息公开工作年度报告", path="/x/1.html",
                        published=datetime(2025, 1, 20, 9, 0),
                        body_html=article_html(report, seed=seed, flavour=flavour), doc_id=seed)
            enc = "gbk" if style == "art" else "utf-8"
            out.append((f"demo-{style}-{flavour}-{seed}.html", "html",
                        detail_page(col, item, f"000-{seed}").encode(enc, errors="xmlcharrefreplace")))
        out.append((f"demo-{seed}.pdf", "pdf", render_pdf(report, seed=seed)))
    return out


def corpus_docs() -> list[Doc]:
    real = CORPUS / "real"
    out: list[Doc] = []
    for p in sorted(real.glob("*.html")) + sorted(real.glob("*.pdf")):
        out.append((p.name, p.suffix.lstrip("."), p.read_bytes()))
        if p.name.startswith("015_"):  # the Word-exported page, as a GBK portal serves it
            out.append((p.stem + "-gbk.html", "html", _gbk_page(p.read_bytes())))
    return out


def raw_html(data: bytes) -> int:
    import lxml.html

    from workers.extract.textenc import decode

    text, _ = decode(data, None, html=True)
    root = lxml.html.document_fromstring(text)
    return sum(len(el.text_content()) for el in root.iter("td", "th"))


def raw_html_fast(data: bytes) -> int:
    """``raw_html`` by lxml's fastest entry (``--fast-raw``): the decoded page as UTF-8
    bytes to a plain ``etree.HTMLParser``, each cell's text serialised by libxml2. This
    is how gkwatch's extractor parses, so the ratio shows what its reading adds to the
    parse it does."""
    from lxml import etree

    from workers.extract.textenc import decode

    text, _ = decode(data, None, html=True)
    root = etree.fromstring(text.encode("utf-8"), _fast_parser())
    return sum(len(etree.tostring(el, method="text", encoding="unicode", with_tail=False))
               for el in root.iter("td", "th"))


_PARSERS: list = []


def _fast_parser():
    if not _PARSERS:
        from lxml import etree

        _PARSERS.append(etree.HTMLParser(encoding="utf-8"))
    return _PARSERS[0]


def raw_pdf(data: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    n = 0
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            n += len(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        pdf.close()
    return n


def full(name: str, data: bytes) -> dict:
    from workers.parse import parse_bytes

    return parse_bytes(data, filename=name)


#: the clock: this process's CPU time by default, so that other jobs on a shared machine
#: (which take the cores away, not work from this process) move the figures less
CLOCK: Callable[[], float] = time.process_time


def _timed(fn: Callable[[], object], samples: list[float]) -> None:
    t0 = CLOCK()
    fn()
    samples.append((CLOCK() - t0) * 1000)


def side_by_side(docs: list[Doc], repeats: int, cold: bool = False, fast_raw: bool = False) -> dict:
    """Median ms of each path per document. ``cold``: the parser's caches of label and
    cell readings are emptied before each full run, as for a document whose labels were
    never seen (a worker's caches are warm with the standard labels after its first
    reports; warm repeats of one document hit them for every cell)."""
    from workers.parse.normalize import clear_caches

    rows = []
    for name, fmt, data in docs:
        raw = (raw_html_fast if fast_raw else raw_html) if fmt == "html" else raw_pdf
        raw(data), full(name, data)  # warm: imports, layouts, lxml/pdfium caches
        r: list[float] = []
        f: list[float] = []
        for _ in range(repeats):  # alternate, so that load from other jobs hits both alike
            _timed(lambda raw=raw, data=data: raw(data), r)
            if cold:
                clear_caches()
            _timed(lambda name=name, data=data: full(name, data), f)
        rows.append({"document": name, "format": fmt, "kb": len(data) // 1024,
                     "raw_ms": statistics.median(r), "full_ms": statistics.median(f)})
    totals = {}
    for fmt in ("html", "pdf"):
        sel = [x for x in rows if x["format"] == fmt]
        if sel:
            raw_t, full_t = sum(x["raw_ms"] for x in sel), sum(x["full_ms"] for x in sel)
            totals[fmt] = {"raw_ms": raw_t, "full_ms": full_t, "ratio": full_t / raw_t}
    return {"documents": rows, "totals": totals}


def _vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_child() -> dict:
    """In a fresh process: peak RSS after a worker's imports (the Celery app, its tasks and
    stages, the extractors), then after parsing and checking every document, as the
    process stage does."""
    import lxml.html  # noqa: F401
    import pypdfium2  # noqa: F401

    import workers.extract.html
    import workers.extract.pdf
    import workers.stages.process
    import workers.tasks  # noqa: F401
    from ground.errors import DocumentError
    from workers.parse import parse_bytes
    from workers.pipeline import check_report

    after_imports = _vmhwm_mb()
    docs: list[tuple[str, bytes]] = []
    for gold in sorted((CORPUS / "gold").glob("*.json")):
        for sub in ("seeds", "real"):
            docs += [(p.name, p.read_bytes()) for p in (CORPUS / sub).glob(gold.stem + ".*")
                     if p.suffix != ".tsv"]
    docs += [(n, d) for n, _, d in generated_docs() + corpus_docs() if n.endswith("-gbk.html")
             or n.startswith("demo-")]
    failed = 0
    for name, data in docs:
        try:
            check_report(parse_bytes(data, filename=name))
        except DocumentError:
            failed += 1
    return {"documents": len(docs), "failed": failed, "vmhwm_after_imports_mb": round(after_imports, 1),
            "vmhwm_after_parsing_mb": round(_vmhwm_mb(), 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15, help="timed runs of each path per document")
    ap.add_argument("--pin", action="store_true", help="run on one core (os.sched_setaffinity)")
    ap.add_argument("--cold", action="store_true", help="empty the parser's caches before each full run")
    ap.add_argument("--wall", action="store_true", help="time by the wall clock instead of CPU time")
    ap.add_argument("--memory", action="store_true", help="peak memory of a child parsing the corpus")
    ap.add_argument("--fast-raw", action="store_true",
                    help="HTML raw path by lxml's fastest entry (UTF-8 bytes, plain parser), as the extractor parses")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    if args.memory_child:
        print(json.dumps(memory_child()))
        return 0
    if args.memory:
        p = subprocess.run([sys.executable, __file__, "--memory-child"], capture_output=True, text=True,
                           check=True)
        res = json.loads(p.stdout)
        print(json.dumps(res) if args.json else
              f"{res['documents']} documents parsed ({res['failed']} refused) in one child process: "
              f"VmHWM {res['vmhwm_after_imports_mb']:.0f} MB after imports, "
              f"{res['vmhwm_after_parsing_mb']:.0f} MB after parsing")
        return 0
    if args.wall:
        global CLOCK
        CLOCK = time.perf_counter
    if args.pin:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    res = side_by_side(corpus_docs() + generated_docs(), args.repeats, cold=args.cold, fast_raw=args.fast_raw)
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
        return 0
    print(f"{'document':44} {'KB':>5} {'raw ms':>8} {'full ms':>8} {'ratio':>6}")
    for x in res["documents"]:
        print(f"{x['document']:44} {x['kb']:5} {x['raw_ms']:8.2f} {x['full_ms']:8.2f} "
              f"{x['full_ms'] / x['raw_ms']:6.2f}")
    for fmt, t in res["totals"].items():
        print(f"{'TOTAL ' + fmt:44} {'':5} {t['raw_ms']:8.2f} {t['full_ms']:8.2f} {t['ratio']:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
