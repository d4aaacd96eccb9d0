"""The portal spec a crawl is given, checked when loaded.

``{"portal_id": int|null, "agency": str, "list_urls": [...], "allowed_hosts": [...],
"link_patterns": [...]?, "page_budget": 200, "byte_budget": 50_000_000,
"download_delay": 1.0, "obey_robots": true, "known": {url: {"etag", "last_modified",
"sha256"}}, "max_list_pages": 50?, "max_document_bytes": …?,
"list_kind": "auto"?, "render": "browser"?, "api": {…}?, "browser": {…}?}``

``list_kind`` names how the column's list is read (:mod:`crawler.kinds`; ``auto``: from
the page); ``api`` is a JSON list API mapping (:mod:`crawler.kinds.jsonapi`), ``render =
"browser"`` renders list pages in Chromium (:mod:`crawler.kinds.browser`).

A spec is checked once, when a mapping becomes a :class:`PortalSpec` (:func:`load_spec`);
from then on the object travels: :meth:`PortalSpec.to_json` writes it for the crawl's
child process, which restores it with :meth:`PortalSpec.from_json` without checking it
again, and the spider reads its compiled link rules (:attr:`PortalSpec.rules`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Mapping
from urllib.parse import urlsplit

from crawler.kinds import REGISTRY, start_kind
from crawler.rules import LinkRules, host_allowed, load_rules
from ground.errors import ConfigError


@dataclass(frozen=True)
class PortalSpec:
    list_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    portal_id: int | None = None
    agency: str = ""
    link_patterns: tuple[str, ...] = ()
    page_budget: int = 200
    byte_budget: int = 50_000_000
    max_document_bytes: int = 50_000_000
    max_list_pages: int = 50
    download_delay: float = 1.0
    obey_robots: bool = True
    known: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    list_kind: str = "auto"
    render: str | None = None
    api: Mapping[str, Any] | None = None
    browser: Mapping[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "portal_id": self.portal_id, "agency": self.agency, "list_urls": list(self.list_urls),
            "allowed_hosts": list(self.allowed_hosts), "link_patterns": list(self.link_patterns),
            "page_budget": self.page_budget, "byte_budget": self.byte_budget,
            "max_document_bytes": self.max_document_bytes, "max_list_pages": self.max_list_pages,
            "download_delay": self.download_delay, "obey_robots": self.obey_robots,
            "known": {k: dict(v) for k, v in self.known.items()},
            "list_kind": self.list_kind, "render": self.render,
            "api": dict(self.api) if self.api else None,
            "browser": dict(self.browser) if self.browser else None,
        }

    @cached_property
    def rules(self) -> LinkRules:
        """The link rules with the spec's extra detail-page patterns, compiled once."""
        return load_rules(list(self.link_patterns))

    def to_json(self) -> str:
        """The spec for the crawl's child process (:meth:`from_json` reads it back)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "PortalSpec":
        """The spec :meth:`to_json` wrote, as it was: it was checked when it was made, so
        it is not checked again. A file that is not such a spec is a ConfigError."""
        try:
            data = json.loads(text)
            names = {f.name for f in fields(cls)}
            if not isinstance(data, dict) or not names >= set(data) or "list_urls" not in data:
                raise ValueError("not a spec written by PortalSpec.to_json")
            tuples = ("list_urls", "allowed_hosts", "link_patterns")
            return cls(**{k: tuple(v) if k in tuples else v for k, v in data.items()})
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"portal spec file: {exc}") from exc


def _int(spec: Mapping[str, Any], key: str, default: int, minimum: int = 1) -> int:
    v = spec.get(key, default)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ConfigError(f"portal spec: {key} must be an integer >= {minimum}, got {v!r}")
    return v


def load_spec(spec: Mapping[str, Any]) -> PortalSpec:
    """Validate a spec dict; raise ConfigError naming the bad key."""
    if not isinstance(spec, Mapping):
        raise ConfigError("portal spec must be a JSON object")
    urls = spec.get("list_urls")
    if not urls or not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise ConfigError("portal spec: list_urls must be a non-empty list of URLs")
    for u in urls:
        if urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).hostname:
            raise ConfigError(f"portal spec: list_urls: not an http(s) URL: {u!r}")
    hosts = spec.get("allowed_hosts") or sorted({urlsplit(u).hostname or "" for u in urls})
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ConfigError("portal spec: allowed_hosts must be a list of host names")
    for u in urls:
        if not host_allowed(u, hosts):
            raise ConfigError(f"portal spec: list URL {u} is not on an allowed host")
    patterns = spec.get("link_patterns") or []
    if not isinstance(patterns, list):
        raise ConfigError("link_patterns must be a list of regular expressions")
    delay = spec.get("download_delay", 1.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ConfigError(f"portal spec: download_delay must be a number >= 0, got {delay!r}")
    known = spec.get("known") or {}
    if not isinstance(known, Mapping) or not all(isinstance(v, Mapping) for v in known.values()):
        raise ConfigError("portal spec: known must map URL -> {etag, last_modified, sha256}")
    pid = spec.get("portal_id")
    if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int)):
        raise ConfigError(f"portal spec: portal_id must be an integer or null, got {pid!r}")
    byte_budget = _int(spec, "byte_budget", 50_000_000)
    list_kind = _list_kind(spec)
    checked = PortalSpec(
        list_urls=tuple(urls), allowed_hosts=tuple(hosts), portal_id=pid,
        agency=str(spec.get("agency") or ""), link_patterns=tuple(spec.get("link_patterns") or ()),
        page_budget=_int(spec, "page_budget", 200), byte_budget=byte_budget,
        max_document_bytes=_int(spec, "max_document_bytes", min(byte_budget, 50_000_000)),
        max_list_pages=_int(spec, "max_list_pages", 50),
        download_delay=float(delay), obey_robots=bool(spec.get("obey_robots", True)),
        known=dict(known), list_kind=list_kind, render=spec.get("render") or None,
        api=dict(spec["api"]) if spec.get("api") else None,
        browser=dict(spec["browser"]) if spec.get("browser") else None,
    )
    checked.rules  # compiles link_patterns now, raising ConfigError if one is bad
    return checked


def _list_kind(spec: Mapping[str, Any]) -> str:
    """The kind the column starts in, its own part of the spec checked by the kind."""
    render = spec.get("render")
    if render not in (None, "", "browser"):
        raise ConfigError(f"portal spec: render must be \"browser\" or absent, got {render!r}")
    kind = start_kind(spec)
    if kind != "auto" and kind not in REGISTRY:  # the registry as it is now, with any kind added
        raise ConfigError(f"portal spec: list_kind must be one of auto, {', '.join(REGISTRY)}, got {kind!r}")
    for plugin in REGISTRY.values():  # each kind checks its own part, as the registry lists them
        if plugin.kind == kind or (plugin.spec_key and spec.get(plugin.spec_key)):
            plugin.check(spec)
    return kind
