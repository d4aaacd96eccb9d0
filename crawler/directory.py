"""Read a government's 政府信息公开 directory, a body's 信息公开 page and a column's shape:
pure functions over HTML text, used by :mod:`crawler.survey` (``portals discover``).

A directory is a page with many links whose text is the name of a body (…局, …委员会,
…街道办事处, …镇人民政府); a body's 信息公开 page has a catalogue of which one entry is
its annual-report column (政府信息公开年报, 年度报告, 年报).  The body's kind follows from
its name: a 市/县/区 government is 本级政府, a 镇/乡/街道 is 乡镇街道, anything else 部门.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree, html as lxml_html

from crawler.rules import PSEUDO_LINK

#: endings of body names (longest first where one ends another)
BODY_SUFFIXES: tuple[str, ...] = (
    "人民政府办公室", "人民政府", "街道办事处", "管理委员会", "委员会", "办公室", "管委会", "街道",
    "局", "委", "办", "中心", "院", "署", "厅", "队", "镇", "乡", "苏木", "支队", "分局",
)
_TOWNSHIP = re.compile(r"(?:街道办事处|街道|镇人民政府|乡人民政府|民族乡人民政府|镇政府|乡政府|镇|乡|苏木)$")
_GOVERNMENT = re.compile(r"(?:省|市|县|区|旗|州|盟|自治县|自治州)人民政府$")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_PSEUDO = re.compile(PSEUDO_LINK, re.I)
#: column names of the annual reports, best first
COLUMN_TEXTS: tuple[str, ...] = ("政府信息公开年报", "政府信息公开年度报告", "信息公开年报",
                                 "信息公开年度报告", "政务公开年报", "年度报告", "年报")
#: link texts that lead from a home page to the 信息公开 directory, best first
DIRECTORY_TEXTS: tuple[str, ...] = ("政府信息公开", "信息公开目录", "信息公开", "政务公开")
#: link texts of directory parts (a page of 部门, a page of 乡镇街道)
GROUP_TEXT = re.compile(r"(?:部门|乡镇|街道|镇街|县区|区县).{0,6}(?:信息公开|公开目录)|^(?:部门|乡镇（街道）|乡镇街道|镇街)$")


def agency_kind(name: str) -> str:
    """本级政府 / 部门 / 乡镇街道, from the body's name."""
    n = re.sub(r"\s+", "", name)
    if _TOWNSHIP.search(n):
        return "乡镇街道"
    if _GOVERNMENT.search(n):
        return "本级政府"
    return "部门"


def looks_like_body(text: str) -> bool:
    t = re.sub(r"\s+", "", text)
    return 3 <= len(t) <= 30 and not _YEAR.search(t) and t.endswith(BODY_SUFFIXES) \
        and "信息公开" not in t


def region_of(government: str) -> str:
    return re.sub(r"人民政府$", "", government)


@dataclass(frozen=True)
class Link:
    text: str
    url: str


def links(page: str, base_url: str) -> list[Link]:
    """Every real ``<a href>`` of the page, resolved (the fragment kept: gkmlpt columns
    are ``/gkmlpt/index#<column>``)."""
    if not page.strip():
        return []
    try:
        tree = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return []
    base = tree.xpath("//base/@href")
    base_url = urljoin(base_url, base[0]) if base else base_url
    out = []
    for a in tree.xpath("//a[@href]"):
        href = (a.get("href") or "").strip()
        if _PSEUDO.search(href):
            continue
        url = urljoin(base_url, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text = re.sub(r"\s+", "", a.get("title") or "") or re.sub(r"\s+", "", a.text_content())
        out.append(Link(text, url))
    return out


def option_links(page: str, base_url: str) -> list[Link]:
    """``<option value="URL">name</option>``: directories often list 部门 / 乡镇 sites in a
    drop-down that a script opens."""
    try:
        tree = lxml_html.document_fromstring(page) if page.strip() else None
    except (etree.ParserError, ValueError):
        tree = None
    out = []
    for opt in tree.xpath("//option[@value]") if tree is not None else []:
        url = urljoin(base_url, (opt.get("value") or "").strip())
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc:
            out.append(Link(re.sub(r"\s+", "", opt.text_content()), url))
    return out


def body_links(page: str, base_url: str) -> list[Link]:
    """The links (and drop-down entries) of a directory that name a body, once each (first
    one wins)."""
    seen: dict[str, Link] = {}
    for link in [*links(page, base_url), *option_links(page, base_url)]:
        if looks_like_body(link.text) and link.text not in seen:
            seen[link.text] = link
    return list(seen.values())


def directory_links(page: str, base_url: str) -> list[Link]:
    """Links to the 信息公开 directory, best first."""
    found = []
    for link in links(page, base_url):
        for rank, text in enumerate(DIRECTORY_TEXTS):
            if link.text == text or (rank >= 2 and link.text.endswith(text) and len(link.text) <= 8):
                found.append((rank, link))
                break
    return [link for _, link in sorted(found, key=lambda x: x[0])]


def group_links(page: str, base_url: str) -> list[Link]:
    """Links to further parts of a directory (the 部门 page, the 乡镇（街道） page)."""
    return [link for link in links(page, base_url) if GROUP_TEXT.search(link.text)]


def column_link(page: str, base_url: str) -> Link | None:
    """The body's annual-report column among its 信息公开 links, or None."""
    best: tuple[int, Link] | None = None
    for link in links(page, base_url):
        if _YEAR.search(link.text) or len(link.text) > 14:
            continue  # a report itself, or a notice about reports, not the column
        for rank, text in enumerate(COLUMN_TEXTS):
            if link.text == text or (rank < 5 and text in link.text):
                if best is None or rank < best[0]:
                    best = (rank, link)
                break
    return best[1] if best else None


def looks_script_drawn(page: str, base_url: str) -> bool:
    """A column page whose list the browser draws: scripts, and no document links."""
    if "<script" not in page.lower():
        return False
    try:
        tree = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return False
    if tree.xpath("//script[@type='text/xml']") or "createPageHTML" in page:
        return False  # Hanweb data island, TRS pager: read without a browser
    host = urlsplit(base_url).hostname
    # document-like links of the column's own site (a footer link elsewhere does not count)
    docs = [link for link in links(page, base_url)
            if urlsplit(link.url).hostname == host and len(link.text) >= 8
            and urlsplit(link.url).path.rsplit("/", 1)[-1] not in ("", "index.html")]
    mounts = tree.xpath("//*[@id='app' or @id='root' or @v-cloak or @ng-app]")
    return not docs and bool(mounts or tree.xpath("//script[@src]"))

