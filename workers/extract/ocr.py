"""OCR of scanned (image-only) PDFs and image files.

Two engines, chosen automatically: PP-OCRv4 through ``rapidocr-onnxruntime``
(``ocr_rapid.py``; models inside the wheel, no download) when it can be imported, else
Tesseract ``chi_sim``. ``GKWATCH_OCR_ENGINE=tesseract|rapidocr`` forces one (benchmarks).
PP-OCRv4 gives boxes with positions and scores: its pages become positioned words and
drawn cells as text-layer PDF pages do (``ocr_rapid.read_page``). Tesseract gives text only.

Cost is bounded before anything is rendered: a page larger than ``MAX_PAGE_PIXELS`` at
its resolution is rendered at a lower one, or refused below ``MIN_DPI``; at most
``MAX_PAGES`` pages are read, and reading stops when a document has used
``DOC_TIME_BUDGET`` seconds. Progress goes to the ``gkwatch.ocr`` log.

Tesseract: pages are rendered with pypdfium2, written as PNG to a private temporary directory and
read by the ``tesseract`` CLI (``--psm 6``: one uniform block, which keeps each table row on
one line: "label n n n …", the shape the row builder already splits). Tesseract puts spaces
between Chinese characters; those are removed so that labels and titles read as printed,
while spaces between numbers (the cell boundaries) stay.

Install: ``apt-get install tesseract-ocr tesseract-ocr-chi-sim``. Without it (or without the
``chi_sim`` data) every entry point raises :class:`OcrUnavailable`.
"""
from __future__ import annotations

import io
import logging
import math
import os
import re
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from ground.errors import ExtractionError, OcrUnavailable
from workers.extract.model import Block, ExtractedDocument
from workers.extract.tools import find_tool, run_tool, tool_message

log = logging.getLogger("gkwatch.ocr")

LANG = "chi_sim"
DPI = 300  # for pages that are not one scanned image
MIN_NATIVE_DPI, MAX_NATIVE_DPI = 100, 600  # a scan's own resolution is used within these
MAX_PAGES = 40  # an annual report is 5–20 pages; a longer scan is not read to the end
PAGE_TIMEOUT = 120.0
RAPID_DPI = 200  # PP-OCRv4 detection works on at most 2000 px a side: more buys nothing
MAX_PAGE_PIXELS = 25_000_000  # an A3 page at 300 dpi is 17 M; 25 M grey+RGB ≈ 100 MB
MIN_DPI = 100  # below this 10.5 pt glyphs are too small to read: the page is refused
DOC_TIME_BUDGET = float(os.environ.get("GKWATCH_OCR_BUDGET", 600))  # s per document
IMAGE_DPI = 150  # resolution assumed for an image file that does not say
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


def engine_name(source: str | None = None) -> str:
    """"rapidocr" when PP-OCRv4 can be imported (or is forced), else "tesseract" (checked:
    OcrUnavailable when neither engine is there)."""
    from workers.extract import ocr_rapid

    forced = os.environ.get("GKWATCH_OCR_ENGINE", "").strip().lower()
    if forced != "tesseract" and ocr_rapid.available():
        return "rapidocr"
    if forced == "rapidocr":
        raise OcrUnavailable("GKWATCH_OCR_ENGINE=rapidocr but rapidocr-onnxruntime cannot be "
                             "imported (pip install rapidocr-onnxruntime)", source=source)
    tesseract(source)
    return "tesseract"


def render_dpi(width_pt: float, height_pt: float, dpi: float) -> float | None:
    """The resolution to render a page of this size at: ``dpi``, or lower so that the
    bitmap stays within ``MAX_PAGE_PIXELS``; None when that would be under ``MIN_DPI``
    (a poster-sized page: refused, never rendered). Computed from the page size alone."""
    px = max(width_pt, 1.0) * max(height_pt, 1.0) * (dpi / 72) ** 2
    if px <= MAX_PAGE_PIXELS:
        return dpi
    fit = dpi * math.sqrt(MAX_PAGE_PIXELS / px)
    return fit if fit >= MIN_DPI else None


def _page_image(page: Any, dpi: float, mode: str) -> tuple[Any, float] | None:
    """(PIL image in ``mode``, its resolution in dpi) of one page, or None when the page
    is too large to read (see ``render_dpi``).

    A scanned page is one image covering the page: its own pixels are used, because
    resampling them to another resolution blurs the glyphs and costs digits (a lone "3"
    after a wide gap comes back as "E"). Anything else is rendered at ``dpi``."""
    import pypdfium2.raw as pdfium_c  # lazy

    width_pt, height_pt = page.get_size()
    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=1))
    if len(images) == 1:
        img = images[0]
        left, bottom, right, top = img.get_bounds()
        px_w, px_h = img.get_px_size()
        covers = (right - left) >= 0.8 * width_pt and (top - bottom) >= 0.8 * height_pt
        native = px_w / ((right - left) / 72) if right > left else 0
        if covers and MIN_NATIVE_DPI <= native <= MAX_NATIVE_DPI and px_w * px_h <= MAX_PAGE_PIXELS:
            try:
                return img.get_bitmap(render=False).to_pil().convert(mode), native
            except Exception:  # an image filter pdfium cannot decode raw: render the page
                pass
    res = render_dpi(width_pt, height_pt, dpi)
    if res is None:
        return None
    bitmap = page.render(scale=res / 72, grayscale=(mode == "L"))
    return bitmap.to_pil().convert(mode), res


def _document(blocks: list[Block], fmt: str, total: int, engine: str, read: int,
              warnings: list[str]) -> ExtractedDocument:
    meta = {"ocr": ocr_rapid_name() if engine == "rapidocr" else f"tesseract {LANG}",
            "ocr_pages": str(read)}
    if warnings:
        meta["warnings"] = "\n".join(warnings)
    return ExtractedDocument(blocks=blocks, format=fmt, pages=total, meta=meta)


def ocr_rapid_name() -> str:
    from workers.extract.ocr_rapid import ENGINE_NAME
    return ENGINE_NAME


def _tesseract_blocks(exe: str, image: Any, res: float, pno: int, tmp: str,
                      source: str | None) -> list[Block]:
    png = Path(tmp) / "page.png"
    image.convert("L").save(png, dpi=(round(res), round(res)))
    return [Block("para", text=line, page=pno) for line in _read_png(exe, png, source)]


def _reader(engine: str, source: str | None, tmp: str) -> Callable[[Any, float, int], list[Block]]:
    """page image, dpi, page number → blocks, for the chosen engine."""
    if engine == "rapidocr":
        import numpy as np

        from workers.extract.ocr_rapid import read_page
        return lambda image, res, pno: read_page(np.asarray(image.convert("RGB")), res, pno,
                                                 footer=_FOOTER_RE)
    exe = tesseract(source)
    return lambda image, res, pno: _tesseract_blocks(exe, image, res, pno, tmp, source)


def _run(pages: Any, total: int, engine: str, source: str | None, what: str
         ) -> tuple[list[Block], int, list[str]]:
    """OCR the page images ``pages`` yields ((image, dpi) or None for a refused page)
    within the time budget: (blocks, pages read, warnings)."""
    blocks: list[Block] = []
    warnings: list[str] = []
    started = time.monotonic()
    read = 0
    with tempfile.TemporaryDirectory(prefix="gkwatch-ocr-") as tmp:
        reader = _reader(engine, source, tmp)
        for pno, got in enumerate(pages, 1):
            spent = time.monotonic() - started
            if spent > DOC_TIME_BUDGET:
                warnings.append(f"OCR stopped before page {pno} of {total}: the time budget of "
                                f"{DOC_TIME_BUDGET:.0f} s per document was used")
                log.warning("%s: %s", source or what, warnings[-1])
                break
            if got is None:
                warnings.append(f"page {pno} is too large to OCR (over {MAX_PAGE_PIXELS} pixels "
                                f"at {MIN_DPI} dpi); not read")
                log.warning("%s: %s", source or what, warnings[-1])
                continue
            image, res = got
            t0 = time.monotonic()
            page_blocks = reader(image, res, pno)
            blocks.extend(page_blocks)
            read += 1
            log.info("%s: OCR page %d/%d (%s, %.0f dpi, %dx%d px): %d lines in %.1f s",
                     source or what, pno, total, engine, res, image.width, image.height,
                     len(page_blocks), time.monotonic() - t0)
    if total > MAX_PAGES:
        warnings.append(f"only the first {MAX_PAGES} of {total} pages were OCR'd")
    return blocks, read, warnings


def ocr_pdf(pdf: Any, *, source: str | None = None, dpi: int | None = None,
            max_pages: int = MAX_PAGES) -> ExtractedDocument:
    """OCR an open ``pypdfium2.PdfDocument`` (the caller closes it)."""
    engine = engine_name(source)
    res = dpi or (RAPID_DPI if engine == "rapidocr" else DPI)
    mode = "RGB" if engine == "rapidocr" else "L"  # colour shows seals to PP-OCR's reader
    total = len(pdf)

    def pages():  # rendered one at a time, each released before the next
        for pno in range(min(total, max_pages)):
            page = pdf[pno]
            try:
                got = _page_image(page, res, mode)
            finally:
                page.close()
            yield got

    blocks, read, warnings = _run(pages(), total, engine, source, "scanned PDF")
    if not blocks:
        if warnings and not read:
            raise ExtractionError("; ".join(warnings), source=source)
        raise ExtractionError("OCR found no text in the scanned PDF", source=source)
    return _document(blocks, "pdf-ocr", total, engine, read, warnings)


def ocr_image(data: bytes, *, source: str | None = None, max_pages: int = MAX_PAGES) -> ExtractedDocument:
    """OCR an image file (PNG, JPEG, TIFF with several pages …)."""
    engine = engine_name(source)
    from PIL import Image, ImageSequence, UnidentifiedImageError  # lazy

    mode = "RGB" if engine == "rapidocr" else "L"

    def frames(img: Any):
        for _, f in zip(range(max_pages), ImageSequence.Iterator(img)):
            if f.width * f.height > MAX_PAGE_PIXELS:  # the header says so before decoding
                yield None
                continue
            res = f.info.get("dpi", (IMAGE_DPI, IMAGE_DPI))[0] or IMAGE_DPI
            yield f.convert(mode), float(res) if 50 <= float(res) <= 1200 else IMAGE_DPI

    try:
        img = Image.open(io.BytesIO(data))
        total = getattr(img, "n_frames", 1)
        blocks, read, warnings = _run(frames(img), total, engine, source, "image")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise ExtractionError(f"corrupt or unreadable image: {exc}", source=source) from exc
    if not blocks:
        if warnings and not read:
            raise ExtractionError("; ".join(warnings), source=source)
        raise ExtractionError("OCR found no text in the image", source=source)
    return _document(blocks, "image-ocr", min(total, max_pages), engine, read, warnings)
