"""Tables 四 and 二 from the row stream."""
from __future__ import annotations

from workers.parse.fused import T4_TOTAL, balanced, read_run, tokens_of
from workers.parse.layouts import Layouts
from workers.parse.normalize import is_blank_mark, is_number, norm, strip_numbering, to_number, unit_of
from workers.parse.rows import Item, Row
from workers.reading import GRID, POSITION, TEXT, Reading, plain

#: table 四 as read: values per group, provenance per group, readings per group, warnings
T4Read = tuple[dict | None, dict, dict, list[str]]


def _how(row: Row) -> str:
    return POSITION if row.placed else GRID if row.grid else TEXT

_T4_GROUP_WORDS = (("litigation_after_review", "复议后起诉"), ("litigation_direct", "直接起诉"),
                   ("review", "行政复议"))


def _heading(row: Row, words: tuple[str, ...] | list[str]) -> bool:
    """A short label line holding one of ``words`` (a heading, not narrative text)."""
    lab = row.label
    return bool(lab) and len(lab) <= 80 and any(k in lab for k in words)


def table4_start(rows: list[Row], L: Layouts, after: int) -> int:
    """Index of the table-四 heading at or after ``after``, or -1."""
    return next((i for i in range(max(after, 0), len(rows)) if _heading(rows[i], L.t4_start)), -1)


def table4_stop(rows: list[Row], L: Layouts, start: int) -> int:
    """Index of the first section 五/六 heading after ``start`` (the end of table 四)."""
    words = [*L.sections["5"], *L.sections["6"]]
    return next((j for j in range(start + 1, len(rows)) if _heading(rows[j], words)), len(rows))


def extract_table4(rows: list[Row], L: Layouts, after: int) -> T4Read:
    """15 cells after the table-4 heading: one row of 15, or three rows of 5."""
    start = table4_start(rows, L, after)
    if start < 0:
        return None, {}, {}, []
    cells: list[Item | None] = []
    hows: list[Reading] = []
    grouped: dict[str, tuple[list, list, list[Reading]]] = {}
    for i in range(start, table4_stop(rows, L, start)):
        r = rows[i]
        lab = r.label
        if r.dropped:
            break  # the value row's columns could not be decided (warned when placed)
        if r.labels and not r.nums:
            continue
        if r.labels and r.nums:
            grp = next((g for g, w in _T4_GROUP_WORDS if w in lab), None)
            vals = [v for v in r.values]
            if grp and len(vals) >= 5:
                grouped[grp] = ([to_number(v.text) if is_number(v.text) else None for v in vals[:5]],
                                [v.prov for v in vals[:5]], [v.read or plain(_how(r)) for v in vals[:5]])
            continue
        vals = list(r.values)
        if not r.grid:
            while vals and not vals[-1].text.strip():
                vals.pop()
        cells.extend(vals)
        hows.extend(v.read or plain(_how(r)) for v in vals)
        if len(cells) >= 15:
            break
    warnings: list[str] = []
    groups = L.t4_groups
    if len(grouped) == 3:
        return ({g: grouped[g][0] for g in groups}, {g: grouped[g][1] for g in groups},
                {g: [rd.as_dict() for rd in grouped[g][2]] for g in groups}, warnings)
    if len(cells) >= 15:
        cells = cells[:15]
        if all(c is None or is_number(c.text) or is_blank_mark(c.text) for c in cells):
            vals = [to_number(c.text) if c is not None and is_number(c.text) else None for c in cells]
            return ({g: vals[n * 5:(n + 1) * 5] for n, g in enumerate(groups)},
                    {g: [c.prov for c in cells[n * 5:(n + 1) * 5]] for n, g in enumerate(groups)},
                    {g: [h.as_dict() for h in hows[n * 5:(n + 1) * 5]] for n, g in enumerate(groups)},
                    warnings)
    toks = [t for c in cells if c is not None for t in tokens_of(c.text)]
    if toks and sum(len(t) for t in toks) >= 15:
        got = read_run(toks, 15, identity=T4_TOTAL, prefer=balanced)
        if got:
            if not got.certain:
                warnings.append(f"table4: fused digits {' '.join(toks)} have several readings; "
                                "uncertain cells marked")
            p = cells[0].prov if cells and cells[0] is not None else {}
            return split_t4(got.values, got.cells, groups, p) + (warnings,)
    return None, {}, {}, warnings


def split_t4(values: list, cells: list[Reading], groups: tuple[str, ...], prov: dict
             ) -> tuple[dict, dict, dict]:
    """15 cells read in one run → values, provenance and readings per group of 5."""
    return ({g: values[n * 5:(n + 1) * 5] for n, g in enumerate(groups)},
            {g: [prov] * 5 for g in groups},
            {g: [c.as_dict() for c in cells[n * 5:(n + 1) * 5]] for n, g in enumerate(groups)})


def t2_row_name(label: str, L: Layouts) -> str | None:
    rest, _ = strip_numbering(label)
    for name, words in L.t2_rows.items():
        if rest in words:
            return name
    return None


def extract_table2(rows: list[Row], L: Layouts, version: str | None, end: int
                   ) -> tuple[dict, dict, dict, list[str]]:
    """Rows 规章 … 政府集中采购 before table 三, fields by layout version:
    (rows, provenance, readings, warnings)."""
    fields = L.t2_fields.get(version or "2021") or L.t2_fields["2021"]
    out: dict[str, dict] = {}
    prov: dict[str, list] = {}
    reads: dict[str, dict] = {}
    warnings: list[str] = []
    stop = end if end > 0 else len(rows)
    begin = 0
    for i in range(stop):
        if "第二十条" in rows[i].label:
            begin = i
            break
    for i in range(begin, stop):
        r = rows[i]
        if not r.labels or r.dropped:
            continue  # a dropped row's columns are unknown (warned when placed)
        name = t2_row_name(norm(r.labels[-1].text), L)
        if name is None or name in out or name not in fields:
            continue
        fl = fields[name]
        vals = list(r.values)
        if not r.grid:
            while vals and not vals[-1].text.strip():
                vals.pop()
        vals = vals[:len(fl)]
        if not vals or not any(is_number(v.text) or to_number(v.text) is not None for v in vals):
            continue
        rec: dict = {}
        if len(vals) == len(fl):
            for f, v in zip(fl, vals):
                rec[f] = to_number(v.text)
                u = unit_of(v.text)
                if name == "procurement" and f == "amount" and u:
                    rec["amount_unit"] = u
        else:
            rec[fl[0]] = to_number(vals[0].text)
            if len(vals) >= 2:
                rec[fl[-1]] = to_number(vals[-1].text)
            warnings.append(f"table2 {name}: {len(vals)} cells for {len(fl)} fields; "
                            f"{', '.join(f for f in fl if f not in rec)} not read")
        out[name] = rec
        prov[name] = [v.prov for v in vals]
        by_field = dict(zip(fl, vals))
        reads[name] = {f: (getattr(by_field.get(f), "read", None) or plain(_how(r))).as_dict()
                       for f in rec if not f.endswith("_unit")}
    return out, prov, reads, warnings
