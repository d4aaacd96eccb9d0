"""PP-OCRv4 (rapidocr-onnxruntime) on scans made by ``gkwatch.demo.render_scan``: lines
with positioned, scored words as text-layer PDFs give; deskew; seals; the cost limits;
the automatic Tesseract fallback. Nothing is downloaded: the models are in the wheel."""
from __future__ import annotations

import io
import sys

import pytest

from gkwatch.demo.render_scan import render_scan
from gkwatch.demo.reports import Stock, make_report
from ground.errors import ExtractionError, OcrUnavailable
from workers.extract import extract, ocr, ocr_rapid
from workers.extract.model import ExtractedDocument
from workers.extract.scan_lines import Piece, group_lines, split_words

pytestmark = pytest.mark.skipif(not ocr_rapid.available(), reason="rapidocr-onnxruntime missing")


@pytest.fixture(scope="module")
def report() -> dict:
    rep, _ = make_report("测试局", 2022, "本级政府", seed=3, stock=Stock((0,) * 6, 0, 12))
    return rep


@pytest.fixture(scope="module")
def scans(report: dict) -> dict[str, bytes]:
    return {"plain": render_scan(report, seed=3), "rotated": render_scan(report, seed=3, rotate=1.0),
            "seal": render_scan(report, seed=3, seal=True)}


@pytest.fixture(scope="module")
def docs(scans: dict[str, bytes]) -> dict[str, ExtractedDocument]:
    return {k: extract(v, filename="scan.pdf") for k, v in scans.items()}


def _line(doc: ExtractedDocument, label: str):
    return next(b for b in doc.blocks if b.text.startswith(label))


def test_scan_has_no_text_layer_and_is_deterministic(report: dict, scans: dict[str, bytes]) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(scans["plain"])
    try:
        assert all(pdf[i].get_textpage().get_text_range().strip() == "" for i in range(len(pdf)))
    finally:
        pdf.close()
    assert render_scan(report, seed=3) == scans["plain"]


@pytest.mark.parametrize("kind", ["plain", "rotated"])
def test_table3_rows_come_out_as_positioned_words(report: dict, docs: dict[str, ExtractedDocument],
                                                  kind: str) -> None:
    doc = docs[kind]
    assert doc.meta["ocr"] == "rapidocr PP-OCRv4" and doc.format == "pdf-ocr"
    for label, key in (("（七）总计", "3.7"), ("四、结转下年度继续办理", "4"), ("（一）予以公开", "3.1")):
        b = _line(doc, label)  # one line: label and all seven numbers (deskewed when rotated)
        assert b.text == " ".join(w.text for w in b.words)
        nums = b.words[-7:]
        assert [w.text for w in nums] == [str(v) for v in report["table3"][key]], (kind, b.text)
        assert all(w.x0 < w.x1 for w in nums) and all(p.x1 < q.x0 for p, q in zip(nums, nums[1:]))
        assert all(w.conf is not None and 0 < w.conf <= 1 for w in b.words)
        assert b.cells and len(b.cells) >= 8  # the scanned grid: label cell(s) + 7 columns


def test_seal_makes_covered_words_uncertain(docs: dict[str, ExtractedDocument]) -> None:
    low = [w for b in docs["seal"].blocks for w in (b.words or []) if w.conf is not None and w.conf <= 0.5]
    assert low  # words under the stamp are capped at 0.5
    plain_low = [w for b in docs["plain"].blocks for w in b.words if w.conf <= 0.5]
    assert len(low) > len(plain_low)  # the same page unstamped has fewer


def test_image_files_are_read(scans: dict[str, bytes]) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(scans["plain"])
    try:
        img = pdf[1].get_objects().__next__().get_bitmap(render=False).to_pil()
    finally:
        pdf.close()
    for fmt, name in (("PNG", "p.png"), ("JPEG", "p.jpg")):
        buf = io.BytesIO()
        img.save(buf, fmt, dpi=(150, 150))
        doc = extract(buf.getvalue(), filename=name)
        assert doc.format == "image-ocr" and doc.meta["ocr"] == "rapidocr PP-OCRv4"
        total = _line(doc, "（七）总计")
        assert len(total.words) == 8 and all(w.conf is not None for w in total.words)


def test_pixel_cap_refuses_a_huge_page_without_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdfium2 as pdfium

    assert ocr.render_dpi(14_400, 14_400, 150) is None
    assert ocr.render_dpi(595, 842, 150) == 150
    assert 100 <= ocr.render_dpi(14_400, 842, 150) < 150  # a long strip: a lower resolution
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(14_400, 14_400)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()

    def no_render(*a, **k):  # noqa: ANN002, ANN003
        raise AssertionError("a page over the pixel cap was rendered")

    monkeypatch.setattr(pdfium.PdfPage, "render", no_render)
    with pytest.raises(ExtractionError, match="too large to OCR"):
        extract(buf.getvalue(), filename="poster.pdf")


def test_tesseract_is_the_fallback_without_rapidocr(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails
    assert not ocr_rapid.available()
    try:
        ocr.tesseract()
    except OcrUnavailable:
        pass
    else:
        assert ocr.engine_name() == "tesseract"
    monkeypatch.setenv("PATH", str(tmp_path))  # and neither engine: OcrUnavailable
    with pytest.raises(OcrUnavailable):
        ocr.engine_name()


def test_split_words_and_lines() -> None:
    p = Piece("3 10 0", 0.8, 100.0, 160.0, 10.0, 30.0)
    ws = split_words(p, 0.5)
    assert [w.text for w in ws] == ["3", "10", "0"] and all(w.conf == 0.8 for w in ws)
    assert ws[0].x0 == 50.0 and ws[-1].x1 == 80.0 and ws[0].x1 < ws[1].x0 < ws[1].x1 < ws[2].x0
    a = Piece("甲", 1.0, 0, 20, 100, 122)
    b = Piece("1", 1.0, 200, 210, 102, 124)   # same row, a little lower
    c = Piece("乙", 1.0, 0, 20, 112, 134)     # the label's wrapped second line: its own line
    assert [[x.text for x in ln] for ln in group_lines([b, c, a])] == [["甲", "1"], ["乙"]]
