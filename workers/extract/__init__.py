"""Extract stage: bytes of any supported format → the neutral document model.

    from workers.extract import extract
    doc = extract(data, filename="report.pdf", content_type=None)

Heavy libraries (lxml, pypdfium2, python-docx, openpyxl, xlrd, PIL) and external tools
(antiword, soffice, tesseract) are used lazily by the extractor that needs them, so
importing this package stays cheap.
"""
from __future__ import annotations

import re

from ground.errors import ExtractionError, UnsupportedFormat
from workers.extract.model import Block, Cell, ExtractedDocument

__all__ = ["extract", "sniff", "Block", "Cell", "ExtractedDocument", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: text formats cost far more memory per byte than binary ones (an annual report page is
#: well under 1 MB of text; Word-exported HTML with inline images may reach a few MB)
MARKUP_MAX_BYTES = {"text": 8 * 1024 * 1024, "markdown": 8 * 1024 * 1024, "html": 24 * 1024 * 1024}
_HTML_RE = re.compile(rb"<(!doctype\s+html|html|body|table|p|div|span|td)[\s>/]", re.I)
_PAGE_RE = re.compile(rb"<(!doctype\s+html|html|head|body)[\s>]", re.I)


def sniff(data: bytes, filename: str = "", content_type: str | None = None) -> str:
    """Guess the format from magic bytes first, then the name and content type."""
    name = filename.lower()
    ct = (content_type or "").lower()
    head = data[:8]
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:200000] or name.endswith(".docx"):
            return "docx"
        if b"xl/" in data[:200000] or name.endswith(".xlsx"):
            return "xlsx"
        if name.endswith(".ofd") or b"OFD.xml" in data[:4096]:
            return "ofd"
        if name.endswith(".wps"):
            return "legacy"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls" if name.endswith((".xls", ".et")) or "excel" in ct else "legacy"
    if name.endswith((".doc", ".wps")):
        return "legacy"
    if name.endswith(".ofd"):
        return "ofd"
    if name.endswith((".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp")) or ct.startswith("image/"):
        return "image"
    if name.endswith((".htm", ".html", ".shtml", ".xhtml")) or "html" in ct:
        return "html"
    if name.endswith((".md", ".markdown")) or "markdown" in ct:
        return "markdown"
    if name.endswith(".pdf"):
        return "pdf"
    if name.endswith(".txt") and not _PAGE_RE.search(data[:4096]):
        return "text"  # text with embedded <table> markup: the text reader handles both
    if _HTML_RE.search(data[:4096]) and data.count(b"<") > 5:
        return "html"
    return "text"


def extract(data: bytes, *, filename: str = "", content_type: str | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES) -> ExtractedDocument:
    """Turn file bytes into an ExtractedDocument, or raise a DocumentError subclass."""
    src = filename or None
    if len(data) > max_bytes:
        raise ExtractionError(f"file is larger than the {max_bytes} byte limit", source=src)
    if not data.strip():
        raise ExtractionError("the file is empty", source=src)
    fmt = sniff(data, filename, content_type)
    limit = MARKUP_MAX_BYTES.get(fmt)
    if limit is not None and len(data) > limit:
        # text is parsed at some 20–100 bytes of memory per byte: refuse before decoding
        raise ExtractionError(f"{fmt} file of {len(data)} bytes is over the {limit} byte limit for "
                              "a report page", source=src)
    if fmt == "pdf":
        from workers.extract.pdf import pdf_to_document
        return pdf_to_document(data, source=src)
    if fmt == "docx":
        from workers.extract.office import docx_to_document
        return docx_to_document(data, source=src)
    if fmt == "xlsx":
        from workers.extract.office import xlsx_to_document
        return xlsx_to_document(data, source=src)
    if fmt == "xls":
        from workers.extract.office import xls_to_document
        return xls_to_document(data, source=src)
    if fmt == "legacy":
        from workers.extract.legacy import legacy_to_document
        return legacy_to_document(data, filename=filename, source=src)
    if fmt == "image":
        from workers.extract.ocr import ocr_image
        return ocr_image(data, source=src)
    if fmt == "ofd":
        from workers.extract.archive import OFD_REASON
        raise UnsupportedFormat(OFD_REASON, source=src)
    if fmt == "zip":
        from workers.extract.archive import report_member
        member, inner = report_member(data, source=src)
        if sniff(inner, member) == "zip":  # archives in archives are not opened
            raise UnsupportedFormat(f"zip inside a zip: {member}", source=src)
        return extract(inner, filename=member, max_bytes=max_bytes)
    from workers.extract.textenc import decode
    if fmt == "html":
        from workers.extract.html import html_to_document
        text, enc = decode(data, content_type, html=True)
        return html_to_document(text, encoding=enc)
    text, enc = decode(data, content_type)
    if "\x00" in text[:2000]:
        raise UnsupportedFormat("binary file of unknown type", source=src)
    from workers.extract.text import text_to_document
    return text_to_document(text, fmt=fmt, encoding=enc)
