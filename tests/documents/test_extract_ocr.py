"""Scanned reports through OCR (tesseract chi_sim), on a scan made here.

A report page is drawn with reportlab (an embedded CJK TrueType font, so the rendering
does not depend on font substitution), rendered to a bitmap with pypdfium2 and wrapped
into a new, image-only PDF with PIL: the same shape as a scanned report.
"""
from __future__ import annotations

import io
import stat
import sys
from pathlib import Path

import pytest

from ground.errors import ExtractionError, OcrUnavailable
from workers.extract import extract
from workers.extract.ocr import clean_ocr_text, tesseract
from workers.parse import parse_bytes

T3 = [("一、本年新收政府信息公开申请数量", [3, 1, 0, 0, 0, 0, 4]),
      ("二、上年结转政府信息公开申请数量", [1, 0, 0, 0, 0, 0, 1]),
      ("（一）予以公开", [2, 1, 0, 0, 0, 0, 3]),
      ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [0] * 7),
      ("1.属于国家秘密", [0] * 7), ("2.其他法律行政法规禁止公开", [0] * 7),
      ("1.本机关不掌握相关政府信息", [1, 0, 0, 0, 0, 0, 1]),
      ("（七）总计", [3, 1, 0, 0, 0, 0, 4]), ("四、结转下年度继续办理", [1, 0, 0, 0, 0, 0, 1])]
T4 = [2, 0, 0, 0, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
_FONT_GLOBS = ("wqy/*.tt[cf]", "**/NotoSansCJK*", "**/NotoSerifCJK*", "**/DroidSansFallback*",
               "**/uming.tt[cf]", "**/ukai.tt[cf]", "**/SourceHan*")


def _cjk_font() -> Path | None:
    root = Path("/usr/share/fonts")
    for pattern in _FONT_GLOBS:
        for p in sorted(root.glob(pattern if pattern.startswith("**") else f"truetype/{pattern}")):
            return p
    return None


def _ocr_ready() -> str | None:
    try:
        tesseract()
    except OcrUnavailable as exc:
        return str(exc)
    return None if _cjk_font() else "no CJK TrueType font to draw the test page with"


@pytest.fixture(autouse=True)
def _tesseract_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """These are the Tesseract fallback's tests: PP-OCRv4 (ocr_rapid) is tested apart."""
    monkeypatch.setenv("GKWATCH_OCR_ENGINE", "tesseract")


_SKIP = _ocr_ready()
needs_ocr = pytest.mark.skipif(_SKIP is not None, reason=f"OCR test not possible: {_SKIP}")


def _text_pdf() -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = _cjk_font()
    kw = {"subfontIndex": 0} if font.suffix.lower() == ".ttc" else {}
    pdfmetrics.registerFont(TTFont("CJK", str(font), **kw))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)  # A4
    c.setFont("CJK", 11)
    y = 790

    def line(text: str, nums: list[int] = (), x0: float = 330, step: float = 33) -> None:
        nonlocal y
        c.drawString(40, y, text)
        for i, n in enumerate(nums):
            c.drawRightString(x0 + i * step, y, str(n))
        y -= 22

    line("示范镇人民政府2023年政府信息公开工作年度报告")
    line("一、总体情况")
    line("三、收到和处理政府信息公开申请情况")
    for label, vals in T3:
        line(label.split("（区分")[0], vals)  # the long note would run into the numbers
    line("四、政府信息公开行政复议、行政诉讼情况")
    line("行政复议　　　　　　行政诉讼")
    line("", T4, x0=60, step=34)
    line("五、存在的主要问题及改进情况")
    c.showPage()
    c.save()
    return buf.getvalue()


def _scan(dpi: int = 150) -> tuple[bytes, bytes]:
    """(image-only PDF, PNG) of the page."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(_text_pdf())
    try:
        img = pdf[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        pdf.close()
    pdf_buf, png_buf = io.BytesIO(), io.BytesIO()
    img.save(pdf_buf, "PDF", resolution=dpi)
    img.save(png_buf, "PNG")
    return pdf_buf.getvalue(), png_buf.getvalue()


@pytest.fixture(scope="module")
def scan() -> tuple[bytes, bytes]:
    return _scan()


def test_clean_ocr_text() -> None:
    raw = "一 、 本 年 新 收 政 府 信 息 公 开 申 请 数 量  3 1 0 0\n\n - 2 - \n（ 七 ） 总 计 4"
    assert clean_ocr_text(raw) == ["一、本年新收政府信息公开申请数量 3 1 0 0", "（七）总计 4"]


@needs_ocr
def test_scanned_pdf_is_read_by_ocr(scan: tuple[bytes, bytes]) -> None:
    data, _ = scan
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)  # the input really has no text layer
    try:
        tp = pdf[0].get_textpage()
        assert tp.get_text_range().strip() == ""
    finally:
        pdf.close()
    r = parse_bytes(data, filename="scan.pdf")
    assert r["source"]["format"] == "pdf-ocr"
    assert r["year"] == 2023 and r["agency"] == "示范镇人民政府"
    t3 = r["table3"]
    # The totals and the balance 1 + 2 = 3.7 + 4 are what the checks use; they came out
    # exactly at 150 dpi. Rows with only zeros are left to the full-table comparison below.
    assert t3["1"] == [3, 1, 0, 0, 0, 0, 4]
    assert t3["3.7"] == [3, 1, 0, 0, 0, 0, 4]
    assert t3["2"][6] + t3["1"][6] == t3["3.7"][6] + t3["4"][6] == 5
    assert {k: v for k, v in t3.items()} == {
        "1": T3[0][1], "2": T3[1][1], "3.1": T3[2][1], "3.2": T3[3][1], "3.3.1": T3[4][1],
        "3.3.2": T3[5][1], "3.4.1": T3[6][1], "3.7": T3[7][1], "4": T3[8][1]}
    # recognised, not printed text: every cell says so, and no check on it may fail outright
    assert {c["how"] for row in r["reading"]["table3"].values() for c in row} == {"ocr"}
    assert not any(c["certain"] for row in r["reading"]["table3"].values() for c in row)
    # Table 四's 15-number line has no label; tesseract's chi_sim model may read its first
    # lone digit as a Chinese character (here "2" → "加"), and then the line is not taken
    # as table 四 at all. Missing is acceptable, wrong numbers are not.
    if "table4" in r:
        assert r["table4"]["review"] == [2, 0, 0, 0, 2]
        assert r["table4"]["litigation_direct"] == [0, 0, 0, 1, 1]


@needs_ocr
def test_image_file_is_read_by_ocr(scan: tuple[bytes, bytes]) -> None:
    _, png = scan
    r = parse_bytes(png, filename="page.png")
    assert r["source"]["format"] == "image-ocr"
    assert r["table3"]["1"] == [3, 1, 0, 0, 0, 0, 4] and r["table3"]["3.7"][6] == 4


def _image_only_pdf() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buf, "PDF")
    return buf.getvalue()


def test_no_tesseract_means_ocr_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OcrUnavailable, match="tesseract-ocr-chi-sim"):
        extract(_image_only_pdf(), filename="scan.pdf")
    with pytest.raises(OcrUnavailable, match="tesseract is not installed"):
        extract(b"\x89PNG\r\n\x1a\n....", filename="scan.png")


def test_tesseract_without_chi_sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text(f"#!{sys.executable}\nprint('List of available languages (2):')\n"
                    "print('eng')\nprint('osd')\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OcrUnavailable, match="chi_sim"):
        extract(_image_only_pdf(), filename="scan.pdf")


@needs_ocr
def test_blank_scan_and_broken_image() -> None:
    with pytest.raises(ExtractionError, match="no text"):
        extract(_image_only_pdf(), filename="blank.pdf")
    with pytest.raises(ExtractionError, match="corrupt or unreadable image"):
        extract(b"\x89PNG\r\n\x1a\n....", filename="scan.png")
