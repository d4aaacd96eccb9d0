"""Sentry: errors reach a DSN served on 127.0.0.1 (a real HTTP server receiving envelopes)."""
from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def test_sentry_init_sends_error_envelopes_to_the_configured_dsn(settings) -> None:
    import sentry_sdk

    from gkwatch.telemetry import init_sentry

    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            encoding = self.headers.get("Content-Encoding")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        assert init_sentry(settings) is False  # no DSN: nothing initialised
        dsn = f"http://publickey@127.0.0.1:{httpd.server_address[1]}/42"
        assert init_sentry(settings.model_copy(update={"sentry_dsn": dsn})) is True
        try:
            raise RuntimeError("parse crashed on 示例.pdf")
        except RuntimeError as exc:
            sentry_sdk.capture_exception(exc)
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.init(dsn=None)
        httpd.shutdown()
    assert any("parse crashed" in body.decode("utf-8", "replace") for body in received)
