"""The crawled item: what the crawl's child process writes, one JSON line each, and the
ingest stage reads — one definition for both sides.

Two item types::

    ListPageItem  {"type": "list_page", "url", "status", "sha256", "size", "fetched_at", "headers", "error"}
    DocumentItem  {"type": "document", "url", "entry_url", "parent_url", "title", "year", "kind",
                   "content_type", "status", "sha256", "size", "snapshot", "fetched_at", "headers",
                   "dates", "published_at", "attachments", "not_modified", "error",
                   "list_url", "list_date"}   (+ "final_url" when an on-host redirect moved a page)

``dates`` is a list of ``{"source", "value"}`` (see :mod:`crawler.dates`); a list date
printed without a year also carries ``"raw"`` (the printed text) and ``"year_from"``
("page", "url" or "report": what gave it its year).

While an item travels through Scrapy it carries the raw bytes in ``body``; the snapshot
pipeline stores them and fills ``sha256``/``size``/``snapshot``. The bytes are never
serialised. :meth:`to_json` writes the line, :func:`item_from_json` reads one back (and
checks it, once: the ingest stage trusts what it returns).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping, Union

#: response headers worth keeping (conditional GET and provenance)
KEPT_HEADERS = ("ETag", "Last-Modified", "Content-Type", "Content-Length", "Date", "Server",
                "Location")
DOCUMENT_KINDS = ("page", "attachment")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def pick_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """The kept headers as ``str`` (Scrapy gives bytes lists; tests give plain dicts)."""
    lowered = {str(k.decode() if isinstance(k, bytes) else k).lower(): v for k, v in headers.items()}
    out: dict[str, str] = {}
    for name in KEPT_HEADERS:
        v = lowered.get(name.lower())
        if v is None:
            continue
        if isinstance(v, (list, tuple)):
            v = v[0] if v else None
        if isinstance(v, bytes):
            v = v.decode("latin-1")
        if v is not None:
            out[name] = str(v)
    return out


@dataclass
class _Item:
    TYPE: ClassVar[str]
    #: fields written only when set (an older line without them reads the same)
    OPTIONAL: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the item, keys in the order of its line; never the bytes."""
        out: dict[str, Any] = {"type": self.TYPE}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "body" or (f.name in self.OPTIONAL and value is None):
                continue
            out[f.name] = value
        return out

    def to_json(self) -> str:
        """One JSON line (without the newline)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass
class ListPageItem(_Item):
    """A list (column) page the crawl fetched."""

    TYPE: ClassVar[str] = "list_page"
    url: str
    status: int | None = None
    sha256: str | None = None
    size: int | None = None
    fetched_at: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    body: bytes | None = field(default=None, repr=False, compare=False)


@dataclass
class DocumentItem(_Item):
    """A report page or an attachment of one, with its publication dates."""

    TYPE: ClassVar[str] = "document"
    OPTIONAL: ClassVar[tuple[str, ...]] = ("final_url",)
    url: str
    entry_url: str | None = None
    parent_url: str | None = None
    title: str | None = None
    year: int | None = None
    kind: str = "page"
    content_type: str | None = None
    status: int | None = None
    sha256: str | None = None
    size: int | None = None
    snapshot: str | None = None
    fetched_at: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    dates: list[dict[str, Any]] = field(default_factory=list)
    published_at: str | None = None
    attachments: list[str] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    list_url: str | None = None
    list_date: str | None = None
    final_url: str | None = None
    body: bytes | None = field(default=None, repr=False, compare=False)


CrawledItem = Union[ListPageItem, DocumentItem]
ITEM_TYPES: dict[str, type[ListPageItem] | type[DocumentItem]] = {
    ListPageItem.TYPE: ListPageItem, DocumentItem.TYPE: DocumentItem}

#: the type each field must have on the wire (None allowed unless listed in _REQUIRED)
_WIRE: dict[str, tuple[type, ...]] = {
    "url": (str,), "entry_url": (str,), "parent_url": (str,), "title": (str,), "year": (int,),
    "kind": (str,), "content_type": (str,), "status": (int,), "sha256": (str,), "size": (int,),
    "snapshot": (str,), "fetched_at": (str,), "headers": (dict,), "dates": (list,),
    "published_at": (str,), "attachments": (list,), "not_modified": (bool,), "error": (str,),
    "list_url": (str,), "list_date": (str,), "final_url": (str,)}


def item_from_json(obj: str | Mapping[str, Any] | CrawledItem) -> CrawledItem:
    """A crawled item from its JSON line or object (an item is returned as it is);
    ValueError names the key that breaks the contract. Missing keys take their defaults."""
    if isinstance(obj, (ListPageItem, DocumentItem)):
        return obj
    data = json.loads(obj) if isinstance(obj, str) else obj
    if not isinstance(data, Mapping):
        raise ValueError(f"crawled item: not a JSON object: {data!r}")
    cls = ITEM_TYPES.get(data.get("type"))  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"crawled item: unknown type {data.get('type')!r}")
    names = {f.name for f in fields(cls)} - {"body"}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "type" or key not in names:
            continue  # a newer crawler's extra key: kept out, never an error
        wanted = _WIRE.get(key, (object,))
        if value is not None and (not isinstance(value, wanted) or
                                  (isinstance(value, bool) and bool not in wanted)):
            raise ValueError(f"crawled item {data.get('url')!r}: {key} must be "
                             f"{'/'.join(t.__name__ for t in wanted)}, got {value!r}")
        if value is not None or key not in ("headers", "dates", "attachments", "kind", "not_modified"):
            values[key] = value
    if not isinstance(values.get("url"), str) or not values["url"]:
        raise ValueError("crawled item: url is missing")
    if cls is DocumentItem and values.get("kind", "page") not in DOCUMENT_KINDS:
        raise ValueError(f"crawled item {values['url']}: kind must be 'page' or 'attachment', "
                         f"not {values.get('kind')!r}")
    return cls(**values)


def list_page_item(url: str, *, status: int | None, headers: Mapping[str, Any] | None = None,
                   body: bytes | None = None, error: str | None = None) -> ListPageItem:
    return ListPageItem(url=url, status=status, fetched_at=now_iso(), headers=pick_headers(headers or {}),
                        error=error, body=body)


def document_item(url: str, *, entry_url: str, parent_url: str | None, title: str | None,
                  year: int | None, kind: str, status: int | None,
                  content_type: str | None = None, headers: Mapping[str, Any] | None = None,
                  dates: list[dict[str, str]] | None = None, published_at: str | None = None,
                  attachments: list[str] | None = None, not_modified: bool = False,
                  error: str | None = None, body: bytes | None = None,
                  list_url: str | None = None, list_date: str | None = None,
                  known_sha256: str | None = None) -> DocumentItem:
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"kind must be 'page' or 'attachment', not {kind!r}")
    return DocumentItem(
        url=url, entry_url=entry_url, parent_url=parent_url, title=title, year=year, kind=kind,
        content_type=content_type, status=status, sha256=known_sha256 if not_modified else None,
        fetched_at=now_iso(), headers=pick_headers(headers or {}), dates=list(dates or []),
        published_at=published_at, attachments=list(attachments or []), not_modified=not_modified,
        error=error, list_url=list_url, list_date=list_date, body=body)
