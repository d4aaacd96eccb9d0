"""Splitting digit strings whose cells were fused together (crawler dumps, bad PDF text).

Spaces and a minus sign are hard boundaries; no number has a leading zero; the table's
own arithmetic (总计 = sum of the other cells) decides between the possible splits.
"""
from __future__ import annotations

import re
from itertools import product
from typing import Callable, Iterator

_TOKEN = re.compile(r"-?\d+")
MAX_CANDIDATES = 200


def _splits(s: str, n: int) -> Iterator[list[int]]:
    """All ways to cut one digit string into n non-negative integers without leading zeros."""
    if n == 0:
        if not s:
            yield []
        return
    if len(s) < n:
        return
    neg = s.startswith("-")
    body = s[1:] if neg else s
    for i in range(1, len(body) - (n - 1) + 1):
        head = body[:i]
        if len(head) > 1 and head[0] == "0":
            break
        for rest in _splits(body[i:], n - 1):
            yield [-int(head) if neg else int(head)] + rest


def split_tokens(tokens: list[str], n: int, ok: Callable[[list[int]], bool] | None = None,
                 limit: int = MAX_CANDIDATES) -> list[list[int]]:
    """Split space/minus-separated digit tokens into n integers satisfying ``ok``."""
    tokens = [t for t in tokens if t]
    out: list[list[int]] = []

    def rec(i: int, left: int, acc: list[int]) -> None:
        if len(out) >= limit:
            return
        if i == len(tokens):
            if left == 0 and (ok is None or ok(acc)):
                out.append(list(acc))
            return
        remaining = len(tokens) - i - 1
        digits = len(tokens[i].lstrip("-"))
        for k in range(1, min(digits, left - remaining) + 1):
            for part in _splits(tokens[i], k):
                rec(i + 1, left - k, acc + part)

    rec(0, n, [])
    return out


def tokens_of(text: str) -> list[str]:
    """'500000 5' → ['500000', '5']; '2648-18538' → ['2648', '-18538']."""
    return _TOKEN.findall(text)


def total_ok(group: int) -> Callable[[list[int]], bool]:
    """Every consecutive group of ``group`` cells ends with the sum of the others."""
    def ok(vals: list[int]) -> bool:
        for g in range(0, len(vals), group):
            chunk = vals[g:g + group]
            if len(chunk) != group or any(v < 0 for v in chunk) or sum(chunk[:-1]) != chunk[-1]:
                return False
        return True
    return ok


def choose_table3(cands: dict[str, list[list[int]]], balance: tuple[tuple[str, ...], tuple[str, ...]],
                  total_key: str, result_keys: list[str]) -> tuple[dict[str, list[int]], list[str]]:
    """Pick one split per row; ambiguous rows are resolved by the column identities
    (1+2 == 总计+结转, sum of results == 总计). Returns (rows, ambiguous keys left)."""
    chosen = {k: v[0] for k, v in cands.items() if v}
    amb = [k for k, v in cands.items() if len(v) > 1]
    if not amb:
        return chosen, []
    if len(amb) > 8:
        return chosen, amb

    def score(rows: dict[str, list[int]]) -> int:
        s = 0
        if any(v is None for r in rows.values() for v in r):
            return 0
        left, right = balance
        if all(k in rows for k in left + right):
            for c in range(7):
                s += sum(rows[k][c] for k in left) == sum(rows[k][c] for k in right)
        res = [k for k in result_keys if k in rows]
        if total_key in rows and res:
            for c in range(7):
                s += sum(rows[k][c] for k in res) == rows[total_key][c]
        return s

    best, best_s, ties = None, -1, 0
    options = [cands[k][:12] for k in amb]
    for combo in product(*options):
        trial = dict(chosen)
        trial.update(zip(amb, combo))
        sc = score(trial)
        if sc > best_s:
            best, best_s, ties = trial, sc, 1
        elif sc == best_s:
            ties += 1
    assert best is not None
    if ties > 1:
        return best, amb
    return best, []
