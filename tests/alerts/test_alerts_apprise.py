"""The optional Apprise channel, against a real JSON receiver on 127.0.0.1 (json:// URL)."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

pytest.importorskip("apprise")

from alerts.evaluate import evaluate_agency_year  # noqa: E402
from alerts.outbox import deliver_due  # noqa: E402
from alerts.routes import Receiver, Route  # noqa: E402
from models import AgencyCreate, Notification, utcnow  # noqa: E402
from models.crud import upsert_agency  # noqa: E402

BJ = ZoneInfo("Asia/Shanghai")


def test_apprise_json_url_gets_the_digest_and_failures_are_retried(session, settings) -> None:
    got: list[dict[str, Any]] = []
    status = {"code": 500}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if status["code"] == 200:
                got.append(json.loads(body))
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"json://127.0.0.1:{httpd.server_address[1]}/notify"
        routes = [Route(receivers=(Receiver("apprise", url),))]
        agency = upsert_agency(session, data=AgencyCreate(name="示例县教育局", kind="部门"))
        session.commit()
        evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=None, routes=routes,
                             now=datetime(2025, 3, 1, tzinfo=BJ))
        assert deliver_due(session, settings=settings).failed == 1 and got == []
        status["code"] = 200
        assert deliver_due(session, settings=settings, now=utcnow() + timedelta(hours=2)).sent == 1
        assert len(got) == 1 and "示例县教育局" in got[0]["message"] and "告警" in got[0]["title"]
        assert session.exec(select(Notification)).one().state == "sent"
    finally:
        httpd.shutdown()
        httpd.server_close()
