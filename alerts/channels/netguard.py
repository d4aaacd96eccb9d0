"""Where an outgoing notification may connect: public addresses only, pinned once checked.

A receiver URL comes from configuration, and its name may resolve to anything: the
service's own network (SSRF), or first to a public address for the check and then, a
second later, to a private one for the request (DNS rebinding). So the name is resolved
once, every address is checked, and the connection goes to the checked address — the
URL is rewritten to it, with the ``Host`` header and the TLS server name (SNI and
certificate check) still the original name.

Refused unless ``allow_private``: every address that is not globally routable (private,
loopback, link-local, shared 100.64.0.0/10, benchmarking, documentation, reserved,
unspecified), and multicast. ``RESOLVER`` is the one seam tests replace, to map names to
private addresses without sending anything anywhere.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Callable
from urllib.parse import SplitResult, urlsplit

from ground.errors import ConfigError, DeliveryError

Resolver = Callable[[str, int], list[str]]


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


#: name → addresses; replaced by tests (a resolver that maps names to private addresses)
RESOLVER: Resolver = _system_resolver


def refused(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for addresses a notification must never reach by default."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return not addr.is_global or addr.is_multicast


@dataclass(frozen=True)
class Pinned:
    """A URL bound to the address that was checked."""

    url: str          # the original URL
    connect_url: str  # the same URL with the checked address as its host
    host_header: str  # the original host[:port]
    server_name: str  # the original host name, for TLS
    address: str


def pin(url: str, *, allow_private: bool, channel: str) -> Pinned:
    """Resolve the URL's host once and check every address; ``ConfigError`` when one is
    refused (a configuration to fix, not a delivery to retry)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{channel} URL must be http(s)://host/…, got {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(parts.hostname)
        addresses = [str(literal)]
    except ValueError:
        try:
            addresses = RESOLVER(parts.hostname, port)
        except OSError as exc:
            raise DeliveryError(f"cannot resolve {parts.hostname}: {exc}", channel=channel) from exc
    if not addresses:
        raise DeliveryError(f"{parts.hostname} resolves to no address", channel=channel)
    if not allow_private:
        for a in addresses:
            if refused(ipaddress.ip_address(a)):
                raise ConfigError(f"{channel} target {parts.hostname} resolves to {a}, a private or reserved "
                                  "address; set GKWATCH_WEBHOOK_ALLOW_PRIVATE=true to allow it")
    address = addresses[0]
    return Pinned(url, _with_host(parts, address), parts.netloc.rpartition("@")[2], parts.hostname, address)


def _with_host(parts: SplitResult, address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def check_host(host: str, *, allow_private: bool, channel: str, port: int = 443) -> None:
    """The same check for a bare host name (Apprise targets that name their own server)."""
    pin(f"https://{host}:{port}/", allow_private=allow_private, channel=channel)
