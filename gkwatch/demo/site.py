"""Generate the demo portal network of one fictional county, and edit it for phase 2.

    plan = build_site(out_dir, report_year=2025, seed=7)   # writes out_dir/**, plan.json
    apply_edit(out_dir, plan)                              # a silent edit after publication

Everything served from one 127.0.0.1 server: each agency lives under its own path prefix
(``/fgj/…``) and its column uses one of three CMS styles (see :mod:`gkwatch.demo.pages`).
Output is deterministic for a given seed; only file modification times differ.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gkwatch.demo.pages import ENCODING, PAGE_SIZE, Column, Item, detail_page, list_page, portal_home
from gkwatch.demo.plan import AgencyPlan, DemoPlan, DocumentPlan
from gkwatch.demo.render_html import article_html
from gkwatch.demo.render_office import render_docx, render_pdf
from gkwatch.demo.reports import Report, edit_report, make_history, plant_balance_error, rng_for
from gkwatch.demo.roster import COUNTY_GOVERNMENT, REGION, SITE_NAME, AgencySpec, load_roster
from gkwatch.demo.text import title_of

__all__ = ["build_site", "apply_edit", "expected_report", "DemoPlan", "AgencyPlan", "DocumentPlan"]

HISTORY = 3   # report years per column: the audited year and the two before it


def _iso(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def _deadline(spec: AgencySpec, year: int) -> datetime:
    # 本级政府 of a county: 31 March; departments and (here) townships: 31 January
    month = 3 if spec.kind == "本级政府" else 1
    return datetime(year + 1, month, 31, 23, 59, 59)


def _publication(spec: AgencySpec, year: int, seed: int, *, late: bool) -> datetime:
    rng = rng_for(seed, spec.name, year, "date")
    if spec.kind == "本级政府":
        day = datetime(year + 1, 3, rng.randint(10, 25))
    elif late:
        day = datetime(year + 1, 2, rng.randint(5, 20))
    else:
        day = datetime(year + 1, 1, rng.randint(8, 28))
    return day + timedelta(hours=rng.randint(8, 17), minutes=rng.choice((0, 5, 12, 20, 30, 36, 45, 50)))


def expected_report(spec_or_name: AgencySpec | str, year: int, *, report_year: int, seed: int,
                    edited: bool = False) -> Report:
    """The report the generator published for one agency and year (after the edit if asked).

    ``report_year`` is the audited year: the planted defect and the edit apply to it only.
    """
    spec = spec_or_name if isinstance(spec_or_name, AgencySpec) else \
        next(s for s in load_roster() if s.name == spec_or_name)
    history = make_history(spec.name, spec.kind, range(report_year - HISTORY + 1, report_year + 1), seed=seed)
    report = history[year]
    if year == report_year and spec.scenario == "inconsistent":
        report, _ = plant_balance_error(report, rng_for(seed, spec.name, year, "defect"))
    if year == report_year and edited and spec.scenario == "changed":
        report = edit_report(report, rng_for(seed, spec.name, year, "edit"))
    return report


@dataclass
class _AgencyBuild:
    plan: AgencyPlan
    column: Column
    items: list[Item] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)


def _paths(spec: AgencySpec, col_id: int) -> tuple[str, str]:
    """(column directory, list page path) for the agency's style."""
    list_dir = {"trs": f"/{spec.prefix}/zfxxgknb/", "art": f"/{spec.prefix}/zfxxgk/xxgknb/",
                "col": f"/{spec.prefix}/col/col{col_id}/"}[spec.style]
    return list_dir, list_dir + "index.html"


def _item_paths(spec: AgencySpec, column: Column, d: datetime, doc_id: int, fmt: str) -> tuple[str, str]:
    """(detail page path, attachment path) for an item published at ``d``."""
    if spec.style == "trs":
        page = f"{column.list_dir}{d:%Y%m}/t{d:%Y%m%d}_{doc_id}.html"
        att = f"{column.list_dir}{d:%Y%m}/P0{d:%Y%m%d}{doc_id}.{fmt}"
    elif spec.style == "art":
        page = f"/{spec.prefix}/art/{d.year}/{d.month}/{d.day}/art_{column.col_id}_{doc_id}.html"
        att = f"/{spec.prefix}/uploadfile/{d:%Y%m%d}/{doc_id}.{fmt}"
    else:
        page = f"/{spec.prefix}/content/post_{doc_id}.html"
        att = f"/{spec.prefix}/attach/0/{doc_id:x}.{fmt}"
    return page, att


def _notices(spec: AgencySpec, year: int, seed: int) -> list[tuple[str, datetime, str]]:
    """Non-report items of the column (titles a crawler must not take for reports)."""
    rng = rng_for(seed, spec.name, year, "notices")
    short = spec.name.removeprefix(REGION)
    return [
        (f"关于报送{year}年度政府信息公开工作年度报告的通知", datetime(year + 1, 1, rng.randint(2, 6), 9, 0),
         f"各有关单位：请于{year + 1}年1月31日前在本单位网站公开{year}年度政府信息公开工作年度报告，"
         "并将报告电子版报送县政务公开办。"),
        (f"{year - 1}年度政府信息公开工作年度报告解读", datetime(year, 2, rng.randint(1, 27), 15, 0),
         f"本文以问答形式解读{short}{year - 1}年度报告的主要数据。"),
        (f"{short}{year + 1}年政务公开工作要点", datetime(year + 1, 3, rng.randint(1, 9), 10, 30),
         f"{year + 1}年，{short}将围绕重点领域信息公开、政策解读和依申请公开规范化开展工作。"),
    ]


def _build_agency(spec: AgencySpec, year: int, seed: int, ids: "_Ids", *, edited: bool = False) -> _AgencyBuild:
    col_id = 1000 + ids.take("column") % 9000
    list_dir, list_path = _paths(spec, col_id)
    column = Column(SITE_NAME, spec.name, spec.style, list_dir, col_id)
    flavour = "word" if spec.style == "col" else "plain"
    b = _AgencyBuild(plan=AgencyPlan(
        name=spec.name, kind=spec.kind, region=REGION,
        parent=None if spec.kind == "本级政府" else COUNTY_GOVERNMENT, list_paths=[list_path],
        style=spec.style, deadline=_iso(_deadline(spec, year)),
        status={"late": "late", "missing": "missing"}.get(spec.scenario, "on_time"),
        inconsistent=spec.scenario == "inconsistent",
        rules_failed=["T3-BALANCE"] if spec.scenario == "inconsistent" else [],
        changed=spec.scenario == "changed", published_at=None, document_path=None, format=None), column=column)
    for y in range(year - HISTORY + 1, year + 1):
        if y == year and spec.scenario == "missing":
            continue
        current = y == year
        report = expected_report(spec, y, report_year=year, seed=seed, edited=edited)
        published = _publication(spec, y, seed, late=current and spec.scenario == "late")
        fmt = spec.fmt if current else "html"
        doc_id = ids.take(y)
        page, att = _item_paths(spec, column, published, doc_id, fmt)
        title = title_of(spec.name, y)
        item = Item(title, page, published, "", doc_id)
        if fmt == "html":
            item.body_html = article_html(report, seed=seed, flavour=flavour)
            doc_path = page
        else:
            item.body_html = (f'<p style="text-indent:2em">现将《{title}》予以公开，'
                              f"报告全文（含统计表格）详见附件。</p>")
            item.attachments.append((att, f"{title}.{fmt}"))
            renderer = render_pdf if fmt == "pdf" else render_docx
            b.files[att] = renderer(report, seed=seed)
            doc_path = att
        if edited and current and spec.scenario == "changed":
            item.modified = datetime(year + 1, 3, 2, 10, 15)
        b.items.append(item)
        b.plan.documents.append(DocumentPlan(y, page, doc_path, fmt, _iso(published)))
        if current:
            b.plan.published_at, b.plan.document_path, b.plan.format = _iso(published), doc_path, fmt
            b.plan.page_path = page
    for title, when, text in _notices(spec, year, seed):
        doc_id = ids.take(title)
        page, _ = _item_paths(spec, column, when, doc_id, "html")
        b.items.append(Item(title, page, when, f'<p style="text-indent:2em">{text}</p>', doc_id))
    b.items.sort(key=lambda it: it.published, reverse=True)
    enc = ENCODING[spec.style]
    for item in b.items:
        index_no = f"{ids.take('org') % 10**9:09d}/{item.published.year}-{item.doc_id % 100000:05d}"
        b.files[item.path] = detail_page(column, item, index_no).encode(enc)
    size = PAGE_SIZE[spec.style]
    pages = [b.items[i:i + size] for i in range(0, len(b.items), size)]
    for n, chunk in enumerate(pages):
        name = "index.html" if n == 0 else f"index_{n}.html"
        b.files[list_dir + name] = list_page(column, chunk, n, len(pages)).encode(enc)
    return b


class _Ids:
    """Document ids of one agency: deterministic per (seed, agency, purpose) and unique
    across the site (each agency draws from its own range of 100 000)."""

    def __init__(self, seed: int, agency: str, agency_no: int) -> None:
        self.seed, self.agency, self.base = seed, agency, (agency_no + 1) * 100000
        self.used: dict[object, int] = {}

    def take(self, purpose: object) -> int:
        if purpose not in self.used:
            rng = rng_for(self.seed, self.agency, purpose, "id")
            n = self.base + rng.randrange(100000)
            while n in self.used.values():
                n = self.base + rng.randrange(100000)
            self.used[purpose] = n
        return self.used[purpose]


def _write(out_dir: Path, url_path: str, data: bytes) -> Path:
    target = out_dir / url_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def build_site(out_dir: Path, *, report_year: int = 2025, seed: int = 7) -> DemoPlan:
    """Write the county's portal network under ``out_dir`` and return what was planted."""
    if report_year < 2023:
        raise ValueError("the demo generates 2021-layout reports: report_year must be 2023 or later")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    builds = [_build_agency(spec, report_year, seed, _Ids(seed, spec.name, n))
              for n, spec in enumerate(load_roster())]
    for b in builds:
        for path, data in b.files.items():
            _write(out_dir, path, data)
    _write(out_dir, "/index.html", portal_home(SITE_NAME, [(b.plan.name, b.plan.list_paths[0]) for b in builds])
           .encode("utf-8"))
    edit = next(b.plan for b in builds if b.plan.changed)
    plan = DemoPlan(region=REGION, site_name=SITE_NAME, report_year=report_year, seed=seed,
                    agencies=[b.plan for b in builds], edit_agency=edit.name,
                    edited_at=_iso(datetime(report_year + 1, 3, 2, 10, 15)))
    (out_dir / "plan.json").write_text(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    return plan


def apply_edit(out_dir: Path, plan: DemoPlan | dict[str, Any]) -> None:
    """Phase 2: rewrite the planned agency's report file with edited numbers.

    The publication date stays as it was (a silent edit); HTML pages gain a 修改日期 line.
    The file's mtime moves forward so conditional GETs see the change.
    """
    if isinstance(plan, dict):
        plan = DemoPlan.from_dict(plan)
    roster = load_roster()
    n, spec = next((n, s) for n, s in enumerate(roster) if s.name == plan.edit_agency)
    agency = plan.agency(spec.name)
    build = _build_agency(spec, plan.report_year, plan.seed, _Ids(plan.seed, spec.name, n), edited=True)
    path = agency.document_path
    assert path is not None and path in build.files, "the edited report must exist"
    target = Path(out_dir) / path.lstrip("/")
    old = target.stat().st_mtime if target.exists() else 0.0
    _write(Path(out_dir), path, build.files[path])
    stamp = max(time.time(), old + 2)
    os.utime(target, (stamp, stamp))
