"""Error pages: a person following a link gets a page in Chinese and English with a way
back, not a JSON body; API clients keep FastAPI's JSON answers."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

TITLES = {400: ("请求有误", "bad request"), 401: ("需要登录", "login needed"), 403: ("没有权限", "forbidden"),
          404: ("找不到页面", "not found"), 405: ("不支持的操作", "method not allowed"),
          422: ("参数无效", "invalid parameters"), 429: ("请求过多", "too many requests")}
DETAILS_ZH = {"no such agency": "没有这个机关", "no such report": "没有这份报告", "Not Found": "没有这个页面",
              "no such silence": "没有这条静默", "the admin role is needed for this": "此操作需要管理员权限",
              "no snapshot stored for this version": "这个版本没有保存快照"}


def wants_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/openapi.json", "/health", "/metrics")) \
        and "text/html" in request.headers.get("accept", "")


def _page(request: Request, status: int, detail: str, problems: list[str]) -> Response:
    zh, en = TITLES.get(status, ("出错了", "error"))
    shown = DETAILS_ZH.get(detail, "")
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "error.html", {"status": status, "title_zh": zh, "title_en": en,
                                "detail": f"{shown} {detail}".strip() if shown else detail,
                                "problems": problems, "who": getattr(request.state, "principal", None),
                                "csrf": ""}, status_code=status)


def _problem(err: dict[str, Any]) -> str:
    where = ".".join(str(x) for x in err.get("loc", ())[1:]) or "?"
    return f"参数 {where}：{err.get('msg', '')}"


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_page(request):
            return _page(request, exc.status_code, str(exc.detail), [])
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_page(request):
            return _page(request, 422, "", [_problem(e) for e in exc.errors()][:10])
        return await request_validation_exception_handler(request, exc)
