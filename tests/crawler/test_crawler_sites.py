"""Small portals built by the tests: TRS, Hanweb /art/ + /col/, year sub-columns,
attachments, GBK pages.  Each is served on 127.0.0.1 and crawled in a child process."""
from __future__ import annotations

import hashlib
from pathlib import Path

from crawler.discover import discover
from crawler.run import run_crawl
from crawler.testserver import SiteServer, html_page, html_reply

REPORT = "{unit}{year}年度政府信息公开工作年度报告"


def _li(href: str, text: str, day: str) -> str:
    return f'<li><a href="{href}" target="_blank">{text}</a><span class="date">{day}</span></li>'


def _detail(title: str, pubdate: str, extra: str = "", charset: str = "utf-8") -> bytes:
    head = f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{pubdate}">'
    return html_page(f"<h1>{title}</h1><div>发布时间：{pubdate}</div><div>正文 {extra}</div>",
                     title=title, head=head, charset=charset)


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_trs_column_with_index_n_pagination(tmp_path: Path) -> None:
    col = "/xxgk/xxgknb/"
    page0 = "<ul>" + _li("./202501/t20250120_11.html", REPORT.format(unit="甲区", year=2024), "2025-01-21") \
        + _li("./202412/t20241201_10.html", "关于报送2024年度政府信息公开工作年度报告的通知", "2024-12-01") \
        + "</ul><script>createPageHTML(3, 0, \"index\", \"html\");</script>"
    page1 = "<ul>" + _li("./202401/t20240118_9.html", REPORT.format(unit="甲区", year=2023), "2024-01-18") \
        + '</ul><div class="page"><a href="index_2.html">下一页</a></div>'
    page2 = "<ul>" + _li("./202301/t20230117_8.html", "甲区2022年政府信息公开年报", "2023-01-17") \
        + '</ul><div class="page"><a href="index_1.html">上一页</a></div>'
    for rel, body in ((col + "index.html", page0), (col + "index_1.html", page1),
                      (col + "index_2.html", page2)):
        _write(tmp_path, rel, html_page(body))
    _write(tmp_path, col + "202501/t20250120_11.html", _detail("甲区2024年度政府信息公开工作年度报告", "2025-01-20 10:00"))
    _write(tmp_path, col + "202401/t20240118_9.html", _detail("甲区2023年度政府信息公开工作年度报告", "2024-01-18 09:00"))
    _write(tmp_path, col + "202301/t20230117_8.html", _detail("甲区2022年政府信息公开年报", "2023-01-17 08:00"))
    with SiteServer(root=tmp_path) as srv:
        result = discover(srv.url(col), download_delay=0)
    got = sorted((e["year"], e["published_at"], e["status"]) for e in result["entries"])
    assert got == [(2022, "2023-01-17T08:00:00+08:00", 200),
                   (2023, "2024-01-18T09:00:00+08:00", 200),
                   (2024, "2025-01-20T10:00:00+08:00", 200)]
    assert not any("t20241201_10" in p for p in srv.requests)       # the notice is not fetched
    assert sorted(p["url"].rsplit("/", 1)[-1] for p in result["list_pages"]) == \
        ["", "index_1.html", "index_2.html"]


def test_hanweb_art_pages_col_pagination_and_year_subcolumns() -> None:
    col = "/col/col1201/index.html"
    routes = {
        col: html_reply("<table>"
                        '<tr><td><a href="/art/2025/1/22/art_1201_901.html" title="乙县2024年度政府信息公开工作年度报告">乙县2024年度…</a></td><td>2025-01-22</td></tr>'
                        '<tr><td><a href="/art/2024/3/2/art_1201_800.html">乙县2023年度政府信息公开工作年度报告考核结果</a></td><td>2024-03-02</td></tr>'
                        '</table><a href="/col/col1201/index.html?uid=5&amp;pageNum=2">下一页</a>'
                        '<a href="/col/col1333/">部门</a>'),
        col + "?uid=5&pageNum=2": html_reply(
            '<table><tr><td><a href="/art/2024/1/25/art_1201_700.html">乙县2023年度政府信息公开工作年度报告</a></td>'
            "<td>2024-01-25</td></tr></table>"),
        "/col/col1333/": html_reply(
            '<ul><li><a href="/art/2025/1/30/art_1333_55.html">乙县教育局2024年政府信息公开工作年度报告</a>'
            "<i>2025-01-30</i></li></ul>"),
        "/art/2025/1/22/art_1201_901.html": (200, {"Content-Type": "text/html; charset=utf-8"},
                                             _detail("乙县2024年度政府信息公开工作年度报告", "2025-01-22 11:00")),
        "/art/2024/1/25/art_1201_700.html": (200, {"Content-Type": "text/html; charset=utf-8"},
                                             _detail("乙县2023年度政府信息公开工作年度报告", "2024-01-25 11:00")),
        "/art/2025/1/30/art_1333_55.html": (200, {"Content-Type": "text/html; charset=utf-8"},
                                            _detail("乙县教育局2024年政府信息公开工作年度报告", "2025-01-30 11:00")),
    }
    with SiteServer(routes=routes) as srv:
        result = discover(srv.url(col), download_delay=0)
    got = sorted((e["url"].split(str(srv.port))[1], e["year"], e["published_at"][:10])
                 for e in result["entries"])
    assert got == [("/art/2024/1/25/art_1201_700.html", 2023, "2024-01-25"),
                   ("/art/2025/1/22/art_1201_901.html", 2024, "2025-01-22"),
                   ("/art/2025/1/30/art_1333_55.html", 2024, "2025-01-30")]
    assert "/art/2024/3/2/art_1201_800.html" not in srv.requests
    urls = {e["url"]: e for e in result["entries"]}
    assert urls[srv.url("/art/2025/1/22/art_1201_901.html")]["title"] == "乙县2024年度政府信息公开工作年度报告"


def test_attachments_are_followed_and_snapshotted(tmp_path: Path) -> None:
    pdf, docx = b"%PDF-1.4 fake report\n%%EOF", b"PK\x03\x04 fake docx"
    routes = {
        "/nb/": html_reply('<ul><li><a href="./202501/t20250115_5.html">丙镇2024年度政府信息公开工作年度报告</a>'
                           '<span>2025-01-15</span></li>'
                           '<li><a href="/files/P020240120.pdf">丙镇2023年度政府信息公开工作年度报告（PDF）</a>'
                           '<span>2024-01-20</span></li></ul>'),
        "/nb/202501/t20250115_5.html": (200, {"Content-Type": "text/html; charset=utf-8"}, _detail(
            "丙镇2024年度政府信息公开工作年度报告", "2025-01-15 16:00",
            '<a href="./P020250115_1.pdf">附件1</a><a href="/up/report.docx">附件2</a>'
            '<a href="http://localhost:9/x.xls">外站附件</a><a href="./missing.xls">附件3</a>')),
        "/nb/202501/P020250115_1.pdf": (200, {"Content-Type": "application/pdf"}, pdf),
        "/up/report.docx": (200, {"Content-Type": "application/octet-stream", "ETag": '"d1"'}, docx),
        "/files/P020240120.pdf": (200, {"Content-Type": "application/pdf"}, pdf),
    }
    with SiteServer(routes=routes) as srv:
        spec = {"list_urls": [srv.url("/nb/")], "allowed_hosts": ["127.0.0.1"],
                "download_delay": 0, "page_budget": 50}
        items = run_crawl(spec, snapshot_dir=tmp_path / "s", out_path=tmp_path / "o.jsonl")
    docs = {i["url"].split(str(srv.port))[-1]: i for i in items if i["type"] == "document"}
    page = docs["/nb/202501/t20250115_5.html"]
    assert page["kind"] == "page" and len(page["attachments"]) == 4
    att = docs["/nb/202501/P020250115_1.pdf"]
    assert att["kind"] == "attachment" and att["parent_url"] == page["url"]
    assert att["entry_url"] == page["url"] and att["year"] == 2024
    assert att["published_at"] == page["published_at"] == "2025-01-15T16:00:00+08:00"
    assert Path(att["snapshot"]).read_bytes() == pdf
    assert att["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert docs["/up/report.docx"]["headers"]["ETag"] == '"d1"'
    assert docs["/nb/202501/missing.xls"]["status"] == 404
    offhost = docs["http://localhost:9/x.xls"]
    assert offhost["status"] is None and "off-host" in offhost["error"]
    direct = docs["/files/P020240120.pdf"]          # the list links the file itself
    assert direct["kind"] == "attachment" and direct["parent_url"] is None
    assert direct["year"] == 2023 and direct["published_at"] == "2024-01-20T00:00:00+08:00"
    assert "/x.xls" not in srv.requests


def test_gbk_pages_and_truncated_titles() -> None:
    list_html = ('<ul><li><a href="./202401/t20240110_3.html">丁街道2023年度政府信息公开工作...</a>'
                 "<span>2024-01-10</span></li>"
                 '<li><a href="./202401/t20240111_4.html">丁街道2023年度政府信息公开专栏...</a>'
                 "<span>2024-01-11</span></li></ul>")
    routes = {
        # no charset in the header: the page's own <meta charset="gb2312"> must be honoured
        "/jd/": html_reply(list_html, charset="gb2312", declare_header=False),
        "/jd/202401/t20240110_3.html": (200, {"Content-Type": "text/html; charset=GBK"}, _detail(
            "丁街道2023年度政府信息公开工作年度报告", "2024-01-10 14:20", charset="gbk")),
        "/jd/202401/t20240111_4.html": (200, {"Content-Type": "text/html; charset=GBK"}, _detail(
            "丁街道2023年度政府信息公开专栏说明", "2024-01-11 14:20", charset="gbk")),
    }
    with SiteServer(routes=routes) as srv:
        result = discover(srv.url("/jd/"), download_delay=0)
    assert [(e["title"], e["year"], e["published_at"]) for e in result["entries"]] == [
        ("丁街道2023年度政府信息公开工作年度报告", 2023, "2024-01-10T14:20:00+08:00")]


def test_unchanged_page_still_rechecks_its_known_attachments(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _write(site, "/nb/index.html", html_page(
        "<ul>" + _li("./202501/t20250110_1.html", "己县2024年度政府信息公开工作年度报告", "2025-01-10") + "</ul>"))
    _write(site, "/nb/202501/t20250110_1.html", _detail(
        "己县2024年度政府信息公开工作年度报告", "2025-01-10 09:30", '<a href="./P1.pdf">附件</a>'))
    _write(site, "/nb/202501/P1.pdf", b"%PDF-1.4 one\n%%EOF")
    with SiteServer(root=site) as srv:
        spec = {"list_urls": [srv.url("/nb/")], "download_delay": 0}
        first = run_crawl(spec, snapshot_dir=tmp_path / "s", out_path=tmp_path / "o.jsonl")
        docs = {i["url"]: i for i in first if i["type"] == "document"}
        # items come out as their snapshots are stored (in a thread), in either order
        by_kind = {d["kind"]: u for u, d in docs.items()}
        assert len(docs) == 2 and set(by_kind) == {"page", "attachment"}
        page_url, pdf_url = by_kind["page"], by_kind["attachment"]
        assert docs[pdf_url]["parent_url"] == page_url
        spec["known"] = {u: {"last_modified": d["headers"]["Last-Modified"], "sha256": d["sha256"]}
                         for u, d in docs.items()}
        spec["known"][page_url]["attachments"] = [pdf_url]
        again = run_crawl(spec, snapshot_dir=tmp_path / "s", out_path=tmp_path / "o.jsonl")
    redocs = {i["url"]: i for i in again if i["type"] == "document"}
    assert set(redocs) == {page_url, pdf_url}
    assert all(d["status"] == 304 and d["not_modified"] for d in redocs.values())
    assert redocs[pdf_url]["parent_url"] == page_url
    assert redocs[pdf_url]["snapshot"] == docs[pdf_url]["snapshot"]
