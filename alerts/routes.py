"""Routes: which receivers get which alerts, as data.

A route matches alert labels (``kind``, ``region``, ``agency_kind``, ``severity`` …); each
value may be one string or a list of accepted strings. Every matching route's receivers
get the alert. The default route sends everything to the receivers in the settings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Receiver:
    """One destination: a channel kind and its target (an address or a URL)."""

    channel: str
    target: str


@dataclass(frozen=True)
class Route:
    match: dict[str, Any] = field(default_factory=dict)
    receivers: tuple[Receiver, ...] = ()
    send_resolved: bool = True

    def matches(self, labels: dict[str, Any]) -> bool:
        for key, want in self.match.items():
            have = labels.get(key)
            if isinstance(want, (list, tuple, set)):
                if have not in want:
                    return False
            elif have != want:
                return False
        return True


def default_routes(settings: Any) -> list[Route]:
    """Everything to the email recipients and the webhook configured in the settings."""
    receivers = [Receiver("email", addr) for addr in settings.mail_to]
    if settings.webhook_url:
        receivers.append(Receiver("webhook", settings.webhook_url))
    return [Route(receivers=tuple(receivers))] if receivers else []


def receivers_for(labels: dict[str, Any], routes: list[Route], *, event: str) -> list[Receiver]:
    """De-duplicated receivers of an alert event (``firing`` or ``resolved``)."""
    seen: dict[tuple[str, str], Receiver] = {}
    for route in routes:
        if route.matches(labels) and (event == "firing" or route.send_resolved):
            for r in route.receivers:
                seen.setdefault((r.channel, r.target), r)
    return list(seen.values())
