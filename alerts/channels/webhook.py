"""JSON webhooks signed by the Standard Webhooks scheme.

Headers ``webhook-id`` (stable across retries), ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``. Only 2xx counts,
redirects are not followed, ``Retry-After`` is honoured, 410 disables the endpoint, and
targets on private or loopback addresses are refused unless allowed in the settings.
"""
from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from alerts.channels.base import Channel, Message, register
from gkwatch.errors import ConfigError, DeliveryError, EndpointGone


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,…`` signature; ``secret`` is ``whsec_<base64>`` or raw text."""
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode("utf-8")
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a 3xx is an answer, not an instruction


def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse targets that resolve to private, loopback or link-local addresses (SSRF)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"webhook URL must be http(s)://host/…, got {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise DeliveryError(f"cannot resolve {parts.hostname}: {exc}", channel="webhook") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved:
            raise ConfigError(f"webhook target {parts.hostname} resolves to {addr}, a private address; "
                              "set GKWATCH_WEBHOOK_ALLOW_PRIVATE=true to allow it")


@register
class WebhookChannel(Channel):
    kind = "webhook"

    def send(self, message: Message) -> None:
        check_target(message.target, allow_private=self.settings.webhook_allow_private)
        status = "firing" if any(e.get("event") == "firing" for e in message.events) else "resolved"
        body = json.dumps({"type": "gkwatch.alerts", "id": message.message_id, "status": status,
                           "reason": message.reason, "subject": message.subject, "alerts": message.events},
                          ensure_ascii=False, default=str).encode("utf-8")
        ts = int(time.time())
        headers = {"Content-Type": "application/json", "webhook-id": message.message_id,
                   "webhook-timestamp": str(ts), "User-Agent": "gkwatch"}
        if self.settings.webhook_secret:
            headers["webhook-signature"] = sign(self.settings.webhook_secret, message.message_id, ts, body)
        req = urllib.request.Request(message.target, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=30) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            retry_after = exc.headers.get("Retry-After") if exc.headers else None
            if status == 410:
                raise EndpointGone("endpoint answered 410 Gone", channel=self.kind) from exc
            raise DeliveryError(f"HTTP {status} from {message.target}", channel=self.kind,
                                retry_after=parse_retry_after(retry_after)) from exc
        except (OSError, urllib.error.URLError) as exc:
            raise DeliveryError(f"{message.target}: {exc}", channel=self.kind) from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status} from {message.target}", channel=self.kind)
