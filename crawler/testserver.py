"""A small real HTTP server on 127.0.0.1 for crawler tests and demos.

Serves a directory (with the standard library's ``If-Modified-Since`` → 304 handling),
plus fixed routes (exact path, query included) and dynamic routes (regex → function),
and records every request path, so a test can assert what the crawler fetched::

    with SiteServer(root=site_dir, routes={"/gone.htm": (404, {}, b"")}) as srv:
        srv.url("/col/")            # http://127.0.0.1:<port>/col/
        srv.requests                # ["/robots.txt", "/col/", ...]
        srv.timed                   # [("/robots.txt", start, end), ...] (routes only)

``timed`` holds, per answered route, the monotonic time the request was read and the
time just before the answer's body is written: a client cannot send its next request
before it has that body, so on one host ``start[n+1] > end[n]`` unless two requests were
in flight at once. ``latency`` (seconds, or a function of the path) delays each answer,
as a real portal does.
"""
from __future__ import annotations

import re
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Mapping

Reply = tuple[int, Mapping[str, str], bytes]
Dynamic = Callable[[re.Match[str]], Reply]


class _Handler(SimpleHTTPRequestHandler):
    server_ref: "SiteServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        srv = self.server_ref
        started = time.monotonic()
        with srv.lock:
            srv.requests.append(self.path)
        reply = srv.routes.get(self.path) or srv.routes.get(self.path.split("?", 1)[0])
        if reply is None:
            for rx, fn in srv.dynamic:
                m = rx.fullmatch(self.path)
                if m:
                    reply = fn(m)
                    break
        if reply is None:
            if srv.root is None:
                reply = (404, {"Content-Type": "text/plain"}, b"not found")
            else:
                super().do_GET()
                return
        status, headers, body = reply
        wait = srv.latency(self.path) if callable(srv.latency) else srv.latency
        if wait:
            time.sleep(wait)
        with srv.lock:
            srv.timed.append((self.path, started, time.monotonic()))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer:
    """``ThreadingHTTPServer`` on an ephemeral loopback port, run in a daemon thread."""

    def __init__(self, root: Path | str | None = None,
                 routes: Mapping[str, Reply] | None = None,
                 dynamic: Mapping[str, Dynamic] | None = None, host: str = "127.0.0.1",
                 latency: float | Callable[[str], float] = 0.0) -> None:
        self.root = Path(root) if root is not None else None
        self.routes: dict[str, Reply] = dict(routes or {})
        self.dynamic = [(re.compile(k), v) for k, v in (dynamic or {}).items()]
        self.requests: list[str] = []
        self.timed: list[tuple[str, float, float]] = []
        self.latency = latency
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_ref": self})
        factory = partial(handler, directory=str(self.root or "."))
        self.host = host  # any 127.x address: several simulated hosts on one machine
        self.httpd = ThreadingHTTPServer((host, 0), factory)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> "SiteServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


def html_page(body: str, *, title: str = "", head: str = "", charset: str = "utf-8") -> bytes:
    """A minimal HTML document, encoded in ``charset`` (GBK pages for encoding tests)."""
    doc = (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>{head}'
           f"</head><body>{body}</body></html>")
    return doc.encode(charset)


def html_reply(body: str, *, title: str = "", head: str = "", charset: str = "utf-8",
               declare_header: bool = True) -> Reply:
    ctype = f"text/html; charset={charset}" if declare_header else "text/html"
    return 200, {"Content-Type": ctype}, html_page(body, title=title, head=head, charset=charset)
