"""How each table cell was read and how sure that reading is.

Every number of tables 二/三/四 carries a :class:`Reading`; the report JSON holds them
under the optional key ``reading`` (same shape as the tables: a list per table-三/四 row,
a dict per table-二 row). The validator reads that key to decide what a check on the
cell may conclude:

- ``certain`` — the number came from a definite cell (a grid cell, a positioned glyph run
  in one column, a digit run with one possible split). Checks on it may ``fail``.
- ``assumed`` (certain otherwise) — a digit run had several splits and an identity
  (``assumed`` names its rules, e.g. ``["T3-TOTALS"]``) picked the only one that holds.
  Those rules are then circular on the cell and end ``not_assessable``; the other rules
  did not take part in the reading and are judged as usual.
- not ``certain`` — chosen among several readings by weaker evidence (plausibility,
  OCR confidence). An error-severity check resting on it ends in ``review``
  (待人工核对) with the ``candidates``, never in ``fail``.

This module imports nothing of the project: extractors, parser and validator share it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

#: how a cell was read
GRID = "grid"                  # HTML / DOCX / XLSX cell
POSITION = "position"          # PDF glyph run placed in its column by its x-extent
TEXT = "text"                  # one whitespace-separated number per cell, in printed order
SPLIT_FORCED = "split_forced"  # fused digits with exactly one possible split
SPLIT_ASSUMED = "split_assumed"  # fused digits: the only split where the row's total holds
SPLIT_CHOSEN = "split_chosen"  # fused digits: one of several splits, by plausibility
INFERRED = "inferred"          # placed by context (a loose value paired with its row)
OCR = "ocr"                    # recognised from an image
HOWS = (GRID, POSITION, TEXT, SPLIT_FORCED, SPLIT_ASSUMED, SPLIT_CHOSEN, INFERRED, OCR)


@dataclass(frozen=True, slots=True)
class Reading:
    """How one cell was read; see the module docstring for what the fields imply."""

    how: str
    certain: bool = True
    assumed: tuple[str, ...] = ()
    why: str | None = None
    candidates: tuple[Any, ...] = ()
    confidence: float | None = None

    def __post_init__(self) -> None:
        if self.how not in HOWS:
            raise ValueError(f"unknown reading kind {self.how!r}")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"how": self.how, "certain": self.certain}
        if self.assumed:
            out["assumed"] = list(self.assumed)
        if self.why:
            out["why"] = self.why
        if self.candidates:
            out["candidates"] = list(self.candidates)
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        return out


#: the reading of each kind with nothing to add (certain, no candidates): one frozen object
#: per kind, shared by every cell read that way (building one costs its dataclass checks)
_PLAIN = {how: Reading(how) for how in HOWS}


def plain(how: str) -> Reading:
    """``Reading(how)``, the shared instance."""
    return _PLAIN[how]


def cell_reading(report: Mapping[str, Any], table: str, row: str, col: int | str) -> Mapping[str, Any] | None:
    """The reading record of one cell of a report dict, or None when it has none
    (a report without the ``reading`` key — e.g. hand-made gold — counts as certain)."""
    rd = report.get("reading")
    if not isinstance(rd, Mapping):
        return None
    t = rd.get(table)
    r = t.get(row) if isinstance(t, Mapping) else None
    if isinstance(r, list) and isinstance(col, int) and 0 <= col < len(r):
        c = r[col]
    elif isinstance(r, Mapping):
        c = r.get(col)  # type: ignore[arg-type]
    else:
        return None
    return c if isinstance(c, Mapping) else None
