"""Request checks that come before authentication: the Host allow-list (DNS rebinding)
and the cross-origin test for state-changing requests (CSRF).

A DNS-rebinding page runs on the attacker's name pointed at 127.0.0.1: the browser sends
that name as ``Host``, so answering only known names keeps its reads out. A cross-site
form or fetch always brings ``Sec-Fetch-Site`` or ``Origin`` (browsers set them, scripts
cannot), so a write whose headers name another origin is refused whoever the caller is.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def split_host(value: str) -> tuple[str, int | None] | None:
    """``(name, port)`` of a Host header or an Origin's netloc; None when malformed.

    ``[::1]:8000`` gives ``("::1", 8000)``; names are lower-cased without a trailing dot."""
    value = value.strip().lower()
    if not value or any(c in value for c in "/\\@ \t?#"):
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1:]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else ""
    else:
        name, _, port_text = value.partition(":")
        if ":" in port_text:  # a bare IPv6 address without brackets is not a valid Host
            return None
    name = name.rstrip(".")
    if not name:
        return None
    if not port_text:
        return name, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return name, int(port_text)


class HostPolicy:
    """Which ``Host`` headers the app answers.

    The loopback names count on the port the server listens on (a Host without a port
    means 80); each configured entry is ``name`` (any port) or ``name:port``."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.pairs: set[tuple[str, int]] = set()
        for entry in extra:
            parsed = split_host(entry)
            if parsed is None:
                raise ValueError(f"GKWATCH_WEB_ALLOWED_HOSTS 中的主机名无效 invalid host name: {entry!r}")
            name, port = parsed
            if port is None:
                self.names.add(name)
            else:
                self.pairs.add((name, port))

    def allows(self, host_header: str, server_port: int | None) -> bool:
        parsed = split_host(host_header)
        if parsed is None:
            return False
        name, port = parsed
        if name in self.names or (port is not None and (name, port) in self.pairs):
            return True
        if name in LOOPBACK_NAMES:
            # server_port is None only off a TCP socket (a Unix socket): nothing to compare
            return server_port is None or (port or 80) == server_port
        return False

    def trusts_origin_host(self, name: str, port: int | None) -> bool:
        """A configured public name: behind a proxy that rewrites Host, an Origin naming
        it is still this site."""
        return name in self.names or (port is not None and (name, port) in self.pairs)


def same_origin(headers: Mapping[str, str], host: str, policy: HostPolicy | None = None) -> bool | None:
    """Whether the browser says the request comes from this site: True, False, or None
    when the request carries no such evidence (a script or command-line client).

    ``Sec-Fetch-Site`` is read first (set by the browser itself), then ``Origin``, then
    ``Referer`` (the pages send it to their own origin: Referrer-Policy same-origin)."""
    site = headers.get("sec-fetch-site", "").strip().lower()
    if site:
        # "none": the user typed the address or used a bookmark, no page asked for it
        return site in ("same-origin", "none")
    origin = headers.get("origin", "").strip()
    if origin:
        return _names_this_site(origin, host, policy)
    referer = headers.get("referer", "").strip()
    if referer:
        return _names_this_site(referer, host, policy)
    return None


def _names_this_site(url: str, host: str, policy: HostPolicy | None) -> bool:
    if url == "null":  # opaque origins: sandboxed frames, data: URLs, some redirects
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    theirs = split_host(parts.netloc)
    ours = split_host(host)
    if theirs is None:
        return False
    default = 443 if parts.scheme == "https" else 80
    if ours is not None and theirs[0] == ours[0] and (theirs[1] or default) == (ours[1] or default):
        return True
    return policy is not None and policy.trusts_origin_host(*theirs)
