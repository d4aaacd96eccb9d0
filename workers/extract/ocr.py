"""OCR of scanned (image-only) PDFs and image files with Tesseract (``chi_sim``).

Pages are rendered with pypdfium2, written as PNG to a private temporary directory and
read by the ``tesseract`` CLI (``--psm 6``: one uniform block, which keeps each table row on
one line: "label n n n …", the shape the row builder already splits). Tesseract puts spaces
between Chinese characters; those are removed so that labels and titles read as printed,
while spaces between numbers (the cell boundaries) stay.

Install: ``apt-get install tesseract-ocr tesseract-ocr-chi-sim``. Without it (or without the
``chi_sim`` data) every entry point raises :class:`OcrUnavailable`.
"""
from __future__ import annotations

import io
import re
import tempfile
from functools import lru_cache
from pathlib import Path

from gkwatch.errors import ExtractionError, OcrUnavailable
from workers.extract.model import Block, Document
from workers.extract.tools import find_tool, run_tool, tool_message

LANG = "chi_sim"
DPI = 300  # for pages that are not one scanned image
MIN_NATIVE_DPI, MAX_NATIVE_DPI = 100, 600  # a scan's own resolution is used within these
MAX_PAGES = 40  # an annual report is 5–20 pages; a longer scan is not read to the end
PAGE_TIMEOUT = 120.0
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"

_WIDE = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_WIDE}])[ \t]+(?=[{_WIDE}])")
_FOOTER_RE = re.compile(r"^\s*[-—–－]+\s*\d{1,3}\s*[-—–－]+\s*$|^\s*第\s*\d+\s*页(\s*共\s*\d+\s*页)?\s*$")


@lru_cache(maxsize=4)
def _probe(exe: str) -> bool:
    proc = run_tool([exe, "--list-langs"], timeout=30)
    listed = (proc.stdout or b"") + (proc.stderr or b"")  # older versions print to stderr
    return LANG in listed.decode("utf-8", "replace").split()


def tesseract(source: str | None = None) -> str:
    """Path of a tesseract that has ``chi_sim``, else OcrUnavailable."""
    exe = find_tool("tesseract")
    if exe is None:
        raise OcrUnavailable(f"image-only document needs OCR and tesseract is not installed "
                             f"({INSTALL_HINT})", source=source)
    try:
        ok = _probe(exe)
    except ExtractionError as exc:
        raise OcrUnavailable(f"tesseract does not run: {exc}", source=source) from exc
    if not ok:
        raise OcrUnavailable(f"image-only document needs OCR and tesseract lacks the {LANG} "
                             f"language data ({INSTALL_HINT})", source=source)
    return exe


def clean_ocr_text(text: str) -> list[str]:
    """Non-empty lines, spaces inside Chinese text removed, page footers dropped."""
    out = []
    for line in text.replace("\r", "\n").split("\n"):
        s = _CJK_GAP.sub("", " ".join(line.split()))
        if s and not _FOOTER_RE.match(s):
            out.append(s)
    return out


def _read_png(exe: str, png: Path, source: str | None) -> list[str]:
    proc = run_tool([exe, str(png), "stdout", "-l", LANG, "--psm", "6"],
                    timeout=PAGE_TIMEOUT, source=source)
    if proc.returncode != 0:
        raise ExtractionError(f"tesseract failed: {tool_message(proc)}", source=source)
    return clean_ocr_text(proc.stdout.decode("utf-8", "replace"))


def _document(pages: list[list[str]], fmt: str, total: int) -> Document:
    blocks = [Block("para", text=line, page=n) for n, lines in enumerate(pages, 1) for line in lines]
    return Document(blocks=blocks, format=fmt, pages=total,
                    meta={"ocr": f"tesseract {LANG}", "ocr_pages": str(len(pages))})


def _page_image(page, dpi: int):
    """(PIL image, its resolution in dpi) of one page.

    A scanned page is one image covering the page: its own pixels are used, because
    resampling them to another resolution blurs the glyphs and costs digits (a lone "3"
    after a wide gap comes back as "E"). Anything else is rendered at ``dpi``."""
    import pypdfium2.raw as pdfium_c  # lazy

    width_pt, height_pt = page.get_size()
    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=1))
    if len(images) == 1:
        img = images[0]
        left, bottom, right, top = img.get_bounds()
        px_w, _ = img.get_px_size()
        covers = (right - left) >= 0.8 * width_pt and (top - bottom) >= 0.8 * height_pt
        native = px_w / ((right - left) / 72) if right > left else 0
        if covers and MIN_NATIVE_DPI <= native <= MAX_NATIVE_DPI:
            try:
                return img.get_bitmap(render=False).to_pil().convert("L"), round(native)
            except Exception:  # an image filter pdfium cannot decode raw: render the page
                pass
    return page.render(scale=dpi / 72, grayscale=True).to_pil(), dpi


def ocr_pdf(pdf, *, source: str | None = None, dpi: int = DPI, max_pages: int = MAX_PAGES) -> Document:
    """OCR an open ``pypdfium2.PdfDocument`` (the caller closes it)."""
    exe = tesseract(source)
    total = len(pdf)
    pages: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="gkwatch-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        for pno in range(min(total, max_pages)):
            page = pdf[pno]
            try:
                image, res = _page_image(page, dpi)
                image.save(png, dpi=(res, res))
            finally:
                page.close()
            pages.append(_read_png(exe, png, source))
    if sum(len(p) for p in pages) == 0:
        raise ExtractionError("OCR found no text in the scanned PDF", source=source)
    return _document(pages, "pdf-ocr", total)


def ocr_image(data: bytes, *, source: str | None = None, max_pages: int = MAX_PAGES) -> Document:
    """OCR an image file (PNG, JPEG, TIFF with several pages …)."""
    exe = tesseract(source)
    from PIL import Image, ImageSequence, UnidentifiedImageError  # lazy

    try:
        img = Image.open(io.BytesIO(data))
        frames = [f.convert("L") for _, f in zip(range(max_pages), ImageSequence.Iterator(img))]
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise ExtractionError(f"corrupt or unreadable image: {exc}", source=source) from exc
    pages = []
    with tempfile.TemporaryDirectory(prefix="gkwatch-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        for frame in frames:
            frame.save(png)
            pages.append(_read_png(exe, png, source))
    if sum(len(p) for p in pages) == 0:
        raise ExtractionError("OCR found no text in the image", source=source)
    return _document(pages, "image-ocr", len(frames))
