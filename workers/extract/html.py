"""HTML: paragraphs in reading order and tables as colspan/rowspan-aware grids (lxml)."""
from __future__ import annotations

import re

from gkwatch.errors import ExtractionError
from workers.extract.model import Block, Cell, Document

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


def _int_attr(el, name: str) -> int:
    try:
        return max(1, min(int(str(el.get(name, "1")).strip() or 1), 200))
    except ValueError:
        return 1


def build_grid(table) -> list[list[Cell]]:
    """Expand merged cells: the origin keeps the text, covered positions get ``span``."""
    grid: dict[tuple[int, int], Cell] = {}
    nrows = 0
    for r, tr in enumerate(_rows_of(table)):
        c = 0
        for td in (x for x in tr if _tag(x) in ("td", "th")):
            while (r, c) in grid:
                c += 1
            rs, cs = _int_attr(td, "rowspan"), _int_attr(td, "colspan")
            text = _cell_text(td)
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = Cell(text, r + dr, c + dc, span=bool(dr or dc))
            c += cs
        nrows = max(nrows, r + 1)
    out: list[list[Cell]] = []
    for r in range(nrows):
        cols = sorted(c for (rr, c) in grid if rr == r)
        width = (cols[-1] + 1) if cols else 0
        out.append([grid.get((r, c), Cell("", r, c)) for c in range(width)])
    return out


def html_to_document(text: str, *, encoding: str | None) -> Document:
    import lxml.html  # lazy: keep `import workers.parse` light
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unreadable HTML: {exc}") from exc
    blocks: list[Block] = []
    buf: list[str] = []
    table_no = 0
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        if m.get("name") and m.get("content"):
            meta[m.get("name")] = m.get("content")
    title = root.find(".//title")
    if title is not None and title.text:
        meta["title"] = title.text.strip()

    def flush() -> None:
        s = _WS.sub(" ", "".join(buf)).strip()
        buf.clear()
        if s:
            blocks.append(Block("para", text=s))

    def walk(e) -> None:
        nonlocal table_no
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
            table_no += 1
            blocks.append(Block("table", rows=build_grid(e), table=table_no, grid=True))
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

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return Document(blocks=blocks, format="html", encoding=encoding, meta=meta)
