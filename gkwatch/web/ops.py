"""Operations routes of the web app: ``/healthz`` (open) and ``/metrics`` (token).

``/healthz`` says only ``ok`` / ``unreachable`` per dependency (database, Redis), so it
is open like ``/health``: load balancers and ``docker compose`` probe it without a
token. ``/metrics`` shows counts of agencies, alerts and failures, so it needs a bearer
token: ``GKWATCH_METRICS_TOKEN`` (what Prometheus is given) or any web read/admin token
or login. Both are excluded from the OpenAPI schema.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gkwatch.web.auth import COOKIE
from gkwatch.web.deps import auth_of, settings_of
from workers.health import bearer_ok, check
from workers.metrics import CONTENT_TYPE, build_registry, render

router = APIRouter(include_in_schema=False)
#: paths the authentication middleware passes through (``/metrics`` checks its own token)
OPEN_PATHS = {"/healthz", "/metrics"}


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """200 when the database (and Redis, if configured) answer; 503 otherwise."""
    healthy, deps = check(settings_of(request))
    return JSONResponse({"status": "ok" if healthy else "degraded", **deps, "role": "web"},
                        status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"})


def _allowed(request: Request) -> bool:
    authorization = request.headers.get("authorization", "")
    token = settings_of(request).metrics_token
    if token and bearer_ok(authorization, token):
        return True
    who = auth_of(request).authenticate(authorization=authorization, cookie=request.cookies.get(COOKIE, ""),
                                        client_host=request.client.host if request.client else "")
    return who is not None


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text exposition of :mod:`workers.metrics`."""
    if not _allowed(request):
        return JSONResponse({"detail": "authentication required"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    registry = getattr(request.app.state, "metrics_registry", None)
    if registry is None:
        registry = request.app.state.metrics_registry = build_registry(settings_of(request))
    return Response(render(registry), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
