"""Reading digit runs whose cells were fused together (crawler dumps, bad PDF text).

What was printed decides, never what adds up. Spaces and signs are hard boundaries and
no number has a leading zero; the possible splits of a run are enumerated (bounded: a
cell has at most ``max_digits`` digits and a run with more than ``MAX_SPLITS`` readings is
not read at all, so a 40-digit run costs milliseconds, not hours). Then, per cell:

1. every split gives the cell the same value → the cell is read with certainty
   (``split_forced``), whatever the row sums to — an agency's own arithmetic error stays
   visible;
2. otherwise plausibility that is no checked identity (``prefer``: digit counts, units)
   orders the splits, and the cell is uncertain (``split_chosen``, with its candidates);
3. only where the caller names the row's own total identity and exactly the splits
   satisfying it agree on the cell is it taken as ``split_assumed``: that identity is
   then circular for the row (the validator says ``not_assessable``), other checks are
   unaffected by how it was read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from workers.reading import SPLIT_ASSUMED, SPLIT_CHOSEN, SPLIT_FORCED, Reading

_TOKEN = re.compile(r"[-+]?\d+")
MAX_SPLITS = 4096
MAX_RUN_DIGITS = 160  # longer digit runs are no table row


@dataclass(frozen=True)
class Identity:
    """An arithmetic identity of the row (the one a validator rule checks)."""

    rule: str
    holds: Callable[[Sequence[int]], bool]


@dataclass(frozen=True)
class RunRead:
    values: list[int]
    cells: list[Reading]
    splits: int  # how many splits the digits allow (1 = forced)
    pool: tuple[tuple[int, ...], ...] = ()  # the splits still possible (several: not settled)

    @property
    def certain(self) -> bool:
        return all(c.certain for c in self.cells)


def tokens_of(text: str) -> list[str]:
    """'500000 5' → ['500000', '5']; '2648-18538' → ['2648', '-18538']; '0+11' → ['0', '+11']."""
    return _TOKEN.findall(text)


def _digits(tok: str) -> str:
    return tok.lstrip("+-")


def _ways(toks: tuple[str, ...], max_digits: int) -> Callable[[int, int, int], int]:
    """ways(ti, start, left): splits of the digits from token ``ti`` at ``start`` into
    ``left`` numbers (memoised; the listing below only walks into branches that end)."""
    @lru_cache(maxsize=None)
    def ways(ti: int, start: int, left: int) -> int:
        if ti == len(toks):
            return int(left == 0)
        tok = toks[ti]
        digits_left = sum(len(t) for t in toks[ti:]) - start
        if left <= 0 or left > digits_left:
            return 0
        total = 0
        stop = start + 1 if tok[start] == "0" else min(len(tok), start + max_digits)
        for end in range(start + 1, stop + 1):
            total += ways(ti + 1, 0, left - 1) if end == len(tok) else ways(ti, end, left - 1)
        return total
    return ways


def count_splits(tokens: Sequence[str], n: int, max_digits: int) -> int:
    """How many ways the tokens split into n numbers (dynamic programming, no listing)."""
    return _ways(tuple(_digits(t) for t in tokens if _digits(t)), max_digits)(0, 0, n)


def enumerate_splits(tokens: Sequence[str], n: int, max_digits: int = 7,
                     limit: int = MAX_SPLITS) -> list[tuple[int, ...]] | None:
    """Every split of the tokens into n integers (a sign stays with its token's first
    number), or None when there are more than ``limit`` (too ambiguous to read)."""
    toks = [t for t in tokens if _digits(t)]
    if sum(len(_digits(t)) for t in toks) > MAX_RUN_DIGITS:
        return None
    bodies = tuple(_digits(t) for t in toks)
    ways = _ways(bodies, max_digits)
    if ways(0, 0, n) > limit:
        return None
    out: list[tuple[int, ...]] = []

    def rec(ti: int, start: int, left: int, acc: list[int]) -> None:
        if ti == len(toks):
            out.append(tuple(acc))
            return
        body = bodies[ti]
        sign = -1 if toks[ti].startswith("-") else 1
        stop = start + 1 if body[start] == "0" else min(len(body), start + max_digits)
        for end in range(start + 1, stop + 1):
            nxt = (ti + 1, 0) if end == len(body) else (ti, end)
            if not ways(*nxt, left - 1):
                continue  # no split of the rest: do not walk there
            acc.append(int(body[start:end]) * (sign if start == 0 else 1))
            rec(*nxt, left - 1, acc)
            acc.pop()

    if ways(0, 0, n):
        rec(0, 0, n, [])
    return out


def read_run(tokens: Sequence[str], n: int, *, identity: Identity | None = None,
             prefer: Callable[[Sequence[int]], object] | None = None,
             max_digits: int = 7) -> RunRead | None:
    """The n cells of a digit run with a reading per cell, or None when the digits
    cannot make n cells (or allow too many readings to say anything)."""
    splits = enumerate_splits(tokens, n, max_digits)
    if not splits:
        return None
    if len(splits) == 1:
        return RunRead(list(splits[0]), [Reading(SPLIT_FORCED)] * n, 1, (splits[0],))
    holding = [s for s in splits if identity.holds(s)] if identity else []
    pool = holding or splits
    best = min(pool, key=prefer) if prefer else pool[0]
    cells: list[Reading] = []
    for j in range(n):
        every = sorted({s[j] for s in splits})
        if len(every) == 1:
            cells.append(Reading(SPLIT_FORCED))
        elif holding and len({s[j] for s in holding}) == 1:
            cells.append(Reading(SPLIT_ASSUMED, assumed=(identity.rule,),  # type: ignore[union-attr]
                                 why=f"{len(splits)} splits; only this one satisfies the row total",
                                 candidates=tuple(every)))
        else:
            cells.append(Reading(SPLIT_CHOSEN, certain=False,
                                 why=f"fused digits with {len(splits)} possible splits",
                                 candidates=tuple(every)))
    return RunRead(list(best), cells, len(splits), tuple(pool))


def row_total(rule: str, group: int) -> Identity:
    """Every consecutive group of ``group`` cells ends with the sum of the others
    (table 三: one group of 7, 总计 last; table 四: three groups of 5)."""
    def holds(vals: Sequence[int]) -> bool:
        for g in range(0, len(vals), group):
            chunk = vals[g:g + group]
            if len(chunk) != group or any(v < 0 for v in chunk) or sum(chunk[:-1]) != chunk[-1]:
                return False
        return True
    return Identity(rule, holds)


#: the identities a row's own cells satisfy (what T3-TOTALS and T4-TOTALS check)
T3_TOTAL = row_total("T3-TOTALS", 7)
T4_TOTAL = row_total("T4-TOTALS", 5)


def balanced(vals: Sequence[int]) -> tuple[int, int]:
    """Plausibility order of splits when nothing else tells: fewest digits in the
    longest cell, then the most even digit counts (a count cell rarely dwarfs its row)."""
    lens = [len(str(abs(v))) for v in vals]
    return max(lens), max(lens) - min(lens)
