"""TRS WCM columns: ``./YYYYMM/tYYYYMMDD_<id>.html`` reports, pages ``index_N.html``
announced by the ``createPageHTML(count, current, "index", "html")`` script."""
from __future__ import annotations

import re
from typing import Any

from crawler.kinds.base import ListInput, PortalKind
from crawler.listing import ListPage, parse_list_page
from crawler.rules import LinkRules

_PAGER = re.compile(r"createPageHTML\s*\(")


class TrsKind(PortalKind):
    kind = "trs"
    detect_rank = 20
    summary = "TRS WCM: index_N.html pages drawn by createPageHTML()"

    def detects(self, text: str, url: str = "") -> bool:
        return bool(_PAGER.search(text))

    def read(self, page: ListInput, rules: LinkRules, spec: Any) -> ListPage:
        return parse_list_page(page.body, page.url, rules, page.encoding, trs_pager=True)
