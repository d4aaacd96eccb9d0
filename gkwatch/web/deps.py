"""FastAPI dependencies: the database session, the caller and the role checks."""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import HTTPException, Request
from sqlmodel import Session

from gkwatch.web.auth import Authenticator, Principal
from ground.settings import Settings
from models.db import session_scope


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def auth_of(request: Request) -> Authenticator:
    return request.app.state.auth  # type: ignore[no-any-return]


def db(request: Request) -> Iterator[Session]:
    """One session per request; commits when the handler returns without error."""
    with session_scope(settings_of(request).effective_database_url) as session:
        yield session


def principal(request: Request) -> Principal:
    """The caller, as the authentication middleware found it."""
    who = getattr(request.state, "principal", None)
    if who is None:  # the middleware lets no such request through; belt and braces
        raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
    return who  # type: ignore[no-any-return]


def admin(request: Request) -> Principal:
    """The caller, who must hold the admin role."""
    who = principal(request)
    if not who.is_admin:
        raise HTTPException(403, "the admin role is needed for this")
    return who


def same_origin(request: Request) -> bool:
    """Whether the guard middleware found the browser's word that this site sent the write."""
    return bool(getattr(request.state, "same_origin", False))


def admin_api(request: Request) -> Principal:
    """An admin for a JSON write: a caller using the login cookie must also send the
    ``X-CSRF-Token`` header (bearer tokens are never sent by a browser on its own); in
    local mode that header or a same-origin Origin."""
    who = admin(request)
    if not auth_of(request).check_csrf(who, request.headers.get("x-csrf-token", ""),
                                       same_origin=same_origin(request)):
        raise HTTPException(403, "缺少或错误的 X-CSRF-Token missing or wrong X-CSRF-Token")
    return who
