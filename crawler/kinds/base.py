"""What every portal kind offers the spider, and the input it reads.

A kind is a small plugin class with a ``kind`` name, registered once in
:mod:`crawler.kinds`.  The spider does all fetching (so politeness, robots.txt, size caps
and the same-host rule are the same for every kind); a kind only says which requests start
a column, how to read an answer into a :class:`~crawler.listing.ListPage`, and which further
list requests it announces.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from crawler.listing import ListPage, ListRequest
from crawler.rules import LinkRules


@dataclass(frozen=True)
class ListInput:
    """One list answer as the spider received it."""

    body: bytes
    url: str
    encoding: str | None = None
    #: the ``state`` of the :class:`ListRequest` that asked for it (empty for a plain GET)
    state: Mapping[str, str] = field(default_factory=dict)
    #: the URL as asked, fragment kept (``…/gkmlpt/index#12``: the column is the fragment)
    asked_url: str = ""


class PortalKind:
    """Base class: a kind that is never detected and starts with a GET of each list URL."""

    kind: str = ""
    #: detection order among kinds read from the page itself (None: configured only)
    detect_rank: int | None = None
    #: a short line for ``gkwatch discover --kind`` help and the README
    summary: str = ""
    #: the key of this kind's own table in a portal spec (``api``, ``browser``), checked by
    #: :meth:`check` whenever a spec has it, or None
    spec_key: str | None = None

    def detects(self, text: str, url: str = "") -> bool:
        """True if a list page in this kind's shape (``text``: the decoded page at ``url``)."""
        return False

    def start_requests(self, spec: Any) -> list[ListRequest] | None:
        """The first list requests of a column, or None for a GET of every list URL."""
        return None

    def read(self, page: ListInput, rules: LinkRules, spec: Any) -> ListPage:
        raise NotImplementedError

    def check(self, raw: Mapping[str, Any]) -> None:
        """Validate this kind's part of a portal spec; raise ConfigError naming the key."""

    def request_meta(self, spec: Any) -> dict[str, Any]:
        """Extra Scrapy request meta for this kind's list requests (browser rendering)."""
        return {}

    def settings(self, spec: Any) -> dict[str, Any]:
        """Extra Scrapy settings a crawl of this kind needs (download handlers)."""
        return {}
