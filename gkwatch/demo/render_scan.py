"""A report as a scan: printed (``render_pdf``), scanned to JPEG pages, no text layer.

``render_scan(report, seed=…)`` rasterises the ruled text PDF of ``render_office`` with
pypdfium2, adds a little scanner noise, optionally turns every page by ``rotate``
degrees and stamps a semi-transparent red seal over numbers of table 三 (that page is
then a colour JPEG, the others greyscale), and wraps the JPEGs into a PDF written here
(one DCT image per page, no other content): the shape of a scanned report, made without
img2pdf. The bytes depend only on the report, the seed and the arguments.
"""
from __future__ import annotations

import io
import math
import random
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw

from gkwatch.demo.render_office import render_pdf
from workers.extract.pdf import pdf_to_document

SEAL_RGB = (215, 30, 35)
SEAL_ALPHA = 0.6     # ink of a stamp lets the print show through
JPEG_QUALITY = 80


def _t3_targets(pdf_bytes: bytes) -> list[tuple[int, float, float]]:
    """(page index, x, y) in points from the top-left of the rows of table 三 worth
    stamping over: lines with a label and seven numbers."""
    doc = pdf_to_document(pdf_bytes)
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        heights = [pdf[i].get_size()[1] for i in range(len(pdf))]
    finally:
        pdf.close()
    out = []
    started = False
    for b in doc.blocks:
        started = started or "收到和处理政府信息公开申请" in b.text
        if "行政复议" in b.text and started:
            break
        nums = [w for w in (b.words or []) if w.text.isdigit()]
        if started and len(nums) == 7 and b.cells and b.page:
            # the line's height is not on the Block: the drawn cells' row is close enough;
            # take the y from pdfium again through the words' page (centre of 3rd..5th cell)
            x = (nums[2].x0 + nums[4].x1) / 2
            out.append((b.page - 1, x, b.text))
    return [(p, x, _line_y(pdf_bytes, p, t, heights[p])) for p, x, t in out]


def _line_y(pdf_bytes: bytes, page: int, text: str, height: float) -> float:
    """Top-down y (points) of the first printed line starting with ``text``'s label."""
    label = text.split(" ")[0][:6]
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        tp = pdf[page].get_textpage()
        full = tp.get_text_range()
        i = full.find(label)
        if i < 0:
            return height / 2
        _, bottom, _, top = tp.get_charbox(i)
        return height - (bottom + top) / 2
    finally:
        pdf.close()


def _stamp(img: Any, cx: float, cy: float, r: float, rng: random.Random) -> Any:
    """The page with a round seal (ring, star, arcs of 'text') centred at cx, cy (px)."""
    mask = Image.new("L", img.size, 0)
    d = ImageDraw.Draw(mask)
    w = max(3, int(r * 0.07))
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=w)
    star = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = r * (0.28 if k % 2 == 0 else 0.11)
        star.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    d.polygon(star, fill=255)
    # the agency's name runs along the rim: short thick strokes stand for its glyphs
    for k in range(14):
        a = math.radians(200 + k * 10 + rng.uniform(-2, 2))
        x, y = cx + 0.75 * r * math.cos(a), cy + 0.75 * r * math.sin(a)
        d.line([x - 0.05 * r, y, x + 0.05 * r, y], fill=255, width=max(2, w // 2))
        d.line([x, y - 0.05 * r, x, y + 0.05 * r], fill=255, width=max(2, w // 2))
    d.line([cx - 0.4 * r, cy + 0.5 * r, cx + 0.4 * r, cy + 0.5 * r], fill=255, width=w)
    alpha = mask.point(lambda v: int(v * SEAL_ALPHA))
    # ink on ink: where the seal covers print the print stays dark (multiply, not cover)
    return ImageChops.multiply(img.convert("RGB"), Image.composite(Image.new("RGB", img.size, SEAL_RGB),
                                                    Image.new("RGB", img.size, (255, 255, 255)),
                                                    alpha))


def _noise(img: Any, rng: random.Random) -> Any:
    """Scanner grain: a few per cent of pixels nudged lighter or darker (seeded)."""
    a = np.asarray(img).astype(np.int16)
    gen = np.random.default_rng(rng.randrange(2**32))
    a = a + gen.normal(0, 6, a.shape).round().astype(np.int16)
    return Image.fromarray(a.clip(0, 255).astype(np.uint8), img.mode)


def _pdf_of_jpegs(pages: list[tuple[bytes, int, int, bool, float, float]]) -> bytes:
    """A PDF with one full-page JPEG per page: (jpeg, px w, px h, colour, w pt, h pt)."""
    objs: list[bytes] = []
    kids = []
    for n, (jpg, pw, ph, colour, wpt, hpt) in enumerate(pages):
        img_id, content_id, page_id = 3 + 3 * n, 4 + 3 * n, 5 + 3 * n
        cs = b"/DeviceRGB" if colour else b"/DeviceGray"
        objs.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
                    b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
                    % (pw, ph, cs, len(jpg)) + jpg + b"\nendstream")
        draw = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (wpt, hpt)
        objs.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R "
                    b"/Resources << /XObject << /Im0 %d 0 R >> >> >>"
                    % (wpt, hpt, content_id, img_id))
        kids.append(b"%d 0 R" % page_id)
    objs.insert(0, b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages))
    objs.insert(0, b"<< /Type /Catalog /Pages 2 0 R >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, xref))
    return out.getvalue()


def render_scan(report: dict[str, Any], seed: int, dpi: int = 150, rotate: float = 0.0,
                seal: bool = False) -> bytes:
    """The report as an image-only PDF (see the module docstring)."""
    rng = random.Random(f"scan:{seed}:{dpi}:{rotate}:{seal}")
    printed = render_pdf(report, seed=seed)
    targets = _t3_targets(printed) if seal else []
    stamps = rng.sample(targets, min(len(targets), 1)) if targets else []
    pdf = pdfium.PdfDocument(printed)
    pages = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            wpt, hpt = page.get_size()
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            img = _noise(img, rng)
            here = [(x, y) for p, x, y in stamps if p == i]
            for x, y in here:
                k = dpi / 72
                img = _stamp(img, x * k + rng.uniform(-15, 15), y * k + rng.uniform(-8, 8),
                             21 * dpi / 25.4 * rng.uniform(0.9, 1.0), rng)
            if rotate:
                fill = (255, 255, 255) if img.mode == "RGB" else 255
                img = img.rotate(rotate, resample=Image.BICUBIC, expand=False, fillcolor=fill)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=JPEG_QUALITY)
            pages.append((buf.getvalue(), img.width, img.height, img.mode == "RGB", wpt, hpt))
    finally:
        pdf.close()
    return _pdf_of_jpegs(pages)
