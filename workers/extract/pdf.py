"""Text-layer PDF (pypdfium2): one paragraph per text line, page footers dropped.

A PDF without a text layer (a scan) goes to OCR (``ocr.py``).
Table rows become lines "label n n n …" whose words keep their x positions: the parser
places each number in its column by position (blank cells stay blank), pairs
value-only lines with wrapped labels, and continues tables across page breaks
(footers such as '- 4 -' are removed here so the rows of both pages join up).
Each line also gets the extents of the table cells drawn across it (``Block.cells``,
read from the page's ruling lines by ``rules.py``), a second reading of its columns.
"""
from __future__ import annotations

import ctypes
import logging
import re
import struct
from bisect import bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from ground.errors import ExtractionError
from workers.extract.model import Block, ExtractedDocument, Word
from workers.extract.native import native_module
from workers.extract.pdfcalls import Calls, calls

log = logging.getLogger("gkwatch.extract.pdf")

_FOOTER_RE = re.compile(r"^\s*[-—–－]+\s*\d{1,3}\s*[-—–－]+\s*$|^\s*第\s*\d+\s*页(\s*共\s*\d+\s*页)?\s*$")


# Two characters belong to one word when the gap between their (loose, advance-width)
# boxes is below this fraction of their mean width. Relative, because digits are half as
# wide as CJK characters and fonts differ in size: "3119" in one cell stays one number,
# while numbers of neighbouring cells (a cell padding apart, at least) are separate words.
_GAP_RATIO = 0.5


def _words(chars: Sequence[tuple[str, float, float, bool]], cuts: Sequence[float] = (),
           glued: list[tuple[float, float]] | None = None) -> list[Word]:
    """Group one line's characters ``(ch, x0, x1, is_space)`` into words by gap.

    pdfium's generated spaces are only hints: the gap decides. A space printed in the
    file (not generated) always separates, and so does a drawn cell border (``cuts``, the
    x of the vertical rules crossing the line): digits of neighbouring cells set close
    together ("300" and "1" → "3001") are two numbers when a rule stands between them.
    ``glued`` receives, for each word of several characters, the range from the lowest to
    the highest centre of the glyph pairs it joined: only a cut inside one of them can
    split a word (``_cut_inside``)."""
    words: list[Word] = []
    prev_mid = 0.0
    buf: list[str] = []
    x0 = x1 = 0.0
    prev_w = 0.0
    hard = False
    lo = hi = 0.0
    cuts = sorted(cuts)
    ncuts = len(cuts)
    for ch, a, b, space in chars:
        if space:
            hard = hard or a >= 0  # real spaces carry a box; generated ones are marked -1
            continue
        w = max(b - a, 0.01)
        mid = (a + b) / 2
        if buf:
            gap = a - x1
            split = hard or gap > _GAP_RATIO * (w + prev_w) / 2 or gap < -(w + prev_w)
            if not split and ncuts:
                # a cut strictly between the two glyphs' centres: the first cut right of
                # prev_mid lies left of mid
                k = bisect_right(cuts, prev_mid)
                split = k < ncuts and cuts[k] < mid
            if split:
                if glued is not None and len(buf) > 1:
                    glued.append((lo, hi))
                words.append(Word("".join(buf), x0, x1))
                buf = []
            else:
                lo, hi = (prev_mid, mid) if len(buf) == 1 else (min(lo, prev_mid), max(hi, mid))
        if not buf:
            x0 = a
        buf.append(ch)
        x1 = max(b, x1) if len(buf) > 1 else b
        prev_w = w
        prev_mid = mid
        hard = False
    if buf:
        if glued is not None and len(buf) > 1:
            glued.append((lo, hi))
        words.append(Word("".join(buf), x0, x1))
    return words


def _cut_inside(glued: Sequence[tuple[float, float]], cells: list[tuple[float, float]]) -> bool:
    """Whether a border of ``cells`` lies strictly inside one of the ranges ``glued``
    (see ``_words``): else regrouping at the borders gives the same words again."""
    if not glued:
        return False  # nothing to split, whatever the borders
    cuts = sorted({x for c in cells for x in c})
    for lo, hi in glued:
        k = bisect_right(cuts, lo)
        if k < len(cuts) and cuts[k] < hi:
            return True
    return False


class _Line(NamedTuple):
    text: str
    words: list[Word] | None
    y: float | None  # vertical centre of the line's glyph boxes (page units, y upwards)
    # where in the page's text the characters the words were made of lie, to read them
    # again (``_line_chars``) where a drawn rule may regroup them: rare, so not kept
    span: tuple[int, int] | None = None
    glued: tuple = ()  # where a drawn rule could split a word (``_words``)


def _page_lines(tp) -> tuple[str, list[_Line]]:
    """The text of one page (a pypdfium2 text page) and its lines with their words.
    pdfium orders the characters by position and breaks lines, so each table row comes
    out as one line: label, then the cells' numbers. Words are formed from the character
    boxes (see ``_words``) so that the parser can place each number in its column, blank
    cells included."""
    import pypdfium2.raw as raw  # lazy
    from pypdfium2 import PdfiumError

    text = tp.get_text_range()
    if len(text) != tp.count_chars():
        # characters outside the BMP: indexes no longer line up; text only
        return text, [_Line(" ".join(x.split()), None, None)
                      for x in text.replace("\r", "\n").split("\n") if x.strip()]
    fns = calls(raw)
    native = _NATIVE[0]
    if native is not None:
        got = native(text, ctypes.cast(tp.raw, ctypes.c_void_p).value, fns.loose_char_box_address,
                     fns.is_generated_address, _GAP_RATIO, Word, _Line)
        if got is not None and _NATIVE[1]:
            return text, got
        if got is not None:  # the process's first page: checked against the Python loop
            python = _grouped_lines(text, tp.raw, fns, raw.FS_RECTF(), PdfiumError)
            same = got == python
            _NATIVE[:] = [native, True] if same else [None, False]
            if not same:
                log.warning("the compiled PDF line reader read a page otherwise than the "
                            "Python code; it is not used in this process")
            return text, python
    return text, _grouped_lines(text, tp.raw, fns, raw.FS_RECTF(), PdfiumError)


def _native_lines() -> list:
    """[``_native.pdf_lines`` or None, checked]: the loop of :func:`_grouped_lines` in C
    (``_native_pdf.c``), where it is built and ``GKWATCH_PURE_PYTHON`` is not set. It is
    checked against the Python loop on the first page of text a process reads (same
    lines, same words, same boxes) and left unused if they differ."""
    native = native_module()
    return [None if native is None else native.pdf_lines, False]


_NATIVE = _native_lines()


def _line_chars(tp, text: str, span: tuple[int, int]) -> list[tuple[str, float, float, bool]]:
    """The characters ``(ch, x0, x1, is_space)`` of the line at ``span`` of the page's
    ``text``, read again from the text page as ``_grouped_lines`` read them (the same
    calls, so the same boxes): the input of ``_words``."""
    from pypdfium2 import PdfiumError, raw  # lazy

    fns, box = calls(raw), raw.FS_RECTF()
    ref = ctypes.byref(box)
    out: list[tuple[str, float, float, bool]] = []
    for i in range(*span):
        ch = text[i]
        if ch.isspace():
            real = not fns.is_generated(tp.raw, i)
            out.append((" ", 0.0 if real else -1.0, 0.0, True))  # as ``_grouped_lines`` marks them
            continue
        if not fns.loose_char_box(tp.raw, i, ref):
            raise PdfiumError("Failed to get charbox.")
        a, _, b, _ = _RECTF.unpack_from(box)
        out.append((ch, a, b, False))
    return out


#: ``FS_RECTF``: left, top, right, bottom (C floats, native layout)
_RECTF = struct.Struct("=4f")


def _grouped_lines(text: str, handle, fns: Calls, box, error: type[Exception]) -> list[_Line]:
    """The lines of a page's text, each character's box read and grouped into words as it
    comes: ``_words(chars, glued=glued)`` of each line, computed in the loop that reads
    the boxes (one pass over the page's characters instead of two; the same arithmetic
    in the same order, so the same words). pdfium's functions are called directly (bound
    without argument conversion, see ``pdfcalls``), one box reused: the helper
    ``get_charbox`` costs more than the box itself."""
    out: list[_Line] = []
    unpack = _RECTF.unpack_from
    generated, loose_box, box_ref = fns.is_generated, fns.loose_char_box, ctypes.byref(box)
    start = 0  # where the current line's characters begin in ``text``
    mids: list[float] = []
    words: list[Word] = []
    glued: list[tuple[float, float]] = []
    buf: list[str] = []
    x0 = x1 = prev_w = prev_mid = lo = hi = 0.0
    hard = False
    # a closing newline flushes the last line through the same branch as every other line
    ratio = _GAP_RATIO
    for i, ch in enumerate(text + "\n"):
        if ch.isspace():  # one test for the rare characters: line breaks and spaces
            if ch == "\r" or ch == "\n":
                if buf:
                    if len(buf) > 1:
                        glued.append((lo, hi))
                    words.append(Word("".join(buf), x0, x1))
                if words:
                    # the median, so that a stray superscript or a glyph of a neighbouring
                    # wrapped cell line does not pull the height out of the table row
                    y = sorted(mids)[len(mids) // 2] if mids else None
                    out.append(_Line(" ".join([w.text for w in words]), words, y, (start, i),
                                     tuple(glued)))
                    words, glued = [], []
                start = i + 1
                mids.clear()
                buf = []
                hard = False
                continue
            real = not generated(handle, i)
            hard = hard or real  # real spaces always separate (see ``_words``)
            continue
        if not loose_box(handle, i, box_ref):
            raise error("Failed to get charbox.")
        a, top, b, bottom = unpack(box)  # FS_RECTF's four floats in one call
        mids.append((bottom + top) / 2)
        w = b - a
        if w < 0.01:  # noqa: PLR1730 -- max(b - a, 0.01) without the call, once a character
            w = 0.01
        mid = (a + b) / 2
        if buf:
            gap = a - x1
            if hard or gap > ratio * (w + prev_w) / 2 or gap < -(w + prev_w):
                if len(buf) > 1:
                    glued.append((lo, hi))
                words.append(Word("".join(buf), x0, x1))
                buf = [ch]
                x0, x1 = a, b
            else:
                # min/max spelt out (a builtin call per character costs): each keeps its
                # first argument unless the other is strictly beyond it, as the builtins do
                if len(buf) == 1:
                    lo, hi = prev_mid, mid
                else:
                    if prev_mid < lo:  # noqa: PLR1730 -- min(lo, prev_mid)
                        lo = prev_mid
                    if mid > hi:  # noqa: PLR1730 -- max(hi, mid)
                        hi = mid
                buf.append(ch)
                if not x1 > b:  # max(b, x1)
                    x1 = b
        else:
            buf = [ch]
            x0, x1 = a, b
        prev_w = w
        prev_mid = mid
        hard = False
    return out


def _regroup(ln: _Line, chars: Sequence[tuple[str, float, float, bool]],
             cells: list[tuple[float, float]]) -> _Line:
    """The line's words again from its ``chars``, split where a drawn cell border stands
    between glyphs."""
    cuts = sorted({x for c in cells for x in c})
    words = _words(chars, cuts)
    return ln._replace(text=" ".join(w.text for w in words), words=words)


def _line_cells(page, lines: list[_Line], pno: int, notes: list[str]
                ) -> list[list[tuple[float, float]] | None]:
    """The drawn cells each line of a page crosses (see ``rules.py``); None for all lines
    of a page with too many drawing objects to read, noted in ``notes``."""
    from workers.extract.rules import MAX_OBJECTS, cells_finder, read_page_rules

    rules = read_page_rules(page)
    if rules is None:
        notes.append(f"page {pno}: more than {MAX_OBJECTS} drawing objects, ruling lines not read")
        return [None] * len(lines)
    if not rules.vertical:
        return [None] * len(lines)
    at = cells_finder(rules)
    return [at(ln.y) if ln.y is not None and ln.words else None for ln in lines]


def pdf_to_document(data: bytes, *, source: str | None = None) -> ExtractedDocument:
    import pypdfium2 as pdfium  # lazy

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ExtractionError("the PDF is encrypted (password required)", source=source) from exc
        raise ExtractionError(f"corrupt or unreadable PDF: {msg}", source=source) from exc
    try:
        npages = len(pdf)
        if npages == 0:
            raise ExtractionError("the PDF has no pages", source=source)
        blocks: list[Block] = []
        text_chars = 0
        notes: list[str] = []
        for pno in range(npages):
            try:
                page = pdf[pno]
            except pdfium.PdfiumError as exc:  # a damaged page tree: the file, not a bug here
                raise ExtractionError(f"corrupt or unreadable PDF: page {pno + 1}: {exc}",
                                      source=source) from exc
            tp = None
            try:
                # the text page stays open for the rare line whose characters are read again
                tp = page.get_textpage()
                text, lines = _page_lines(tp)
                lines = [ln for ln in lines if not _FOOTER_RE.match(ln.text)]
                # pages without text (scans, figures) are not worth reading rules of
                cells = _line_cells(page, lines, pno + 1, notes) if lines else []
                for ln, cl in zip(lines, cells):
                    if cl and ln.span and _cut_inside(ln.glued, cl):
                        # words are read twice only where it matters
                        ln = _regroup(ln, _line_chars(tp, text, ln.span), cl)
                    text_chars += len(ln.text)
                    blocks.append(Block("para", text=ln.text, page=pno + 1, words=ln.words,
                                        cells=cl))
            finally:
                if tp is not None:
                    tp.close()
                page.close()
        if text_chars < 20:
            # no text layer: a scan; OcrUnavailable when tesseract/chi_sim are missing
            from workers.extract.ocr import ocr_pdf
            return ocr_pdf(pdf, source=source)
    finally:
        pdf.close()
    doc = ExtractedDocument(blocks=blocks, format="pdf", pages=npages)
    if notes:
        doc.meta["ruling"] = "; ".join(notes)
    return doc
