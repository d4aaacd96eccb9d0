"""Plain HTML columns: report links in the page, pagination by links (``index_1.html``,
``?pageNum=2``, 下一页) and year / unit-type sub-columns.  The fallback of every page."""
from __future__ import annotations

from typing import Any

from crawler.kinds.base import ListInput, PortalKind
from crawler.listing import ListPage, parse_list_page
from crawler.rules import LinkRules


class StaticKind(PortalKind):
    kind = "static"
    detect_rank = 99  # last: every page can be read as plain HTML
    summary = "plain HTML lists, pagination by links"

    def detects(self, text: str, url: str = "") -> bool:
        return True

    def read(self, page: ListInput, rules: LinkRules, spec: Any) -> ListPage:
        return parse_list_page(page.body, page.url, rules, page.encoding, trs_pager=False)
