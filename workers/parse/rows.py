"""The document as a stream of rows of cells, the common input of all table matchers.

Paragraphs become one-cell rows; in text without real cell structure, trailing numbers of
a line ("1.属于国家秘密 1 0 0 0 0 0 1") are split off as cells of their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import cache

from workers.extract.model import Block, Cell, ExtractedDocument, Word
from workers.extract.native import fillable, native_module
from workers.reading import Reading
from workers.parse.normalize import has_cjk, is_blank_mark, is_number, norm, short_cached, to_number

# trailing cells: numbers (a money amount may keep its unit, "251000元"), "/" or "—"
_TRAIL_NUM = re.compile(r"^(.*?)((?:\s+(?:-?\d+(?:\.\d+)?(?:万元|元)?|/|—))+)\s*$")
_COLON_BEFORE_NUM = re.compile(r"[:：](?=\s*(?:-?\d|/|—))")
_ALL_NUM = re.compile(r"^\s*(?:-?\d+(?:\.\d+)?)(?:\s+-?\d+(?:\.\d+)?)*\s*$")


@dataclass(slots=True)
class Item:
    text: str
    prov: dict
    x: tuple[float, float] | None = None  # horizontal extent on the page (PDF words)
    read: Reading | None = None  # how the value was read, where placement decided it
    conf: float | None = None  # OCR: the recogniser's confidence in the word

@dataclass(slots=True)
class Row:
    """One row: ``labels`` are text cells, ``values`` the cells after the last label."""

    cells: list[Item]
    grid: bool
    is_para: bool
    labels: list[Item] = field(default_factory=list)
    values: list[Item] = field(default_factory=list)
    nums: int = 0
    words: list[Word] | None = None  # PDF: the line's positioned words
    drawn: list[tuple[float, float]] | None = None  # PDF: extents of the drawn cells it crosses
    dropped: bool = False  # values present, but their columns could not be decided
    placed: bool = False  # values placed in their columns by position (columns.py)
    #: the labels joined and normalised, and the cells' text: set once by ``_finish`` (the
    #: matchers read them many times; labels and cells never change afterwards)
    label: str = ""
    text: str = ""


def _split_line(text: str, prov: dict) -> list[Item]:
    # "label：1　0　/" — a colon may stand where a space separates label and numbers
    if ":" in text or "：" in text:
        text = _COLON_BEFORE_NUM.sub("： ", text)
    if _ALL_NUM.match(text):
        return [Item(t, prov) for t in text.split()]
    # _TRAIL_NUM's lazy scan costs a step per character of a paragraph; it can only match
    # a line whose last printed character ends a number, "元", "/" or "—"
    # (``isdigit`` holds for every character ``\d`` matches)
    last = text.rstrip()[-1:]
    m = _TRAIL_NUM.match(text) if last.isdigit() or last in ("元", "/", "—") else None
    if m and m.group(1).strip() and not m.group(1).rstrip().endswith(("第", "共")):
        return [Item(m.group(1).strip(), prov)] + [Item(t, prov) for t in m.group(2).split()]
    return [Item(text, prov)]


def _with_x(items: list[Item], words: list[Word] | None) -> list[Item]:
    """Give trailing number items the positions of their words (text is the words joined
    by single spaces, so the last k whitespace tokens are the last k words)."""
    if not words:
        return items
    k = len(items) - 1 if len(items) > 1 and not is_number(items[0].text) else len(items)
    if k > len(words) or len(items) == 1 and not is_number(items[0].text):
        return items
    for it, w in zip(items[len(items) - k:], words[len(words) - k:]):
        if it.text == w.text:
            it.x = (w.x0, w.x1)
            it.conf = getattr(w, "conf", None)
    return items


@short_cached
def _is_label(text: str) -> bool:
    """A cell that is neither a number nor a blank mark: text of a label."""
    return not is_blank_mark(text) and to_number(text) is None


# the caches behind the short_cached functions, for the compiled loop (``cache[text]`` is
# the function's result, as a call gives it)
_IS_LABEL, _NORM, _IS_NUMBER = _is_label.__self__, norm.__self__, is_number.__self__  # type: ignore[attr-defined]


def _finish(row: Row) -> Row:
    cells = row.cells
    texts = [it.text for it in cells]
    last = len(texts) - 1  # the last label cell: most rows end in numbers, so from the end
    while last >= 0 and not _is_label(texts[last]):
        last -= 1
    labels = [c for c in cells[: last + 1] if c.text.strip()]
    row.labels = labels
    row.label = norm("".join([i.text for i in labels]))
    row.text = " ".join(texts)
    vals = cells[last + 1:]
    if not row.grid:
        while vals and not vals[0].text.strip():
            vals = vals[1:]
    row.values = vals
    nums = 0
    for v in vals:
        if is_number(v.text):
            nums += 1
    row.nums = nums
    return row


#: the fields ``_native_rows.c`` passes in this order (positional arguments: keywords cost
#: more than the objects); another order and the compiled loop is not used
_ITEM_FIELDS = ("text", "prov", "x", "read", "conf")
_ROW_FIELDS = ("cells", "grid", "is_para", "labels", "values", "nums", "words", "drawn", "dropped",
               "placed", "label", "text")
_ORDER_CHANGED = (tuple(f.name for f in fields(Item)) != _ITEM_FIELDS
                  or tuple(f.name for f in fields(Row)) != _ROW_FIELDS)


#: a table for the check of the compiled loop at its first use: a merged cell's copy, text
#: on two lines (CJK and not), padding, blanks, numbers and labels
_SAMPLE_GRID = [[Cell("（一）予以公开", 0, 0), Cell(" 1 ", 0, 1), Cell("/", 0, 2), Cell("", 0, 3)],
                [Cell("中\n文", 1, 0), Cell("1", 1, 1, span=True), Cell("a\nb", 1, 2), Cell("12.5", 1, 3)],
                [Cell(" ", 2, 0), Cell("", 2, 1), Cell("\u3000", 2, 2), Cell("—", 2, 3)]]


@cache
def _native_grid_rows():
    """``_native.grid_rows`` (``_native_rows.c``): the grid branch of :func:`build_rows`
    with its ``_finish``, asking the same caches, where it is built and makes the rows of
    a sample table as the Python code makes them (the same fields of the same classes:
    it fills the dataclasses' slots rather than calling them); else None."""
    native = native_module()
    if native is None or _ORDER_CHANGED:
        return None
    for cls in (Item, Row):
        fillable(native, cls)  # else it is called: the same rows, slower
    doc = ExtractedDocument(blocks=[Block("table", rows=_SAMPLE_GRID, table=1, grid=True)], format="html")
    made: list[Row] = []
    native.grid_rows(made, _SAMPLE_GRID, None, 1, Item, Row, _IS_LABEL, _NORM, _IS_NUMBER)
    python = build_rows(doc, native=False)
    if [(type(r), r, [type(i) for i in r.cells]) for r in made] != [(Row, r, [Item] * len(r.cells)) for r in python]:
        return None
    return native.grid_rows


def build_rows(doc: ExtractedDocument, *, native: bool = True) -> list[Row]:
    """The document's rows (``native``: tables with real cells by the compiled loop, where
    it is built; it gives the rows this Python code gives)."""
    rows: list[Row] = []
    grid_rows = _native_grid_rows() if native else None
    for b in doc.blocks:
        if b.kind == "para":
            prov = {"page": b.page, "table": None, "row": None, "col": None}
            items = _with_x(_split_line(b.text, prov), b.words)
            rows.append(_finish(Row(items, grid=False, is_para=True, words=b.words, drawn=b.cells)))
            continue
        page, table, grid = b.page, b.table, b.grid
        if grid and grid_rows is not None:
            grid_rows(rows, b.rows, page, table, Item, Row, _IS_LABEL, _NORM, _IS_NUMBER)
            continue
        for r in b.rows:
            items: list[Item] = []
            blank = True  # whether every item is empty: a row with no text is dropped
            for c in r:
                if c.span:
                    continue
                prov = {"page": page, "table": table, "row": c.row, "col": c.col}
                txt = c.text
                if "\n" in txt:
                    txt = txt.replace("\n", " ") if not has_cjk(txt) else txt.replace("\n", "")
                if grid:
                    txt = txt.strip()
                    items.append(Item(txt, prov))
                    if txt:
                        blank = False
                else:
                    got = _split_line(txt, prov) if txt.strip() else [Item("", prov)]
                    items.extend(got)
                    if blank and any(i.text.strip() for i in got):
                        blank = False
            if not blank:
                rows.append(_finish(Row(items, grid=grid, is_para=False)))
    return rows
