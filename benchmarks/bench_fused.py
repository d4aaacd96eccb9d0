"""Cost of reading fused digit runs, the worst case of crawler dumps.

    .venv/bin/python benchmarks/bench_fused.py

For runs of 7 to 160 digits (into the 7 cells of a table-三 row and the 15 of table 四)
it prints how many splits the digits allow (counted, not listed), whether the run is read
or refused as too ambiguous, and the time per reading (median of repeated calls), then
the time of `parse_bytes` on a whole dump whose row 一 is a 40-digit run.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.parse.fused import MAX_SPLITS, count_splits, read_run, row_total  # noqa: E402


def timed(fn, repeat: int = 20) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    print(f"{'digits':>6} {'cells':>5} {'splits':>14} {'read':>6} {'ms':>8}")
    for digits in (7, 9, 12, 20, 30, 40, 80, 160):
        for cells, rule in ((7, row_total("T3-TOTALS", 7)), (15, row_total("T4-TOTALS", 5))):
            run = ("1234567890" * 16)[:digits]
            n = count_splits([run], cells, 7)
            got = read_run([run], cells, identity=rule)
            ms = 1000 * timed(lambda: read_run([run], cells, identity=rule))
            print(f"{digits:>6} {cells:>5} {n:>14} {'yes' if got else 'no':>6} {ms:>8.2f}")
    from workers.parse import parse_bytes
    sys.path.insert(0, str(ROOT))
    from tests.support.reports import text_report
    flat = text_report().replace("\n", "").replace("\t", "")
    flat = flat.replace("申请数量4100005", "申请数量" + "1234567890" * 4)
    data = flat.encode()
    ms = 1000 * timed(lambda: parse_bytes(data, filename="dump.txt"), repeat=10)
    print(f"parse_bytes of a dump with a 40-digit row 一: {ms:.1f} ms (cap {MAX_SPLITS} readings per run)")


if __name__ == "__main__":
    main()
