"""The alerts configuration as data: deadline policy, receivers, routes, timers, inhibition.

Read from the TOML file named by ``GKWATCH_ALERTS_CONFIG`` (see ``deploy/alerts.example.toml``)
and checked when loaded, so a typo fails at start with the key that is wrong. Without a
file everything comes from the settings: the default deadlines, one route sending all
alerts to ``mail_to`` and ``webhook_url``, and the standard inhibition rule (an
unreachable portal holds back P-MISSING for its agency).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alerts.channels import CHANNELS
from alerts.policy import DEFAULT_DEADLINES, DeadlinePolicy
from alerts.routes import Receiver, Route, Timers, matches, settings_routes
from ground.errors import ConfigError


@dataclass(frozen=True)
class InhibitRule:
    """A firing alert matching ``source`` mutes alerts matching ``target`` that have the
    same values for every label in ``equal``."""

    source: dict[str, Any]
    target: dict[str, Any]
    equal: tuple[str, ...] = ()

    def inhibits(self, source_labels: dict[str, Any], target_labels: dict[str, Any]) -> bool:
        return (matches(self.source, source_labels) and matches(self.target, target_labels)
                and all(source_labels.get(k) == target_labels.get(k) for k in self.equal))


DEFAULT_INHIBIT = (InhibitRule({"kind": "P-UNREACHABLE"}, {"kind": "P-MISSING"}, ("agency_id",)),)


@dataclass(frozen=True)
class AlertsConfig:
    """Everything evaluation and notification need to know beyond the database."""

    policy: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    routes: tuple[Route, ...] = ()
    inhibit: tuple[InhibitRule, ...] = DEFAULT_INHIBIT
    reminder_days: int = 7
    backfill_days: int = 180
    unreachable_after: int = 3
    retry_hours: float = 48.0
    #: the dashboard's address (GKWATCH_PUBLIC_URL): notifications link to its pages
    public_url: str = ""


_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: Any, where: str) -> float:
    """Seconds from a number or a text such as ``30s``, ``5m``, ``4h``, ``1d``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value))
        if not m:
            raise ConfigError(f"{where}: expected a duration such as 30s, 5m, 4h, got {value!r}")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 0:
        raise ConfigError(f"{where}: must not be negative")
    return seconds


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                          f"allowed: {', '.join(sorted(allowed))}")


def _matchers(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of label = value or [values]")
    return dict(value)


def _timers(table: dict[str, Any], base: Timers, where: str) -> Timers:
    return Timers(
        duration(table.get("group_wait", base.group_wait), f"{where}.group_wait"),
        duration(table.get("group_interval", base.group_interval), f"{where}.group_interval"),
        duration(table.get("repeat_interval", base.repeat_interval), f"{where}.repeat_interval"))


def _receivers(data: dict[str, Any]) -> dict[str, tuple[Receiver, ...]]:
    out: dict[str, tuple[Receiver, ...]] = {}
    for i, r in enumerate(data.get("receivers", [])):
        where = f"receivers[{i}]"
        _only(r, {"name", *CHANNELS}, where)  # one key per registered channel kind
        name = r.get("name") or ConfigError(f"{where}: a receiver needs a name")
        if isinstance(name, ConfigError):
            raise name
        items: list[Receiver] = []
        for channel in sorted(CHANNELS):
            values = r.get(channel, [])
            for v in [values] if isinstance(values, str) else values:
                items.append(Receiver(channel, str(v)))
        if name in out:
            raise ConfigError(f"{where}: receiver {name!r} defined twice")
        out[name] = tuple(items)
    return out


def parse_config(data: dict[str, Any], settings: Any, *, where: str = "alerts config") -> AlertsConfig:
    """Build and check an :class:`AlertsConfig` from parsed TOML (settings give defaults)."""
    _only(data, {"policy", "alerts", "timers", "receivers", "routes", "inhibit"}, where)
    pol = data.get("policy", {})
    _only(pol, {"deadlines", "regions", "agencies", "grace_days"}, f"{where}: [policy]")
    policy = DeadlinePolicy(by_kind={**DEFAULT_DEADLINES, **pol.get("deadlines", {})},
                            by_region={k: dict(v) for k, v in pol.get("regions", {}).items()},
                            by_agency=dict(pol.get("agencies", {})),
                            grace_days=int(pol.get("grace_days", settings.grace_days)))
    al = data.get("alerts", {})
    _only(al, {"reminder_days", "backfill_days", "unreachable_after", "retry_hours"}, f"{where}: [alerts]")
    base = _timers(data.get("timers", {}), settings_routes_timers(settings), f"{where}: [timers]")
    receivers = _receivers(data)
    routes: list[Route] = []
    for i, r in enumerate(data.get("routes", [])):
        rw = f"{where}: routes[{i}]"
        _only(r, {"name", "match", "receivers", "group_by", "send_resolved", "continue",
                  "group_wait", "group_interval", "repeat_interval"}, rw)
        names = r.get("receivers", [])
        missing = [n for n in names if n not in receivers]
        if missing or not names:
            raise ConfigError(f"{rw}: unknown or no receivers {missing or names}")
        routes.append(Route(match=_matchers(r.get("match", {}), rw), name=str(r.get("name") or f"route{i}"),
                            receivers=tuple(x for n in names for x in receivers[n]),
                            send_resolved=bool(r.get("send_resolved", True)),
                            group_by=tuple(r.get("group_by", ())), timers=_timers(r, base, rw),
                            continue_=bool(r.get("continue", True))))
    if len({r.name for r in routes}) != len(routes):
        raise ConfigError(f"{where}: route names must be unique")
    inhibit = []
    for i, rule in enumerate(data.get("inhibit", [])):
        iw = f"{where}: inhibit[{i}]"
        _only(rule, {"source", "target", "equal"}, iw)
        inhibit.append(InhibitRule(_matchers(rule.get("source"), iw), _matchers(rule.get("target"), iw),
                                   tuple(rule.get("equal", ()))))
    return AlertsConfig(
        policy=policy, routes=tuple(routes) if "routes" in data else tuple(settings_routes(settings)),
        inhibit=tuple(inhibit) if "inhibit" in data else DEFAULT_INHIBIT,
        reminder_days=int(al.get("reminder_days", settings.alerts_reminder_days)),
        backfill_days=int(al.get("backfill_days", settings.alerts_backfill_days)),
        unreachable_after=int(al.get("unreachable_after", settings.alerts_unreachable_after)),
        retry_hours=float(al.get("retry_hours", settings.alerts_retry_hours)),
        public_url=getattr(settings, "public_url", ""))


def settings_routes_timers(settings: Any) -> Timers:
    return Timers(settings.alerts_group_wait, settings.alerts_group_interval, settings.alerts_repeat_interval)


_CACHE: dict[tuple[Any, ...], AlertsConfig] = {}
_DEFAULTS_FROM_SETTINGS = ("grace_days", "mail_to", "webhook_url", "alerts_group_wait", "alerts_group_interval",
                           "alerts_repeat_interval", "alerts_reminder_days", "alerts_backfill_days",
                           "alerts_unreachable_after", "alerts_retry_hours", "public_url")


def load_config(settings: Any) -> AlertsConfig:
    """The alerts configuration for these settings (the file is re-read when it changes)."""
    path = getattr(settings, "alerts_config", None)
    if not path:
        return AlertsConfig(policy=DeadlinePolicy(grace_days=settings.grace_days),
                            routes=tuple(settings_routes(settings)),
                            reminder_days=settings.alerts_reminder_days,
                            backfill_days=settings.alerts_backfill_days,
                            unreachable_after=settings.alerts_unreachable_after,
                            retry_hours=settings.alerts_retry_hours,
                            public_url=getattr(settings, "public_url", ""))
    p = Path(path)
    try:
        key = (str(p.resolve()), p.stat().st_mtime,
               *(str(getattr(settings, k)) for k in _DEFAULTS_FROM_SETTINGS))
    except OSError as exc:
        raise ConfigError(f"alerts config {p}: {exc}") from exc
    if key not in _CACHE:
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"alerts config {p}: {exc}") from exc
        _CACHE[key] = parse_config(data, settings, where=str(p))
    return _CACHE[key]
