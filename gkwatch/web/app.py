"""The FastAPI application: authentication middleware, pages, JSON API, static files."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from alerts.messages import KIND_ZH
from gkwatch.web import api, errors, ops, pages, review
from gkwatch.web.auth import COOKIE, Authenticator
from gkwatch.web.guard import UNSAFE_METHODS, HostPolicy, same_origin
from gkwatch.web.headers import apply as apply_headers
from gkwatch.web.headers import docs_router
from gkwatch.web.ratelimit import LoginLimiter
from gkwatch.web.silences import get_store
from gkwatch.web.view import cell_label, fmt_dt, status_label
from ground.settings import Settings

HERE = Path(__file__).resolve().parent
#: reachable without a token or login
PUBLIC_PATHS = {"/health", "/login", "/healthz", "/metrics"}  # /metrics checks its own token (web/ops.py)
PUBLIC_PREFIXES = ("/static/",)


def _wants_page(request: Request) -> bool:
    return (request.method == "GET" and not request.url.path.startswith("/api/")
            and "text/html" in request.headers.get("accept", ""))


def create_app(settings: Settings, *, insecure_local: bool = False) -> FastAPI:
    """The dashboard and API over the database named by ``settings``.

    Every route but ``/health``, ``/healthz``, ``/login`` and the static files needs a bearer
    token or the login cookie (``/metrics`` also takes ``GKWATCH_METRICS_TOKEN``); with
    ``insecure_local`` loopback callers are admin without either, but only under a
    loopback or configured Host name, and their writes need the CSRF token or a
    same-origin Origin. Writes that a browser says come from another origin are refused
    in every mode.
    """
    # docs_url=None: /docs is served by gkwatch.web.headers under a policy hashing its script
    app = FastAPI(title="gkwatch", version="1", docs_url=None, redoc_url=None,
                  description="Compliance of 政府信息公开工作年度报告: verdicts per agency and year, "
                              "reports with their failing cells, alerts, silences and audit exports. "
                              "Authenticate with `Authorization: Bearer <token>`.")
    app.state.settings = settings
    app.state.auth = Authenticator(admin_tokens=settings.web_admin_tokens, read_tokens=settings.web_read_tokens,
                                   secret_key=settings.web_secret_key, insecure_local=insecure_local)
    hosts = HostPolicy(settings.web_allowed_hosts)
    # local mode lets every loopback caller in, so a rebound name must never reach it;
    # with tokens a rebound page holds no credential, and the check is the operator's choice
    check_hosts = insecure_local or bool(settings.web_allowed_hosts)
    app.state.login_limiter = LoginLimiter(settings.web_login_attempts_per_minute)
    # local mode is plain http on loopback by definition: a Secure cookie would never come back
    app.state.cookie_secure = settings.web_cookie_secure and not insecure_local
    app.state.silences = get_store()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["dt"] = lambda v, date_only=False: fmt_dt(v, settings.timezone, date_only=date_only)
    templates.env.filters["status_label"] = status_label
    templates.env.globals["cell_label"] = cell_label
    templates.env.globals["follow_up_labels"] = review.FOLLOW_UP_LABELS
    templates.env.globals["kind_labels"] = KIND_ZH
    templates.env.globals["alert_states"] = {"firing": "触发中 firing", "resolved": "已恢复 resolved"}
    templates.env.globals["delivery_states"] = {"sent": "已发送 sent", "pending": "待发送 pending",
                                                "batched": "合并待发 batched", "dead": "失败 dead",
                                                "skipped": "未发送 skipped", "running": "发送中 sending"}
    app.state.templates = templates

    @app.middleware("http")
    async def authenticate(request: Request, call_next):  # type: ignore[no-untyped-def]
        path = request.url.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return await call_next(request)
        who = app.state.auth.authenticate(authorization=request.headers.get("authorization", ""),
                                          cookie=request.cookies.get(COOKIE, ""),
                                          client_host=request.client.host if request.client else "")
        if who is None:
            if _wants_page(request):
                target = path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            return JSONResponse({"detail": "authentication required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        request.state.principal = who
        response: Response = await call_next(request)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.middleware("http")
    async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
        # runs before authenticate (added after it): a wrong Host or a cross-origin write
        # is refused before any credential or data is looked at
        host = request.headers.get("host", "")
        server = request.scope.get("server")
        if check_hosts and not hosts.allows(host, server[1] if server else None):
            return JSONResponse({"detail": "主机名不被接受 Host not allowed; add it to GKWATCH_WEB_ALLOWED_HOSTS"},
                                status_code=421)
        if request.method in UNSAFE_METHODS:
            verdict = same_origin(request.headers, host, hosts)
            if verdict is False:
                return JSONResponse({"detail": "跨站请求被拒绝 cross-origin request refused"}, status_code=403)
            request.state.same_origin = verdict is True
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        apply_headers(response.headers)
        return response

    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(docs_router)
    app.include_router(api.router)
    app.include_router(ops.router)
    app.include_router(review.router)
    app.include_router(pages.router)
    return app
