"""Read a column (list) page and a report detail page: pure functions over HTML text.

The spider does the fetching; everything here is deterministic and unit-tested.
Only real ``<a href>`` elements are considered; scripts, template placeholders
(``{{…}}``, ``ms-attr-href``) and strings that merely look like URLs are ignored, so a
crawler does not wander off the column (README of the pingtan archive).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.dates import (
    DATE_RE,
    SHORT_DATE_RE,
    complete_list_date,
    decode_html,
    parse_date,
)
from crawler.rules import (
    LinkRules,
    TitleMatch,
    classify_title,
    looks_like_report_body,
    looks_truncated,
    report_year,
)

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
    #: ``{"raw", "year_from"}`` when the list printed the date without a year
    list_date_info: dict[str, str] = field(default_factory=dict)
    #: True: followed for its title alone, the URL has no known report shape
    by_title: bool = False


@dataclass(frozen=True)
class ListRequest:
    """A further list page that is not a plain GET of a link: a Hanweb dataproxy POST, a
    JSON API page. ``kind`` names the portal kind that reads the answer (crawler.kinds)."""

    url: str
    kind: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()      # form fields, in order (POST)
    json_body: str | None = None                # a JSON request body (POST)
    state: tuple[tuple[str, str], ...] = ()     # what the kind needs to read the answer


@dataclass
class ListPage:
    entries: list[ListEntry] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)
    #: further pages that need a request of their own shape (POST form, JSON API)
    requests: list[ListRequest] = field(default_factory=list)
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


def _report_title(a: etree._Element, text: str) -> tuple[str, TitleMatch]:
    """The link's text, or its title attribute when only that one names a report."""
    match = classify_title(text)
    title = (a.get("title") or "").strip()
    if not match.is_report and title and title != text:
        alt = classify_title(title)
        if alt.is_report:
            return re.sub(r"\s+", " ", title), alt
    return text, match


def _near_date(a: etree._Element, href: str) -> tuple[str, bool] | None:
    """The date printed next to a link, as ``(text, has_year)``: climb to the smallest
    ancestor holding one date and no other document link (li / dl / tr in practice)."""
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
            return text, True
        if len(dates) > 1:
            return None
        shorts = SHORT_DATE_RE.findall(text)
        if len(shorts) == 1:
            return text, False
        if len(shorts) > 1:
            return None
        node = parent
    return None


def _page_dates(tree: etree._Element) -> list[tuple[int, str]]:
    """Full dates printed on the page, with the document-order position of their element
    (the anchor for year-less dates: the nearest one wins)."""
    out: list[tuple[int, str]] = []
    for pos, el in enumerate(tree.iter()):
        if not isinstance(el.tag, str):
            continue  # comments, processing instructions
        chunks = [] if el.tag in ("script", "style", "template") else [el.text or ""]
        for chunk in (*chunks, el.tail or ""):
            for m in DATE_RE.finditer(chunk):
                if (v := parse_date(m.group(0))):
                    out.append((pos, v))
    return out


def _list_date(a: etree._Element, href: str, url: str, year: int | None, pos: int,
               page_dates: list[tuple[int, str]],
               today: date | None) -> tuple[str | None, dict[str, str]]:
    """``(ISO date, info)`` for the date next to a link; a year-less one gets its year
    from the nearest full date on the page, the URL or the report year."""
    found = _near_date(a, href)
    if found is None:
        return None, {}
    text, has_year = found
    if has_year:
        return parse_date(text), {}
    near = min(page_dates, key=lambda pd: abs(pd[0] - pos))[1] if page_dates else None
    before = [v for p, v in page_dates if p < pos]
    after = [v for p, v in page_dates if p > pos]
    between = (before[-1], after[0]) if before and after else None
    done = complete_list_date(text, near=near, url=url, report_year=year, today=today,
                              between=between)
    return (done[0], done[1]) if done else (None, {})


def _resolve(base_url: str, href: str) -> str:
    return urldefrag(urljoin(base_url, href.strip()))[0]


def parse_list_page(page: str | bytes, base_url: str, rules: LinkRules,
                    encoding: str | None = None, *, today: date | None = None,
                    trs_pager: bool = True) -> ListPage:
    """Entries (annual-report links), pagination links and sub-columns of a column page.

    A link is an entry when its URL has a report shape (or is an attachment) and its
    title names a report (or is cut short), or, whatever its URL, when its text or title
    attribute clearly names a report and the rules allow it (``by_title``).  ``today``
    bounds the years inferred for year-less list dates (default: today in Beijing).
    ``trs_pager``: also follow TRS's ``createPageHTML`` script pagination.
    """
    out = ListPage()
    tree = parse_tree(page, encoding)
    if tree is None:
        return out
    base_href = tree.xpath("//base/@href")
    base = urljoin(base_url, base_href[0]) if base_href else base_url
    positions = {el: i for i, el in enumerate(tree.iter())}
    page_dates = _page_dates(tree)
    seen: set[str] = set()
    items: set[str] = set()
    for a in tree.xpath("//a[@href]"):
        href = a.get("href", "")
        if rules.is_pseudo(href):
            continue
        url = _resolve(base, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text, match = _report_title(a, _link_text(a))
        shaped = rules.is_attachment(url) or rules.is_detail(url)
        by_title = not shaped and match.is_report and url != base_url \
            and rules.may_be_report_by_title(url, text)
        is_doc = shaped or by_title
        if is_doc:
            items.add(url)
        if is_doc and url not in seen and (match.is_report or _maybe_report(text)):
            seen.add(url)
            year = match.year or report_year(text)
            list_date, info = _list_date(a, href, url, year, positions.get(a, 0), page_dates, today)
            out.entries.append(ListEntry(url=url, title=text, year=year, list_date=list_date,
                                         confirmed=match.is_report, list_date_info=info,
                                         by_title=by_title))
        elif rules.is_pagination(url, text) and url != base_url:
            if url not in out.pagination:
                out.pagination.append(url)
        elif rules.is_subcolumn(url, text) and url not in out.subcolumns:
            out.subcolumns.append(url)
    if trs_pager:
        out.pagination += [u for u in trs_pages(tree, base) if u not in out.pagination and u != base_url]
    out.item_links = len(items)
    out.item_signature = frozenset(items)
    return out


def _maybe_report(text: str) -> bool:
    """A cut title that may still be a report; the detail page decides."""
    return looks_truncated(text) and bool(re.search(r"(?:19|20)\d{2}", text)) and (
        "公开" in text or "年报" in text or "年度报" in text)


def has_trs_pager(tree: etree._Element) -> bool:
    return any(_TRS_PAGER.search(s) for s in tree.xpath("//script/text()"))


def trs_pages(tree: etree._Element, base: str) -> list[str]:
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


#: query parameters by which viewer pages (pdf.js ``viewer.html?file=…``, preview.jsp?url=…)
#: name the file they show
_VIEWER_PARAMS = ("file", "url", "src", "path", "filepath", "fileUrl")


def wrapped_file(url: str, rules: LinkRules) -> str | None:
    """The attachment a preview page shows, from its query string, or None."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key in _VIEWER_PARAMS and value:
            inner = _resolve(url, value)
            if urlsplit(inner).scheme in ("http", "https") and rules.is_attachment(inner):
                return inner
    return None


@dataclass
class DetailPage:
    title: str | None
    attachments: list[str]
    #: the page shows report section headings (it is a report, not a column of them)
    report_body: bool = False


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
        if not rules.is_attachment(url):
            url = wrapped_file(url, rules) or url  # a viewer page wrapping the file
        if urlsplit(url).scheme in ("http", "https") and rules.is_attachment(url) \
                and url not in attachments:
            attachments.append(url)
    body = tree.xpath("//body")
    text = body[0].text_content() if body else ""
    return DetailPage(title, attachments, report_body=looks_like_report_body(text))
