"""HTML, read from lxml's tree in Python: paragraphs in reading order and tables as
colspan/rowspan-aware grids. The reference reading: ``_native.c`` reads the same faster, and
``html.read_blocks`` uses it where it is built (``tests/documents/test_extract_native.py``)."""
from __future__ import annotations

import re
from itertools import chain

from workers.extract.model import Block, Cell
from workers.extract.sheet import table_blocks

_SKIP = {"script", "style", "head", "noscript", "template", "iframe", "select", "button", "svg"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
          "header", "footer", "blockquote", "pre", "tr", "dd", "dt", "center", "form", "body",
          "main", "nav", "aside", "title", "caption"}
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u200b\ufeff]+")


_NAMES: dict[str, str] = {}  # tag → local name, lowercased ('o:p' → 'p'); a page has few


def _tag(el) -> str:
    t = el.tag
    if not isinstance(t, str):
        return ""
    name = _NAMES.get(t)
    if name is None:
        name = t.rsplit("}", 1)[-1].split(":")[-1].lower()
        if len(_NAMES) < 4096:  # hostile markup may invent endless tag names
            _NAMES[t] = name
    return name


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LINE_TAGS = frozenset(("p", "div", "br", "li"))  # a cell's text breaks a line where one starts


#: a start tag's name as either of libxml2's HTML parsers reads it may only come from such
#: a run: "<", a character a name may start with, then anything up to whitespace, "/" or
#: ">" (the HTML5 tokenizer of libxml2 2.14 takes all of the run, the older parser the
#: part made of ``_NAME_CHARS``). Only runs with a colon are looked for.
_PREFIXED_RUN = re.compile(r"<[A-Za-z_:.][^\t\n\f\r />:]*:[^\t\n\f\r />]*")
_NAME_CHARS = re.compile(r"[a-z0-9_:.\-]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def prefixed_names(markup: str) -> frozenset[str] | None:
    """The tags with a prefix (Word's ``o:p``) the HTML parser can have made from
    ``markup``: a superset, found by one regex scan, so that :func:`mark_cell_lines` asks
    lxml for those elements by tag instead of walking every element in Python. None where
    a run holds a character outside plain name characters (a tag lxml's matching might
    read otherwise, or a name past the old parser's 100 characters): then the walk runs."""
    names: set[str] = set()
    for run in set(_PREFIXED_RUN.findall(markup)):
        name = run[1:].translate(_ASCII_LOWER)  # both parsers lowercase ASCII letters only
        if len(name) > 100 or _NAME_CHARS.fullmatch(name) is None:
            return None
        names.add(name)  # all name characters: both parsers read this same name
    return frozenset(names)


def mark_cell_lines(root, prefixed_tags: frozenset[str] | None = None) -> tuple[set, bool]:
    """Prepare ``root`` for :func:`cell_text`: put a line break at the start of every
    element that breaks a cell's lines, and return the cells (``td``/``th``) that hold a
    skipped element or a comment, which only the element walk reads as it must, and
    whether any element's tag has a prefix (else every element's tag is its ``_tag``).

    The break is harmless elsewhere: paragraphs (``body_blocks``) start a new block at
    those elements and strip the whitespace a block begins with, and ``cell_text`` drops
    the empty lines two breaks make. lxml finds the elements (one pass per kind, in C):
    an HTML parser's tags are lowercase, so an element's local name (``_tag``) is its tag
    unless the tag has a prefix (Word's ``<o:p>``). Those are asked of lxml by their tags,
    ``prefixed_tags`` (from :func:`prefixed_names`; an HTML parser's tree has no
    namespaces, so "o:p" is the tag itself); None: found in one walk over every element,
    which is still faster than the query ``contains(name(), ':')`` (it builds every
    element's name in libxml2)."""
    from lxml import etree  # lazy

    if prefixed_tags is None:
        prefixed = [(e, _tag(e)) for e in root.iter(etree.Element) if ":" in e.tag]
    else:
        prefixed = [(e, _tag(e)) for e in root.iter(*prefixed_tags)] if prefixed_tags else []
    walk_only: set = set()
    for e in chain(root.iter(*_LINE_TAGS), (e for e, name in prefixed if name in _LINE_TAGS)):
        text = e.text or ""
        if _NOT_XML.search(text):
            # lxml refuses to set such text (after dropping the old one): walk those cells
            walk_only.update(e.iterancestors("td", "th"))
        else:
            e.text = "\n" + text
    for e in chain(root.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity, *_SKIP),
                   (e for e, name in prefixed if name in _SKIP)):
        walk_only.update(e.iterancestors("td", "th"))
    return walk_only, bool(prefixed)


def _lines(text: str) -> str:
    """The non-empty lines of ``text``, whitespace runs made one space."""
    one = text.strip("\n")  # breaks at either end make only empty lines
    if one.isalnum():
        # most cells (numbers, labels without punctuation): letters and digits only, no
        # character of ``_WS`` (spaces and the zero-width marks are not alphanumeric)
        return one
    if "\n" not in one:
        one = one.strip()
        return one if one.isalnum() else _WS.sub(" ", one).strip()
    # A line whose stripped text is alphanumeric has no ``_WS`` character left inside, so
    # the regex runs only for lines with inner spaces or marks: most cells of a Word page
    # are one such line between indented source breaks ("\n      \n26\n\n      ").
    # Stripping before the substitution changes nothing: the final strip takes whatever
    # either end still has.
    out = []
    for x in one.split("\n"):
        x = x.strip()
        if x and not x.isalnum():
            x = _WS.sub(" ", x).strip()
        if x:
            out.append(x)
    return out[0] if len(out) == 1 else "\n".join(out)


def cell_text(el, walk_only: set) -> str:
    """Text of a cell of a tree prepared by :func:`mark_cell_lines`: the same as
    :func:`_cell_text`, read by lxml in one call (the element walk costs several times
    the parse of the page)."""
    if el in walk_only:
        return _cell_text(el)
    if not len(el):
        return _lines(el.text or "")  # no child nodes: its string value is its text
    return _lines(_string_value(el))


def _string_value(el) -> str:
    """The element's XPath string value (its text and its descendants', in order; no
    comments and no skipped elements under it, see ``mark_cell_lines``), serialised by
    libxml2: several times faster than evaluating ``string()`` for each cell."""
    from lxml import etree  # lazy, like every heavy import of the extractors

    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _cell_text(el) -> str:
    """Text of a cell: runs joined without separators (Word splits words over spans),
    line breaks only at <p>/<br>/<div> boundaries. Comments' text is kept (as it always
    was), the content of ``_SKIP`` elements is not."""
    parts: list[str] = []
    _cell_content(el, parts)
    return _lines("".join(parts))


def _cell_walk(e, parts: list[str]) -> None:
    # module functions, not a closure: a closure that calls itself is a reference cycle,
    # left for the collector, which the parser pauses (``ground.collector``)
    tag = _tag(e)
    if tag in _SKIP:
        return
    if tag in ("p", "div", "br", "li") and parts and not parts[-1].endswith("\n"):
        parts.append("\n")
    _cell_content(e, parts)


def _cell_content(e, parts: list[str]) -> None:
    """``e``'s own text, then each child walked and its tail."""
    if e.text:
        parts.append(e.text)
    for ch in e:
        _cell_walk(ch, parts)
        if ch.tail:
            parts.append(ch.tail)


def _rows_of(table, prefixed: bool = True) -> list:
    if not prefixed:  # every tag is its local name: lxml picks the children in C
        rows = []
        for ch in table.iterchildren("tr", "thead", "tbody", "tfoot"):
            if ch.tag == "tr":
                rows.append(ch)
            else:
                rows.extend(ch.iterchildren("tr"))
        return rows
    rows = []
    for ch in table:
        t = _tag(ch)
        if t == "tr":
            rows.append(ch)
        elif t in ("thead", "tbody", "tfoot"):
            rows.extend(x for x in ch if _tag(x) == "tr")
    return rows


def _tds(tr, prefixed: bool = True) -> list:
    if not prefixed:
        return list(tr.iterchildren("td", "th"))
    return [x for x in tr if _tag(x) in ("td", "th")]


def _int_attr(el, name: str) -> int:
    v = el.get(name)
    if v is None:
        return 1
    return _span(v)


def _span(v: str) -> int:
    """A rowspan/colspan attribute's value, 1–200."""
    try:
        return max(1, min(int(str(v).strip() or 1), 200))
    except ValueError:
        return 1


# Merges are expanded cell by cell; past this many grid cells (only hostile or broken
# markup gets there) further cells are taken unmerged, so the work stays linear.
_MAX_GRID_CELLS = 500_000


def build_grid(rows: list[list], walk_only: set) -> list[list[Cell]]:
    """Expand merged cells: the origin keeps the text, covered positions get ``span``.
    ``rows`` are the table's cells (``td``/``th``) per ``tr``."""
    from lxml import etree  # lazy, like every heavy import of the extractors

    tostring = etree.tostring  # ``_string_value``, inlined
    nrows = len(rows)
    # the grid's rows as lists of their positions, None where no cell is (yet); a row is
    # as long as 1 + its last taken column. Rows a rowspan reaches past the last <tr>
    # are kept while gridding (they count towards the limit) and dropped at the end.
    grid: list[list[Cell | None]] = [[] for _ in range(nrows)]
    taken = 0  # positions holding a cell
    for r, tds in enumerate(rows):
        row = grid[r]
        c = 0
        for td in tds:
            while c < len(row) and row[c] is not None:
                c += 1
            # ``_int_attr`` and ``cell_text`` inlined: this loop runs for every cell
            v = td.get("rowspan")
            rs = 1 if v is None else _span(v)
            v = td.get("colspan")
            cs = 1 if v is None else _span(v)
            if taken > _MAX_GRID_CELLS:
                rs = cs = 1
            if td in walk_only:
                text = _cell_text(td)
            elif not len(td):
                text = _lines(td.text or "")
            else:
                text = _lines(tostring(td, method="text", encoding="unicode", with_tail=False))
            if rs == 1 and cs == 1:  # most cells: no merge to expand
                if c < len(row):
                    row[c] = Cell(text, r, c)
                else:
                    row.extend([None] * (c - len(row)))
                    row.append(Cell(text, r, c))
                taken += 1
            else:
                while len(grid) < r + rs:
                    grid.append([])
                for dr in range(rs):
                    under = grid[r + dr]
                    if len(under) < c + cs:
                        under.extend([None] * (c + cs - len(under)))
                    for dc in range(cs):
                        if under[c + dc] is None:
                            taken += 1
                        under[c + dc] = Cell(text, r + dr, c + dc, span=bool(dr or dc))
            c += cs
    del grid[nrows:]
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                row[c] = Cell("", r, c)
    return grid  # type: ignore[return-value]  # no None is left


def body_blocks(root, prefixed_tags: frozenset[str] | None = None) -> list[Block]:
    """Paragraphs and tables under ``root`` in reading order (tables not yet numbered);
    ``prefixed_tags`` as for :func:`mark_cell_lines`. The reference reading, in Python:
    ``_native.c`` reads the same faster (:func:`read_blocks`)."""
    walk_only, prefixed = mark_cell_lines(root, prefixed_tags)
    # the elements with a table inside (what ``e.xpath(".//table")`` asks of each table),
    # found in one pass: an XPath evaluation per table costs more than gridding a small one
    outer: set = set()
    for t in root.iter("table"):
        for a in t.iterancestors():
            if a in outer:
                break  # its ancestors are in already
            outer.add(a)
    walk = _BodyWalk(walk_only, prefixed, outer)
    walk.walk(root)
    walk.flush()
    return walk.blocks


class _BodyWalk:
    """The state of one :func:`body_blocks` walk (an object, not closures: a closure that
    calls itself is a reference cycle, which would hold the tree until a collection)."""

    __slots__ = ("walk_only", "prefixed", "outer", "blocks", "buf")

    def __init__(self, walk_only: set, prefixed: bool, outer: set) -> None:
        self.walk_only, self.prefixed, self.outer = walk_only, prefixed, outer
        self.blocks: list[Block] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        buf = self.buf
        if not buf:
            return  # most boundaries: nothing between two block elements
        s = _WS.sub(" ", "".join(buf)).strip()
        buf.clear()
        if s:
            self.blocks.append(Block("para", text=s))

    def walk(self, e) -> None:
        tag = _NAMES.get(e.tag) or _tag(e)  # ``_tag``, its cache read first
        if tag in _SKIP or not tag:
            return
        buf = self.buf
        if tag == "table":
            self.flush()
            if e in self.outer:
                # Layout table around the content: descend instead of gridding it.
                for ch in e:
                    self.walk(ch)
                    if ch.tail:
                        buf.append(ch.tail)
                self.flush()
                return
            rows = [_tds(tr, self.prefixed) for tr in _rows_of(e, self.prefixed)]
            self.blocks.extend(table_blocks([len(tds) for tds in rows], build_grid(rows, self.walk_only)))
            return
        if tag == "br":
            self.flush()
            return
        block = tag in _BLOCK or tag in ("td", "th")
        if block:
            self.flush()
        if e.text:
            buf.append(e.text)
        for ch in e:
            self.walk(ch)
            if ch.tail:
                buf.append(ch.tail)
        if block:
            self.flush()
