"""JSON webhooks signed by the Standard Webhooks scheme (the ``standardwebhooks`` library).

Headers ``webhook-id`` (stable across retries), ``webhook-timestamp`` and
``webhook-signature: v1,…``. Only 2xx counts, redirects are not followed, ``Retry-After``
is honoured, 410 disables the endpoint. The target's name is resolved once and checked
(``netguard``): a private or reserved address is refused unless allowed in the settings,
and the connection goes to the address that was checked (no DNS rebinding window).

A channel keeps one HTTP client per receiver (its name and the address checked for it)
for the sweep that made it: the sweep's POSTs to one receiver reuse its keep-alive
connection and TLS session. A connection is shared by one name only, so a request never
goes over TLS that was verified for another name behind the same address.
"""
from __future__ import annotations

import email.utils
import json
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from alerts.channels import netguard
from alerts.channels.base import Channel, Message, register
from ground.errors import DeliveryError, EndpointGone


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,…`` signature of the Standard Webhooks scheme; ``secret`` is
    ``whsec_<base64>`` or raw text (used as its UTF-8 bytes)."""
    key: str | bytes = secret if secret.startswith("whsec_") else secret.encode("utf-8")
    return Webhook(key).sign(msg_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), body.decode("utf-8"))


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


@register
class WebhookChannel(Channel):
    kind = "webhook"

    def __init__(self, settings: object) -> None:
        super().__init__(settings)
        self._clients: dict[tuple[str, str], httpx.Client] = {}

    def _client(self, target: netguard.Pinned) -> tuple[tuple[str, str], httpx.Client]:
        key = (target.server_name, urlsplit(target.connect_url).netloc)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = httpx.Client(
                timeout=30, follow_redirects=False, trust_env=False,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        return key, client

    def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def send(self, message: Message) -> None:
        target = netguard.pin(message.target, allow_private=self.settings.webhook_allow_private,
                              channel=self.kind)
        status = "firing" if any(e.get("event") == "firing" for e in message.events) else "resolved"
        body = json.dumps({"type": "gkwatch.alerts", "id": message.message_id, "status": status,
                           "reason": message.reason, "subject": message.subject, "alerts": message.events},
                          ensure_ascii=False, default=str).encode("utf-8")
        ts = int(time.time())
        headers = {"Content-Type": "application/json", "webhook-id": message.message_id,
                   "webhook-timestamp": str(ts), "User-Agent": "gkwatch", "Host": target.host_header}
        if self.settings.webhook_secret:
            headers["webhook-signature"] = sign(self.settings.webhook_secret, message.message_id, ts, body)
        # the checked address, with the original name for Host, SNI and the certificate
        ext = {"sni_hostname": target.server_name} if target.url.startswith("https:") else {}
        key, client = self._client(target)
        try:
            resp = client.post(target.connect_url, content=body, headers=headers, extensions=ext)
        except httpx.HTTPError as exc:
            # the next send to this receiver starts from a new connection
            self._clients.pop(key, None)
            client.close()
            raise DeliveryError(f"{message.target}: {type(exc).__name__}: {exc}", channel=self.kind) from exc
        if resp.status_code == 410:
            raise EndpointGone("endpoint answered 410 Gone", channel=self.kind)
        if not 200 <= resp.status_code < 300:
            raise DeliveryError(f"HTTP {resp.status_code} from {message.target}", channel=self.kind,
                                retry_after=parse_retry_after(resp.headers.get("Retry-After")))
