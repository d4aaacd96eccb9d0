"""Attachments that wrap the report: a ZIP of reports, an OFD file (refused with its reason)."""
from __future__ import annotations

import io
import zipfile

import pytest

from gkwatch.demo.render_office import render_pdf
from gkwatch.demo.reports import make_history
from ground.errors import UnsupportedFormat
from workers.extract import extract, sniff


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(make_history("某县教育局", "部门", [2024], seed=5)[2024], seed=5)


def test_zip_of_one_report_reads_the_report(pdf: bytes) -> None:
    data = _zip({"说明.txt": "附件为年度报告".encode(), "某县教育局2024年政府信息公开工作年度报告.pdf": pdf})
    assert sniff(data, "nb.zip") == "zip"
    direct, wrapped = extract(pdf, filename="a.pdf"), extract(data, filename="nb.zip")
    assert [b.text for b in wrapped.blocks] == [b.text for b in direct.blocks]


def test_zip_with_two_reports_or_none_is_refused_with_the_reason(pdf: bytes) -> None:
    two = _zip({"甲局2024年度报告.pdf": pdf, "乙局2024年度报告.pdf": pdf})
    with pytest.raises(UnsupportedFormat, match="多份报告"):
        extract(two, filename="all.zip")
    with pytest.raises(UnsupportedFormat, match="没有可读取的报告文件"):
        extract(_zip({"logo.png": b"\x89PNG"}), filename="x.zip")
    with pytest.raises(UnsupportedFormat, match="没有可读取的报告文件.*年报.zip"):
        extract(_zip({"年报.zip": _zip({"a.pdf": pdf})}), filename="x.zip")  # not opened
    with pytest.raises(UnsupportedFormat, match="zip inside a zip"):
        extract(_zip({"年报.pdf": _zip({"a.pdf": pdf})}), filename="x.zip")


def test_ofd_is_refused_with_a_clear_reason() -> None:
    ofd = _zip({"OFD.xml": b"<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>", "Doc_0/Document.xml": b"<x/>"})
    assert sniff(ofd) == "ofd" and sniff(b"anything", "nb.ofd") == "ofd"
    with pytest.raises(UnsupportedFormat, match="GB/T 33190"):
        extract(ofd, filename="nb.ofd")


def test_preview_page_wrapping_the_pdf_gives_the_pdf() -> None:
    from crawler.listing import parse_detail_page
    from crawler.rules import load_rules

    page = ("<html><head><meta name='ArticleTitle' content='某县2024年政府信息公开工作年度报告'></head><body>"
            "<iframe src='/pdfjs/web/viewer.html?file=%2Fuploadfile%2F2025%2Fnb.pdf'></iframe>"
            "<a href='/preview.jsp?url=http://a.test/files/nb2.docx'>在线预览</a>"
            "<a href='/viewer.html?file=/x/notes.html'>说明</a></body></html>")
    detail = parse_detail_page(page, "http://a.test/art/1.html", load_rules())
    assert detail.attachments == ["http://a.test/uploadfile/2025/nb.pdf", "http://a.test/files/nb2.docx"]


def test_ofd_report_is_p_unparsed_with_the_reason() -> None:
    from workers.pipeline import check_bytes

    ofd = _zip({"OFD.xml": b"<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>"})
    (finding,) = check_bytes(ofd, filename="某县2024年政府信息公开工作年度报告.ofd")["findings"]
    assert finding["rule"] == "P-UNPARSED" and "GB/T 33190" in finding["message_zh"]


def test_zipped_report_parses_like_the_report(pdf: bytes) -> None:
    from workers.pipeline import check_bytes

    wrapped = check_bytes(_zip({"某县教育局2024年政府信息公开工作年度报告.pdf": pdf}), filename="nb.zip")
    direct = check_bytes(pdf, filename="nb.pdf")
    assert wrapped["report"] == direct["report"] and wrapped["report"]["year"] == 2024
