"""Settle table-三 rows whose fused digits still allow several splits.

A row's own digits and its own total leave some rows with several readings. They are
settled in two steps, weakest claim last:

1. Evidence that is no checked identity: the digit counts the same columns have in the
   rows that were read with certainty (a column whose certain cells have one digit
   rarely holds a three-digit number in a neighbouring row). The pick is uncertain —
   checks on it end in ``review`` — since a plausible reading is not a printed one.
2. Only where that leaves a tie: the column identities of the table (新收 + 结转 =
   总计 + 结转下年, results = 总计) pick the combination that satisfies most of them,
   if exactly one does. The cells so decided are ``assumed`` for those identities,
   whose checks on them are then ``not_assessable``.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Sequence

from workers.parse.layouts import Layouts
from workers.reading import SPLIT_ASSUMED, SPLIT_CHOSEN, Reading

MAX_COMBINATIONS = 4096
COLUMN_RULES = ("T3-BALANCE", "T3-RESULTS")


@dataclass
class Settle:
    values: list
    reads: list[Reading]
    pool: tuple = ()  # splits still possible; more than one = not settled yet


def _digits(v: object) -> int:
    return len(str(abs(v))) if isinstance(v, int) else 0


def _profile(rows: dict[str, Settle]) -> list[int]:
    """Most digits per column among the cells read with certainty (at least 1)."""
    prof = [1] * 7
    for r in rows.values():
        for c, (v, rd) in enumerate(zip(r.values, r.reads)):
            if rd.certain and c < 7:
                prof[c] = max(prof[c], _digits(v))
    return prof


def _excess(split: Sequence[int], prof: list[int]) -> int:
    return sum(max(0, _digits(v) - p) for v, p in zip(split, prof))


def _mark(row: Settle, chosen: tuple, pool: Sequence[tuple], how: str, why: str,
          assumed: tuple[str, ...] = ()) -> None:
    """Take ``chosen``; cells that differ within ``pool`` get the new reading."""
    if assumed and all(sum(s[:6]) == s[6] for s in pool):
        assumed = ("T3-TOTALS", *assumed)  # the pool itself was what the row total allowed
    reads = list(row.reads)
    for j in range(len(reads)):
        vals = {s[j] for s in pool}
        if len(vals) > 1:
            # offer every value the digits allow, not just those the pool kept
            reads[j] = Reading(how, certain=how != SPLIT_CHOSEN, assumed=assumed, why=why,
                               candidates=tuple(sorted(vals | set(reads[j].candidates))))
    row.values, row.reads, row.pool = list(chosen), reads, tuple(pool)


def _score(rows: dict[str, Settle], L: Layouts) -> int:
    left, right = L.t3_balance
    res = [k for k in rows if k.startswith("3.") and k != L.t3_results_total]
    s = 0
    for c in range(7):
        if all(k in rows for k in left + right):
            vals = [rows[k].values[c] for k in left + right]
            if None not in vals:
                s += sum(vals[:len(left)]) == sum(vals[len(left):])
        if L.t3_results_total in rows and res:
            vals = [rows[k].values[c] for k in res]
            tot = rows[L.t3_results_total].values[c]
            if None not in vals and tot is not None:
                s += sum(vals) == tot
    return s


def settle_table3(rows: dict[str, Settle], L: Layouts) -> None:
    """Settle, in place, the rows with several remaining splits (see module docstring)."""
    open_rows = [k for k, r in rows.items() if len(r.pool) > 1]
    if not open_rows:
        return
    prof = _profile(rows)
    tied: dict[str, list[tuple]] = {}
    for k in open_rows:
        r = rows[k]
        least = min(_excess(s, prof) for s in r.pool)
        best = [s for s in r.pool if _excess(s, prof) == least]
        if len(best) == 1:
            _mark(r, best[0], r.pool, SPLIT_CHOSEN,
                  "several splits; digit counts of the rows read with certainty chose")
        else:
            tied[k] = best
    n = 1
    for v in tied.values():
        n *= len(v)
    if not tied or n > MAX_COMBINATIONS:
        return
    keys = list(tied)
    scored = []
    for combo in product(*(tied[k] for k in keys)):
        trial = dict(rows)
        for k, split in zip(keys, combo):
            trial[k] = Settle(list(split), rows[k].reads)
        scored.append((_score(trial, L), combo))
    top = max(s for s, _ in scored)
    winners = [c for s, c in scored if s == top]
    if len(winners) == 1:
        for k, split in zip(keys, winners[0]):
            _mark(rows[k], split, tied[k], SPLIT_ASSUMED,
                  "several splits; the table's column identities chose", COLUMN_RULES)
    # else: left as read, uncertain cells and all (checks on them end in review)
