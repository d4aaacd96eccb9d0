"""The shared gold reports as the validator should see them.

The gold leaves out rows whose printed digits it could not decide (its README: "left out
of the gold, not asserted"). Such a row is printed in the document, so for the validator
it is a row printed but not read — the parser's ``reading`` note ``{"unread": true}`` —
not a missing row.
"""
from __future__ import annotations

import json
from pathlib import Path

from workers.validate.labels import (
    T2_LAYOUT_ROWS,
    T3_FIXED_ROWS,
    T3_OTHER_SPLIT,
    T4_GROUPS,
)

GOLD = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "gold"
GOLD_FILES = sorted(GOLD.glob("*.json")) if GOLD.is_dir() else []


def with_unread_rows(gold: dict) -> dict:
    """Mark each expected row the gold left out as printed-but-unread."""
    note = {"unread": True, "printed": "(left out of the gold: undecided)"}
    reading: dict[str, dict] = {"table2": {}, "table3": {}, "table4": {}}
    t3 = gold.get("table3") or {}
    rows3 = list(T3_FIXED_ROWS) + (["3.6"] if "3.6" in t3 else list(T3_OTHER_SPLIT))
    for table, expected in (("table2", T2_LAYOUT_ROWS[gold.get("format_version") or "2021"]),
                            ("table3", rows3), ("table4", list(T4_GROUPS))):
        if gold.get(table):
            reading[table] = {k: dict(note) for k in expected if k not in gold[table]}
    return {**gold, "reading": reading}


def load_gold(path: Path) -> dict:
    return with_unread_rows(json.loads(path.read_text(encoding="utf-8")))
