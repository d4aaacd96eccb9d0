"""Hanweb JCMS columns (大汉 JCMS: most portals of Jiangsu, Zhejiang, Shandong, Jiangxi, Anhui).

The first page of a column carries its list inside a data island::

    <div id="UNIT"><script type="text/xml"><datastore>
      <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=…&columnid=…"></a>]]></nextgroup>
      <recordset><record><![CDATA[<li><a href="/art/…">title</a><span>date</span></li>]]></record>…
    </recordset></datastore></script></div>
    <script>… jpage({totalRecord: 120, perPage: 15}) …</script>

and the browser asks for further groups of records from
``dataproxy.jsp?startrecord=N&endrecord=M&perpage=K`` with the form fields ``col, appid,
webid, path, columnid, sourceContentType, unitid, webname, permissiontype``; the answer is
the same ``<datastore>`` (with ``<totalrecord>``) as XML.  Detected from the page itself.
"""
from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.dates import decode_html
from crawler.kinds.base import ListInput, PortalKind
from crawler.listing import ListPage, ListRequest, parse_list_page
from crawler.rules import LinkRules

_ISLAND = re.compile(r"<script[^>]*type\s*=\s*['\"]text/xml['\"][^>]*>\s*(<datastore>.*?</datastore>)\s*</script>",
                     re.I | re.S)
_DATASTORE = re.compile(r"<datastore>.*?</datastore>", re.I | re.S)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.I | re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.I | re.S)
_HREF = re.compile(r"href\s*=\s*['\"]([^'\"]+)['\"]", re.I)
_TOTAL_TAG = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_TOTAL_JS = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PERPAGE_JS = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)

#: form fields the dataproxy expects, with the values the JCMS page script sends by default
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("col", "1"), ("appid", "1"), ("webid", ""), ("path", "/"), ("columnid", ""),
    ("sourceContentType", "1"), ("unitid", ""), ("webname", ""), ("permissiontype", "0"),
)
DEFAULT_PER_PAGE = 15
GROUP_PAGES = 3        # the JCMS script fetches three pages of records per request


def records(text: str) -> list[str]:
    """The HTML fragments of every ``<record>`` of every datastore in ``text``."""
    return [r for block in _DATASTORE.findall(text) for r in _RECORD.findall(block)]


def _proxy_request(proxy_path: str, base_url: str, form: dict[str, str], start: int,
                   per_page: int, total: int | None, column_url: str) -> ListRequest:
    end = start + per_page * GROUP_PAGES - 1
    if total is not None:
        end = min(end, total)
    url = urljoin(base_url, f"{proxy_path}?startrecord={start}&endrecord={end}&perpage={per_page}")
    return ListRequest(url=url, kind=HanwebKind.kind, method="POST",
                       form=tuple((k, form.get(k, v)) for k, v in FORM_FIELDS),
                       state=(("column_url", column_url), ("per_page", str(per_page)),
                              ("end", str(end)), ("total", "" if total is None else str(total)),
                              ("proxy", proxy_path), *(("f_" + k, form.get(k, v)) for k, v in FORM_FIELDS)))


class HanwebKind(PortalKind):
    kind = "hanweb"
    detect_rank = 10
    summary = "Hanweb JCMS: <datastore> data island, further pages from dataproxy.jsp"

    def detects(self, text: str, url: str = "") -> bool:
        return bool(_DATASTORE.search(text)) and "<record" in text.lower()

    def read(self, page: ListInput, rules: LinkRules, spec: Any) -> ListPage:
        text = decode_html(page.body, page.encoding)
        if page.state.get("proxy"):
            return self._read_proxy(text, page, rules)
        # the data island becomes part of the page, so the usual reading (dates next to
        # links, sub-columns, truncated titles) applies to the records as well
        found = records(text)
        html_text = _ISLAND.sub(lambda m: "<ul class=\"datastore\">" + "".join(_RECORD.findall(m.group(1)))
                                + "</ul>", text)
        out = parse_list_page(html_text, page.url, rules, trs_pager=False)
        nxt = self._first_proxy(text, page.url, len(found))
        if nxt is not None:
            out.requests.append(nxt)
        return out

    def _first_proxy(self, text: str, url: str, shown: int) -> ListRequest | None:
        m = _NEXTGROUP.search(text)
        hrefs = _HREF.findall(m.group(1)) if m else []
        if not hrefs:
            return None
        target = urlsplit(urljoin(url, unescape(hrefs[0])))
        form = dict(parse_qsl(target.query, keep_blank_values=True))
        total = _TOTAL_JS.search(text)
        per = _PERPAGE_JS.search(text)
        per_page = int(per.group(1)) if per else DEFAULT_PER_PAGE
        total_n = int(total.group(1)) if total else None
        if shown == 0 or (total_n is not None and shown >= total_n):
            return None
        return _proxy_request(target.path, url, form, shown + 1, per_page, total_n, url)

    def _read_proxy(self, text: str, page: ListInput, rules: LinkRules) -> ListPage:
        st = page.state
        found = records(text)
        column_url = st.get("column_url") or page.url
        out = parse_list_page("<html><body><ul>" + "".join(found) + "</ul></body></html>",
                              column_url, rules, trs_pager=False)
        total_m = _TOTAL_TAG.search(text)
        total = int(total_m.group(1)) if total_m else (int(st["total"]) if st.get("total") else None)
        end, per_page = int(st.get("end") or 0), int(st.get("per_page") or DEFAULT_PER_PAGE)
        asked = per_page * GROUP_PAGES
        more = (end < total) if total is not None else len(found) >= asked
        if found and more:
            form = {k[2:]: v for k, v in st.items() if k.startswith("f_")}
            out.requests.append(_proxy_request(st["proxy"], page.url, form, end + 1, per_page,
                                               total, column_url))
        return out
