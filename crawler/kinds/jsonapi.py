"""信息公开 platforms whose column list comes from a JSON API, read by a small mapping.

The mapping sits in the portal spec (``api``; in portals.toml ``[agency.api]``)::

    endpoint = "https://xxgk.example.gov.cn/api/list"   # relative to the list URL allowed
    method = "GET"                   # or "POST"
    body = "query"                   # POST only: "form" or "json"
    params = {columnId = "123"}      # fixed parameters
    page_param = "pageNo"            # page number parameter
    size_param = "pageSize"          # page size parameter ("" when the API has none)
    page_size = 20                   # 0: the API decides (size of the answers)
    first_page = 1
    records = "data.list"            # dotted path to the list of records
    title = "title"                  # dotted paths inside one record
    url = "url"                      # or url_template = "/content/{id}.html"
    date = "publishTime"             # text, or epoch seconds / milliseconds
    total = "data.total"             # optional: the number of records in all

``profile = "gkmlpt"`` fills in the mapping of Guangdong's 政府信息公开目录平台
(``/gkmlpt/api/all/<column>?page=N&sid=<site>`` answering ``{"total", "articles": [...]}``).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit, parse_qsl

from ground.errors import ConfigError

from crawler.dates import BEIJING, decode_html, parse_date
from crawler.kinds.base import ListInput, PortalKind
from crawler.listing import ListEntry, ListPage, ListRequest
from crawler.rules import LinkRules, classify_title, looks_truncated, report_year

PROFILES: dict[str, dict[str, Any]] = {
    # the platform decides the page size (page_size 0: as many as the first page held)
    "gkmlpt": {"method": "GET", "page_param": "page", "size_param": "", "page_size": 0,
               "first_page": 1, "records": "articles", "title": "title", "url": "url",
               "date": "created_at", "total": "total"},
}
DEFAULTS: dict[str, Any] = {"method": "GET", "body": "query", "params": {}, "page_param": "page",
                            "size_param": "", "page_size": 20, "first_page": 1, "records": "",
                            "title": "title", "url": "url", "url_template": "", "date": "date",
                            "total": "", "max_pages": 50}
_TEXT_KEYS = ("endpoint", "method", "body", "page_param", "size_param", "records", "title", "url",
              "url_template", "date", "total", "profile")


_GKMLPT = re.compile(r"^(?P<root>.*/gkmlpt)/index(?:\.html?)?#(?P<col>\d+)$")
_SID = re.compile(r"""['"]?SID['"]?\s*:\s*['"](\d+)['"]""")


def gkmlpt_column(url: str) -> tuple[str, str] | None:
    """``(platform root URL, column id)`` of a gkmlpt column URL ``…/gkmlpt/index#123``."""
    m = _GKMLPT.match(url)
    return (m.group("root"), m.group("col")) if m else None


def gkmlpt_api(url: str, page: str) -> dict[str, Any] | None:
    """The ``api`` mapping of a gkmlpt column, the site id (SID) read from its index page."""
    col = gkmlpt_column(url)
    sid = _SID.search(page)
    if not col or not sid:
        return None
    root, column = col
    return {"profile": "gkmlpt", "endpoint": f"{urlsplit(root).path}/api/all/{column}?sid={sid.group(1)}"}


def mapping(api: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping with its profile and the defaults filled in."""
    out = dict(DEFAULTS)
    out.update(PROFILES.get(str(api.get("profile") or ""), {}))
    out.update({k: v for k, v in api.items() if v is not None})
    out["method"] = str(out["method"]).upper()
    return out


def dig(obj: Any, path: str) -> Any:
    """``a.b.0.c`` inside nested dicts and lists; None when a step is missing."""
    if not path:
        return obj
    for step in path.split("."):
        if isinstance(obj, Mapping):
            obj = obj.get(step)
        elif isinstance(obj, list) and step.isdigit() and int(step) < len(obj):
            obj = obj[int(step)]
        else:
            return None
    return obj


def _find_records(data: Any) -> list[Any]:
    """Without a ``records`` path: the first list of objects, breadth first."""
    queue = [data]
    while queue:
        node = queue.pop(0)
        if isinstance(node, list) and node and all(isinstance(x, Mapping) for x in node):
            return node
        if isinstance(node, Mapping):
            queue.extend(node.values())
    return []


def record_date(value: Any) -> str | None:
    """ISO 8601 +08:00 from a text date or an epoch (seconds or milliseconds)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit() and len(value) >= 9):
        n = float(value)
        n = n / 1000 if n > 1e11 else n
        try:
            return datetime.fromtimestamp(n, BEIJING).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return parse_date(str(value))


def page_request(api: Mapping[str, Any], base_url: str, page: int) -> ListRequest:
    m = mapping(api)
    endpoint = urljoin(base_url, str(m["endpoint"]))
    params = {str(k): str(v) for k, v in dict(m["params"]).items()}
    params[m["page_param"]] = str(page)
    if m["size_param"]:
        params[m["size_param"]] = str(m["page_size"])
    state = (("page", str(page)), ("base", base_url), ("api", json.dumps(dict(api), ensure_ascii=False)))
    if m["method"] == "POST" and m["body"] in ("form", "json"):
        if m["body"] == "json":
            return ListRequest(url=endpoint, kind=JsonApiKind.kind, method="POST",
                               json_body=json.dumps(params, ensure_ascii=False), state=state)
        return ListRequest(url=endpoint, kind=JsonApiKind.kind, method="POST",
                           form=tuple(params.items()), state=state)
    parts = urlsplit(endpoint)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    url = urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))
    return ListRequest(url=url, kind=JsonApiKind.kind, method=m["method"], state=state)


class JsonApiKind(PortalKind):
    kind = "jsonapi"
    spec_key = "api"
    #: detected only for gkmlpt columns, whose page names the site id the API needs
    detect_rank = 5
    summary = "JSON list API, read by the portal's [api] mapping (gkmlpt detected)"

    def detects(self, text: str, url: str = "") -> bool:
        return gkmlpt_api(url, text) is not None

    def check(self, raw: Mapping[str, Any]) -> None:
        api = raw.get("api")
        if not isinstance(api, Mapping) or not api.get("endpoint"):
            raise ConfigError("portal spec: api: a JSON list API needs at least api.endpoint")
        if api.get("profile") and api["profile"] not in PROFILES:
            raise ConfigError(f"portal spec: api.profile: unknown profile {api['profile']!r} "
                              f"(known: {', '.join(PROFILES)})")
        for key in _TEXT_KEYS:
            if key in api and not isinstance(api[key], str):
                raise ConfigError(f"portal spec: api.{key} must be a string")
        m = mapping(api)
        if m["method"] not in ("GET", "POST"):
            raise ConfigError("portal spec: api.method must be GET or POST")
        if m["body"] not in ("query", "form", "json"):
            raise ConfigError("portal spec: api.body must be query, form or json")
        for key in ("page_size", "first_page", "max_pages"):
            v = m[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"portal spec: api.{key} must be an integer >= 0")
        if not isinstance(m["params"], Mapping):
            raise ConfigError("portal spec: api.params must be a table of fixed parameters")

    def start_requests(self, spec: Any) -> list[ListRequest] | None:
        m = mapping(spec.api)
        return [page_request(spec.api, spec.list_urls[0], int(m["first_page"]))]

    def read(self, page: ListInput, rules: LinkRules, spec: Any) -> ListPage:
        out = ListPage()
        if "api" not in page.state:  # a gkmlpt column page: its API comes next
            api = gkmlpt_api(page.asked_url or page.url, decode_html(page.body, page.encoding))
            if api:
                out.requests.append(page_request(api, page.url, int(mapping(api)["first_page"])))
            return out
        api = json.loads(page.state["api"])
        m = mapping(api)
        try:
            data = json.loads(decode_html(page.body, page.encoding or "utf-8"))
        except ValueError:
            return out
        recs = dig(data, m["records"]) if m["records"] else _find_records(data)
        if not isinstance(recs, list):
            return out
        items: set[str] = set()
        for rec in recs:
            if not isinstance(rec, Mapping):
                continue
            url = self._url(rec, m, page.url)
            title = str(dig(rec, m["title"]) or "").strip()
            if not url or not title:
                continue
            items.add(url)
            match = classify_title(title)
            if not (match.is_report or (looks_truncated(title) and "公开" in title)):
                continue
            out.entries.append(ListEntry(url=url, title=title, year=match.year or report_year(title),
                                         list_date=record_date(dig(rec, m["date"])),
                                         confirmed=match.is_report))
        out.item_links, out.item_signature = len(items), frozenset(items)
        n = int(page.state.get("page") or m["first_page"])
        total = dig(data, m["total"]) if m["total"] else None
        size = int(m["page_size"]) or len(recs)
        seen = (n - int(m["first_page"]) + 1) * size
        more = seen < int(total) if isinstance(total, (int, str)) and str(total).isdigit() else bool(recs)
        if recs and more and n - int(m["first_page"]) + 1 < int(m["max_pages"]):
            out.requests.append(page_request(api, page.state.get("base") or page.url, n + 1))
        return out

    def _url(self, rec: Mapping[str, Any], m: Mapping[str, Any], base: str) -> str | None:
        if m["url_template"]:
            try:
                raw = str(m["url_template"]).format_map({k: v for k, v in rec.items()})
            except (KeyError, IndexError, ValueError):
                return None
        else:
            raw = dig(rec, m["url"])
        if not isinstance(raw, str) or not raw.strip():
            return None
        url = urljoin(base, raw.strip())
        return url if urlsplit(url).scheme in ("http", "https") else None
