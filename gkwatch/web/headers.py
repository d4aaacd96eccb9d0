"""Security headers of every response, and the API reference page.

The dashboard's pages have no inline script or style and load only ``/static/``, so
their policy is ``'self'`` throughout; a response that sets its own policy keeps it
(snapshots are served ``sandbox``). ``/docs`` is a server-rendered reference of the
OpenAPI description (no Swagger UI: its bundle would come from a CDN, and no installed
package ships it), under the same policy as every page; ``/openapi.json`` is the
machine-readable description for other tools.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
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
METHODS = ("get", "post", "put", "patch", "delete")


def apply(headers: MutableHeaders) -> None:
    for name, value in HEADERS.items():
        headers.setdefault(name, value)


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The API's operations, by tag then path, as the reference page lists them."""
    out = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [{"name": p.get("name"), "in": p.get("in"), "required": p.get("required", False),
                       "description": p.get("description") or (p.get("schema") or {}).get("description") or ""}
                      for p in op.get("parameters", [])]
            body = ((op.get("requestBody") or {}).get("content") or {}).get("application/json", {}).get("schema")
            out.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "tag": (op.get("tags") or ["other"])[0],
                        "params": params, "body": (body or {}).get("$ref", "").rsplit("/", 1)[-1],
                        "responses": sorted(op.get("responses", {}))})
    return sorted(out, key=lambda o: (o["tag"], o["path"], METHODS.index(o["method"].lower())))


docs_router = APIRouter(include_in_schema=False)


@docs_router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The API reference, rendered here from the OpenAPI description (authenticated like
    every page; works without internet)."""
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "api_docs.html", {"ops": operations(request.app.openapi()), "who": request.state.principal,
                                   "csrf": "", "title": request.app.title, "version": request.app.version})
