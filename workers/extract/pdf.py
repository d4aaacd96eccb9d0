"""Text-layer PDF (pypdfium2): one paragraph per text line, page footers dropped.

A PDF without a text layer (a scan) goes to OCR (``ocr.py``).
Table rows become lines "label n n n …" whose words keep their x positions: the parser
places each number in its column by position (blank cells stay blank), pairs
value-only lines with wrapped labels, and continues tables across page breaks
(footers such as '- 4 -' are removed here so the rows of both pages join up).
"""
from __future__ import annotations

import re

from gkwatch.errors import ExtractionError
from workers.extract.model import Block, Document, Word

_FOOTER_RE = re.compile(r"^\s*[-—–－]+\s*\d{1,3}\s*[-—–－]+\s*$|^\s*第\s*\d+\s*页(\s*共\s*\d+\s*页)?\s*$")


# Two characters belong to one word when the gap between their (loose, advance-width)
# boxes is below this fraction of their mean width. Relative, because digits are half as
# wide as CJK characters and fonts differ in size: "3119" in one cell stays one number,
# while numbers of neighbouring cells (a cell padding apart, at least) are separate words.
_GAP_RATIO = 0.5


def _words(chars: list[tuple[str, float, float, bool]]) -> list[Word]:
    """Group one line's characters ``(ch, x0, x1, is_space)`` into words by gap.

    pdfium's generated spaces are only hints: the gap decides. A space printed in the
    file (not generated) always separates."""
    words: list[Word] = []
    buf: list[str] = []
    x0 = x1 = 0.0
    prev_w = 0.0
    hard = False
    for ch, a, b, space in chars:
        if space:
            hard = hard or a >= 0  # real spaces carry a box; generated ones are marked -1
            continue
        w = max(b - a, 0.01)
        if buf:
            gap = a - x1
            split = hard or gap > _GAP_RATIO * (w + prev_w) / 2 or gap < -(w + prev_w)
            if split:
                words.append(Word("".join(buf), x0, x1))
                buf = []
        if not buf:
            x0 = a
        buf.append(ch)
        x1 = max(b, x1) if len(buf) > 1 else b
        prev_w = w
        hard = False
    if buf:
        words.append(Word("".join(buf), x0, x1))
    return words


def _page_lines(page) -> list[tuple[str, list[Word] | None]]:
    """Lines of one page with their words. pdfium orders the characters by position and
    breaks lines, so each table row comes out as one line: label, then the cells' numbers.
    Words are formed from the character boxes (see ``_words``) so that the parser can
    place each number in its column, blank cells included."""
    import pypdfium2.raw as raw  # lazy

    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
        if len(text) != tp.count_chars():
            # characters outside the BMP: indexes no longer line up; text only
            return [(" ".join(x.split()), None) for x in text.replace("\r", "\n").split("\n")
                    if x.strip()]
        out: list[tuple[str, list[Word] | None]] = []
        chars: list[tuple[str, float, float, bool]] = []

        def flush() -> None:
            words = _words(chars)
            chars.clear()
            if words:
                out.append((" ".join(w.text for w in words), words))

        for i, ch in enumerate(text):
            if ch in "\r\n":
                flush()
                continue
            if ch.isspace():
                real = not raw.FPDFText_IsGenerated(tp.raw, i)
                chars.append((" ", 0.0 if real else -1.0, 0.0, True))
                continue
            left, _, right, _ = tp.get_charbox(i, loose=True)
            chars.append((ch, left, right, False))
        flush()
        return out
    finally:
        tp.close()


def pdf_to_document(data: bytes, *, source: str | None = None) -> Document:
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
        for pno in range(npages):
            page = pdf[pno]
            try:
                for line, words in _page_lines(page):
                    if _FOOTER_RE.match(line):
                        continue
                    text_chars += len(line)
                    blocks.append(Block("para", text=line, page=pno + 1, words=words))
            finally:
                page.close()
        if text_chars < 20:
            # no text layer: a scan; OcrUnavailable when tesseract/chi_sim are missing
            from workers.extract.ocr import ocr_pdf
            return ocr_pdf(pdf, source=source)
    finally:
        pdf.close()
    return Document(blocks=blocks, format="pdf", pages=npages)
