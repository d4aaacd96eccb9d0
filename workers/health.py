"""``/healthz`` and ``/metrics`` for the processes that have no web server: Celery
workers and beat.

A tiny HTTP server runs in a daemon thread of the worker's (or beat's) main process on
``GKWATCH_HEALTH_HOST:GKWATCH_HEALTH_PORT`` (port 0: no server). ``/healthz`` answers
200 when the database (and Redis, when configured) answer, 503 otherwise; ``/metrics``
is the Prometheus exposition of :mod:`workers.metrics`, open on that internal port
unless ``GKWATCH_METRICS_TOKEN`` is set (then ``Authorization: Bearer <token>``).

Wiring: :func:`install_celery_hooks` connects to Celery's ``worker_ready``, ``beat_init``
and ``worker_shutdown`` signals (one line in ``workers/app.py``). The container health
check is :mod:`workers.probe`, which loads none of this.
"""
from __future__ import annotations

import hmac
import json
import logging
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import redis
from celery.signals import beat_init, worker_ready, worker_shutdown
from sqlalchemy import text

from ground.settings import get_settings
from models.db import get_engine
from workers.metrics import CONTENT_TYPE, build_registry, render

log = logging.getLogger("gkwatch.health")


def check(settings: Any) -> tuple[bool, dict[str, str]]:
    """Whether this process's dependencies answer: ``(healthy, {"database": …, "redis": …})``.

    Values are ``ok`` / ``unreachable`` (``redis`` is ``not configured`` on embedded
    defaults); the error itself is logged, not returned, since ``/healthz`` is open.
    """
    out: dict[str, str] = {}
    try:
        with get_engine(settings.effective_database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
        out["database"] = "ok"
    except Exception as exc:
        log.warning("healthz: database unreachable: %s", exc)
        out["database"] = "unreachable"
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=3, socket_connect_timeout=3)
        try:
            client.ping()
            out["redis"] = "ok"
        except Exception as exc:
            log.warning("healthz: Redis unreachable: %s", exc)
            out["redis"] = "unreachable"
        finally:
            client.close()
    else:
        out["redis"] = "not configured"
    healthy = all(v != "unreachable" for v in out.values())
    return healthy, out


def bearer_ok(authorization: str, token: str) -> bool:
    """``Authorization: Bearer <token>`` matches ``token`` (constant-time)."""
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class HealthServer:
    """``/healthz`` and ``/metrics`` on a daemon thread; ``port=0`` picks a free port."""

    def __init__(self, settings: Any, *, role: str, host: str | None = None, port: int | None = None) -> None:
        self.settings = settings
        self.role = role
        self.host = host if host is not None else settings.health_host
        self.requested_port = port if port is not None else settings.health_port
        self.registry = build_registry(settings)
        self.started = time.time()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "not started"
        return int(self._httpd.server_address[1])

    def start(self) -> "HealthServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - scrapes every 15 s
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    healthy, deps = check(server.settings)
                    body = {"status": "ok" if healthy else "degraded", **deps, "role": server.role,
                            "pid": os.getpid(), "uptime_seconds": round(time.time() - server.started, 1)}
                    self._send(200 if healthy else 503, "application/json",
                               json.dumps(body).encode())
                elif path == "/metrics":
                    token = server.settings.metrics_token
                    if token and not bearer_ok(self.headers.get("Authorization", ""), token):
                        self._send(401, "text/plain", b"bearer token required\n",
                                   {"WWW-Authenticate": "Bearer"})
                        return
                    self._send(200, CONTENT_TYPE, render(server.registry))
                else:
                    self._send(404, "text/plain", b"not found: try /healthz or /metrics\n")

            def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer((self.host, self.requested_port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="gkwatch-health", daemon=True)
        self._thread.start()
        log.info("health server for %s on http://%s:%s/healthz", self.role, self.host, self.port)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "HealthServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# --- Celery wiring -----------------------------------------------------------------------

_server: HealthServer | None = None
_installed = False


def start_for(role: str, settings: Any | None = None) -> HealthServer | None:
    """Start this process's health server when ``health_port`` is set; a busy port is
    logged, never fatal (a worker without /healthz still does its work)."""
    global _server
    settings = settings or get_settings()
    if not settings.health_port or _server is not None:
        return _server
    try:
        _server = HealthServer(settings, role=role).start()
    except OSError as exc:
        log.error("health server not started on %s:%s: %s", settings.health_host, settings.health_port, exc)
    return _server


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    start_for(f"worker {getattr(sender, 'hostname', '')}".strip())


def _on_beat_init(sender: Any = None, **_: Any) -> None:
    start_for("beat")


def _on_shutdown(**_: Any) -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None


def install_celery_hooks(app: Any = None) -> None:
    """Start the health server when a worker is ready or beat starts (``app`` is accepted
    for symmetry; Celery's signals are process-wide). Safe to call twice."""
    global _installed
    if _installed:
        return
    worker_ready.connect(_on_worker_ready, weak=False)
    beat_init.connect(_on_beat_init, weak=False)
    worker_shutdown.connect(_on_shutdown, weak=False)
    _installed = True
