"""Reading cells of a report: numbers, blanks and sums that know their blanks.

A blank (``None``) is never 0: a sum over cells records which inputs were blank or
missing so a check can say "not assessable" and name them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real

from .labels import T3_OTHER_SPLIT


def as_int(v: object) -> int | None:
    """The value as an int if it is an integral number (not bool), else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def is_number(v: object) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool)


@dataclass
class Sum:
    """A sum of cells; ``blanks`` names the inputs that were blank or missing."""

    value: int = 0
    blanks: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.blanks

    def add(self, v: object, label: str) -> None:
        n = as_int(v)
        if n is None:
            self.blanks.append(label)
        else:
            self.value += n

    def __add__(self, other: "Sum") -> "Sum":
        return Sum(self.value + other.value, self.blanks + other.blanks)

    def matches(self, x: int) -> bool:
        """Could the true sum be ``x``? Exact sums must equal it; a sum with blank
        (non-negative, unknown) inputs is a lower bound."""
        return x == self.value if self.exact else x >= self.value


def table3(report: dict) -> dict:
    t = report.get("table3")
    return t if isinstance(t, dict) else {}


def table4(report: dict) -> dict:
    t = report.get("table4")
    return t if isinstance(t, dict) else {}


def row_cells(table: dict, key: str, width: int) -> list | None:
    """The row as a list of ``width`` cells, or None when missing or malformed."""
    r = table.get(key)
    if isinstance(r, list) and len(r) == width:
        return r
    return None


def t3_cell(report: dict, key: str, c: int) -> Sum:
    """One table-3 cell as a Sum (blank/missing recorded)."""
    s = Sum()
    r = row_cells(table3(report), key, 7)
    s.add(r[c] if r is not None else None, f"{key}[{c}]")
    return s


def t3_result_rows(report: dict) -> list[str]:
    """Row keys whose sum is （七）总计: the split （六） rows when present, else 3.6."""
    t = table3(report)
    keys = ["3.1", "3.2", *(f"3.3.{i}" for i in range(1, 9)), *(f"3.4.{i}" for i in range(1, 4)),
            *(f"3.5.{i}" for i in range(1, 6))]
    if any(k in t for k in T3_OTHER_SPLIT) or "3.6" not in t:
        keys += list(T3_OTHER_SPLIT)
    else:
        keys.append("3.6")
    return keys


def t3_column_sum(report: dict, keys: list[str], c: int) -> Sum:
    s = Sum()
    for k in keys:
        s = s + t3_cell(report, k, c)
    return s


def t3_row_value(report: dict, key: str, cols: range | None = None) -> list[Sum]:
    """Candidate values of a row (or a set of columns of it).

    With the full row: the printed 总计 when printed, and the sum of the printed
    applicant cells (a lower bound when some are blank).
    """
    r = row_cells(table3(report), key, 7)
    if r is None:
        return [Sum(0, [key])]
    cols = cols if cols is not None else range(6)
    cells = Sum()
    for c in cols:
        cells.add(r[c], f"{key}[{c}]")
    out = [cells]
    if cols == range(6) and as_int(r[6]) is not None:
        out.insert(0, Sum(as_int(r[6]) or 0))
    return out


def t3_group_value(report: dict, keys: list[str], cols: range | None = None) -> list[Sum]:
    """Candidates for the sum of several rows: total-based (per row the printed 总计,
    else its cells) and cells-based."""
    by_total, by_cells = Sum(), Sum()
    for k in keys:
        cands = t3_row_value(report, k, cols)
        by_total = by_total + cands[0]
        by_cells = by_cells + cands[-1]
    return [by_total, by_cells]


def t4_group_value(report: dict, group: str, idx: int = 4) -> list[Sum]:
    """Candidates for a table-4 group's cell ``idx`` (4 = 总计: also the sum of 0..3)."""
    r = row_cells(table4(report), group, 5)
    if r is None:
        return [Sum(0, [group])]
    if idx != 4:
        s = Sum()
        s.add(r[idx], f"{group}[{idx}]")
        return [s]
    cells = Sum()
    for i in range(4):
        cells.add(r[i], f"{group}[{i}]")
    out = [cells]
    if as_int(r[4]) is not None:
        out.insert(0, Sum(as_int(r[4]) or 0))
    return out


def combine(*cand_lists: list[Sum]) -> list[Sum]:
    """Sums of one candidate from each list (all combinations)."""
    out = [Sum()]
    for cands in cand_lists:
        out = [a + b for a in out for b in cands]
    return out


def blanks_text(blanks: list[str], limit: int = 8) -> str:
    shown = ", ".join(blanks[:limit])
    return shown + (f" …(+{len(blanks) - limit})" if len(blanks) > limit else "")
