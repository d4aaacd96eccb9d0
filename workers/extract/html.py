"""HTML: the page parsed by lxml, then read into paragraphs and table grids by the
compiled reader (``_native.c``) where it is built and the page allows, else by the Python
reading of ``html_tree`` (the reference; both give the same blocks)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from functools import cache
from typing import Any

from ground.errors import ExtractionError
from workers.extract.html_tree import (  # noqa: F401  (_MAX_GRID_CELLS, build_grid: for tests)
    _MAX_GRID_CELLS, body_blocks, build_grid, prefixed_names)
from workers.extract.model import Block, Cell, ExtractedDocument
from workers.extract.native import fillable, native_module
from workers.extract.sheet import table_blocks

#: a page for the check of the compiled reader at its first use: paragraphs, a layout
#: table, merged cells, Word's prefixed tags, a comment and a skipped element in cells
_SAMPLE = ("<html><body><p>一、总体情况</p>\u3000说明<br>第二行<table><tr><td><p>甲</p><table>"
           "<tr><td rowspan=2> a\u3000 b<o:p>c</o:p></td><th colspan='3'><span>1</span>2</th></tr>"
           "<tr><td>\xa0<!-- x --></td><td><script>y</script>3</td></tr></table>尾</td></tr></table>"
           "<div>乙<x:svg>z</x:svg></div></body></html>")


@cache
def native_reader() -> Callable[[Any, type], list | None] | None:
    """``_native.blocks``, the reading of :func:`body_blocks` in C (``_native_html.c``),
    where it is built and reads a sample page as :func:`body_blocks` does; else None, and
    the Python code reads every page."""
    _native = native_module()
    # _native_html.c makes cells as Cell(text, row, col, span), positionally
    if _native is None or tuple(f.name for f in fields(Cell)) != ("text", "row", "col", "span"):
        return None
    fillable(_native, Cell)  # else Cell is called: the same cells, slower
    from lxml import etree

    def body():
        return etree.fromstring(_SAMPLE.encode(), _html_parser("utf-8")).find("body")

    native = _native_blocks(_native.blocks, body())
    if _native.node_name(body()) != "body" or native != body_blocks(body(), prefixed_names(_SAMPLE)):
        return None  # lxml's or libxml2's layout is not the one _native.c mirrors
    return _native.blocks


def _native_blocks(read: Callable[[Any, type], list | None], root) -> list[Block] | None:
    got = read(root, Cell)
    if got is None:
        return None
    blocks: list[Block] = []
    for x in got:
        if x.__class__ is str:
            blocks.append(Block("para", text=x))
        else:
            blocks.extend(table_blocks(*x))
    return blocks


def read_blocks(root, markup: str | None = None) -> list[Block]:
    """:func:`body_blocks` of ``root``: read by the compiled reader where it can, else
    by the Python code (``markup``: the page's text, for :func:`prefixed_names`)."""
    read = native_reader()
    got = None if read is None else _native_blocks(read, root)
    if got is not None:
        return got
    return body_blocks(root, None if markup is None else prefixed_names(markup))


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
    return read_blocks(root)


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


# ``_NOT_XML`` in UTF-8: the controls are single bytes there (never inside a multi-byte
# sequence), U+FFFE/U+FFFF three bytes each
_CONTROL_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _not_xml(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds a character ``_NOT_XML`` matches, found by C loops
    over the bytes (the regex over the decoded page costs a third of lxml's parse); in
    one pass by the compiled module where it is built (a copy of the page and two
    searches here)."""
    native = native_module()
    return native.not_xml(data) if native is not None else _not_xml_python(data)


def _not_xml_python(data: bytes) -> bool:
    """:func:`_not_xml` without the compiled module (and its reference in the tests)."""
    return (len(data.translate(None, _CONTROL_BYTES)) != len(data)
            or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)


@cache
def _html_parser(encoding: str | None):
    from lxml import etree

    return etree.HTMLParser(encoding=encoding)


def html_to_document(text: str, *, encoding: str | None) -> ExtractedDocument:
    from lxml import etree  # lazy: keep `import workers.parse` light

    try:
        # lxml.html's parser with plain elements: its HtmlElement classes are looked up by
        # a Python call for every element touched, a third of the time spent here
        # from UTF-8 bytes: libxml2 reads them some 30% faster than a str (same tree). An
        # XML declaration is dropped first: the text is decoded already, and lxml refuses a
        # str whose declaration names an encoding (XHTML pages of some portals). A text with
        # characters XML forbids (controls of a damaged file) goes in as a str, as libxml2
        # treats those differently in bytes.
        text = _XML_DECL.sub("", text, count=1)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: lxml decides, as before
            root = etree.fromstring(text, _html_parser(None))
        else:
            if _not_xml(data):
                root = etree.fromstring(text, _html_parser(None))
            else:
                root = etree.fromstring(data, _html_parser("utf-8"))
        if root is None:
            raise etree.ParserError("Document is empty")
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
    blocks = number_tables(read_blocks(body if body is not None else root, text))
    return ExtractedDocument(blocks=blocks, format="html", encoding=encoding, meta=meta)
