"""Numbers of text-layer PDF tables placed in their columns by position.

A PDF row comes out as one line "label n n n"; when cells are blank, the line has fewer
numbers than the table has columns and their order alone does not say which cells they
fill. Every number carries its horizontal extent (``Item.x``), so the columns are found
from the table itself:

1. Numbers of one column overlap horizontally whatever the alignment (centred, left or
   right), numbers of different columns do not: the overlap clusters of all numbers of the
   table, across page breaks, are its columns when there are as many as the table has.
2. Otherwise the clusters are named by the full rows (a row with every cell printed says
   which cluster is which column), and then by the column headings printed above the
   first row (headings that span several columns are set aside).
3. A row whose numbers all fall in distinct known columns is rebuilt with blank cells;
   a full row that cannot be placed is kept in printed order; any other row is dropped
   with a warning rather than guessed.
"""
from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate
from typing import Callable, Sequence

from workers.extract.model import Word
from workers.extract.rules import cell_index
from workers.parse.layouts import Layouts
from workers.parse.normalize import is_blank_mark, is_number, norm, to_number
from workers.parse.rows import Item, Row
from workers.parse.table3 import find_region
from workers.parse.table24 import t2_row_name, table4_start, table4_stop
from workers.reading import POSITION, Reading

Span = tuple[float, float]
_EPS = 0.5  # page units; touching boxes of one column still overlap


def _clusters(spans: Sequence[Span]) -> list[Span]:
    """Union of overlapping intervals, left to right."""
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1] - _EPS:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def cluster_finder(clusters: list[Span]) -> Callable[[Span], int]:
    """``x`` → the first cluster holding it (``c[0] - _EPS <= x[0]`` and ``x[1] <= c[1] +
    _EPS``); every span the clusters were made of lies in one. No cluster before the first
    whose end, or an earlier one's, reaches ``x[1] - _EPS`` can hold ``x``: the running
    maximum of the ends is sorted, so a bisection finds where the scan starts (the
    clusters' ends may step back by less than ``_EPS``, so the ends alone are not)."""
    reach = list(accumulate((c[1] for c in clusters), max))

    def first(x: Span) -> int:
        x0, x1 = x
        for j in range(bisect_left(reach, x1 - _EPS), len(clusters)):
            c = clusters[j]
            if c[0] - _EPS <= x0 and x1 <= c[1] + _EPS:
                return j
        raise ValueError(f"span {x} lies in none of the clusters")  # never: spans make them

    return first


def header_bands(words: list[Word], ncols: int) -> list[Span] | None:
    """Column bands from the heading words above a table, or None unless they look like
    a column grid. Narrow words first: each starts a column or joins the one it lies
    over; a word over two columns (a group heading such as 法人或其他组织, a paragraph)
    or wider than the column it lies over tells nothing about column edges. The table's
    columns are the rightmost ``ncols`` (label columns are on the left)."""
    toks = sorted(((w.x0, w.x1) for w in words if not is_number(w.text) and w.x1 > w.x0),
                  key=lambda t: t[1] - t[0])
    cols: list[list[float]] = []
    for t in toks:
        a, b = t  # the word and a column overlap (inlined: this runs for every pair)
        hit = [c for c in cols if c[0] < b - _EPS and a < c[1] - _EPS]
        if not hit:
            cols.append([t[0], t[1]])
        elif len(hit) == 1 and t[1] - t[0] <= hit[0][1] - hit[0][0] + _EPS:
            hit[0][0], hit[0][1] = min(hit[0][0], t[0]), max(hit[0][1], t[1])
    cl = sorted((a, b) for a, b in cols)
    if len(cl) < ncols:
        return None
    cl = cl[-ncols:]
    centres = [(a + b) / 2 for a, b in cl]
    steps = [q - p for p, q in zip(centres, centres[1:])]
    if steps and max(steps) > 2.5 * min(steps):
        return None
    # boundaries halfway between neighbouring headings; the outer bands half a step wide
    bounds = [(cl[i][1] + cl[i + 1][0]) / 2 for i in range(ncols - 1)]
    half = (sorted(steps)[len(steps) // 2] if steps else cl[0][1] - cl[0][0]) / 2
    return list(zip([centres[0] - half] + bounds, bounds + [centres[-1] + half]))


def _column_map(clusters: list[Span], full: list[list[Span]], bands: list[Span] | None,
                ncols: int) -> list[int | None]:
    """Column index of each number cluster (None where it cannot be decided)."""
    which = cluster_finder(clusters)
    votes: list[set[int]] = [set() for _ in clusters]
    for row in full:
        for k, x in enumerate(row):
            votes[which(x)].add(k)
    cmap: list[int | None] = [next(iter(v)) if len(v) == 1 else None for v in votes]
    if len(clusters) == ncols and all(c in (None, j) for j, c in enumerate(cmap)):
        cmap = list(range(ncols))
    if bands:
        for j, c in enumerate(clusters):
            mid = (c[0] + c[1]) / 2
            hit = [k for k, (a, b) in enumerate(bands) if a <= mid < b]
            if len(hit) == 1 and cmap[j] is None and not votes[j]:
                cmap[j] = hit[0]
            elif len(hit) == 1 and cmap[j] is not None and cmap[j] != hit[0]:
                cmap[j] = None  # the headings contradict the full rows
    known = [c for c in cmap if c is not None]
    if known != sorted(set(known)):
        return [None] * len(clusters)  # not left to right: no trust in any of it
    return cmap


NO_GRID = "no drawn cell grid to confirm the column"
GRID_ONLY = "placed by the drawn cell grid alone: the glyph positions did not decide"
_STRADDLES = "the number straddles a drawn cell border"

# The readings every positioned number or blank gets, built once: a Reading is frozen, so
# one object serves every cell (building one runs the dataclass's checks each time).
_CONFIRMED = Reading(POSITION)
_UNCONFIRMED = Reading(POSITION, certain=False, why=NO_GRID)
_STRADDLING = Reading(POSITION, certain=False, why=_STRADDLES)
_BY_GRID = Reading(POSITION, certain=False, why=GRID_ONLY)


def _increasing(cols: Sequence[int | None] | None) -> bool:
    return bool(cols) and None not in cols and list(cols) == sorted(set(cols))  # type: ignore[type-var]


MIN_CELL = 6.0  # page units: a narrower "cell" is a stray stroke (a seal's ring, a glyph), not a column


#: the last (drawn cells, result) of ``_no_slivers``: every number of a row asks for its
#: row's cells, the same list each time (a line's cells are never changed once read)
_LAST_SLIVERS: tuple[list[Span] | None, list[Span] | None] = (None, None)


def _no_slivers(drawn: list[Span] | None) -> list[Span] | None:
    """The drawn cells with slivers merged into their left neighbour."""
    global _LAST_SLIVERS
    if not drawn:
        return drawn
    last_in, last_out = _LAST_SLIVERS  # one read: another thread may replace the pair
    if drawn is last_in:
        return last_out
    out = _merge_slivers(drawn)
    _LAST_SLIVERS = (drawn, out)
    return out


def _merge_slivers(drawn: list[Span]) -> list[Span]:
    out: list[list[float]] = []
    for a, b in drawn:
        if out and b - a < MIN_CELL and abs(out[-1][1] - a) < 1.0:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def grid_columns(drawn: list[Span] | None, xs: list[Span], ncols: int) -> list[int | None] | None:
    """Each number's column from the drawn cell it lies in (the rightmost ``ncols`` drawn
    cells are the value columns), or None without such a grid."""
    drawn = _no_slivers(drawn)
    if not drawn or len(drawn) < ncols:
        return None
    first = len(drawn) - ncols
    out: list[int | None] = []
    for x in xs:
        mid = (x[0] + x[1]) / 2  # the centre: recognised boxes are loose at their ends
        k = cell_index(drawn, mid, mid)
        out.append(k - first if k is not None and k >= first else None)
    return out


def confirmer(drawn: list[Span] | None, ncols: int) -> Callable[[Span, int, float | None], Reading]:
    """The second reading of the positioned numbers of one row (``drawn``: its drawn
    cells): a number's drawn cell must be the column its glyph box was placed in (the
    table's value columns are the rightmost ``ncols`` drawn cells). Without a drawn grid,
    or when they disagree, it is uncertain. ``conf`` (OCR) is kept on the reading for the
    parser to judge. The slivers are merged and the columns counted once per row."""
    cells = _no_slivers(drawn)
    first = len(cells) - ncols if cells and len(cells) >= ncols else -1

    def judge(x: Span, col: int, conf: float | None = None) -> Reading:
        if first < 0:
            rd = _UNCONFIRMED
        else:
            k = cell_index(cells, x[0], x[1])
            if k is None:
                rd = _STRADDLING
            elif k - first != col:
                rd = Reading(POSITION, certain=False,
                             why=f"placed in column {col} by position, but drawn in cell {k - first}")
            else:
                rd = _CONFIRMED
        return Reading(rd.how, rd.certain, why=rd.why, confidence=conf) if conf is not None else rd

    return judge


def place(rows: list[Row], idx: Sequence[int], ncols: int, header: list[Row], what: str
          ) -> list[str]:
    """Rebuild the values of positioned rows ``rows[i]`` (i in ``idx``) as ``ncols`` cells,
    blanks included; rows that cannot be placed are dropped. Returns warnings."""
    # a number may carry its unit ("251000元"): it is still a value to place
    todo = [i for i in idx if not rows[i].grid
            and any(to_number(v.text) is not None for v in rows[i].values)
            and all(v.x is not None for v in rows[i].values if v.text.strip())
            and any(v.x is not None for v in rows[i].values)]
    if not todo:
        return []
    vals = {i: [v for v in rows[i].values if v.text.strip()] for i in todo}
    spans = [v.x for i in todo for v in vals[i]]
    clusters = _clusters(spans)
    full = [[v.x for v in vals[i]] for i in todo if len(vals[i]) == ncols]
    words = [w for r in header for w in (r.words or [])]
    bands = header_bands(words, ncols) if words else None
    cmap = _column_map(clusters, full, bands, ncols)

    first = cluster_finder(clusters)

    def col(x: tuple[float, float]) -> int | None:
        return cmap[first(x)]

    warnings: list[str] = []
    for i in todo:
        row, cells = rows[i], vals[i]
        cols = [col(v.x) for v in cells]  # type: ignore[arg-type]
        by_grid = False
        full = len(cells) == ncols and all(to_number(v.text) is not None or is_blank_mark(v.text)
                                           for v in cells)
        if not _increasing(cols) and not full:
            # the glyph positions do not decide: the drawn grid alone may (one reading only,
            # so what it places stays uncertain)
            cols, by_grid = grid_columns(row.drawn, [v.x for v in cells], ncols), True  # type: ignore[misc]
        if _increasing(cols):
            prov = cells[0].prov
            blank = _BY_GRID if by_grid else _CONFIRMED
            out = [Item("", prov, read=blank) for _ in range(ncols)]
            judge = confirmer(row.drawn, ncols)
            for c, v in zip(cols, cells):
                v.read = Reading(POSITION, certain=False, why=GRID_ONLY, confidence=v.conf) if by_grid \
                    else judge(v.x, c, v.conf)  # type: ignore[arg-type]
                out[c] = v  # type: ignore[index]
            row.values = out
            row.grid = True  # an empty value is now a genuinely blank cell
            row.placed = True
        elif full:
            judge = confirmer(row.drawn, ncols)
            for c, v in enumerate(cells):  # every cell printed: printed order is the column order
                v.read = judge(v.x, c, v.conf)  # type: ignore[arg-type]
            continue
        else:
            row.dropped = True
            warnings.append(f"{what}: columns of the numbers in '{row.text[:40]}' could not be "
                            "decided from their positions; row left out")
    return warnings


def place_table_columns(rows: list[Row], L: Layouts, version: str | None = None,
                        region: tuple[int, int] | None = None) -> list[str]:
    """Place the numbers of PDF tables 三 (7 columns), 四 (15 in one row) and the blocks of
    二 (as many columns as the layout ``version`` gives the block's rows) by position.
    ``region``: table 三's rows (``find_region``), where the caller has it already."""
    if not any(r.words for r in rows):
        return []
    warnings: list[str] = []
    start, end = region if region is not None else find_region(rows, L)
    warnings += _place_table2(rows, L, version, start if start >= 0 else len(rows))
    if start >= 0:
        head = [r for r in rows[max(0, start - 30):start] if r.words]
        warnings += place(rows, range(start, end), 7, head, "table3")
    t4 = table4_start(rows, L, end)
    if t4 < 0:
        return warnings
    stop = table4_stop(rows, L, t4)
    vals = [j for j in range(t4 + 1, stop) if rows[j].nums and not rows[j].labels]
    if vals:
        head = [r for r in rows[t4 + 1:vals[0]] if r.words]
        warnings += place(rows, vals[:1], 5 * len(L.t4_groups), head, "table4")
    return warnings


def _place_table2(rows: list[Row], L: Layouts, version: str | None, end: int) -> list[str]:
    """Table 二 is a stack of blocks (第二十条第（x）项), each with its own column headings:
    consecutive rows named in the layout with the same number of fields form one block,
    placed against the heading lines printed above it."""
    fields = L.t2_fields.get(version or "2021") or L.t2_fields["2021"]
    begin = next((i for i in range(end) if "第二十条" in rows[i].label), -1)
    if begin < 0:
        return []
    warnings: list[str] = []
    block: list[int] = []
    ncols = 0
    head_from = begin

    def flush() -> None:
        nonlocal block, head_from
        if block:
            head = [r for r in rows[head_from:block[0]] if r.words]
            warnings.extend(place(rows, block, ncols, head, "table2"))
            head_from = block[-1] + 1
        block = []

    for i in range(begin, end):
        r = rows[i]
        name = t2_row_name(norm(r.labels[-1].text), L) if r.labels else None
        n = len(fields[name]) if name in fields else 0
        if not n or (block and n != ncols):
            flush()
        if n:
            block.append(i)
            ncols = n
    flush()
    return warnings
