"""HTML: paragraphs in reading order and tables as colspan/rowspan-aware grids (lxml)."""
from __future__ import annotations

import re

from ground.errors import ExtractionError
from workers.extract.model import Block, Cell, Document
from workers.extract.sheet import table_blocks

_SKIP = {"script", "style", "head", "noscript", "template", "iframe", "select", "button", "svg"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
          "header", "footer", "blockquote", "pre", "tr", "dd", "dt", "center", "form", "body",
          "main", "nav", "aside", "title", "caption"}
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u200b\ufeff]+")


def _tag(el) -> str:
    t = el.tag
    if not isinstance(t, str):
        return ""
    return t.rsplit("}", 1)[-1].split(":")[-1].lower()


def _cell_text(el) -> str:
    """Text of a cell: runs joined without separators (Word splits words over spans),
    line breaks only at <p>/<br>/<div> boundaries."""
    parts: list[str] = []

    def walk(e) -> None:
        tag = _tag(e)
        if tag in _SKIP:
            return
        if tag in ("p", "div", "br", "li") and parts and not parts[-1].endswith("\n"):
            parts.append("\n")
        if e.text and tag not in _SKIP:
            parts.append(e.text)
        for ch in e:
            walk(ch)
            if ch.tail:
                parts.append(ch.tail)

    if el.text:
        parts.append(el.text)
    for ch in el:
        walk(ch)
        if ch.tail:
            parts.append(ch.tail)
    lines = [_WS.sub(" ", x).strip() for x in "".join(parts).split("\n")]
    return "\n".join(x for x in lines if x)


def _rows_of(table) -> list:
    rows = []
    for ch in table:
        t = _tag(ch)
        if t == "tr":
            rows.append(ch)
        elif t in ("thead", "tbody", "tfoot"):
            rows.extend(x for x in ch if _tag(x) == "tr")
    return rows


def _tds(tr) -> list:
    return [x for x in tr if _tag(x) in ("td", "th")]


def _int_attr(el, name: str) -> int:
    try:
        return max(1, min(int(str(el.get(name, "1")).strip() or 1), 200))
    except ValueError:
        return 1


# Merges are expanded cell by cell; past this many grid cells (only hostile or broken
# markup gets there) further cells are taken unmerged, so the work stays linear.
_MAX_GRID_CELLS = 500_000


def build_grid(table) -> list[list[Cell]]:
    """Expand merged cells: the origin keeps the text, covered positions get ``span``."""
    grid: dict[tuple[int, int], Cell] = {}
    width: dict[int, int] = {}  # row -> 1 + its last column (one pass, not a scan per row)
    nrows = 0
    for r, tr in enumerate(_rows_of(table)):
        c = 0
        for td in _tds(tr):
            while (r, c) in grid:
                c += 1
            rs, cs = _int_attr(td, "rowspan"), _int_attr(td, "colspan")
            if len(grid) > _MAX_GRID_CELLS:
                rs = cs = 1
            text = _cell_text(td)
            for dr in range(rs):
                width[r + dr] = max(width.get(r + dr, 0), c + cs)
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = Cell(text, r + dr, c + dc, span=bool(dr or dc))
            c += cs
        nrows = max(nrows, r + 1)
    return [[grid.get((r, c), Cell("", r, c)) for c in range(width.get(r, 0))] for r in range(nrows)]


def body_blocks(root) -> list[Block]:
    """Paragraphs and tables under ``root`` in reading order (tables not yet numbered)."""
    blocks: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        s = _WS.sub(" ", "".join(buf)).strip()
        buf.clear()
        if s:
            blocks.append(Block("para", text=s))

    def walk(e) -> None:
        tag = _tag(e)
        if tag in _SKIP or not tag:
            return
        if tag == "table":
            flush()
            if e.xpath(".//table"):
                # Layout table around the content: descend instead of gridding it.
                for ch in e:
                    walk(ch)
                    if ch.tail:
                        buf.append(ch.tail)
                flush()
                return
            rows = _rows_of(e)
            blocks.extend(table_blocks([len(_tds(tr)) for tr in rows], build_grid(e)))
            return
        if tag == "br":
            flush()
            return
        block = tag in _BLOCK or tag in ("td", "th")
        if block:
            flush()
        if e.text:
            buf.append(e.text)
        for ch in e:
            walk(ch)
            if ch.tail:
                buf.append(ch.tail)
        if block:
            flush()

    walk(root)
    flush()
    return blocks


def number_tables(blocks: list[Block]) -> list[Block]:
    """Give table blocks their 1-based number in reading order."""
    n = 0
    for b in blocks:
        if b.kind == "table":
            n += 1
            b.table = n
    return blocks


def fragment_blocks(markup: str) -> list[Block]:
    """Blocks of an HTML fragment embedded in another format (a <table> inside markdown);
    tables are numbered by the caller, which knows their place in the whole document."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    return body_blocks(root)


def html_to_document(text: str, *, encoding: str | None) -> Document:
    import lxml.html  # lazy: keep `import workers.parse` light
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unreadable HTML: {exc}") from exc
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        if m.get("name") and m.get("content"):
            meta[m.get("name")] = m.get("content")
    title = root.find(".//title")
    if title is not None and title.text:
        meta["title"] = title.text.strip()
    body = root.find("body")
    blocks = number_tables(body_blocks(body if body is not None else root))
    return Document(blocks=blocks, format="html", encoding=encoding, meta=meta)
