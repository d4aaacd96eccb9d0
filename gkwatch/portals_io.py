"""Portals in and out: the TOML ``portals discover`` writes, the CSV / XLSX rosters offices
keep, the TOML ``portals export`` gives back, and the rows ``portals list`` shows.

A roster has one row per body, headed ``单位名称, 类型, 地区, 年报栏目地址`` (optionally
``上级单位``, ``允许主机``; English headers name, kind, region, list_url, parent, allowed_hosts
work as well).  类型 may be written as offices write it (乡镇、街道、乡镇（街道）、部门、
本级政府、县政府…); when empty it follows from the name.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Iterable

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlmodel import col, select

from crawler.directory import agency_kind
from gkwatch.portals import KINDS, PortalEntry, load_portals
from ground.errors import ConfigError
from models import Agency, CrawlRun, Document, Portal

HEADERS = {"单位名称": "name", "名称": "name", "name": "name", "类型": "kind", "kind": "kind",
           "地区": "region", "region": "region", "年报栏目地址": "list_url", "栏目地址": "list_url",
           "list_url": "list_url", "上级单位": "parent", "parent": "parent",
           "允许主机": "allowed_hosts", "allowed_hosts": "allowed_hosts"}
_FIELD_ORDER = ("name", "kind", "region", "parent", "deadline", "list_urls", "allowed_hosts",
                "link_patterns", "crawl_interval_hours", "list_kind", "render", "browser")


# --- TOML out ----------------------------------------------------------------------------


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_\-]+", k) else _value(k)


def toml_text(entries: Iterable[dict[str, Any]], header: str = "") -> str:
    """``[[agency]]`` tables; a ``_comment`` key becomes comment lines above its table."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for e in entries:
        lines.append("")
        lines += [f"# {c}" for c in str(e.get("_comment") or "").splitlines() if c]
        if e.get("_skip"):
            continue
        lines.append("[[agency]]")
        for key in _FIELD_ORDER:
            v = e.get(key)
            if v not in (None, "", [], {}) and not (key == "list_kind" and v == "auto"):
                lines.append(f"{key} = {_value(v)}")
        if e.get("api"):
            lines.append("[agency.api]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in e["api"].items()]
    return "\n".join(lines) + "\n"


def survey_entries(survey: Any) -> list[dict[str, Any]]:
    """The bodies a survey found, as portals entries with a note for the reviewer."""
    out = []
    for b in survey.bodies:
        note = [f"{b.name}: 信息公开 page {b.body_url}"]
        if b.list_kind:
            note.append(f"column read as: {b.list_kind}")
        e: dict[str, Any] = {"name": b.name, "kind": b.kind, "region": survey.region,
                             "parent": survey.government if b.name != survey.government else None}
        if b.problem or not b.column_url:
            note.append(f"TO CHECK: {b.problem or 'no column'}")
        if b.column_url:
            e["list_urls"] = [b.column_url]
            e["render"], e["api"] = b.render, b.api
        else:
            note.append("left out of the file below: no column to watch")
            e = {**e, "_skip": True}
        e["_comment"] = "\n".join(note)
        out.append(e)
    return out


# --- rosters in --------------------------------------------------------------------------


def normalise_kind(raw: str, name: str) -> str:
    t = re.sub(r"[\s（）()、/]", "", raw or "")
    if not t:
        return agency_kind(name)
    if t in KINDS:
        return t
    if any(w in t for w in ("乡", "镇", "街道")):
        return "乡镇街道"
    if "政府" in t and "部门" not in t:
        return "本级政府"
    if "部门" in t or t.endswith(("局", "委", "办")):
        return "部门"
    raise ConfigError(f"roster: unknown 类型 {raw!r} for {name} (本级政府 / 部门 / 乡镇街道)")


def _rows_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV in GBK
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ConfigError(f"{path}: not UTF-8 or GBK text")
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_xlsx(path: Path) -> list[list[str]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise ConfigError(f"{path}: cannot read as XLSX: {exc}") from exc
    ws = wb.worksheets[0]
    rows = [["" if c is None else str(c) for c in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def load_roster(path: Path) -> list[PortalEntry]:
    """A CSV or XLSX roster → validated entries; errors name the row."""
    rows = _rows_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _rows_csv(path)
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ConfigError(f"{path}: empty roster")
    fields = [HEADERS.get(h.strip().lstrip("\ufeff"), "") for h in rows[0]]
    if "name" not in fields or "list_url" not in fields:
        raise ConfigError(f"{path}: the first row must name the columns 单位名称 and 年报栏目地址 "
                          f"(and 类型, 地区), got {rows[0]}")
    entries = []
    for n, row in enumerate(rows[1:], 2):
        rec = {f: (row[i].strip() if i < len(row) else "") for i, f in enumerate(fields) if f}
        raw: dict[str, Any] = {"name": rec["name"], "region": rec.get("region", ""),
                               "list_urls": [u for u in re.split(r"[\s;；,，]+", rec["list_url"]) if u]}
        try:
            raw["kind"] = normalise_kind(rec.get("kind", ""), rec["name"])
            if rec.get("parent"):
                raw["parent"] = rec["parent"]
            if rec.get("allowed_hosts"):
                raw["allowed_hosts"] = [h for h in re.split(r"[\s;；,，]+", rec["allowed_hosts"]) if h]
            entries.append(PortalEntry.model_validate(raw))
        except (ValidationError, ConfigError) as exc:
            msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise ConfigError(f"{path}: row {n} ({rec.get('name') or '?'}): {msg}") from exc
    return entries


def load_any(path: Path) -> list[PortalEntry]:
    """A portals TOML, or a CSV / XLSX roster, by the file's suffix."""
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".txt"):
        return load_roster(path)
    return load_portals(path)


# --- the database ------------------------------------------------------------------------


def portal_rows(session: Any) -> list[dict[str, Any]]:
    """One row per portal: its agency, kind, column and how it is read."""
    parents = {a.id: a.name for a in session.exec(select(Agency)).all()}
    rows = []
    for portal, agency in session.exec(select(Portal, Agency).where(Portal.agency_id == Agency.id)
                                       .order_by(col(Agency.name), col(Portal.id))).all():
        opts = portal.options or {}
        rows.append({"name": agency.name, "kind": agency.kind, "region": agency.region,
                     "parent": parents.get(agency.parent_id), "deadline": agency.deadline_override,
                     "list_urls": list(portal.list_urls), "allowed_hosts": list(portal.allowed_hosts),
                     "link_patterns": list(opts.get("link_patterns") or []),
                     "crawl_interval_hours": portal.crawl_interval_hours,
                     "list_kind": opts.get("list_kind") or "auto", "render": opts.get("render"),
                     "api": opts.get("api"), "browser": opts.get("browser"),
                     "enabled": portal.enabled, "portal_id": portal.id,
                     "last_crawl_at": portal.last_crawl_at.isoformat() if portal.last_crawl_at else None})
    return rows


def remove_portals(session: Any, names: list[str]) -> dict[str, str]:
    """Stop watching the named agencies' portals: a portal that found nothing yet is deleted,
    one with documents is disabled (its history stays).  ``{name: what was done}``."""
    done: dict[str, str] = {}
    for name in names:
        agency = session.exec(select(Agency).where(Agency.name == name)).first()
        if agency is None:
            done[name] = "unknown agency"
            continue
        for portal in session.exec(select(Portal).where(Portal.agency_id == agency.id)).all():
            has_docs = session.exec(select(Document.id).where(Document.portal_id == portal.id)).first()
            if has_docs is None:
                for run in session.exec(select(CrawlRun).where(CrawlRun.portal_id == portal.id)).all():
                    session.delete(run)
                session.delete(portal)
                done[name] = "removed"
            else:
                portal.enabled = False
                session.add(portal)
                done[name] = "disabled (its documents are kept)"
        done.setdefault(name, "had no portal")
    session.commit()
    return done
