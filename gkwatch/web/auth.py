"""Who is asking: bearer tokens, the signed login cookie, and the two roles.

A request is authenticated by ``Authorization: Bearer <token>`` or by the login cookie,
which holds the role and a fingerprint of the token it was made from (signed, HTTP-only)
— so removing a token from the settings also ends the logins made with it. Forms posted
with the cookie carry a CSRF token derived from the cookie.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

READ, ADMIN = "read", "admin"
ROLES = (READ, ADMIN)
COOKIE = "gkwatch_session"
COOKIE_MAX_AGE = 12 * 3600
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
#: as long as ``secrets.token_urlsafe(16)`` (128 bits); shorter ones are refused at start
MIN_TOKEN_LENGTH = 22


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its role and how it proved it (token, cookie or local)."""

    role: str
    via: str
    cookie: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]


class Authenticator:
    """Checks tokens and cookies against the configured tokens.

    ``insecure_local`` (``gkwatch web --insecure-local``, bound to 127.0.0.1 only) treats
    every request from the loopback interface as admin; nothing else is let in.
    """

    def __init__(self, *, admin_tokens: list[str], read_tokens: list[str], secret_key: str = "",
                 insecure_local: bool = False) -> None:
        self._roles: dict[str, str] = {}
        for token in read_tokens:
            if token.strip():
                self._roles[_fingerprint(token.strip())] = READ
        for token in admin_tokens:  # admin wins when a token is listed twice
            if token.strip():
                self._roles[_fingerprint(token.strip())] = ADMIN
        self.insecure_local = insecure_local
        self._key = secret_key or secrets.token_urlsafe(32)
        self._signer = URLSafeTimedSerializer(self._key, salt="gkwatch-login")

    @property
    def has_tokens(self) -> bool:
        return bool(self._roles)

    def role_for_token(self, token: str) -> str | None:
        """The role of a token, or None. Compares fingerprints in constant time."""
        probe = _fingerprint(token.strip())
        role = None
        for fp, r in self._roles.items():
            if hmac.compare_digest(fp, probe):
                role = r
        return role

    def cookie_for(self, token: str) -> str | None:
        """The signed cookie value for a valid token, or None."""
        role = self.role_for_token(token)
        return self._signer.dumps({"r": role, "t": _fingerprint(token.strip())}) if role else None

    def from_cookie(self, value: str) -> Principal | None:
        try:
            data = self._signer.loads(value, max_age=COOKIE_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        role = self._roles.get(str(data.get("t")))
        # the role is re-read from the settings: a token demoted or removed takes effect
        return Principal(role=role, via="cookie", cookie=value) if role else None

    def csrf_for(self, principal: Principal) -> str:
        """The token a form posted with the cookie (or in local mode) must carry.

        Local mode has no cookie to bind it to: its token is one per key (per process when
        the key is random), readable only by pages of this origin — the Host check keeps
        rebound names out, so no other site can read it."""
        bound = principal.cookie if principal.via == "cookie" else f"local:{principal.via}"
        return hmac.new(self._key.encode(), b"csrf:" + bound.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, principal: Principal, value: str, *, same_origin: bool = False) -> bool:
        """Whether a state-changing request of ``principal`` may go on.

        Bearer tokens are never sent by a browser on its own: nothing to check. A login
        cookie is, so its form token is required. Local mode admits every loopback caller,
        a browser visiting a hostile page included: it needs the form token, or the
        browser's own word (Sec-Fetch-Site/Origin/Referer) that this site sent it."""
        if principal.via == "token":
            return True
        if principal.via == "local" and same_origin:
            return True
        return hmac.compare_digest(self.csrf_for(principal), value or "")

    def authenticate(self, *, authorization: str, cookie: str, client_host: str) -> Principal | None:
        """The caller of one request, or None when it did not prove anything."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            role = self.role_for_token(token)
            return Principal(role=role, via="token") if role else None
        if cookie:
            principal = self.from_cookie(cookie)
            if principal:
                return principal
        if self.insecure_local and client_host in LOOPBACK:
            return Principal(role=ADMIN, via="local")
        return None


def weak_token_reason(admin_tokens: list[str], read_tokens: list[str]) -> str | None:
    """Why a configured token is too weak to start with, or None. Names the list and the
    position, never the token itself (the message goes to logs)."""
    for name, tokens in (("GKWATCH_WEB_ADMIN_TOKENS", admin_tokens), ("GKWATCH_WEB_READ_TOKENS", read_tokens)):
        for i, token in enumerate(tokens, 1):
            token = token.strip()
            if not token:
                continue
            if "change-me" in token.lower():
                return (f"{name} 的第 {i} 个令牌仍是示例值（含 change-me），请换成随机令牌 "
                        f"token {i} of {name} is still the example value; generate one with "
                        f"python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
            if len(token) < MIN_TOKEN_LENGTH:
                return (f"{name} 的第 {i} 个令牌太短：{len(token)} 个字符，至少需要 {MIN_TOKEN_LENGTH} 个 "
                        f"token {i} of {name} is too short ({len(token)} characters, at least "
                        f"{MIN_TOKEN_LENGTH}); generate one with "
                        f"python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
    return None
