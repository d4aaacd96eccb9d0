"""``/healthz`` and ``/metrics``: the health server of workers and beat, and the web app's
routes, over a real SQLite database (and a dead Redis port for the degraded case)."""
from __future__ import annotations

import json

import pytest

from gkwatch.sinks import free_port
from tests.support.procs import http_get as get


def sample(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in a text exposition."""
    for line in text.splitlines():
        if line.startswith(name + (labels if labels else " ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{labels} not in the exposition")


def seed(settings) -> None:  # type: ignore[no-untyped-def]
    """A few rows: one processed document, one failed crawl, a firing alert, a dead notification."""
    from models import Agency, Alert, CrawlRun, Document, DocumentVersion, Notification, Portal
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        a = Agency(name="示例局")
        s.add(a)
        s.flush()
        p = Portal(agency_id=a.id, list_urls=["http://127.0.0.1:1/"], consecutive_failures=4)
        s.add(p)
        s.flush()
        s.add(CrawlRun(portal_id=p.id, state="failed", error="connection refused"))
        d = Document(url="http://127.0.0.1:1/r.html", portal_id=p.id, agency_id=a.id)
        s.add(d)
        s.flush()
        s.add(DocumentVersion(document_id=d.id, sha256="0" * 64, state="done"))
        s.add(Alert(fingerprint="f" * 64, kind="P-MISSING", agency_id=a.id, year=2025))
        s.add(Notification(channel="webhook", target="http://127.0.0.1:1/hook", group_key="g",
                           message_id="m1", state="dead", attempts=9, last_error="timeout"))
        s.add(Notification(channel="email", target="a@example.invalid", group_key="g",
                           message_id="m2", state="pending", attempts=2, last_error="421"))


def test_health_server_answers_healthz_and_metrics(settings) -> None:  # type: ignore[no-untyped-def]
    from workers.health import HealthServer

    seed(settings)
    with HealthServer(settings, role="worker test@host", host="127.0.0.1", port=0) as srv:
        status, body = get(f"http://127.0.0.1:{srv.port}/healthz")
        assert status == 200
        health = json.loads(body)
        assert health["status"] == "ok" and health["database"] == "ok" and health["redis"] == "not configured"
        assert health["role"] == "worker test@host"
        status, text = get(f"http://127.0.0.1:{srv.port}/metrics")
        assert status == 200
        assert sample(text, "gkwatch_up") == 1
        assert sample(text, "gkwatch_documents_processed_total") == 1
        assert sample(text, "gkwatch_crawl_errors_total") == 1
        assert sample(text, "gkwatch_portals_unreachable") == 1
        assert sample(text, "gkwatch_alerts_firing", '{kind="P-MISSING"}') == 1
        assert sample(text, "gkwatch_alerts_firing", '{kind="P-LATE"}') == 0
        assert sample(text, "gkwatch_delivery_failures_total", '{channel="webhook"}') == 1
        assert sample(text, "gkwatch_deliveries_retrying", '{channel="email"}') == 1
        assert sample(text, "gkwatch_units", '{stage="crawl",state="failed"}') == 1
        assert "process_resident_memory_bytes" in text
        assert get(f"http://127.0.0.1:{srv.port}/nothing")[0] == 404


def test_health_server_reports_an_unreachable_redis_and_guards_metrics_with_a_token(settings) -> None:  # type: ignore[no-untyped-def]
    from workers.health import HealthServer
    from workers.probe import main

    dead = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0", "metrics_token": "s3cret"})
    with HealthServer(dead, role="beat", host="127.0.0.1", port=0) as srv:
        status, body = get(f"http://127.0.0.1:{srv.port}/healthz")
        assert status == 503
        assert json.loads(body) | {"pid": 0, "uptime_seconds": 0} == {
            "status": "degraded", "database": "ok", "redis": "unreachable", "role": "beat",
            "pid": 0, "uptime_seconds": 0}
        assert get(f"http://127.0.0.1:{srv.port}/metrics")[0] == 401
        assert get(f"http://127.0.0.1:{srv.port}/metrics", token="wrong")[0] == 401
        status, text = get(f"http://127.0.0.1:{srv.port}/metrics", token="s3cret")
        assert status == 200 and sample(text, "gkwatch_redis_up") == 0 and sample(text, "gkwatch_up") == 1
        # the container health check: exit 1 when degraded
        assert main(["--url", f"http://127.0.0.1:{srv.port}/healthz"]) == 1
    with HealthServer(settings, role="beat", host="127.0.0.1", port=0) as srv:
        assert main(["--url", f"http://127.0.0.1:{srv.port}/healthz"]) == 0


def test_metrics_survive_an_unreachable_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from workers.metrics import build_registry, render
    from ground.settings import Settings

    broken = Settings(database_url=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
                      _env_file=None)  # type: ignore[call-arg]
    pytest.importorskip("psycopg")
    text = render(build_registry(broken, process=False)).decode()
    assert sample(text, "gkwatch_up") == 0


def test_web_app_healthz_is_open_and_metrics_need_a_token(settings) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gkwatch.web import create_app

    seed(settings)
    app = create_app(settings.model_copy(update={"web_read_tokens": ["reader"], "metrics_token": "prom"}))
    client = TestClient(app)
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["role"] == "web"
    assert client.get("/health").status_code == 200  # the older route stays
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    for token in ("prom", "reader"):
        r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert sample(r.text, "gkwatch_documents_processed_total") == 1
    assert "/metrics" not in client.get("/openapi.json", headers={"Authorization": "Bearer reader"}).json()["paths"]
