"""Load and check layouts.toml, the single place where report layouts are described."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ground.errors import ConfigError
from workers.parse.normalize import norm

_PATH = Path(__file__).with_name("layouts.toml")
T2_FIELDS = {"issued", "repealed", "in_force", "decisions", "amount", "made", "published",
             "total_public", "previous_items", "change", "items"}


@dataclass(frozen=True)
class RowSpec:
    key: str
    num: str
    keywords: tuple[str, ...]
    exact: bool = False
    need_num: bool = False
    need_num_or_values: bool = False
    collapsed: bool = False
    layout: str | None = None


@dataclass(frozen=True)
class Layouts:
    sections: dict[str, tuple[str, ...]]
    version: dict[str, tuple[str, ...]]
    t2_rows: dict[str, tuple[str, ...]]
    t2_fields: dict[str, dict[str, tuple[str, ...]]]
    procurement_avg: tuple[float, float]
    t3_rows: tuple[RowSpec, ...]
    t3_balance: tuple[tuple[str, ...], tuple[str, ...]]
    t3_results_total: str
    t4_groups: tuple[str, ...]
    t4_start: tuple[str, ...]
    section_hints: dict[str, tuple[str, ...]]

    def t3_keys(self, version: str | None) -> list[str]:
        """Row keys in printed order for a layout (both 3.6 forms when unknown)."""
        keys = []
        for r in self.t3_rows:
            if version == "2019" and r.layout == "2021":
                continue
            keys.append(r.key)
        return keys


def _fail(msg: str) -> None:
    raise ConfigError(f"{_PATH.name}: {msg}")


def _check(data: dict) -> Layouts:
    sections = {k: tuple(norm(x) for x in v) for k, v in data["sections"].items()}
    if sorted(sections) != ["1", "2", "3", "4", "5", "6"]:
        _fail("sections must be exactly 1..6")
    hints = {k: tuple(norm(x) for x in v) for k, v in data.get("section_hints", {}).items()}
    if set(hints) - set(sections):
        _fail(f"section_hints: unknown sections {sorted(set(hints) - set(sections))}")
    t2 = data["table2"]
    rows = {k: tuple(norm(x) for x in v) for k, v in t2["rows"].items()}
    fields: dict[str, dict[str, tuple[str, ...]]] = {}
    for ver, fmap in t2["fields"].items():
        fields[ver] = {}
        for row, fl in fmap.items():
            if row not in rows:
                _fail(f"table2.fields.{ver}: unknown row {row!r}")
            bad = set(fl) - T2_FIELDS
            if bad or len(set(fl)) != len(fl):
                _fail(f"table2.fields.{ver}.{row}: unknown or repeated fields {sorted(bad) or fl}")
            fields[ver][row] = tuple(fl)
    t3 = data["table3"]
    specs = []
    seen: set[str] = set()
    for r in t3["rows"]:
        unknown = set(r) - {"key", "num", "keywords", "exact", "need_num",
                            "need_num_or_values", "collapsed", "layout"}
        if unknown:
            _fail(f"table3 row {r.get('key')}: unknown attributes {sorted(unknown)}")
        if r["key"] in seen:
            _fail(f"table3: duplicate row key {r['key']!r}")
        seen.add(r["key"])
        if not r.get("keywords"):
            _fail(f"table3 row {r['key']}: no keywords")
        specs.append(RowSpec(key=r["key"], num=r["num"], keywords=tuple(norm(k) for k in r["keywords"]),
                             exact=r.get("exact", False), need_num=r.get("need_num", False),
                             need_num_or_values=r.get("need_num_or_values", False),
                             collapsed=r.get("collapsed", False), layout=r.get("layout")))
    if len(t3["columns"]) != 7:
        _fail("table3 needs 7 columns")
    bal = t3["balance"]
    for k in list(bal["left"]) + list(bal["right"]) + [t3["results_total"]]:
        if k not in seen:
            _fail(f"table3 identity uses unknown row {k!r}")
    t4 = data["table4"]
    if len(t4["groups"]) != 3 or len(t4["columns"]) != 5:
        _fail("table4 needs 3 groups of 5 columns")
    lo, hi = t2["plausible"]["procurement_avg_per_item"]
    return Layouts(
        sections=sections,
        version={k: tuple(norm(x) for x in v) for k, v in data["version"].items()},
        t2_rows=rows, t2_fields=fields, procurement_avg=(float(lo), float(hi)),
        t3_rows=tuple(specs), t3_balance=(tuple(bal["left"]), tuple(bal["right"])),
        t3_results_total=t3["results_total"], t4_groups=tuple(t4["groups"]),
        t4_start=tuple(norm(x) for x in t4["start_keywords"]), section_hints=hints)


def load_layouts(path: Path | None = None) -> Layouts:
    """Parse and validate a layouts file (``ConfigError`` when inconsistent)."""
    p = path or _PATH
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        return _check(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{p.name}: malformed layout data: {exc}") from exc


@lru_cache(maxsize=1)
def layouts() -> Layouts:
    return load_layouts()
