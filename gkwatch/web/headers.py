"""Security headers of every response, and the API explorer page under its own policy.

The dashboard's pages have no inline script or style and load only ``/static/``, so
their policy is ``'self'`` throughout; a response that sets its own policy keeps it
(snapshots are served ``sandbox``). ``/docs`` is FastAPI's Swagger UI: its bundle comes
from a CDN and it starts with one inline script, allowed by its hash, not by
``'unsafe-inline'``.
"""
from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # same-origin: the pages' own requests still carry a Referer, which the CSRF check reads
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
SWAGGER_CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def apply(headers: MutableHeaders) -> None:
    for name, value in HEADERS.items():
        headers.setdefault(name, value)


def script_hashes(html: str) -> list[str]:
    """CSP source expressions for the inline scripts of ``html``."""
    return ["'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
            for body in _INLINE_SCRIPT.findall(html)]


def docs_policy(html: str) -> str:
    # Swagger UI sets style attributes from its scripts; styles cannot run code, so
    # 'unsafe-inline' is allowed for styles on this one page only
    return (f"default-src 'self'; script-src 'self' {SWAGGER_CDN} {' '.join(script_hashes(html))}; "
            f"style-src 'self' {SWAGGER_CDN} 'unsafe-inline'; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


docs_router = APIRouter(include_in_schema=False)


@docs_router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json`` (authenticated like every page)."""
    page = get_swagger_ui_html(openapi_url=request.app.openapi_url or "/openapi.json",
                               title=f"{request.app.title} - Swagger UI")
    html = bytes(page.body).decode("utf-8")
    return HTMLResponse(html, headers={"Content-Security-Policy": docs_policy(html)})
