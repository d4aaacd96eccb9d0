"""Text-layer PDF (pypdfium2): one paragraph per text line, page footers dropped.

A PDF without a text layer (a scan) goes to OCR (``ocr.py``).
Table rows become lines "label n n n …": the parser splits trailing numbers into cells,
pairs value-only lines with wrapped labels, and continues tables across page breaks
(footers such as '- 4 -' are removed here so the rows of both pages join up).
"""
from __future__ import annotations

import re

from gkwatch.errors import ExtractionError
from workers.extract.model import Block, Document

_FOOTER_RE = re.compile(r"^\s*[-—–－]+\s*\d{1,3}\s*[-—–－]+\s*$|^\s*第\s*\d+\s*页(\s*共\s*\d+\s*页)?\s*$")


def _page_lines(page) -> list[str]:
    """Lines of one page. pdfium orders the characters by position and inserts a space
    where the gap between characters is wide (between table cells), so each table row
    comes out as one line: label, then the cells' numbers separated by spaces."""
    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
    finally:
        tp.close()
    out = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        s = " ".join(line.split())
        if s:
            out.append(s)
    return out


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
                for line in _page_lines(page):
                    if _FOOTER_RE.match(line):
                        continue
                    text_chars += len(line)
                    blocks.append(Block("para", text=line, page=pno + 1))
            finally:
                page.close()
        if text_chars < 20:
            # no text layer: a scan; OcrUnavailable when tesseract/chi_sim are missing
            from workers.extract.ocr import ocr_pdf
            return ocr_pdf(pdf, source=source)
    finally:
        pdf.close()
    return Document(blocks=blocks, format="pdf", pages=npages)
