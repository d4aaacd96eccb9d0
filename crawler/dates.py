"""Publication dates of a report page, every one the page offers, best first.

Sources, in order of trust (domain.md): ``<meta name="PubDate">``, the 索引号 header
table (发布日期), the byline ("发布时间：…", "时间：…"), the date printed next to the link
on the list page, and last the date in the URL (``tYYYYMMDD_``, ``/art/YYYY/M/D/``).
Disagreement between them is a finding for the lead, so all are kept.

All values are ISO 8601 in Beijing time (``+08:00``); a date without a time is midnight.
List pages often print dates without a year ("01-20", "1月20日"); such a date keeps its
source "list" but says where its year came from (``raw``, ``year_from``), see
:func:`complete_list_date`.  Pure functions, no I/O.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, NotRequired, TypedDict

from lxml import etree, html as lxml_html

BEIJING = timezone(timedelta(hours=8))
SOURCES: tuple[str, ...] = ("meta", "header", "byline", "list", "url")

#: meta names that carry the first publication time (national metadata set and variants)
META_NAMES: tuple[str, ...] = ("pubdate", "publishdate", "firstpublishedtime", "publishtime",
                               "pub_date", "dc.date.issued")

_DATE = (r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
         r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?")
DATE_RE = re.compile(_DATE)
_HEADER_RE = re.compile(r"发布日期\s*[:：]?\s*" + _DATE)
_BYLINE_RE = re.compile(r"(?:发布时间|发布日期|发表时间|发文时间|更新时间|时间|日期)\s*[:：]\s*" + _DATE)
_URL_RES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/content_"),
)


#: A month and day without a year: "01-20", "01/20", "1月20日" (optionally "10:30").
#: Two digits each for the numeric form, so ranges like "1-20" are not dates.
SHORT_DATE_RE = re.compile(
    r"(?<![\d\-/.年])(?:(\d{2})\s*[-/]\s*(\d{2})|(\d{1,2})\s*月\s*(\d{1,2})\s*日?)(?![\d\-/.])"
    r"(?:\s*(\d{1,2})\s*[:：]\s*(\d{2}))?")

#: Where the year of a year-less list date came from, best first.
YEAR_SOURCES: tuple[str, ...] = ("page", "url", "report")


class DateValue(TypedDict):
    source: str
    value: str
    #: only for a list date printed without a year: the printed text, and what gave the
    #: year ("page": nearest full date on the list page, "url": the URL's date,
    #: "report": the report year + 1)
    raw: NotRequired[str]
    year_from: NotRequired[str]


def _iso(parts: Iterable[str | None]) -> str | None:
    y, mo, d, h, mi, s = (int(p) if p else 0 for p in parts)
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=BEIJING).isoformat()
    except ValueError:  # 2023-02-30, 25:61 …: not a date
        return None


def parse_date(text: str) -> str | None:
    """The first date (with time if given) in ``text`` as ISO 8601 +08:00, or None.

    >>> parse_date("2025-03-10 15:35")
    '2025-03-10T15:35:00+08:00'
    >>> parse_date("2025年3月10日")
    '2025-03-10T00:00:00+08:00'
    """
    m = DATE_RE.search(text.translate(_FULLWIDTH))
    return _iso(m.groups()) if m else None


_FULLWIDTH = str.maketrans("０１２３４５６７８９－／：．", "0123456789-/:.")


def parse_month_day(text: str) -> tuple[int, int, int, int] | None:
    """``(month, day, hour, minute)`` of the first year-less date in ``text``, or None.

    >>> parse_month_day("[01-20]")
    (1, 20, 0, 0)
    >>> parse_month_day("1月5日 09:30")
    (1, 5, 9, 30)
    """
    t = text.translate(_FULLWIDTH)
    if DATE_RE.search(t):
        return None  # a full date is not a year-less one
    for m in SHORT_DATE_RE.finditer(t):
        month, day = (int(m.group(1)), int(m.group(2))) if m.group(1) else \
            (int(m.group(3)), int(m.group(4)))
        hour, minute = int(m.group(5) or 0), int(m.group(6) or 0)
        if 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60:
            return month, day, hour, minute
    return None


def _on(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 29 February of a common year
        return None


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).date()


def infer_year(month: int, day: int, *, near: str | None = None, url: str | None = None,
               report_year: int | None = None, today: date | None = None,
               between: tuple[str, str] | None = None) -> tuple[date, str] | None:
    """The most plausible full date for a month and day printed without a year.

    The year comes from, in this order: ``between`` (the full dates printed just before
    and just after the link: in a sorted list the entry's date lies between them),
    ``near`` (the nearest full date on the list page), the URL's date, the report year
    + 1.  Around a full date the readings in the year before, the same year and the year
    after are considered and the closest one wins, but never one in the future (after
    ``today``) nor one before the report's year has ended (a report for Y is published
    in Y+1 or later).  Returns ``(date, year_from)`` or None when no reading is possible.
    """
    ceiling = today or beijing_today()
    floor = date(report_year + 1, 1, 1) if report_year else None

    def possible(d: date | None) -> bool:
        return d is not None and d <= ceiling and (floor is None or d >= floor)

    if between:
        lo, hi = sorted(_day(v) for v in between)
        inside = [d for y in range(lo.year, hi.year + 1)
                  if possible(d := _on(y, month, day)) and lo <= d <= hi]  # type: ignore[operator]
        if len(inside) == 1:  # several readings fit a wide gap: not decisive
            return inside[0], "page"  # type: ignore[return-value]
    anchors: list[tuple[str, str | None]] = [("page", near), ("url", url_date(url) if url else None)]
    for name, iso in anchors:
        if not iso:
            continue
        anchor = _day(iso)
        readings = [d for y in (anchor.year - 1, anchor.year, anchor.year + 1)
                    if possible(d := _on(y, month, day))]
        if readings:
            return min(readings, key=lambda d: (abs(d - anchor), d)), name  # type: ignore[operator]
    if report_year:
        for y in (report_year + 1, report_year + 2):
            d = _on(y, month, day)
            if possible(d):
                return d, "report"  # type: ignore[return-value]
    return None


def complete_list_date(text: str, *, near: str | None = None, url: str | None = None,
                       report_year: int | None = None, today: date | None = None,
                       between: tuple[str, str] | None = None,
                       ) -> tuple[str, dict[str, str]] | None:
    """A year-less list date made whole: ``(ISO 8601 value, {"raw", "year_from"})``.

    >>> complete_list_date("01-20", near="2024-12-30T00:00:00+08:00", today=date(2026, 1, 1))
    ('2025-01-20T00:00:00+08:00', {'raw': '01-20', 'year_from': 'page'})
    """
    md = parse_month_day(text)
    if md is None:
        return None
    month, day, hour, minute = md
    found = infer_year(month, day, near=near, url=url, report_year=report_year, today=today,
                       between=between)
    if found is None:
        return None
    d, year_from = found
    value = datetime(d.year, d.month, d.day, hour, minute, tzinfo=BEIJING).isoformat()
    m = SHORT_DATE_RE.search(text.translate(_FULLWIDTH))
    raw = m.group(0).strip() if m else text.strip()
    return value, {"raw": raw, "year_from": year_from}


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode page bytes robustly: declared charset (GBK/GB2312 read as GB18030), else
    UTF-8, else GB18030; never raises."""
    candidates: list[str] = []
    if declared:
        d = declared.strip().lower()
        candidates.append("gb18030" if d in ("gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936") else d)
    head = body[:2048].decode("ascii", "ignore")
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", head, re.I)
    if m:
        candidates.append(m.group(1).lower())
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        if enc in ("gbk", "gb2312", "cp936"):
            enc = "gb18030"
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("gb18030", "replace")


def _tree(page: str | bytes) -> etree._Element | None:
    if isinstance(page, bytes):
        page = decode_html(page)
    if not page.strip():
        return None
    try:
        return lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return None


def _visible_text(tree: etree._Element) -> str:
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    text = tree.text_content()
    return re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", text)


def meta_dates(tree: etree._Element) -> list[str]:
    out = []
    for el in tree.xpath("//meta[@name][@content]"):
        if el.get("name", "").strip().lower() in META_NAMES:
            v = parse_date(el.get("content", ""))
            if v:
                out.append(v)
    return out


def page_dates(page: str | bytes) -> list[DateValue]:
    """Dates found in a detail page's own HTML: meta, header table, byline (in that order)."""
    tree = _tree(page)
    if tree is None:
        return []
    found: list[DateValue] = [{"source": "meta", "value": v} for v in meta_dates(tree)]
    text = _visible_text(tree).translate(_FULLWIDTH)
    if "索引号" in text:
        m = _HEADER_RE.search(text)
        if m and (v := _iso(m.groups())):
            found.append({"source": "header", "value": v})
            # the header's 发布日期 is not also a byline
            text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    # the byline comes before the body: take the first one only
    m = _BYLINE_RE.search(text)
    if m and (v := _iso(m.groups())):
        found.append({"source": "byline", "value": v})
    return found


def url_date(url: str) -> str | None:
    """The date a CMS wrote into the URL (creation date, not always publication)."""
    for rx in _URL_RES:
        m = rx.search(url)
        if m:
            return _iso((*m.groups(), None, None, None))
    return None


def collect_dates(page: str | bytes | None = None, *, url: str | None = None,
                  list_date: str | None = None,
                  list_date_info: dict[str, str] | None = None) -> list[DateValue]:
    """Every date on offer, best first, without exact duplicates from the same source.

    ``list_date_info`` (``raw``, ``year_from``) marks a list date whose year was inferred.
    """
    dates: list[DateValue] = list(page_dates(page)) if page else []
    if list_date and (v := parse_date(list_date)):
        listed: DateValue = {"source": "list", "value": v}
        for key in ("raw", "year_from"):
            if list_date_info and list_date_info.get(key):
                listed[key] = str(list_date_info[key])  # type: ignore[literal-required]
        dates.append(listed)
    if url and (v := url_date(url)):
        dates.append({"source": "url", "value": v})
    seen: set[tuple[str, str]] = set()
    unique = []
    for d in sorted(dates, key=lambda d: SOURCES.index(d["source"])):
        key = (d["source"], d["value"])
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def best_date(dates: list[DateValue]) -> str | None:
    """The most trusted date (the list is kept best first by :func:`collect_dates`)."""
    ranked = sorted(dates, key=lambda d: SOURCES.index(d["source"]) if d["source"] in SOURCES else 99)
    return ranked[0]["value"] if ranked else None

