"""Serve the city of :mod:`gkwatch.demo.citygov` on several loopback addresses, one per
host (``127.0.16.1`` … ``127.0.16.5``, each on an OS-assigned port), GET and POST, and log
every request per host so a test can check that nothing else was fetched::

    with CityServer() as city:
        city.url("www", "/")            # http://127.0.16.1:<port>/
        city.requests                   # [("www", "GET", "/robots.txt"), ...]
        city.plan()                     # what was planted: bodies, columns, reports
"""
from __future__ import annotations

import io
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from gkwatch.demo import citygov_pages as pages
from gkwatch.demo.citygov import HOSTS, Body, City, CityItem, build_city
from gkwatch.demo.render_html import article_html
from gkwatch.demo.render_office import render_docx, render_pdf
from gkwatch.demo.reports import make_history

Reply = tuple[int, dict[str, str], bytes]
ADDRESSES = {h: f"127.0.16.{n}" for n, h in enumerate(HOSTS, 1)}
#: a site outside the city that every page links to: a crawl must never fetch from it
ADDRESSES["ext"] = "127.0.16.9"
_PROXY = "/module/web/jpage/dataproxy.jsp"
_GKMLPT_API = re.compile(r"^/(\w+)/gkmlpt/api/all/(\d+)$")
_SPA_API = re.compile(r"^/api/(\w+)/list$")


def _html(text: str, charset: str = "utf-8") -> Reply:
    return 200, {"Content-Type": f"text/html; charset={charset}"}, text.encode(charset)


class _Handler(BaseHTTPRequestHandler):
    city: "CityServer"
    host_label: str

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.city.lock:
            self.city.requests.append((self.host_label, method, self.path))
        status, headers, data = self.city.reply(self.host_label, method, self.path, body)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")


class CityServer:
    """Five real HTTP servers on 127.0.16.x serving one generated city."""

    def __init__(self, seed: int = 16) -> None:
        self.seed = seed
        self.city: City = build_city(seed)
        #: files drawn on first request (the PDF / DOCX renderings take a while)
        self.lazy: dict[tuple[str, str], Callable[[], Reply]] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        for label, addr in ADDRESSES.items():
            handler = type("Handler", (_Handler,), {"city": self, "host_label": label})
            self._servers[label] = ThreadingHTTPServer((addr, 0), handler)
        self.urls = {label: f"http://{ADDRESSES[label]}:{srv.server_address[1]}"
                     for label, srv in self._servers.items()}
        self.files: dict[str, dict[str, Reply]] = {h: {} for h in ADDRESSES}
        self._build()
        ext = self.urls["ext"].encode()
        for files in self.files.values():
            for path, (status, headers, data) in files.items():
                if headers.get("Content-Type", "").startswith("text/html"):
                    files[path] = (status, headers, data.replace(b"http://__EXTERNAL__", ext))
        self._threads: list[threading.Thread] = []

    # --- content -----------------------------------------------------------------------

    def url(self, host: str, path: str = "/") -> str:
        return self.urls[host] + path

    def plan(self) -> list[dict[str, Any]]:
        return pages.plan_rows(self.city, self.urls)

    def _put(self, host: str, path: str, reply: Reply) -> None:
        self.files[host][path] = reply

    def _build(self) -> None:
        www = self.files["www"]
        www["/"] = www["/index.html"] = _html(pages.home(self.city, self.urls))
        www["/zwgk/index.html"] = _html(pages.directory(self.city, self.urls))
        www["/zwgk/xzjd.html"] = _html(pages.directory_towns(self.city, self.urls))
        for host in HOSTS:
            self._put(host, "/robots.txt", (200, {"Content-Type": "text/plain"}, pages.robots().encode()))
        self._put("app", "/static/xxgk-list.js", (200, {"Content-Type": "application/javascript"},
                                                   pages.SPA_JS.encode()))
        for body in self.city.bodies:
            self._build_body(body)

    def _build_body(self, body: Body) -> None:
        cs = pages.charset(body.host)
        self._put(body.host, body.xxgk_path, _html(pages.body_page(body), cs))
        if body.portal in ("static", "trs"):
            for path, text in pages.list_pages(body).items():
                self._put(body.host, path, _html(text, cs))
        elif body.portal == "hanweb":
            self._put(body.host, body.column_path, _html(pages.hanweb_column(body)))
        elif body.portal == "jsonapi":
            self._put(body.host, body.column_path.split("#")[0], _html(pages.gkmlpt_index(body)))
        else:
            self._put(body.host, body.column_path, _html(pages.spa_shell(body)))
        history = make_history(body.name, body.kind, list(range(2022, 2025)), seed=self.seed)
        for it in body.items:
            self._build_item(body, it, history, cs)

    def _build_item(self, body: Body, it: CityItem, history: dict[int, Any], cs: str) -> None:
        report = history.get(it.year) if it.year else None
        if it.direct and report is not None:
            self.lazy[(body.host, it.path)] = lambda: (200, {"Content-Type": "application/pdf"},
                                                       render_pdf(report, seed=self.seed))
            return
        article = article_html(report, seed=self.seed) if report is not None else pages.notice_text(body, it)
        self._put(body.host, it.path, _html(pages.detail(body, it, article), cs))
        for path, fmt in it.attachments:
            assert report is not None
            self.lazy[(body.host, path)] = lambda fmt=fmt, report=report: self._render(report, fmt)

    def _render(self, report: dict[str, Any], fmt: str) -> Reply:
        if fmt == "pdf":
            return 200, {"Content-Type": "application/pdf"}, render_pdf(report, seed=self.seed)
        if fmt == "zip":  # the report zipped with a note, as offices upload it
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(f"{report['agency']}{report['year']}年政府信息公开工作年度报告.pdf",
                            render_pdf(report, seed=self.seed))
                zf.writestr("说明.txt", "附件为本单位年度报告。")
            return 200, {"Content-Type": "application/zip"}, buf.getvalue()
        return 200, {"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, \
            render_docx(report, seed=self.seed)

    # --- answers -----------------------------------------------------------------------

    def reply(self, host: str, method: str, raw_path: str, body: bytes) -> Reply:
        parts = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if method == "POST":
            query.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
        dynamic: dict[str, Callable[[], Reply | None]] = {
            "jcms": lambda: self._dataproxy(parts.path, query),
            "xxgk": lambda: self._gkmlpt(parts.path, query),
            "app": lambda: self._spa(parts.path, query),
        }
        if host in dynamic and (answer := dynamic[host]()) is not None:
            return answer
        if method == "GET" and (host, parts.path) in self.lazy:
            with self.lock:
                if parts.path not in self.files[host]:
                    self.files[host][parts.path] = self.lazy[(host, parts.path)]()
        found = self.files[host].get(parts.path) if method == "GET" else None
        return found or (404, {"Content-Type": "text/html; charset=utf-8"}, "<h1>404 页面不存在</h1>".encode())

    def _bodies(self, portal: str) -> list[Body]:
        return [b for b in self.city.bodies if b.portal == portal]

    def _dataproxy(self, path: str, q: dict[str, str]) -> Reply | None:
        if path != _PROXY:
            return None
        body = next((b for b in self._bodies("hanweb") if str(b.col_id) == q.get("columnid")), None)
        if body is None or not q.get("startrecord", "").isdigit() or not q.get("endrecord", "").isdigit():
            return 400, {"Content-Type": "text/plain"}, b"bad request"
        text = pages.hanweb_proxy_answer(body, int(q["startrecord"]), int(q["endrecord"]))
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, text.encode()

    def _gkmlpt(self, path: str, q: dict[str, str]) -> Reply | None:
        m = _GKMLPT_API.match(path)
        if not m:
            return None
        body = next((b for b in self._bodies("jsonapi")
                     if b.prefix == m.group(1) and str(b.col_id) == m.group(2)), None)
        page = q.get("page", "1")
        if body is None or q.get("sid") != pages.gkmlpt_sid(body) or not page.isdigit():
            return 404, {"Content-Type": "application/json"}, b'{"error": "not found"}'
        return 200, {"Content-Type": "application/json; charset=utf-8"}, \
            pages.gkmlpt_answer(body, self.urls["xxgk"], int(page)).encode()

    def _spa(self, path: str, q: dict[str, str]) -> Reply | None:
        m = _SPA_API.match(path)
        if not m:
            return None
        body = next((b for b in self._bodies("browser") if b.prefix == m.group(1)), None)
        page = q.get("page", "1")
        if body is None or not page.isdigit():
            return 404, {"Content-Type": "application/json"}, b"{}"
        return 200, {"Content-Type": "application/json; charset=utf-8"}, \
            pages.spa_answer(body, int(page)).encode()

    # --- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> "CityServer":
        for srv in self._servers.values():
            t = threading.Thread(target=srv.serve_forever, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)

    def hosts(self) -> dict[str, str]:
        """host label → ``address`` (what allowed_hosts name)."""
        return dict(ADDRESSES)

    def requests_to(self, host: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(m, p) for h, m, p in self.requests if h == host]
