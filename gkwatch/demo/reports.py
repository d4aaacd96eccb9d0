"""Fictional but internally consistent annual reports (``gkwatch.report/1`` dicts).

``make_report``/``make_history`` write the 2021 layout (the demo's); ``make_report_2019``
writes the older 〔2019〕60号 layout (table 二 with item counts and their yearly change,
which may be negative, and 政府集中采购 in 元; table 三 with one （六）其他处理 row).

Everything is drawn from a ``random.Random`` seeded with a string, so the same seed gives
the same reports on every machine (string seeds do not depend on PYTHONHASHSEED).

Consistency means the checks of shared/spec/rules.md pass: T3-BALANCE, T3-RESULTS,
T3-TOTALS, T4-TOTALS, and across years X-CARRY / X-STOCK (a history is generated as a
chain: this year's 上年结转 is last year's 结转下年度, stocks roll forward).
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

from gkwatch.demo.layout import LAYOUTS, RESULT_KEYS, T3_KEYS, T4_GROUPS
from ground.contracts import REPORT_SCHEMA

SCHEMA = REPORT_SCHEMA
Report = dict[str, Any]

#: how busy each kind of body is (new applications per year, before jitter)
_SCALE = {"本级政府": (40, 110), "部门": (4, 45), "乡镇街道": (0, 9)}
#: applicant mix: 自然人 dominate, then 商业企业; the rest are rare
_APPLICANT_WEIGHTS = (0.82, 0.12, 0.01, 0.01, 0.02, 0.02)
#: which results are common (weights for 3.1, 3.2, 3.3.1 … 3.6.3, in RESULT_KEYS order)
_RESULT_WEIGHTS = {
    "3.1": 40, "3.2": 8, "3.3.1": 0.3, "3.3.2": 0.3, "3.3.3": 0.5, "3.3.4": 1.5, "3.3.5": 1.5,
    "3.3.6": 1.5, "3.3.7": 0.5, "3.3.8": 1, "3.4.1": 18, "3.4.2": 3, "3.4.3": 2, "3.5.1": 3,
    "3.5.2": 2, "3.5.3": 0.5, "3.5.4": 0.5, "3.5.5": 0.5, "3.6.1": 2, "3.6.2": 0.2, "3.6.3": 2,
    "3.6": 4,  # the single （六）其他处理 row of the 2019 form
}


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator private to one (seed, agency, year, purpose): order-independent."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


@dataclass(frozen=True)
class Stock:
    """What one year hands to the next: open applications and documents in force."""

    carry: tuple[int, ...]          # 结转下年度, six applicant columns
    rules_in_force: int
    documents_in_force: int


def _split(rng: random.Random, total: int, weights: tuple[float, ...]) -> list[int]:
    """Distribute ``total`` items over ``len(weights)`` bins (a seeded multinomial draw)."""
    out = [0] * len(weights)
    for _ in range(total):
        out[rng.choices(range(len(weights)), weights=weights)[0]] += 1
    return out


def _row(cells: list[int]) -> list[int]:
    return [*cells, sum(cells)]


def _table3(rng: random.Random, kind: str, carry_in: tuple[int, ...],
            result_keys: tuple[str, ...] = RESULT_KEYS, t3_keys: tuple[str, ...] = T3_KEYS
            ) -> dict[str, list[int]]:
    lo, hi = _SCALE[kind]
    new = _split(rng, rng.randint(lo, hi), _APPLICANT_WEIGHTS)
    handled = [n + c for n, c in zip(new, carry_in)]
    # a few applications received late in December stay open
    carry_out = [rng.choice((0, 0, 0, 1)) if h else 0 for h in handled]
    carry_out = [min(c, h) for c, h in zip(carry_out, handled)]
    weights = tuple(_RESULT_WEIGHTS[k] for k in result_keys)
    results = {k: [0] * 6 for k in result_keys}
    for col in range(6):
        for key, n in zip(result_keys, _split(rng, handled[col] - carry_out[col], weights)):
            results[key][col] = n
    t3: dict[str, list[int]] = {"1": _row(new), "2": _row(list(carry_in))}
    for key in result_keys:
        t3[key] = _row(results[key])
    t3["3.7"] = _row([handled[c] - carry_out[c] for c in range(6)])
    t3["4"] = _row(carry_out)
    return {k: t3[k] for k in t3_keys}


def _table4(rng: random.Random, kind: str) -> dict[str, list[int]]:
    busy = {"本级政府": 4, "部门": 2, "乡镇街道": 1}[kind]
    out = {}
    for group in T4_GROUPS:
        cells = [rng.randint(0, busy) if rng.random() < 0.5 else 0,
                 1 if rng.random() < 0.15 else 0,
                 rng.randint(0, 1) if rng.random() < 0.3 else 0,
                 rng.randint(0, 1) if rng.random() < 0.3 else 0]
        out[group] = [*cells, sum(cells)]
    return out


def _table2(rng: random.Random, kind: str, stock: Stock) -> tuple[dict[str, Any], Stock]:
    # county-level bodies have no rule-making power: 规章 stays 0 (T2-POWER)
    if kind == "乡镇街道":
        issued, repealed = rng.randint(0, 1), 0
        licensing, punishment, coercion = rng.randint(0, 40), rng.randint(0, 25), rng.randint(0, 3)
        fees = 0
    else:
        issued = rng.randint(2, 12) if kind == "本级政府" else rng.randint(0, 5)
        repealed = rng.randint(0, min(issued + 1, stock.documents_in_force))
        licensing = rng.randint(50, 900) if kind == "本级政府" else rng.randint(0, 400)
        punishment = rng.randint(0, 300)
        coercion = rng.randint(0, 30)
        fees = round(rng.uniform(5, 900), 2) if rng.random() < 0.6 else 0
    docs = stock.documents_in_force + issued - repealed
    t2 = {
        "rules": {"issued": 0, "repealed": 0, "in_force": stock.rules_in_force},
        "normative_documents": {"issued": issued, "repealed": repealed, "in_force": docs},
        "licensing": {"decisions": licensing},
        "punishment": {"decisions": punishment},
        "coercion": {"decisions": coercion},
        "fees": {"amount": fees},
    }
    return t2, Stock(stock.carry, stock.rules_in_force, docs)


def make_report(agency: str, year: int, kind: str, *, seed: int, stock: Stock) -> tuple[Report, Stock]:
    """One year's report, continuing from ``stock``; returns it and the stock it leaves."""
    rng = rng_for(seed, agency, year, "report")
    t2, stock2 = _table2(rng, kind, stock)
    t3 = _table3(rng, kind, stock.carry)
    report: Report = {
        "schema": SCHEMA, "agency": agency, "year": year, "format_version": "2021",
        "sections": ["1", "2", "3", "4", "5", "6"],
        "table2": t2, "table3": t3, "table4": _table4(rng, kind),
    }
    return report, Stock(tuple(t3["4"][:6]), stock2.rules_in_force, stock2.documents_in_force)


def make_history(agency: str, kind: str, years: range | list[int], *, seed: int) -> dict[int, Report]:
    """Reports for consecutive ``years`` of one agency, chained (X-CARRY and X-STOCK hold)."""
    rng = rng_for(seed, agency, "start")
    stock = Stock(tuple([rng.choice((0, 0, 1))] + [0] * 5), 0, rng.randint(3, 60))
    out = {}
    for y in years:
        out[y], stock = make_report(agency, y, kind, seed=seed, stock=stock)
    return out


# --- the 2019 layout -------------------------------------------------------------------


def _counts_2019(rng: random.Random, lo: int, hi: int, decisions: int) -> dict[str, int]:
    """上一年项目数量, 本年增/减 (negative when items were abolished) and 处理决定数量."""
    previous = rng.randint(lo, hi)
    change = rng.randint(-min(previous, max(2, previous // 5)), max(2, previous // 4))
    return {"previous_items": previous, "change": change, "decisions": decisions}


def _table2_2019(rng: random.Random, kind: str, stock: Stock) -> tuple[dict[str, Any], Stock]:
    township = kind == "乡镇街道"
    made = rng.randint(0, 1) if township else rng.randint(2, 12) if kind == "本级政府" else rng.randint(0, 5)
    published = rng.randint(max(0, made - 1), made)   # a document may be published next year
    docs = stock.documents_in_force + published
    scale = 40 if township else 900 if kind == "本级政府" else 400
    fees_prev = 0 if township else rng.randint(0, 40)
    items = rng.randint(0, 3 if township else 200)
    # 采购总金额 in 元: whole yuan or with fen, roughly 1万 to 100万 per item
    amount: int | float = items * rng.randint(10_000, 1_000_000)
    if items and rng.random() < 0.5:
        amount = round(amount + rng.randint(1, 99) / 100, 2)
    t2 = {
        "rules": {"made": 0, "published": 0, "total_public": stock.rules_in_force},
        "normative_documents": {"made": made, "published": published, "total_public": docs},
        "licensing": _counts_2019(rng, 0, scale // 2, rng.randint(0, scale)),
        "other_services": _counts_2019(rng, 0, 30, rng.randint(0, scale // 3)),
        "punishment": _counts_2019(rng, 0, 3000, rng.randint(0, 300)),
        "coercion": _counts_2019(rng, 0, 150, rng.randint(0, 30)),
        "fees": {"previous_items": fees_prev,
                 "change": rng.randint(-min(fees_prev, 5), 2) if fees_prev else 0},
        "procurement": {"items": items, "amount": amount, "amount_unit": "元"},
    }
    return t2, Stock(stock.carry, stock.rules_in_force, docs)


def make_report_2019(agency: str, year: int, kind: str, *, seed: int, stock: Stock
                     ) -> tuple[Report, Stock]:
    """One year's report in the 〔2019〕60号 layout (for 2019 or 2020), continuing from
    ``stock``; T3-*/T4-TOTALS hold and 对外公开总数量 grows by 本年新公开数量."""
    lay = LAYOUTS["2019"]
    rng = rng_for(seed, agency, year, "report2019")
    t2, stock2 = _table2_2019(rng, kind, stock)
    t3 = _table3(rng, kind, stock.carry, lay.result_keys, lay.t3_keys)
    report: Report = {
        "schema": SCHEMA, "agency": agency, "year": year, "format_version": "2019",
        "sections": ["1", "2", "3", "4", "5", "6"],
        "table2": t2, "table3": t3, "table4": _table4(rng, kind),
    }
    return report, Stock(tuple(t3["4"][:6]), stock2.rules_in_force, stock2.documents_in_force)


# --- defects -------------------------------------------------------------------------


def plant_balance_error(report: Report, rng: random.Random) -> tuple[Report, int]:
    """A copy whose 结转下年度 row breaks T3-BALANCE in one applicant column (and 总计).

    Row 4 is changed together with its own total, so T3-TOTALS and T3-RESULTS still
    hold and 上年结转 (X-CARRY against last year) is untouched.  Returns the column.
    """
    bad = copy.deepcopy(report)
    col = rng.choice((0, 0, 1))
    row = bad["table3"]["4"]
    row[col] += rng.choice((1, 2, 3))
    row[6] = sum(row[:6])
    return bad, col


def edit_report(report: Report, rng: random.Random) -> Report:
    """The same report with numbers changed after publication, still consistent.

    One application moves from 予以公开 to 部分公开 (the totals do not move), and the
    licensing count is corrected, as a real silent edit would.
    """
    new = copy.deepcopy(report)
    t3 = new["table3"]
    cols = [c for c in range(6) if t3["3.1"][c] > 0]
    if cols:
        col = cols[0]
        t3["3.1"][col] -= 1
        t3["3.2"][col] += 1
        for key in ("3.1", "3.2"):
            t3[key][6] = sum(t3[key][:6])
    new["table2"]["licensing"]["decisions"] += rng.randint(3, 30)
    return new


def failed_checks(report: Report) -> list[str]:
    """The single-document arithmetic rules this report fails (T3-*, T4-TOTALS)."""
    t3, t4 = report["table3"], report["table4"]
    results = [k for k in t3 if k.startswith("3.") and k != "3.7"]  # either layout's rows
    failed = set()
    for c in range(7):
        if t3["1"][c] + t3["2"][c] != t3["3.7"][c] + t3["4"][c]:
            failed.add("T3-BALANCE")
        if t3["3.7"][c] != sum(t3[k][c] for k in results):
            failed.add("T3-RESULTS")
    for key in t3:
        if t3[key][6] != sum(t3[key][:6]):
            failed.add("T3-TOTALS")
    for cells in t4.values():
        if cells[4] != sum(cells[:4]):
            failed.add("T4-TOTALS")
    return sorted(failed)
