"""Routes: which receivers get which alerts, and how they are grouped, as data.

A route matches alert labels (``kind``, ``region``, ``agency_kind``, ``agency``,
``severity`` …); each value may be one string or a list of accepted strings. Routes are
tried in order; every matching route's receivers get the alert unless a matching route
says ``continue = false``. A route's ``group_by`` labels decide which alerts share one
digest; its timers (``group_wait``, ``group_interval``, ``repeat_interval``, seconds)
decide when that digest goes out. Without an alerts config file the default route
(``settings_routes``) sends everything to the receivers in the settings; with one,
``alerts.config.load_config`` builds the routes from it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ground.errors import ConfigError


@dataclass(frozen=True)
class Receiver:
    """One destination: a channel kind and its target (an address or a URL)."""

    channel: str
    target: str


@dataclass(frozen=True)
class Timers:
    """Alertmanager's three timers, in seconds."""

    group_wait: float = 0.0
    group_interval: float = 0.0
    repeat_interval: float = 4 * 3600.0

    def __post_init__(self) -> None:
        if min(self.group_wait, self.group_interval) < 0 or self.repeat_interval <= 0:
            raise ConfigError("group_wait and group_interval must be >= 0, repeat_interval > 0")


def _matches(matchers: dict[str, Any], labels: dict[str, Any]) -> bool:
    for key, want in matchers.items():
        have = labels.get(key)
        if isinstance(want, (list, tuple, set, frozenset)):
            if have not in want and str(have) not in {str(w) for w in want}:
                return False
        elif have != want and str(have) != str(want):
            return False
    return True


@dataclass(frozen=True)
class Route:
    match: dict[str, Any] = field(default_factory=dict)
    receivers: tuple[Receiver, ...] = ()
    send_resolved: bool = True
    name: str = "default"
    group_by: tuple[str, ...] = ()
    timers: Timers = field(default_factory=Timers)
    #: keep looking at later routes after this one matched
    continue_: bool = True

    def matches(self, labels: dict[str, Any]) -> bool:
        return _matches(self.match, labels)

    def group_key(self, labels: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The group an alert falls into on this route: a stable key and its labels."""
        group = {k: labels.get(k) for k in self.group_by}
        return f"{self.name}:" + json.dumps(group, sort_keys=True, ensure_ascii=False), group


def matches(matchers: dict[str, Any], labels: dict[str, Any]) -> bool:
    """Whether ``labels`` satisfy every matcher (a value or a list of accepted values)."""
    return _matches(matchers, labels)


def settings_routes(settings: Any) -> list[Route]:
    receivers = [Receiver("email", addr) for addr in settings.mail_to]
    if settings.webhook_url:
        receivers.append(Receiver("webhook", settings.webhook_url))
    timers = Timers(getattr(settings, "alerts_group_wait", 0.0), getattr(settings, "alerts_group_interval", 0.0),
                    getattr(settings, "alerts_repeat_interval", 4 * 3600.0))
    return [Route(receivers=tuple(receivers), timers=timers)] if receivers else []


@dataclass(frozen=True)
class Target:
    """A receiver reached through a route (the route decides grouping and timers)."""

    receiver: Receiver
    route: Route


def targets_for(labels: dict[str, Any], routes: list[Route], *, event: str) -> list[Target]:
    """De-duplicated receivers of an alert event (``firing`` or ``resolved``); the first
    matching route that reaches a receiver decides its grouping."""
    seen: dict[tuple[str, str], Target] = {}
    for route in routes:
        if not route.matches(labels):
            continue
        if event == "firing" or route.send_resolved:
            for r in route.receivers:
                seen.setdefault((r.channel, r.target), Target(r, route))
        if not route.continue_:
            break
    return list(seen.values())

