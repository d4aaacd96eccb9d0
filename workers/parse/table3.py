"""Table 三 from the row stream: find each row by its label, read its 7 cells.

Labels and values may sit on different rows (wrapped labels, PDF→markdown debris): rows
with a label but no values and rows with values but no label are paired afterwards, in
row order, which is the order the printed table has.
"""
from __future__ import annotations

from dataclasses import dataclass

from workers.parse.fused import T3_TOTAL, balanced, read_run, tokens_of
from workers.parse.layouts import Layouts, RowSpec
from workers.parse.normalize import (is_blank_mark, is_number, norm, register_cache, strip_numbering,
                                     to_number)
from workers.parse.rows import Item, Row
from workers.reading import GRID, POSITION, TEXT, Reading, plain

MAX_LABEL = 70  # longer cells are narrative, not row labels


@dataclass
class Found:
    values: list               # the row's cells as printed (None = blank)
    reads: list[Reading]       # how each cell was read
    prov: list[dict]
    pool: tuple                # fused digits: the splits still possible (else empty)
    pos: int


#: values, readings, provenance and remaining splits of one row's cells
Cells = tuple[list, list[Reading], list[dict], tuple]


def match_cell(label: str, spec: RowSpec, has_values: bool) -> int:
    """Position of the row's keyword in a normalized cell label, or -1."""
    if spec.exact:
        rest, nums = strip_numbering(label)
        if rest not in spec.keywords:
            return -1
        if spec.need_num and spec.num not in nums:
            return -1
        if spec.need_num_or_values and not (spec.num in nums or has_values):
            return -1
        return 0
    for kw in spec.keywords:
        i = label.find(kw)
        if i >= 0:
            return i
    return -1


def row_keys(row: Row, specs: list[RowSpec], has_values: bool,
             memo: dict[tuple[str, bool], list[tuple[int, str]]] | None = None) -> list[str]:
    """Keys whose label appears in this row, in text order (group labels first).
    ``memo`` keeps each label's matches against ``specs`` (always the same ``specs`` for
    one memo, see ``_label_memo``)."""
    hits: list[tuple[int, int, str]] = []
    for ci, it in enumerate(row.labels):
        lab = norm(it.text)
        if not lab or len(lab) > MAX_LABEL:
            continue
        got = memo.get((lab, has_values)) if memo is not None else None
        if got is None:
            got = []
            for spec in specs:
                p = match_cell(lab, spec, has_values)
                if p >= 0:
                    got.append((p, spec.key))
            if memo is not None:
                if len(memo) >= 8192:  # bounded like the normalisation caches
                    memo.clear()
                memo[(lab, has_values)] = got
        for p, k in got:
            hits.append((ci, p, k))
    hits.sort()
    out: list[str] = []
    for _, _, k in hits:
        if k not in out:
            out.append(k)
    return out


def run_keys(run: list[Row], specs: list[RowSpec], split: frozenset[str] = frozenset()
             ) -> list[tuple[str, int]]:
    """Keys named in consecutive label-only lines (labels hard-wrapped over lines), each
    with the index in ``run`` of the line where its keyword starts.  A collapsed row in
    ``split`` (its sub-rows are in play too) is only recognised with values of its own."""
    parts = [norm("".join(it.text for it in r.labels)) for r in run]
    text = "".join(parts)
    ends = [sum(len(x) for x in parts[:n + 1]) for n in range(len(parts))]
    hits: list[tuple[int, str]] = []
    for spec in specs:
        if spec.exact or spec.key in split:
            continue
        ps = [text.find(kw) for kw in spec.keywords if kw in text]
        if ps:
            hits.append((min(ps), spec.key))
    hits.sort()
    return [(k, next(n for n, e in enumerate(ends) if p < e)) for p, k in hits]


def read_values(vals: list[Item], n: int, grid: bool, placed: bool = False) -> Cells | None:
    """The n cells of a row: printed cells as they are (blanks as None), fused digits
    split as printed (see fused.py), each with how it was read."""
    if not vals:
        return None
    how = POSITION if placed else GRID if grid else TEXT
    if len(vals) >= n:
        cells = vals[:n]
        if sum(is_number(c.text) for c in cells) == 0:
            # a row of blanks: grid cells left empty, or text that prints a mark per cell
            marked = all(c.text.strip() and is_blank_mark(c.text) for c in cells)
            if (grid and all(is_blank_mark(c.text) for c in cells)) or marked:
                return [None] * n, [Reading(how)] * n, [c.prov for c in cells], ()
            return None
        if all(is_number(c.text) or is_blank_mark(c.text) for c in cells):
            dflt = plain(how)
            return ([to_number(c.text) if is_number(c.text) else None for c in cells],
                    [c.read or dflt for c in cells], [c.prov for c in cells], ())
        return None
    nums = [c for c in vals if c.text.strip()]
    if not nums or not all(is_number(c.text) for c in nums):
        return None
    toks = [t for c in nums for t in tokens_of(c.text)]
    got = read_run(toks, n, identity=T3_TOTAL if n == 7 else None, prefer=balanced)
    if got is None:
        return None
    return got.values, got.cells, [nums[0].prov] * n, got.pool


#: per layout version, the matches of labels against its rows (``row_keys``): the same
#: standard labels recur in every report. Valid for the layouts in ``_MEMO_OF``.
_MEMOS: dict[str | None, dict] = register_cache({})
_MEMO_OF: list[Layouts] = []


#: per layout version, its table-三 rows (``specs``), those by key, and the collapsed
#: rows whose sub-rows it also has (``split``): the same for every report of the version
_SPECS: dict[str | None, tuple[list, dict, frozenset]] = register_cache({})


def _for_layouts(L: Layouts) -> None:
    """Forget what ``_MEMOS`` and ``_SPECS`` hold when the layouts are not those they were
    worked out for."""
    if not _MEMO_OF or _MEMO_OF[0] is not L:
        _MEMOS.clear()
        _SPECS.clear()
        _MEMO_OF[:] = [L]


def _label_memo(L: Layouts, version: str | None) -> dict:
    _for_layouts(L)
    return _MEMOS.setdefault(version, {})


def _specs(L: Layouts, version: str | None) -> tuple[list, dict, frozenset]:
    """``specs``, ``by_key`` and ``split`` of :func:`extract_table3`."""
    _for_layouts(L)
    got = _SPECS.get(version)
    if got is None:
        keys = L.t3_keys(version)
        specs = [s for s in L.t3_rows if s.key in keys]
        # A collapsed row whose sub-rows the layout may also print (（六）其他处理 in 2021 or
        # an unknown layout) is a group heading unless it carries values; where the layout
        # has no sub-rows (2019) its label alone marks a row, blank when no values follow.
        split = frozenset(s.key for s in specs if s.collapsed
                          and any(o.key.startswith(s.key + ".") for o in specs))
        got = _SPECS[version] = (specs, {s.key: s for s in specs}, split)
    return got


def find_region(rows: list[Row], L: Layouts) -> tuple[int, int]:
    """First row labelled 一、本年新收 … up to the table-4 heading or section 五."""
    spec1 = next(s for s in L.t3_rows if s.key == "1")
    start = -1
    for i, r in enumerate(rows):
        lab = r.label
        if lab and len(lab) <= MAX_LABEL and match_cell(lab, spec1, True) >= 0:
            start = i
            break
    if start < 0:
        return -1, -1
    end = len(rows)
    for j in range(start + 1, len(rows)):
        lab = rows[j].label
        if not lab or len(lab) > MAX_LABEL:
            continue
        if any(k in lab for k in L.t4_start) or any(k in lab for k in L.sections["5"]):
            end = j
            break
    return start, end


def extract_table3(rows: list[Row], L: Layouts, version: str | None,
                   region: tuple[int, int] | None = None
                   ) -> tuple[dict[str, Found], dict[str, str], int, int]:
    """Rows found (key → cells), rows printed but unreadable (key → printed values),
    and the table's row range (``region``: ``find_region``'s, where the caller has it)."""
    start, end = region if region is not None else find_region(rows, L)
    if start < 0:
        return {}, {}, -1, -1
    keys = L.t3_keys(version)
    specs, by_key, split = _specs(L, version)
    memo = _label_memo(L, version)  # holds the matches against ``specs``
    found: dict[str, Found] = {}
    unread: dict[str, str] = {}  # rows printed with values that could not be read
    pending: list[tuple[str, int]] = []
    orphans: list[tuple[Cells | None, int]] = []
    buf: list[Item] = []
    buf_pos = -1
    run: list[int] = []

    def flush_run() -> None:
        if not run:
            return
        if len(run) == 1:
            ks = row_keys(rows[run[0]], specs, False, memo)
            hits = [(k, 0) for k in ks] if len(ks) < 3 else []
        else:
            hits = run_keys([rows[j] for j in run], specs, split)
            # whole-label rows ("3.其他", "（七）总计") are only recognised line by line
            hits += [(k, n) for n, j in enumerate(run) for k in row_keys(rows[j], specs, False, memo)
                     if by_key[k].exact and k not in (h[0] for h in hits)]
            hits.sort(key=lambda h: h[1])
        for k, n in hits:
            if k not in split:
                pending.append((k, run[n]))
        run.clear()

    for i in range(start, end):
        row = rows[i]
        if row.dropped:
            # values whose columns are unknown: the row's slot is taken, its cells not read
            flush_run()
            if not row_keys(row, specs, True, memo):
                orphans.append((None, i))
            buf = []
            continue
        want = row.nums or len(row.values) >= 7 and (
            row.grid or all(v.text.strip() and is_blank_mark(v.text) for v in row.values))
        vals = read_values(row.values, 7, row.grid, row.placed) if want else None
        if row.labels and vals is None and not row.nums:
            run.append(i)  # label-only line: may continue on the next line
            continue
        flush_run()
        ks = row_keys(row, specs, vals is not None, memo)
        if len(ks) >= 3:
            continue  # a header row that names several rows
        if ks:
            buf = []
            key = ks[-1]
            if vals is not None:
                if key not in found:
                    found[key] = Found(*vals, i)
            elif key not in split:
                pending.append((key, i))
                if row.nums:
                    unread[key] = " ".join(v.text for v in row.values if v.text.strip())
            continue
        if vals is not None:
            orphans.append((vals, i))
            buf = []
            continue
        if not row.labels and row.nums:
            # a short value-only row: several of them may together make one row of 7
            if not buf:
                buf_pos = i
            buf.extend(v for v in row.values if v.text.strip())
            if len(buf) == 7:
                got = read_values(buf, 7, False)
                if got:
                    orphans.append((got, buf_pos))
                buf = []
            elif len(buf) > 7:
                buf = []
    flush_run()
    waiting = []
    for k, p in pending:
        if k not in found and k not in (w[0] for w in waiting):
            waiting.append((k, p))
    order = {k: n for n, k in enumerate(keys)}
    waiting.sort(key=lambda w: order[w[0]])
    if any(rows[i].placed for i in range(start, end)):
        _pair_positioned(rows, waiting, orphans, found)
    elif waiting and orphans:
        if len(waiting) == len(orphans):
            for (k, p), (c, op) in zip(waiting, orphans):
                if c is not None:
                    found[k] = Found(*c, op)
        else:
            used: set[int] = set()
            for k, p in sorted(waiting, key=lambda w: w[1]):
                after = [j for j, o in enumerate(orphans) if j not in used and o[1] > p]
                before = [j for j, o in enumerate(orphans) if j not in used and o[1] < p]
                j = after[0] if after else (before[-1] if before else None)
                if j is not None:
                    used.add(j)
                    c, op = orphans[j]
                    if c is not None:
                        found[k] = Found(*c, op)
    return found, {k: v for k, v in unread.items() if k not in found}, start, end


def _pair_positioned(rows: list[Row], waiting: list[tuple[str, int]],
                     orphans: list[tuple[Cells | None, int]], found: dict[str, Found]) -> None:
    """A PDF table whose numbers were placed by position: a value-only line belongs to the
    label lines just above it (a wrapped label); a labelled line that no values follow is
    a row left entirely blank (every cell of the table was located, so nothing is missing)."""
    taken: set[str] = set()
    for c, op in orphans:
        before = [w for w in waiting if w[1] < op and w[0] not in taken]
        if not before:
            continue
        k, p = max(before, key=lambda w: w[1])
        if any(p < f.pos < op for f in found.values()):
            continue  # a row with its own values lies between: not this label's values
        taken.add(k)
        if c is not None:
            found[k] = Found(*c, op)
    for k, p in waiting:
        if k not in taken and k not in found:
            prov = rows[p].labels[0].prov if rows[p].labels else {}
            found[k] = Found([None] * 7, [Reading(POSITION)] * 7, [prov] * 7, (), p)
