"""Chinese and English names of table rows, columns and groups — read from
``workers/parse/layouts.toml``, the one place the form is described.

The parser reads the matching part of that file (keywords, numbering, the fields of each
layout); this module reads its ``[labels]`` part and the column names, checks that the
labels name exactly the rows, fields and groups the layouts define, and derives the row
lists the checks need. Messages (the validator, the process stage), the command line,
the dashboard and the exports all take their names from here. (The validator may not
import the parser, so the file is read here, once, by path.)
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ground.errors import ConfigError

LAYOUTS_PATH = Path(__file__).resolve().parent.parent / "parse" / "layouts.toml"


def _pairs(where: str, raw: Any) -> dict[str, tuple[str, str]]:
    if not isinstance(raw, dict) or not all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) and x for x in v) for v in raw.values()):
        raise ConfigError(f"{LAYOUTS_PATH.name}: {where} must map each key to [Chinese, English]")
    return {k: (v[0], v[1]) for k, v in raw.items()}


def _same(where: str, named: set[str], defined: set[str]) -> None:
    if named != defined:
        raise ConfigError(f"{LAYOUTS_PATH.name}: {where} must name exactly the keys the layouts define; "
                          f"missing {sorted(defined - named)}, unknown {sorted(named - defined)}")


def _read(path: Path = LAYOUTS_PATH) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        labels = data["labels"]
        t2, t3, t4 = data["table2"], data["table3"], data["table4"]
        t3_rows = [(r["key"], r.get("layout"), bool(r.get("collapsed"))) for r in t3["rows"]]
        out = {
            "t2_rows": _pairs("labels.table2.rows", labels["table2"]["rows"]),
            "t2_fields": _pairs("labels.table2.fields", labels["table2"]["fields"]),
            "t2_layout_rows": {ver: tuple(rows) for ver, rows in t2["fields"].items()},
            "t3_rows": _pairs("labels.table3.rows", labels["table3"]["rows"]),
            "t3_columns": (tuple(t3["columns"]), tuple(labels["table3"]["columns_en"])),
            "t3_row_keys": t3_rows,
            "t4_groups": _pairs("labels.table4.groups", labels["table4"]["groups"]),
            "t4_group_keys": tuple(t4["groups"]),
            "t4_columns": (tuple(t4["columns"]), tuple(labels["table4"]["columns_en"])),
            "sections": dict(labels["sections"]),
        }
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot read the labels: {exc!r}") from exc
    _same("labels.table2.rows", set(out["t2_rows"]), set(t2["rows"]))
    used_fields = {f for rows in t2["fields"].values() for fl in rows.values() for f in fl}
    units = {f for f in out["t2_fields"] if f.endswith("_unit")}  # a unit printed next to an amount
    _same("labels.table2.fields", set(out["t2_fields"]) - units, used_fields)
    _same("labels.table3.rows", set(out["t3_rows"]), {k for k, _, _ in t3_rows})
    _same("labels.table4.groups", set(out["t4_groups"]), set(out["t4_group_keys"]))
    for table, (zh, en) in (("table3", out["t3_columns"]), ("table4", out["t4_columns"])):
        if len(zh) != len(en):
            raise ConfigError(f"{path.name}: labels.{table}.columns_en must name each of the {len(zh)} columns")
    _same("labels.sections", set(out["sections"]) - {"preamble"}, set(data["sections"]))
    return out


_L = _read()

T3_COLUMNS_ZH: tuple[str, ...] = _L["t3_columns"][0]
T3_COLUMNS_EN: tuple[str, ...] = _L["t3_columns"][1]
#: rows in printed order (keys as in gkwatch.report/1): (Chinese, English)
T3_ROWS: Mapping[str, tuple[str, str]] = MappingProxyType(_L["t3_rows"])
#: Rows every table 三 must have: all but those of one layout only and the collapsed form;
#: （六）其他处理 is either 3.6.1–3.6.3 (the 2021 rows) or the single row 3.6.
T3_FIXED_ROWS: tuple[str, ...] = tuple(k for k, layout, collapsed in _L["t3_row_keys"]
                                       if layout is None and not collapsed)
T3_OTHER_SPLIT: tuple[str, ...] = tuple(k for k, layout, _ in _L["t3_row_keys"] if layout == "2021")

T4_GROUPS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {g: _L["t4_groups"][g] for g in _L["t4_group_keys"]})
T4_CELLS_ZH: tuple[str, ...] = _L["t4_columns"][0]
T4_CELLS_EN: tuple[str, ...] = _L["t4_columns"][1]

T2_ROWS: Mapping[str, tuple[str, str]] = MappingProxyType(_L["t2_rows"])
T2_FIELDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {k: v for k, v in _L["t2_fields"].items() if not k.endswith("_unit")})
#: the unit printed next to an amount (``amount_unit``): shown, never checked
T2_UNITS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {k: v for k, v in _L["t2_fields"].items() if k.endswith("_unit")})
#: Expected table-2 rows per layout.
T2_LAYOUT_ROWS: Mapping[str, tuple[str, ...]] = MappingProxyType(_L["t2_layout_rows"])

SECTION_ZH: Mapping[str, str] = MappingProxyType(_L["sections"])


def t3_row_zh(key: str) -> str:
    return T3_ROWS.get(key, (key, key))[0]


def t3_row_en(key: str) -> str:
    return T3_ROWS.get(key, (key, key))[1]


def t3_col_zh(c: int) -> str:
    return T3_COLUMNS_ZH[c] if 0 <= c < len(T3_COLUMNS_ZH) else str(c)


def t3_col_en(c: int) -> str:
    return T3_COLUMNS_EN[c] if 0 <= c < len(T3_COLUMNS_EN) else str(c)


def t4_group_zh(g: str) -> str:
    return T4_GROUPS.get(g, (g, g))[0]


def t4_group_en(g: str) -> str:
    return T4_GROUPS.get(g, (g, g))[1]


def t2_zh(row: str, field: str | None = None) -> str:
    name = T2_ROWS.get(row, (row, row))[0]
    return f"{name}“{T2_FIELDS.get(field, (field, field))[0]}”" if field else name


def t2_en(row: str, field: str | None = None) -> str:
    name = T2_ROWS.get(row, (row, row))[1]
    return f"{name} / {T2_FIELDS.get(field, (field, field))[1]}" if field else name


def section_zh(key: str) -> str:
    return SECTION_ZH.get(key, key)


def cell_zh(table: str, row: object, column: object = None) -> str:
    """A cell as a reader finds it on the printed form: 表三“（一）予以公开”行“自然人”列."""
    row_s = str(row) if row is not None else None
    if table == "table3":
        where = f"表三“{t3_row_zh(row_s)}”行" if row_s else "表三"
        return where + (f"“{t3_col_zh(int(column))}”列" if isinstance(column, int) else "")
    if table == "table4":
        where = f"表四“{t4_group_zh(row_s)}”" if row_s else "表四"
        return where + (f"“{t4_cell_zh(column)}”" if isinstance(column, int) else "")
    if table == "table2":
        return f"表二{t2_zh(row_s, str(column) if column is not None else None)}" if row_s else "表二"
    return table


def cell_en(table: str, row: object, column: object = None) -> str:
    row_s = str(row) if row is not None else None
    if table == "table3":
        where = f"table 3 row '{t3_row_en(row_s)}'" if row_s else "table 3"
        return where + (f", column '{t3_col_en(int(column))}'" if isinstance(column, int) else "")
    if table == "table4":
        where = f"table 4 '{t4_group_en(row_s)}'" if row_s else "table 4"
        return where + (f", '{t4_cell_en(column)}'" if isinstance(column, int) else "")
    if table == "table2":
        return f"table 2 {t2_en(row_s, str(column) if column is not None else None)}" if row_s else "table 2"
    return table


def t4_cell_zh(c: int) -> str:
    return T4_CELLS_ZH[c] if 0 <= c < len(T4_CELLS_ZH) else str(c)


def t4_cell_en(c: int) -> str:
    return T4_CELLS_EN[c] if 0 <= c < len(T4_CELLS_EN) else str(c)
