"""Read a column (list) page and a report detail page: pure functions over HTML text.

The spider does the fetching; everything here is deterministic and unit-tested.
Only real ``<a href>`` elements are considered; scripts, template placeholders
(``{{…}}``, ``ms-attr-href``) and strings that merely look like URLs are ignored, so a
crawler does not wander off the column (README of the pingtan archive).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree, html as lxml_html

from crawler.dates import DATE_RE, decode_html, parse_date
from crawler.rules import LinkRules, classify_title, looks_truncated, report_year

#: createPageHTML(pageCount, currentPage, "index", "html") — TRS pagination drawn by JS
_TRS_PAGER = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w\-]+)['\"]\s*,\s*['\"](\w+)['\"]")


@dataclass
class ListEntry:
    """One annual-report link on a list page."""

    url: str
    title: str
    year: int | None
    list_date: str | None          # ISO 8601 +08:00, from the text next to the link
    confirmed: bool = True         # False: title was truncated, check it on the page


@dataclass
class ListPage:
    entries: list[ListEntry] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)
    subcolumns: list[str] = field(default_factory=list)
    item_links: int = 0            # links that look like documents (report or not)
    item_signature: frozenset[str] = frozenset()


def parse_tree(page: str | bytes, encoding: str | None = None) -> etree._Element | None:
    text = decode_html(page, encoding) if isinstance(page, bytes) else page
    if not text.strip():
        return None
    try:
        return lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _link_text(a: etree._Element) -> str:
    title = (a.get("title") or "").strip()
    text = re.sub(r"\s+", " ", a.text_content()).strip()
    # the title attribute carries the full title when the text is cut ("…")
    return title if title and (len(title) >= len(text) or looks_truncated(text)) else text


def _near_date(a: etree._Element, href: str) -> str | None:
    """The date printed next to a link: climb to the smallest ancestor holding one date
    and no other document link (li / dl / tr in practice)."""
    node = a
    for _ in range(4):
        parent = node.getparent()
        if parent is None:
            return None
        other = {h for h in parent.xpath(".//a/@href") if h and h != href}
        if other:
            return None
        text = parent.text_content().replace(a.text_content(), " ")
        dates = DATE_RE.findall(text)
        if len(dates) == 1:
            return parse_date(text)
        if len(dates) > 1:
            return None
        node = parent
    return None


def _resolve(base_url: str, href: str) -> str:
    return urldefrag(urljoin(base_url, href.strip()))[0]


def parse_list_page(page: str | bytes, base_url: str, rules: LinkRules,
                    encoding: str | None = None) -> ListPage:
    """Entries (annual-report links), pagination links and sub-columns of a column page."""
    out = ListPage()
    tree = parse_tree(page, encoding)
    if tree is None:
        return out
    base_href = tree.xpath("//base/@href")
    base = urljoin(base_url, base_href[0]) if base_href else base_url
    seen: set[str] = set()
    items: set[str] = set()
    for a in tree.xpath("//a[@href]"):
        href = a.get("href", "")
        if rules.is_pseudo(href):
            continue
        url = _resolve(base, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text = _link_text(a)
        is_doc = rules.is_attachment(url) or rules.is_detail(url)
        if is_doc:
            items.add(url)
        match = classify_title(text)
        if is_doc and url not in seen and (match.is_report or _maybe_report(text)):
            seen.add(url)
            out.entries.append(ListEntry(url=url, title=text, year=match.year or report_year(text),
                                         list_date=_near_date(a, href),
                                         confirmed=match.is_report))
        elif rules.is_pagination(url, text) and url != base_url:
            if url not in out.pagination:
                out.pagination.append(url)
        elif rules.is_subcolumn(url, text) and url not in out.subcolumns:
            out.subcolumns.append(url)
    out.pagination += [u for u in _trs_pages(tree, base) if u not in out.pagination and u != base_url]
    out.item_links = len(items)
    out.item_signature = frozenset(items)
    return out


def _maybe_report(text: str) -> bool:
    """A cut title that may still be a report; the detail page decides."""
    return looks_truncated(text) and bool(re.search(r"(?:19|20)\d{2}", text)) and (
        "公开" in text or "年报" in text or "年度报" in text)


def _trs_pages(tree: etree._Element, base: str) -> list[str]:
    """Pages announced by TRS's ``createPageHTML(count, current, "index", "html")``."""
    urls: list[str] = []
    for script in tree.xpath("//script/text()"):
        m = _TRS_PAGER.search(script)
        if not m:
            continue
        count, current, stem, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        # the next page only: the spider walks on from there (and its budget stops it)
        nxt = current + 1
        if nxt < count:
            urls.append(urljoin(base, f"{stem}_{nxt}.{ext}"))
    return urls


@dataclass
class DetailPage:
    title: str | None
    attachments: list[str]


def parse_detail_page(page: str | bytes, base_url: str, rules: LinkRules,
                      encoding: str | None = None) -> DetailPage:
    """The page's own title (ArticleTitle meta, then h1, then <title>) and attachment links."""
    tree = parse_tree(page, encoding)
    if tree is None:
        return DetailPage(None, [])
    title = None
    for xp in ("//meta[translate(@name,'ARTICLETITLE','articletitle')='articletitle']/@content",
               "//h1//text()", "//title/text()"):
        vals = [re.sub(r"\s+", " ", v).strip() for v in tree.xpath(xp)]
        vals = [v for v in vals if v]
        if vals:
            title = "".join(vals) if xp.startswith("//h1") else vals[0]
            break
    base_href = tree.xpath("//base/@href")
    base = urljoin(base_url, base_href[0]) if base_href else base_url
    attachments: list[str] = []
    for el in tree.xpath("//a[@href]|//iframe[@src]|//embed[@src]|//object[@data]"):
        href = el.get("href") or el.get("src") or el.get("data") or ""
        if rules.is_pseudo(href):
            continue
        url = _resolve(base, href)
        if urlsplit(url).scheme in ("http", "https") and rules.is_attachment(url) \
                and url not in attachments:
            attachments.append(url)
    return DetailPage(title, attachments)
