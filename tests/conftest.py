"""Shared fixtures: a migrated SQLite database and settings pointing at a temp dir."""
from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from ground.settings import Settings
    from models.db import upgrade

    s = Settings(data_dir=tmp_path / "var", crawl_download_delay=0.0, webhook_allow_private=True,
                 _env_file=None)  # type: ignore[call-arg]
    upgrade(s.effective_database_url)
    return s


@pytest.fixture
def session(settings) -> Iterator:  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from models.db import get_engine

    with Session(get_engine(settings.effective_database_url), expire_on_commit=False) as s:
        yield s


def _items(body: bytes) -> list[dict]:
    """The JSON payloads of one envelope (header line, then item header / payload pairs)."""
    out = []
    for line in body.split(b"\n"):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


@pytest.fixture
def sentry_dsn() -> Iterator[tuple[str, list[dict]]]:
    """A local HTTP endpoint receiving the Sentry SDK's envelopes: yields (DSN, items)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            elif self.headers.get("Content-Encoding") == "br":
                import brotli

                body = brotli.decompress(body)
            received.extend(_items(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://publickey@127.0.0.1:{httpd.server_address[1]}/7", received
    finally:
        import sentry_sdk

        sentry_sdk.init(dsn=None)
        httpd.shutdown()


@pytest.fixture
def narrative_without_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo prose does arithmetic on table totals; where a test renders reports with
    blank cells, the prose is written from a copy whose blanks read as 0 (the tables keep
    their real blanks)."""
    import copy

    from gkwatch.demo import render_html, render_office, render_text
    from gkwatch.demo import text as demo_text

    original = demo_text.narrative

    def narrative(report: dict, *, seed: int):  # type: ignore[no-untyped-def]
        filled = copy.deepcopy(report)
        for t in ("table3", "table4"):
            filled[t] = {k: [0 if v is None else v for v in row] for k, row in filled[t].items()}
        filled["table2"] = {k: {f: 0 if v is None else v for f, v in row.items()}
                            for k, row in (filled.get("table2") or {}).items()}
        return original(filled, seed=seed)

    monkeypatch.setattr(render_html, "narrative", narrative)
    monkeypatch.setattr(render_office, "narrative", narrative)
    monkeypatch.setattr(render_text, "narrative", narrative)
