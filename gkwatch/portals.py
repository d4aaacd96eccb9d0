"""Portal configuration as data: a TOML file the user edits, imported into the database.

```toml
[[agency]]
name = "青川县教育局"
kind = "部门"              # 本级政府 / 部门 / 乡镇街道
region = "青川县"
parent = "青川县人民政府"   # optional
deadline = "01-31"         # optional MM-DD override
list_urls = ["https://www.example.gov.cn/jyj/zfxxgknb/"]
allowed_hosts = ["www.example.gov.cn"]   # default: the hosts of list_urls
link_patterns = []          # optional regexes for report links the generic rules miss
crawl_interval_hours = 24
# how the column's list is read (crawler/kinds): read from the page when left out
render = "browser"          # optional: lists drawn by JavaScript, rendered in Chromium
browser = {budget = 300}    # optional: the browser's concurrency, timeout, budget, pages
list_kind = "hanweb"        # optional: auto (default), static, trs, hanweb, jsonapi
[agency.api]                # optional: a JSON list API (see crawler/kinds/jsonapi.py)
endpoint = "/api/list?columnId=12"
records = "data.list"
title = "title"
url = "url"
date = "publishTime"
```
CSV / XLSX rosters as offices keep them (单位名称, 类型, 地区, 年报栏目地址) are read by
:mod:`gkwatch.portals_io`.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from crawler.spec import load_spec
from ground.errors import ConfigError
from models import AgencyCreate
from models.crud import upsert_agency, upsert_portal

KINDS = ("本级政府", "部门", "乡镇街道")


class PortalEntry(BaseModel):
    """One agency and its annual-report column, as written in the file."""

    name: str = Field(min_length=1)
    kind: str = "部门"
    region: str = ""
    parent: str | None = None
    deadline: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    list_urls: list[str] = Field(min_length=1)
    allowed_hosts: list[str] = Field(default_factory=list)
    link_patterns: list[str] = Field(default_factory=list)
    crawl_interval_hours: float = Field(24.0, gt=0)
    list_kind: str = "auto"
    render: str | None = None
    api: dict[str, Any] | None = None
    browser: dict[str, int] | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        return v

    @field_validator("list_urls")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        for url in v:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"not an http(s) URL: {url}")
        return v

    @model_validator(mode="after")
    def _reading(self) -> "PortalEntry":
        """The portal kind's own options, checked as the crawler will check them."""
        try:
            load_spec({"list_urls": self.list_urls, "allowed_hosts": self.hosts(),
                       "link_patterns": self.link_patterns, **self.reading()})
        except ConfigError as exc:
            raise ValueError(str(exc).removeprefix("portal spec: ")) from None
        return self

    def hosts(self) -> list[str]:
        return self.allowed_hosts or sorted({urlsplit(u).hostname or "" for u in self.list_urls})

    def reading(self) -> dict[str, Any]:
        """How the column is read, as portal options (only what is set)."""
        out: dict[str, Any] = {}
        if self.list_kind != "auto":
            out["list_kind"] = self.list_kind
        for key in ("render", "api", "browser"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def load_portals(path: Path) -> list[PortalEntry]:
    """Read and validate the file; errors name the entry and the field."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    entries = []
    for i, raw in enumerate(data.get("agency", []), 1):
        try:
            entries.append(PortalEntry.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ConfigError(f"{path}: agency #{i} ({raw.get('name', '?')}): "
                              f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    if not entries:
        raise ConfigError(f"{path}: no [[agency]] entries")
    return entries


def import_portals(session: Any, *, entries: list[PortalEntry]) -> int:
    """Create or update agencies and portals; parents are resolved after all exist."""
    ordered = sorted(entries, key=lambda e: e.parent is not None)
    for e in ordered:
        agency = upsert_agency(session, data=AgencyCreate(name=e.name, kind=e.kind, region=e.region,
                                                          parent=e.parent, deadline_override=e.deadline))
        portal = upsert_portal(session, agency_id=agency.id, list_urls=e.list_urls,  # type: ignore[arg-type]
                               allowed_hosts=e.hosts(),
                               options={"link_patterns": e.link_patterns, **e.reading()},
                               crawl_interval_hours=e.crawl_interval_hours)
        portal.enabled = True  # importing again watches a removed portal again
        session.add(portal)
    session.commit()
    return len(entries)
