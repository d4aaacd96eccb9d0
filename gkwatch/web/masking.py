"""Delivery targets as the read role sees them.

Webhook URLs carry their key in the path or query (企业微信 ``?key=``, 钉钉
``access_token=``), apprise URLs often in the host position (``tgram://<bot token>/…``),
so the read role gets only what tells the receivers apart: ``https://host/…`` for HTTP,
``scheme://…`` for the others, ``o***@example.gov.cn`` for an address. Error texts are
scrubbed the same way, since a failed request's message may quote its URL.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,30}://[^\s\"'<>]*")
_EMAIL = re.compile(r"(?<![\w.+\-])([\w.+\-]+)@([\w\-]+(?:\.[\w\-]+)+)")
HIDDEN = "…"


def mask_email(address: str) -> str:
    local, _, domain = address.strip().rpartition("@")
    if not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_url(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "***"
    scheme = parts.scheme.lower()
    if scheme == "mailto" and not parts.netloc:  # mailto:a@b; apprise's mailto://user:pass@host is below
        return "mailto:" + mask_email(parts.path)
    if scheme in ("http", "https"):
        name = parts.hostname or ""
        host = f"[{name}]" if ":" in name else name  # IPv6 literals keep their brackets
        try:
            port = parts.port
        except ValueError:  # a port that is not a number: show no port
            port = None
        return f"{scheme}://{host}{f':{port}' if port else ''}/{HIDDEN}"
    # apprise and other schemes: the "host" may itself be a token
    return f"{scheme}://{HIDDEN}" if scheme else "***"


def mask_target(target: str) -> str:
    """One delivery target (URL, address, or a comma-separated list of them), masked."""
    items = [t.strip() for t in target.split(",")] if "://" not in target else [target.strip()]
    out = []
    for item in items:
        if "://" in item or item.lower().startswith("mailto:"):
            out.append(mask_url(item))
        elif "@" in item:
            out.append(mask_email(item))
        elif item:
            out.append("***")
    return ", ".join(out)


def mask_text(text: str | None) -> str | None:
    """URLs and addresses inside free text (an error message), masked."""
    if not text:
        return text
    text = _URL.sub(lambda m: mask_url(m.group(0)), text)
    return _EMAIL.sub(lambda m: mask_email(m.group(0)), text)


def mask_alerts(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``alert_log`` rows with every delivery's target and error masked."""
    out = []
    for a in alerts:
        deliveries = [dict(d, target=mask_target(str(d.get("target") or "")),
                           last_error=mask_text(d.get("last_error"))) for d in a.get("deliveries", [])]
        out.append(dict(a, deliveries=deliveries))
    return out


def for_role(alerts: list[dict[str, Any]], *, is_admin: bool) -> list[dict[str, Any]]:
    """What ``alert_log`` rows a caller may see: the admin role sees targets as stored."""
    return alerts if is_admin else mask_alerts(alerts)
