"""Ruling lines drawn on a text-layer PDF page, and the table cells they enclose.

A second, independent reading of a PDF table: besides the glyph boxes of its numbers
(``Word.x0/x1``, see ``pdf.py``) the file draws the table's grid. Each paragraph Block of
a PDF line gets ``cells`` = the horizontal extents of the drawn cells its vertical
position crosses, so the parser can check that the column a number's glyph box points to
is the drawn cell it sits in (``drawn_cell_of``).

What counts as a rule (generators differ):

* a stroked path segment that is horizontal or vertical (``m l S``, the edges of a
  stroked ``re``): reportlab, LibreOffice, most converters;
* a thin filled rectangle (Word and WPS export draw borders as filled boxes ~0.5pt wide):
  one rule along its centre line.

Large filled areas (cell shading, page backgrounds) and curves are not rules, and paint
in white is invisible on paper. Everything is in PDF user space (points, y upwards, the
page's unrotated coordinates), the space pdfium's character boxes, and so the words'
x0/x1, are given in.
"""
from __future__ import annotations

import bisect
import ctypes
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from workers.extract.model import Block, Word
from workers.extract.native import native_module
from workers.extract.pdfcalls import Calls, Handle, address, calls

# Drawing objects read per page at most (nested form objects count too): a page of
# vector artwork (maps, charts as paths) could otherwise cost seconds; such a page keeps
# no cells rather than cells from a partial grid (a missed rule would merge two cells).
MAX_OBJECTS = 20_000

_THIN = 2.0      # pt: a filled box at most this wide is a rule, not shading
_MIN_LEN = 3.0   # pt: shorter strokes are marks (ticks, dots, glyph-like art), not rules
_SLANT = 0.5     # pt: a segment whose ends differ this little across is axis-aligned
_DOUBLE = 3.0    # pt: vertical rules closer than this are one boundary (double rules)
_REACH = 1.5     # pt: slack between rule ends and the rules they meet (stroke widths)
_WHITE = 250     # colour channels all at least this: paint that does not show


class VRule(NamedTuple):
    """A vertical rule segment at ``x`` from ``y0`` up to ``y1``."""

    x: float
    y0: float
    y1: float


class HRule(NamedTuple):
    """A horizontal rule segment at ``y`` from ``x0`` right to ``x1``."""

    y: float
    x0: float
    x1: float


class PageRules(NamedTuple):
    vertical: list[VRule]
    horizontal: list[HRule]


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying ``inner`` first, then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


class _Buffers:
    """The ctypes out-parameters of one page's reading and their ``byref``s (the bound
    functions of ``pdfcalls`` take pointers as they are), allocated once (each
    allocation costs about what the pdfium call it serves does)."""

    def __init__(self, raw: Any) -> None:
        self.rgba = tuple(ctypes.c_uint() for _ in range(4))
        self.rgba_refs = tuple(ctypes.byref(v) for v in self.rgba)
        self.fillmode, self.stroke = ctypes.c_int(), raw.FPDF_BOOL()
        self.mode_refs = (ctypes.byref(self.fillmode), ctypes.byref(self.stroke))
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.x_ref, self.y_ref = ctypes.byref(self.x), ctypes.byref(self.y)


def _visible(obj: Any, getter: Any, buf: _Buffers) -> bool:
    """Whether paint of the colour ``getter`` reads (stroke or fill) shows on white paper."""
    r, g, b, a = buf.rgba
    if not getter(obj, *buf.rgba_refs):
        return True  # colour unknown (pattern, …): assume it shows
    return a.value > 0 and not min(r.value, g.value, b.value) >= _WHITE


def _add(out: PageRules, pts: list[tuple[float, float]], stroke: bool, fill: bool) -> None:
    """Rules of one subpath (its points in page space, closed if it was closed)."""
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    if w <= _THIN and h >= _MIN_LEN:  # a line, or a thin filled box: one rule, centred
        out.vertical.append(VRule((max(xs) + min(xs)) / 2, min(ys), max(ys)))
        return
    if h <= _THIN and w >= _MIN_LEN:
        out.horizontal.append(HRule((max(ys) + min(ys)) / 2, min(xs), max(xs)))
        return
    if not stroke:
        return  # a filled area: shading, not a rule
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if abs(x1 - x0) <= _SLANT and abs(y1 - y0) >= _MIN_LEN:
            out.vertical.append(VRule((x0 + x1) / 2, min(y0, y1), max(y0, y1)))
        elif abs(y1 - y0) <= _SLANT and abs(x1 - x0) >= _MIN_LEN:
            out.horizontal.append(HRule((y0 + y1) / 2, min(x0, x1), max(x0, x1)))


def _path(raw: Any, fns: Calls, obj: Any, m: Matrix, out: PageRules, buf: _Buffers) -> None:
    fillmode, stroke = buf.fillmode, buf.stroke
    if not fns.draw_mode(obj, *buf.mode_refs):
        return
    do_stroke = bool(stroke.value) and _visible(obj, fns.stroke_color, buf)
    do_fill = fillmode.value != raw.FPDF_FILLMODE_NONE and _visible(obj, fns.fill_color, buf)
    if not (do_stroke or do_fill):
        return  # 'n' paths, white-outs
    a, b, c, d, e, f = m
    x, y, x_ref, y_ref = buf.x, buf.y, buf.x_ref, buf.y_ref
    get_segment, get_point = fns.get_segment, fns.segment_point
    get_type, get_close = fns.segment_type, fns.segment_close
    moveto, bezierto = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_BEZIERTO
    sub: list[tuple[float, float]] = []
    curved = False  # a subpath with curves is a shape (rounded box, circle), not a rule
    for i in range(fns.count_segments(obj)):
        seg = get_segment(obj, i)
        if not seg or not get_point(seg, x_ref, y_ref):
            continue
        kind = get_type(seg)
        px, py = x.value, y.value
        pt = (a * px + c * py + e, b * px + d * py + f)
        if kind == moveto:
            if len(sub) > 1 and not curved:
                _add(out, sub, do_stroke, do_fill)
            sub, curved = [pt], False
            continue
        curved = curved or kind == bezierto
        sub.append(pt)
        # closing a subpath only adds a stroked edge: the extents of a filled one (all
        # that ``_add`` reads of it) stay the same, so its closing is not asked for
        if do_stroke and get_close(seg) and sub:
            sub.append(sub[0])
    if len(sub) > 1 and not curved:
        _add(out, sub, do_stroke, do_fill)


Listing = Callable[[Calls, Any, bool, int, int, int], list[tuple[Any, int]]]


def _listed(fns: Calls, holder: Any, form: bool, n: int, kind_a: int, kind_b: int) -> list[tuple[Any, int]]:
    """The objects of kind ``kind_a`` or ``kind_b`` among the ``n`` objects of a page (or
    of a form object), with their kinds, in order: two ctypes calls an object (the
    reference of the compiled loop)."""
    get, get_type = (fns.form_get_object if form else fns.page_get_object), fns.obj_type
    out = []
    for i in range(n):
        obj = get(holder, i)
        kind = get_type(obj)
        if kind == kind_a or kind == kind_b:
            out.append((obj, kind))
    return out


@cache
def _native_listing() -> Listing | None:
    """:func:`_listed` by the compiled loop (``_native.pdf_objects``), where it is built:
    a page has thousands of objects, nearly all text, and asking each its type through
    ctypes was a tenth of a text PDF's extraction."""
    native = native_module()
    if native is None:
        return None
    pdf_objects = native.pdf_objects

    def listed(fns: Calls, holder: Any, form: bool, n: int, kind_a: int, kind_b: int) -> list[tuple[Any, int]]:
        page_get, form_get, type_of = fns.listing_addresses
        got = pdf_objects(address(holder), n, form_get if form else page_get, form, type_of, kind_a, kind_b)
        return [(Handle(a), k) for a, k in got]

    return listed


def read_page_rules(page: Any, max_objects: int | None = None, *, native: bool = True) -> PageRules | None:
    """The ruling lines of a pypdfium2 page, or None when the page has more than
    ``max_objects`` (default ``MAX_OBJECTS``) drawing objects: not read, see there.
    ``native``: the page's objects listed by the compiled loop where it is built (the
    same objects as :func:`_listed`'s)."""
    import pypdfium2.raw as raw  # lazy

    cap = MAX_OBJECTS if max_objects is None else max_objects
    out = PageRules([], [])
    seen = 0
    # (container, count/get functions, matrix of the container): forms nest, and the
    # matrix of an object inside a form is relative to the form
    # pdfium's functions bound without argument conversion (``pdfcalls``): a page has
    # thousands of objects, most of them text, each costing a call or two
    fns = calls(raw)
    # (holder, whether it is a form object, its matrix)
    stack: list[tuple[Any, bool, Matrix]] = [(page.raw, False, _IDENTITY)]
    fm = raw.FS_MATRIX()
    fm_ref = ctypes.byref(fm)
    buf = _Buffers(raw)
    get_matrix = fns.obj_matrix
    path_kind, form_kind = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM
    listed = _native_listing() if native else None
    while stack:
        holder, form, outer = stack.pop()
        n = (fns.form_count_objects if form else fns.page_count_objects)(holder)
        seen += n
        if seen > cap:
            return None
        for obj, kind in (listed or _listed)(fns, holder, form, n, path_kind, form_kind):
            if not get_matrix(obj, fm_ref):
                continue
            m = _compose((fm.a, fm.b, fm.c, fm.d, fm.e, fm.f), outer)
            if kind == path_kind:
                _path(raw, fns, obj, m, out, buf)
            else:
                stack.append((obj, True, m))
    out.vertical.sort()
    out.horizontal.sort()  # by height: ``cells_at`` bisects it
    return out


def _boundaries(rules: list[VRule]) -> list[tuple[float, float, float, float]]:
    """Cell boundaries ``(x_left, x_right, y0, y1)`` left to right from the vertical rules
    crossing one height: rules closer than ``_DOUBLE`` are one boundary (a double rule, a
    box stroked along both its edges), reaching as far up and down as any of them."""
    out: list[list[float]] = []
    for v in sorted(rules):
        if out and v.x - out[-1][1] < _DOUBLE:
            b = out[-1]
            b[1], b[2], b[3] = v.x, min(b[2], v.y0), max(b[3], v.y1)
        else:
            out.append([v.x, v.x, v.y0, v.y1])
    return [(a, b, c, d) for a, b, c, d in out]


def cells_at(rules: PageRules, y: float) -> list[tuple[float, float]] | None:
    """Horizontal extents ``(x0, x1)`` of the drawn cells at height ``y``, left to right,
    or None when no cell is drawn there.

    A cell lies between two consecutive vertical rules crossing ``y`` and is closed by a
    horizontal rule above or below ``y`` that runs across its middle within the reach of
    both its side rules: the gap between two tables side by side, or between a margin
    line and a table, is not a cell. One closing side is enough because a row split by a
    page break is drawn open at the break (WPS). The extent runs between the rules'
    centre lines (the inner lines of a double rule)."""
    crossing = [v for v in rules.vertical if v.y0 < y < v.y1]
    return _present(_closable(rules, crossing, [h.y for h in rules.horizontal]), y)


#: a cell between two boundaries, with the lowest and highest of the horizontal rules
#: that could close it: ``(x0, x1, lowest, highest)``
_Closable = tuple[float, float, float, float]


def _closable(rules: PageRules, crossing: list[VRule], ys: list[float]) -> list[_Closable] | None:
    """The cells between the boundaries of the vertical rules ``crossing`` a height that
    some horizontal rule could close, or None for fewer than two boundaries.

    A horizontal rule closes a cell at height ``y`` when it runs across the cell's middle
    (within reach) at a height from the reach of the side rules' lower ends up to ``y``,
    or from ``y`` up to the reach of their upper ends. Given the crossing rules, those
    ends are fixed, so whether a cell is closed at ``y`` only asks whether such a rule
    lies at a height other than ``y`` itself: ``_present`` compares ``y`` with the lowest
    and highest of them, worked out here once for all the lines the rules cross."""
    bounds = _boundaries(crossing)
    if len(bounds) < 2:
        return None
    # the horizontals are sorted by height (``read_page_rules``): the ones within reach of
    # a cell's side rules are a slice found by two bisections
    hs = rules.horizontal
    out: list[_Closable] = []
    for (_, left, lo1, hi1), (right, _, lo2, hi2) in zip(bounds, bounds[1:]):
        mid = (left + right) / 2
        bottom, top = max(lo1, lo2) - _REACH, min(hi1, hi2) + _REACH
        across = [h.y for h in hs[bisect.bisect_left(ys, bottom):bisect.bisect_right(ys, top)]
                  if h.x0 - _REACH <= mid <= h.x1 + _REACH]
        if across:
            out.append((left, right, across[0], across[-1]))
    return out


def _present(closable: list[_Closable] | None, y: float) -> list[tuple[float, float]] | None:
    """The cells of ``closable`` closed by a rule above or below ``y`` (see ``_closable``)."""
    if closable is None:
        return None
    return [(a, b) for a, b, lowest, highest in closable if lowest != y or highest != y] or None


def cells_finder(rules: PageRules) -> Callable[[float], list[tuple[float, float]] | None]:
    """``cells_at`` for one page's lines, the closable cells (``_closable``) worked out once
    for each set of vertical rules crossing a line. Which rules cross ``y`` depends only on
    where ``y`` falls among their ends, two bisections: the lines of one table share the
    answer. (The ends are finite: ``read_page_rules`` keeps no rule with a NaN end, and a
    NaN ``y`` falls in a class of its own, crossed by no rule.)"""
    ys = [h.y for h in rules.horizontal]
    ends = sorted({e for v in rules.vertical for e in (v.y0, v.y1)})
    memo: dict[tuple[int, int], list[_Closable] | None] = {}

    def at(y: float) -> list[tuple[float, float]] | None:
        key = (bisect.bisect_left(ends, y), bisect.bisect_right(ends, y))
        if key in memo:
            closable = memo[key]
        else:
            crossing = [v for v in rules.vertical if v.y0 < y < v.y1]
            closable = memo[key] = _closable(rules, crossing, ys)
        return _present(closable, y)  # each line its own list

    return at


def drawn_cell_of(block: Block, word: Word, tol: float = 0.5) -> int | None:
    """Index into ``block.cells`` of the drawn cell that word ``word`` of PDF line
    ``block`` lies in (its glyph-box extent inside the cell's, ``tol`` points of slack),
    or None: no cells were read for the line, or the word straddles a rule or lies
    outside every drawn cell. Pure; the index counts the drawn cells of the line's table
    row from the left, label cells (merged or not) included."""
    return cell_index(block.cells, word.x0, word.x1, tol)


def cell_index(cells: list[tuple[float, float]] | None, x0: float, x1: float, tol: float = 0.5
               ) -> int | None:
    """Index of the drawn cell containing the extent ``x0..x1`` (see ``drawn_cell_of``)."""
    for k, (a, b) in enumerate(cells or ()):
        if a - tol <= x0 and x1 <= b + tol:
            return k
    return None
