"""The compiled part (``workers/extract/_native*.c``) reads what the Python code reads.

HTML: ``body_blocks`` in Python is the reference: on the corpus pages, the demo pages and
random markup the compiled reader either gives the very same blocks or declines (None),
and a page it declines is read by the Python code. PDF: every page's lines and words from
the compiled loop are those of ``_grouped_lines``. Parser: the rows of tables with real
cells from the compiled loop are those of ``build_rows``'s Python branch. The parse leaves no reference cycle
behind (the parser runs with the cycle collector paused, ``ground.collector``).
"""
from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ground.collector import collector_paused
from workers.extract import html as H
from workers.extract.native import fillable, native_module
from workers.extract.textenc import decode
from workers.parse import parse_bytes

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
READER = H.native_reader()
needs_reader = pytest.mark.skipif(READER is None, reason="the compiled reader is not built")


def _body(markup: str):
    root = etree.fromstring(markup.encode("utf-8"), H._html_parser("utf-8"))
    return root.find("body") if root.find("body") is not None else root


def both(markup: str):
    """(compiled reader's blocks or None, Python's blocks), each from a tree of its own
    (the Python code marks the tree it reads)."""
    native = H._native_blocks(READER, _body(markup))
    return native, H.body_blocks(_body(markup), H.prefixed_names(markup))


def test_the_compiled_reader_is_built_where_a_compiler_is() -> None:
    """The install builds it (setup.py) and it passes its check at first use; only
    ``GKWATCH_PURE_PYTHON`` turns it off."""
    if os.environ.get("GKWATCH_PURE_PYTHON"):
        pytest.skip("GKWATCH_PURE_PYTHON is set")
    assert READER is not None, "workers/extract/_native.c is not built: pip install -e . with a C compiler"


def _pages() -> list[tuple[str, str]]:
    from gkwatch.demo.pages import Column, Item, detail_page
    from gkwatch.demo.render_html import article_html
    from gkwatch.demo.reports import make_history
    from datetime import datetime

    out = [(p.name, decode(p.read_bytes(), None, html=True)[0])
           for p in sorted((CORPUS / "real").glob("*.htm*")) + sorted((CORPUS / "seeds").glob("*.htm*"))]
    for seed in range(3):
        report = make_history(f"演示县第{seed}局", "部门", [2024], seed=seed)[2024]
        for style, flavour in (("art", "word"), ("trs", "plain")):
            col = Column(site_name="演示县人民政府门户网站", agency="x", style=style, list_dir="/x/", col_id=1)
            item = Item(title="x", path="/x/1.html", published=datetime(2025, 1, 20),
                        body_html=article_html(report, seed=seed, flavour=flavour), doc_id=seed)
            out.append((f"demo-{style}-{seed}", detail_page(col, item, f"000-{seed}")))
    return out


@needs_reader
def test_corpus_and_demo_pages_read_the_same() -> None:
    pages = _pages()
    assert len(pages) >= 8
    for name, markup in pages:
        native, python = both(markup)
        assert native is not None, f"{name}: declined"  # real pages take the fast path
        assert native == python, name


# --- random markup -------------------------------------------------------------------------

TEXTS = ["", " ", "\n", "\u3000", "\xa0", "\u200b", "\ufeff", "\t", "\r\n", "1", "26", "0", "中文",
         "（一）", "合计", "&nbsp;", "&#12288;", "&#x200b;", "a b", "/", "—", "\x85", "\u2028",
         "\u2002 x\u200b", "\x1c1\x1d", "&amp;", "&foo;", "<!-- c -->", "<?pi x?>",
         "<!--[if gte mso 9]><xml>x</xml><![endif]-->", "<![if !supportEmptyParas]>", "<![CDATA[x]]>"]
TAGS = ["p", "div", "span", "li", "b", "font", "center", "h1", "section", "caption", "u", "td",
        "tr", "script", "style", "noscript", "select", "template", "o:p", "O:P", "st1:chsdate",
        "x:svg", "w:br", "a:b:c", "x:", "中"]
SPANS = ["", ' rowspan="2"', ' rowspan="3"', ' colspan="2"', ' colspan="3"', ' rowspan="0"',
         ' rowspan="x"', ' colspan=" 2 "', ' colspan="2.0"', ' rowspan="250"', ' colspan=""',
         " nowrap", ' rowspan="2" colspan="2"', ' ROWSPAN="2"']


def _element(children):
    return st.tuples(st.sampled_from(TAGS + ["br"]), st.sampled_from(SPANS[:3]), st.lists(children, max_size=4),
                     st.booleans()).map(
        lambda t: f"<{t[0]}>" if t[0] == "br" else f"<{t[0]}{t[1]}>{''.join(t[2])}" + (f"</{t[0]}>" if t[3] else ""))


def _table(children):
    cell = st.tuples(st.sampled_from(["td", "td", "th"]), st.sampled_from(SPANS), st.lists(children, max_size=3)).map(
        lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>")
    row = st.lists(cell, max_size=5).map(lambda cs: "<tr>" + "".join(cs) + "</tr>")
    return st.tuples(st.sampled_from(["", "tbody", "thead", "x:tbody"]), st.lists(row, max_size=5)).map(
        lambda t: "<table>" + (f"<{t[0]}>" + "".join(t[1]) + f"</{t[0]}>" if t[0] else "".join(t[1])) + "</table>")


MARKUP = st.recursive(st.sampled_from(TEXTS), lambda ch: st.one_of(_element(ch), _table(ch)), max_leaves=40)


@needs_reader
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKUP, max_size=6))
def test_random_markup_reads_the_same_or_is_declined(parts: list[str]) -> None:
    markup = "<html><body>" + "".join(parts) + "</body></html>"
    native, python = both(markup)
    assert native is None or native == python
    # and the document as a whole is the Python code's, whichever path read it
    doc = H.html_to_document(markup, encoding=None)
    assert doc.blocks == H.number_tables(python)


@needs_reader
def test_plain_tables_are_read_natively_and_odd_ones_declined() -> None:
    plain = ("<html><body><p>一、总体情况</p><table><tr><td rowspan=2>甲</td><td colspan=3>1</td></tr>"
             "<tr><td>2</td><td>&nbsp;</td></tr></table></body></html>")
    native, python = both(plain)
    assert native is not None and native == python
    assert [b.kind for b in native] == ["para", "table"]
    for odd in ('colspan=" 2"', "colspan=x", "rowspan=+2", "colspan=２"):  # int() reads some of these
        markup = plain.replace("colspan=3", odd)
        native, python = both(markup)
        assert native is None  # only Python's int() says what these are
        assert H.html_to_document(markup, encoding=None).blocks == H.number_tables(python)


@needs_reader
def test_huge_merges_are_cut_as_the_python_code_cuts_them() -> None:
    """Past the grid limit further cells are taken unmerged, in both readers."""
    row = "<tr>" + '<td rowspan="200" colspan="200">x</td>' * 14 + "</tr>"
    markup = "<html><body><table>" + row * 3 + "</table></body></html>"
    native, python = both(markup)
    assert native is not None and native == python
    # 13 merges of 200 × 200 pass the limit of 500,000 positions: the 14th cell and those
    # of the next rows are taken unmerged, right of the 13 merges
    rows = native[0].rows
    assert len(rows) == 3 and len(rows[0]) == 13 * 200 + 1 and len(rows[1]) == 13 * 200 + 14
    assert not any(c.span for c in rows[1][2600:])


def _pure_python(on: bool) -> None:
    """Turn the compiled part off (``GKWATCH_PURE_PYTHON``) or on again, for the next reads."""
    if on:
        os.environ["GKWATCH_PURE_PYTHON"] = "1"
    else:
        os.environ.pop("GKWATCH_PURE_PYTHON", None)
    native_module.cache_clear()
    H.native_reader.cache_clear()
    from workers.extract import rules
    from workers.parse import rows

    rows._native_grid_rows.cache_clear()
    rules._native_listing.cache_clear()


@needs_reader
def test_pure_python_switch() -> None:
    try:
        _pure_python(True)
        assert native_module() is None and H.native_reader() is None
    finally:
        _pure_python(False)
    assert H.native_reader() is not None


@needs_reader
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"\xe4\xb8\xad", b"\t", b"\n", b"\r", b"\x00", b"\x08", b"\x0b",
                                 b"\x1f", b"\x20", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xef\xbf\xbd", b"\xef",
                                 b"\xef\xbf", b"\xbf\xbe", b"\x7f"]), max_size=12))
def test_forbidden_characters_found_alike(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert native_module().not_xml(data) is H._not_xml_python(data)


# --- the parser's rows ---------------------------------------------------------------------

def _rows_dump(doc) -> list:
    from workers.parse.normalize import document_scope
    from workers.parse.rows import build_rows

    out = []
    for native in (True, False):
        with document_scope():
            rows = build_rows(doc, native=native)
        out.append([(r.label, r.text, r.nums, r.grid, r.is_para, r.words, r.drawn, r.dropped, r.placed,
                     [(i.text, i.prov, i.x, i.read, i.conf) for i in r.cells],
                     [r.cells.index(i) for i in r.labels], [r.cells.index(i) for i in r.values]) for r in rows])
    return out


@needs_reader
def test_grid_rows_are_the_python_rows_on_corpus_pages() -> None:
    tables = 0
    for name, markup in _pages():
        doc = H.html_to_document(markup, encoding=None)
        tables += sum(b.kind == "table" for b in doc.blocks)
        native, python = _rows_dump(doc)
        assert native == python, name
    assert tables >= 20


@needs_reader
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKUP, max_size=6), st.lists(st.sampled_from(["1", "0", "/", "—", "无", "12.5", "1,234", "３",
                                                              "合计", "（一）予以公开", " a\nb ", "中\n文", "", " "]),
                                             max_size=12))
def test_grid_rows_are_the_python_rows_on_random_tables(parts: list[str], cells: list[str]) -> None:
    markup = "<html><body>" + "".join(parts) + "</body></html>"
    native, python = _rows_dump(H.html_to_document(markup, encoding=None))
    assert native == python
    # and cells as any extractor may give them (line breaks, padding, marks, numbers)
    from workers.extract.model import Block, Cell, ExtractedDocument

    grid = [[Cell(t, r, c, span=(r + c) % 5 == 4) for c, t in enumerate(cells[r:] + cells[:r])] for r in range(3)]
    native, python = _rows_dump(ExtractedDocument(blocks=[Block("table", rows=grid, table=1, grid=True)], format="html"))
    assert native == python


@needs_reader
def test_the_compiled_loops_pass_the_fields_in_their_order() -> None:
    """The C code makes Cell, Item and Row with positional arguments; the Python side uses
    it only while the dataclasses' fields are in the order it passes them."""
    from workers.parse import rows

    assert not rows._ORDER_CHANGED and rows._native_grid_rows() is not None
    assert [f.name for f in __import__("dataclasses").fields(H.Cell)] == ["text", "row", "col", "span"]


@needs_reader
def test_slots_are_filled_only_where_the_class_runs_nothing_else() -> None:
    """The compiled loops fill the slots of Item, Row and Cell instead of calling their
    ``__init__``: the objects are those of the classes, tracked by the collector, and hold
    their values' references exactly once. A class with a ``__post_init__`` or without
    slots is called as before."""
    import sys
    from dataclasses import dataclass, fields

    from workers.parse import rows as R

    text = "".join(["标签", "甲"])  # an object of its own, whose references are counted
    grid = [[H.Cell(text, 0, 0), H.Cell("1", 0, 1)], [H.Cell("合计", 1, 0), H.Cell(text, 1, 1)]]
    made: list = []
    native_module().grid_rows(made, grid, None, 1, R.Item, R.Row, R._IS_LABEL, R._NORM, R._IS_NUMBER)
    del made  # the parser's caches now hold the text as their key, for good
    before = sys.getrefcount(text)
    made = []
    native_module().grid_rows(made, grid, None, 1, R.Item, R.Row, R._IS_LABEL, R._NORM, R._IS_NUMBER)
    assert [type(r) for r in made] == [R.Row, R.Row] and all(type(i) is R.Item for r in made for i in r.cells)
    assert all(gc.is_tracked(i) for r in made for i in r.cells) and made[0].cells[0].x is None
    assert made[0].cells[0].text is text and sys.getrefcount(text) > before
    del made
    assert sys.getrefcount(text) == before  # each reference taken once, and given back

    posts: list = []

    @dataclass(slots=True)
    class Checked:  # an Item with a __post_init__: it must run, so the class is called
        text: str
        prov: dict
        x: object = None
        read: object = None
        conf: object = None

        def __post_init__(self) -> None:
            posts.append(self.text)

    Plain = dataclass(type("Plain", (), {"__annotations__": {f.name: object for f in fields(R.Item)}}))
    for cls in (Checked, Plain):
        assert not fillable(native_module(), cls)
        made = []
        native_module().grid_rows(made, grid, None, 1, cls, R.Row, R._IS_LABEL, R._NORM, R._IS_NUMBER)
        assert [[(type(i), i.text) for i in r.cells] for r in made] == [[(cls, text), (cls, "1")],
                                                                        [(cls, "合计"), (cls, text)]]
    assert posts == [text, "1", "合计", text]
    # the three classes the loops make are filled; the reader's and the rows' own sample
    # checks compare what they make with the Python objects field by field
    assert all(fillable(native_module(), c) for c in (H.Cell, R.Item, R.Row))
    assert H.native_reader() is not None and R._native_grid_rows() is not None


@needs_reader
def test_only_classes_whose_call_only_fills_the_slots_are_filled() -> None:
    """``fillable`` and ``fill_slots`` refuse every class whose call could do more than
    fill its slots in the order of the values: a hand-written ``__init__``, no generated
    ``__init__``, keyword-only or non-init fields, another metaclass, an abstract class,
    a ``__setattr__``, a subclass, and slots that are not the class's own (a descriptor of
    another class, whose offset lies outside the object)."""
    import abc
    from dataclasses import dataclass, field

    from workers.parse import rows as R

    native = native_module()

    @dataclass(slots=True)
    class ByHand:
        a: object
        b: object

        def __init__(self, a: object, b: object) -> None:
            self.a, self.b = b, a

    @dataclass(slots=True, init=False)
    class NoInit:
        a: object

    @dataclass(slots=True, kw_only=True)
    class KwOnly:
        a: object

    @dataclass(slots=True)
    class NotInit:
        a: object
        b: object = field(init=False, default=None)

    class Meta(type):
        def __call__(cls, *args):
            raise RuntimeError("never made")

    @dataclass(slots=True)
    class Abstract(abc.ABC):
        a: object

        @abc.abstractmethod
        def f(self) -> None: ...

    @dataclass(slots=True)
    class Guarded:
        a: object

        def __setattr__(self, name: str, value: object) -> None:
            object.__setattr__(self, name, str(value))

    @dataclass(slots=True)
    class Sub(R.Item):
        pass

    for cls in (ByHand, NoInit, KwOnly, NotInit, Abstract, Guarded, Sub):
        assert not fillable(native, cls), cls.__name__
    for cls in (Meta("M", (), {"__slots__": ("a",)}), Abstract, Guarded, Sub):
        assert native.fill_slots(cls) is False, cls
    wide = type("Wide", (), {"__slots__": ("a", "b", "c", "d")})
    narrow = type("Narrow", (), {"__slots__": ("d",)})
    narrow.d = wide.__dict__["d"]  # another class's slot, past the end of this one
    assert native.fill_slots(narrow) is False
    with pytest.raises(TypeError):
        native.fill_slots("not a class")


# --- the paused collector

@needs_reader
def test_compiled_rows_unused_when_the_sample_table_reads_otherwise(monkeypatch) -> None:
    """``rows._native_grid_rows`` uses the compiled loop only after it made the rows of its
    sample table as the Python code does: a loop that loses a row is not used."""
    from types import SimpleNamespace

    from workers.parse import rows as R

    def loses_the_last_row(out, *args):
        native_module().grid_rows(out, *args)
        out.pop()

    monkeypatch.setattr(R, "native_module", lambda: SimpleNamespace(
        grid_rows=loses_the_last_row, fill_slots=native_module().fill_slots))
    R._native_grid_rows.cache_clear()
    try:
        assert R._native_grid_rows() is None
    finally:
        monkeypatch.undo()
        R._native_grid_rows.cache_clear()
    assert (R._native_grid_rows() is not None) == (native_module() is not None)


# --- the paused collector ------------------------------------------------------------------

def test_an_html_parse_leaves_no_reference_cycle() -> None:
    """The parser runs with the cycle collector paused: what it leaves must be freed by
    reference counting (the body walk's closure once held the whole lxml tree in a cycle)."""
    data = (CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023.html").read_bytes()
    parse_bytes(data, filename="x.html")
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for markup in (data, data.decode("utf-8").replace("<o:p>", "<p>").encode("utf-8")):
            parse_bytes(markup, filename="x.html")
            try:
                _pure_python(True)
                parse_bytes(markup, filename="x.html")  # the Python reader too
            finally:
                _pure_python(False)
        gc.collect()
        assert gc.garbage == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_collector_pause_is_counted_and_restores_what_was() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner scope's end does not resume it
    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(10)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other thread's scope is still open
    leave.set()
    t.join(10)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # paused before: left paused
    finally:
        gc.enable()
    with pytest.raises(ValueError):
        with collector_paused():
            raise ValueError
    assert gc.isenabled()


# --- PDF lines -----------------------------------------------------------------------------

def _pdfs() -> list[tuple[str, bytes]]:
    from gkwatch.demo.render_office import render_pdf
    from gkwatch.demo.reports import make_history

    out = [(p.name, p.read_bytes()) for p in sorted((CORPUS / "real").glob("*.pdf"))]
    for seed in range(6):
        year = 2023 + seed % 2
        out.append((f"demo-{seed}", render_pdf(make_history(f"演示县第{seed}局", "部门", [year], seed=seed)[year],
                                                seed=seed)))
    return out


@needs_reader
def test_pdf_pages_give_the_same_lines_and_words() -> None:
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from workers.extract import pdf as P
    from workers.extract.model import Word
    from workers.extract.pdfcalls import calls

    native, fns = P._NATIVE[0], calls(raw)
    assert native is not None
    pages = lines = 0
    for name, data in _pdfs():
        pdf = pdfium.PdfDocument(data)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                text = tp.get_text_range()
                got = native(text, ctypes.cast(tp.raw, ctypes.c_void_p).value, fns.loose_char_box_address,
                             fns.is_generated_address, P._GAP_RATIO, Word, P._Line)
                want = P._grouped_lines(text, tp.raw, fns, raw.FS_RECTF(), pdfium.PdfiumError)
                assert got == want, f"{name} page {i + 1}"
                pages, lines = pages + 1, lines + len(want)
                tp.close()
                page.close()
        finally:
            pdf.close()
    assert pages >= 20 and lines >= 1000


@needs_reader
def test_pdf_loop_unchecked_until_a_page_agrees(monkeypatch) -> None:
    """The compiled loop is trusted only after it read a process's first page as the
    Python loop did; one that reads otherwise is dropped, and the page is Python's."""
    from workers.extract import pdf as P

    data = (CORPUS / "real" / "001_huaian_hongzequ_2023.pdf").read_bytes()
    want = parse_bytes(data, filename="x.pdf")
    real = P._NATIVE[0]
    monkeypatch.setattr(P, "_NATIVE", [lambda *a: real(*a)[:-1], False])  # loses a line
    assert parse_bytes(data, filename="x.pdf") == want
    assert P._NATIVE == [None, False]
    monkeypatch.setattr(P, "_NATIVE", [real, False])
    assert parse_bytes(data, filename="x.pdf") == want
    assert P._NATIVE == [real, True]


@needs_reader
def test_pdf_objects_listed_alike_on_pages_and_in_form_objects() -> None:
    """The compiled listing of a page's objects (``rules._native_listing``) gives the
    ruling lines the Python listing gives: on every page of the corpus and demo PDFs, and
    on a page that draws another page's table as one form object (the objects then sit
    inside the form, the second listing's kind)."""
    import io

    import pypdfium2 as pdfium

    from workers.extract.rules import _native_listing, read_page_rules

    assert _native_listing() is not None
    pages = ruled = 0
    for name, data in _pdfs():
        pdf = pdfium.PdfDocument(data)
        for i in range(len(pdf)):
            got, want = read_page_rules(pdf[i]), read_page_rules(pdf[i], native=False)
            assert got == want, (name, i)
            pages += 1
            ruled += bool(got and got.vertical)
    assert pages >= 20 and ruled >= 6

    source = pdfium.PdfDocument(_pdfs()[-1][1])
    outer = pdfium.PdfDocument.new()
    page = outer.new_page(*source[0].get_size())
    page.insert_obj(source.page_as_xobject(0, outer).as_pageobject())
    page.gen_content()
    saved = io.BytesIO()
    outer.save(saved)
    framed = pdfium.PdfDocument(saved.getvalue())[0]
    assert [o.type for o in framed.get_objects(max_depth=1)] == [pdfium.raw.FPDF_PAGEOBJ_FORM]
    got = read_page_rules(framed)
    assert got == read_page_rules(framed, native=False) == read_page_rules(source[0])
    assert got.vertical and got.horizontal
