"""Portal kinds: how a column's list is read.  One plugin class per kind, one registry.

- ``static``  plain HTML lists (the fallback of every page)
- ``trs``     TRS WCM, ``createPageHTML`` pagination (detected)
- ``hanweb``  Hanweb JCMS ``<datastore>`` + ``dataproxy.jsp`` (detected)
- ``jsonapi`` a JSON list API, by the portal's ``api`` mapping (configured; a gkmlpt
  column ``…/gkmlpt/index#<column>`` is detected)
- ``browser`` rendered by Chromium, ``render = "browser"`` (configured)

A list answer is read by the kind its request named; a plain GET by the spec's
``list_kind``, or, when that is ``auto``, by the first kind (in ``detect_rank`` order)
that recognises the page.
"""
from __future__ import annotations

from typing import Any, Mapping

from crawler.dates import decode_html
from crawler.kinds.base import ListInput, PortalKind
from crawler.kinds.browser import BrowserKind
from crawler.kinds.hanweb import HanwebKind
from crawler.kinds.jsonapi import JsonApiKind
from crawler.kinds.static import StaticKind
from crawler.kinds.trs import TrsKind

REGISTRY: dict[str, PortalKind] = {k.kind: k for k in (
    StaticKind(), TrsKind(), HanwebKind(), JsonApiKind(), BrowserKind())}
LIST_KINDS: tuple[str, ...] = ("auto", *REGISTRY)

__all__ = ["REGISTRY", "LIST_KINDS", "ListInput", "PortalKind", "get_kind", "detect_kind",
           "start_kind"]


def get_kind(name: str) -> PortalKind:
    return REGISTRY[name]


def detect_kind(body: bytes | str, encoding: str | None = None, url: str = "") -> PortalKind:
    """The kind a plain HTML list page is in, judged from the page itself (and its URL)."""
    text = body if isinstance(body, str) else decode_html(body, encoding)
    ranked = sorted((k for k in REGISTRY.values() if k.detect_rank is not None),
                    key=lambda k: k.detect_rank or 0)
    return next(k for k in ranked if k.detects(text, url))


def start_kind(raw: Mapping[str, Any]) -> str:
    """The kind a spec's column starts in: ``render``/``api`` imply theirs."""
    if raw.get("render") == "browser":
        return "browser"
    if raw.get("api"):
        return "jsonapi"
    return str(raw.get("list_kind") or "auto")
