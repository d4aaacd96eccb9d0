"""Link-following and title rules, described as data and checked when loaded.

Portals differ mostly in URL shapes, so the spider asks this module three questions
about every link it sees on a list page: is it a report detail page, an attachment, or
another list page (pagination, year / unit-type sub-column)?  And about every link
title: is this entry an annual report on 政府信息公开, and for which year?

The built-in rules cover the common CMS families (TRS WCM ``./YYYYMM/tYYYYMMDD_<id>.html``
with ``index_N.html`` pagination, Hanweb JCMS ``/art/YYYY/M/D/art_<col>_<id>.html`` with
``/col/colNNN/index.html`` columns, the national platform's ``/XxgkAnnualReport/show/<id>``)
and a generic fallback.  A portal spec may add its own detail patterns (``link_patterns``).
Portals it has never seen often use other shapes (``/show?id=5``, ``/content/123``, one
folder per report): a link whose anchor text is clearly a report title is followed as a
report page anyway, unless its URL is pagination, a named list page or a download of an
unsupported type (:meth:`LinkRules.may_be_report_by_title`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable
from urllib.parse import urlsplit

from w3lib.url import safe_url_string

from ground.errors import ConfigError

# --- link shapes (data) --------------------------------------------------------------

#: Report detail pages.  Matched against the URL path (query string appended with "?").
DETAIL_PATTERNS: tuple[str, ...] = (
    r"/\d{6}/t\d{8}_\d+\.s?html?$",                      # TRS WCM
    r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$",   # Hanweb JCMS
    r"/XxgkAnnualReport/show/\d+\.html?$",               # national annual-report platform
    r"/content/post_\d+\.html?$",                        # Guangdong-style CMS
    r"/\d{4}-\d{2}/\d{2}/content_\d+\.s?html?$",         # gov.cn style
    r"/[^/?#]+\.(?:s?html?|jsp|aspx?|php)(?:\?.*)?$",    # generic page (last resort)
)

#: Named list pages: column indexes and their pagination.  A link of this shape is a
#: list even when its anchor text reads like a report title.
LIST_PAGE_PATTERNS: tuple[str, ...] = (
    r"/index(?:_\d+)?\.s?html?$",                        # TRS index.html, index_1.html
    r"/col/col\d+/(?:index\.html?)?(?:\?.*)?$",          # Hanweb column
    r"/nlist\.s?html?$",
    r"/list(?:_\d+)?\.s?html?$",
)
#: Folder URLs: usually a (sub-)column, but some portals serve one report per folder.
FOLDER_PATTERNS: tuple[str, ...] = (
    r"/(?:19|20)\d{2}n?/$",                              # year sub-column folder
    r"/$",                                               # directory URL
)
#: List pages: column indexes, their pagination and folders.
LIST_PATTERNS: tuple[str, ...] = (*LIST_PAGE_PATTERNS, *FOLDER_PATTERNS)

#: Extensions of pages (not downloads).  A link whose last path segment has any other
#: extension (.jpg, .mp4, .exe …) and is not an attachment is a download the crawler does
#: not read, so a report-like anchor text does not make it a report page.
PAGE_EXTENSIONS: tuple[str, ...] = (
    "html", "htm", "shtml", "shtm", "xhtml", "jhtml", "jsp", "jspx", "asp", "aspx", "php",
    "do", "action", "cgi",
)
_EXTENSION = re.compile(r"\.([a-z][a-z0-9]{0,5})$", re.IGNORECASE)

#: Pagination: file names and query parameters that number the pages of one column.
PAGINATION_FILE = r"^(?:index|list|nlist)_\d+\.s?html?$"
PAGINATION_QUERY = r"(?:^|&)(?:pageNum|page|pageNo|currentPage|curPage|pageIndex|p)=\d+"
PAGINATION_TEXT: tuple[str, ...] = ("下一页", "下页", "后页", "尾页", "末页", "next", ">", ">>", "›", "»")

#: Sub-columns worth following from a column page: a year or a unit type.
SUBCOLUMN_TEXT = r"^(?:(?:19|20)\d{2}\s*年?度?(?:年报)?|部门|区直部门|市直部门|县直部门|乡镇|街道|乡镇街道|乡镇（街道）|乡镇\(街道\)|本级政府|政府部门|镇街|各乡镇|各街道)$"

ATTACHMENT_EXTENSIONS: tuple[str, ...] = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "ofd", "zip", "rar")

#: Strings that only look like links (JavaScript templates, anchors, mail).
PSEUDO_LINK = r"^(?:javascript:|mailto:|tel:|#|data:)|\{\{|\}\}|^\s*$"

# --- title rules (data) --------------------------------------------------------------

#: One of these must appear: the document is a report.
REPORT_MARKERS: tuple[str, ...] = ("年度报告", "年报", "工作报告", "年度工作报告")
#: One of these must appear: the report is about information disclosure.
TOPIC_MARKERS: tuple[str, ...] = ("信息公开", "政务公开", "公开工作")
#: Any of these makes the title a text *about* reports, not a report.
EXCLUDE_MARKERS: tuple[str, ...] = (
    "通知", "报送", "考核", "评估", "评议", "通报", "督查", "检查", "抽查", "整改", "解读",
    "图解", "编制", "模板", "格式", "培训", "要点", "提醒", "函", "测评", "排名", "第三方",
    "征集", "意见", "方案", "目录", "指南",
)
#: Section headings of a report body (domain.md): a page showing two of them is a report,
#: not a column, even if it also links to other years' reports.
REPORT_BODY_MARKERS: tuple[str, ...] = (
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "行政复议", "存在的主要问题",
)
#: Titles starting with 关于 are notices unless they end like a report.
ABOUT_PREFIX = "关于"
REPORT_ENDING = r"(?:年度报告|年报|工作报告)\s*(?:[（(][^）)]{0,12}[）)])?\s*$"

_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*(年度|年|度)?")


def _compile(patterns: Iterable[str], what: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"{what}: bad pattern {p!r}: {exc}") from exc
    return tuple(out)


@dataclass(frozen=True)
class LinkRules:
    """Compiled link rules; build with :func:`load_rules`."""

    detail: tuple[re.Pattern[str], ...]
    listing: tuple[re.Pattern[str], ...]
    attachment_ext: frozenset[str]
    list_pages: tuple[re.Pattern[str], ...] = ()
    page_ext: frozenset[str] = frozenset(PAGE_EXTENSIONS)
    pagination_file: re.Pattern[str] = field(default=re.compile(PAGINATION_FILE, re.I))
    pagination_query: re.Pattern[str] = field(default=re.compile(PAGINATION_QUERY, re.I))
    subcolumn_text: re.Pattern[str] = field(default=re.compile(SUBCOLUMN_TEXT))
    pseudo: re.Pattern[str] = field(default=re.compile(PSEUDO_LINK, re.I))

    def _target(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + ("?" + parts.query if parts.query else "")

    def is_pseudo(self, href: str) -> bool:
        """True for template placeholders and non-HTTP links that must never be followed."""
        return bool(self.pseudo.search(href.strip()))

    def is_attachment(self, url: str) -> bool:
        path = urlsplit(url).path.lower()
        return "." in path.rsplit("/", 1)[-1] and path.rsplit(".", 1)[-1] in self.attachment_ext

    def is_detail(self, url: str) -> bool:
        target = self._target(url)
        return not self.is_list(url) and any(p.search(target) for p in self.detail)

    def is_list(self, url: str) -> bool:
        target = self._target(url)
        return any(p.search(target) for p in self.listing)

    def is_pagination(self, url: str, text: str = "") -> bool:
        """A link to another page of the same column (by file name, query or anchor text)."""
        parts = urlsplit(url)
        name = parts.path.rsplit("/", 1)[-1]
        if self.pagination_file.search(name) or self.pagination_query.search(parts.query):
            return True
        return text.strip().lower() in PAGINATION_TEXT and self.is_list(url)

    def is_list_page(self, url: str) -> bool:
        """A named list page (column index, its pagination), not merely a folder URL."""
        target = self._target(url)
        return any(p.search(target) for p in self.list_pages)

    def is_unsupported_download(self, url: str) -> bool:
        """A file link of a type that is neither a page nor a supported attachment."""
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        m = _EXTENSION.search(name)
        if not m:
            return False  # no extension ("/content/123", "/show?id=5", "/2024/")
        ext = m.group(1).lower()
        return ext not in self.page_ext and ext not in self.attachment_ext

    def may_be_report_by_title(self, url: str, text: str = "") -> bool:
        """Whether a link whose anchor text is clearly a report title may be followed as a
        report page although its URL has no known report shape.

        Not for pagination, named list pages or downloads of unsupported types; the host
        check is the caller's (only allowed hosts are fetched).
        """
        return not (self.is_pagination(url, text) or self.is_list_page(url)
                    or self.is_unsupported_download(url))

    def is_subcolumn(self, url: str, text: str) -> bool:
        """A year or unit-type sub-column of a report column."""
        return self.is_list(url) and bool(self.subcolumn_text.search(re.sub(r"\s+", "", text)))


def load_rules(extra_detail_patterns: Iterable[str] | None = None,
               attachment_ext: Iterable[str] | None = None) -> LinkRules:
    """Compile the built-in rules plus a portal's own detail patterns (checked here)."""
    extra = list(extra_detail_patterns or [])
    for p in extra:
        if not isinstance(p, str) or not p:
            raise ConfigError(f"link_patterns: expected non-empty regex strings, got {p!r}")
    exts = [e.lower().lstrip(".") for e in (attachment_ext or ATTACHMENT_EXTENSIONS)]
    # portal patterns first: they are more specific than the generic fallback
    return LinkRules(
        detail=_compile([*extra, *DETAIL_PATTERNS], "link_patterns"),
        listing=_compile(LIST_PATTERNS, "LIST_PATTERNS"),
        attachment_ext=frozenset(exts),
        list_pages=_compile(LIST_PAGE_PATTERNS, "LIST_PAGE_PATTERNS"),
        page_ext=frozenset(e.lower() for e in PAGE_EXTENSIONS),
    )


# --- titles --------------------------------------------------------------------------


def normalise_title(title: str) -> str:
    """Collapse whitespace (titles are often split over lines) and full-width digits."""
    title = title.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return re.sub(r"\s+", "", title)


def report_year(title: str, *, today: date | None = None) -> int | None:
    """The year a report covers: the first plausible year in the title, Chinese numerals too.

    A year followed by 年/年度 wins over a bare number (``2024政府信息公开…`` still counts).
    """
    text = normalise_title(title).translate(_CN_DIGITS)
    latest = (today or date.today()).year + 1
    bare: int | None = None
    for m in _YEAR_RE.finditer(text):
        y = int(m.group(1))
        if not 2000 <= y <= latest:
            continue
        if m.group(2):
            return y
        bare = bare or y
    return bare


@dataclass(frozen=True)
class TitleMatch:
    """Outcome of :func:`classify_title`: whether it is a report, its year, and why not."""

    is_report: bool
    year: int | None
    reason: str


def classify_title(title: str, *, today: date | None = None) -> TitleMatch:
    """Decide whether a link / page title names an annual report on 政府信息公开.

    >>> classify_title("XX区2024年度政府信息公开工作年度报告").year
    2024
    >>> classify_title("关于报送2024年政府信息公开工作年度报告的通知").is_report
    False
    """
    t = normalise_title(title)
    if not any(m in t for m in REPORT_MARKERS):
        return TitleMatch(False, None, "no report marker")
    if not any(m in t for m in TOPIC_MARKERS):
        return TitleMatch(False, None, "not about 信息公开")
    if t.startswith(ABOUT_PREFIX) and not re.search(REPORT_ENDING, t):
        return TitleMatch(False, None, "a notice (关于…)")
    # exclusion words count only outside the report name itself ("…年度报告（…）" stays ok)
    bad = [m for m in EXCLUDE_MARKERS if m in t]
    if bad:
        return TitleMatch(False, None, f"about a report ({bad[0]})")
    year = report_year(t, today=today)
    if year is None:
        return TitleMatch(False, None, "no year")
    return TitleMatch(True, year, "annual report")


def looks_like_report_body(text: str) -> bool:
    """True if the text carries at least two report section headings."""
    t = normalise_title(text)
    return sum(1 for m in REPORT_BODY_MARKERS if m in t) >= 2


def looks_truncated(text: str) -> bool:
    """List pages cut long titles ("…", "..."): such a title is checked on the page itself."""
    return bool(re.search(r"(?:\.\.\.|…|．．．)\s*$", text.strip()))


def client_url(url: str) -> str:
    """The URL the way Scrapy's client will request it: w3lib's WHATWG-style cleaning
    (a backslash is a slash there, so ``http://a:1\\@b/x`` is host ``a``, while
    ``urlsplit`` reads host ``b``). Deciding on any other parse lets a link name one host
    and fetch another."""
    return safe_url_string(url.strip())


def host_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """True if the URL's host is listed, or matches a ``*.suffix`` wildcard.

    Ports are ignored ("127.0.0.1" allows every port on loopback, as tests need). The URL
    is judged as the HTTP client will fetch it (``client_url``), not as it was written.
    """
    host = (urlsplit(client_url(url)).hostname or "").lower()
    if not host:
        return False
    for pattern in allowed_hosts:
        p = pattern.lower().strip()
        if ":" in p and not p.startswith("["):
            p = p.split(":", 1)[0]
        if p.startswith("*."):
            if host == p[2:] or host.endswith(p[1:]):
                return True
        elif host == p:
            return True
    return False
