"""Server-rendered pages: the compliance matrix, agency, report, alerts, silences, login."""
from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from gkwatch.exports.explain import summarise
from gkwatch.exports.upward import page_context
from gkwatch.web.api import MAX_ID, Id, report_diff, upward_of
from gkwatch.web.auth import COOKIE, COOKIE_MAX_AGE, Principal
from gkwatch.web.chart import legend, rates_by_year, svg
from gkwatch.web.deps import admin, auth_of, db, principal, same_origin
from gkwatch.web.masking import for_role
from gkwatch.web.silences import SILENCE_HOURS, ends_in
from gkwatch.web.sorting import ALERT_KEYS, SortLinks, matrix_keys, sort_items
from gkwatch.web.view import report_tables
from models.dashboard_queries import (
    STATUSES,
    agency_detail,
    alert_evidence,
    alert_log,
    audit_rows,
    filter_options,
    report_detail,
)
from models.portal_health import portal_health

router = APIRouter(include_in_schema=False)
Session_ = Annotated[Session, Depends(db)]
Who = Annotated[Principal, Depends(principal)]
Opt = Annotated[str | None, Query(max_length=100)]


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    base = {"who": who, "csrf": auth_of(request).csrf_for(who) if who else ""}
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, name, {**base, **context}, status_code=status_code, headers=headers)


def build_matrix(rows: list[dict[str, Any]], status: str | None) -> dict[str, Any]:
    """Agencies × years; with ``status`` only agencies having a cell of that status stay,
    and their other cells are dimmed."""
    years = sorted({r["year"] for r in rows})
    agencies: dict[int, dict[str, Any]] = {}
    for r in rows:
        a = agencies.setdefault(r["agency_id"], {"id": r["agency_id"], "name": r["agency"], "kind": r["kind"],
                                                 "region": r["region"], "cells": {}})
        a["cells"][r["year"]] = dict(r, dim=bool(status) and r["status"] != status)
    shown = [a for a in agencies.values()
             if not status or any(c["status"] == status for c in a["cells"].values())]
    counts: dict[str, int] = {}
    latest = years[-1] if years else None
    for a in shown:
        cell = a["cells"].get(latest)
        if cell:
            counts[cell["status"]] = counts.get(cell["status"], 0) + 1
    return {"years": years, "agencies": shown, "latest": latest, "counts": counts}


def region_rollup(rows: list[dict[str, Any]], year: int | None) -> list[dict[str, Any]]:
    """Per region, for one year: bodies, on time, late, missing, inconsistent, changed and
    the on-time rate, then the total (the upward report's summary, without the kinds)."""
    if year is None:
        return []
    return [g for g in summarise([r for r in rows if r["year"] == year])
            if g["kind"] == "小计 subtotal" or g["region"] == "总计 total"]


@router.get("/", response_class=HTMLResponse)
def matrix(request: Request, session: Session_, who: Who, region: Opt = None, kind: Opt = None,
           status: Opt = None, q: Opt = None, year: Opt = None, sort: Opt = None,
           order: Opt = None) -> HTMLResponse:
    status = status if status in STATUSES else None
    year_n = int(year) if year and year.isdigit() and 1990 <= int(year) <= 2100 else None
    rows = audit_rows(session, year=year_n, region=region or None, kind=kind or None, q=q or None)
    m = build_matrix(rows, status)
    m["agencies"], sort, order = sort_items(m["agencies"], matrix_keys(m["years"]), sort, order)
    filters = {"region": region or "", "kind": kind or "", "status": status or "", "q": q or "",
               "year": str(year_n or "")}
    return render(request, "matrix.html", {
        "m": m, "options": filter_options(session), "regions": region_rollup(rows, m["latest"]),
        "sort_link": SortLinks("/", filters, sort, order), "sort": sort, "order": order,
        "chart": Markup(svg(rates_by_year(rows))), "legend": legend(),
        "f": filters,
        # the filters given, for the export links: an empty status= is a 422 to the API
        "query": urlencode({k: v for k, v in (("year", year_n), ("region", region), ("kind", kind),
                                              ("status", status), ("q", q)) if v})})


@router.get("/upward", response_class=HTMLResponse)
def upward_page(request: Request, session: Session_, who: Who, region: Opt = None, kind: Opt = None,
                status: Opt = None, q: Opt = None,
                year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> HTMLResponse:
    """The upward report as a printable page: the workbook's two sheets on one page."""
    status = status if status in STATUSES else None
    rows, meta = upward_of(request, session, year, region or None, kind or None, status, q or None)
    query = urlencode({k: v for k, v in (("year", year), ("region", region), ("kind", kind), ("status", status),
                                          ("q", q)) if v})
    return render(request, "upward.html", {"u": page_context(rows, meta), "query": query})


@router.get("/agencies/{agency_id}", response_class=HTMLResponse)
def agency_page(agency_id: Id, request: Request, session: Session_, who: Who) -> HTMLResponse:
    found = agency_detail(session, agency_id=agency_id)
    if found is None:
        raise HTTPException(404, "no such agency")
    return render(request, "agency.html", {"a": found})


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(report_id: Id, request: Request, session: Session_, who: Who,
                against: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> HTMLResponse:
    found = report_detail(session, report_id=report_id)
    if found is None:
        raise HTTPException(404, "no such report")
    diff = report_diff(session, report_id, against)
    changes = diff["changes"] if diff else []
    return render(request, "report.html", {
        "r": found, "diff": diff, "tables": report_tables(found["data"], found["findings"], changes),
        "fails": [f for f in found["findings"] if f["status"] == "fail"],
        "unassessable": [f for f in found["findings"] if f["status"] != "fail"]})


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, session: Session_, who: Who, state: Opt = None, q: Opt = None,
                kind: Opt = None, sort: Opt = None, order: Opt = None) -> HTMLResponse:
    state = state if state in ("firing", "resolved") else None
    alerts = for_role(alert_log(session, state=state), is_admin=who.is_admin)
    kinds = sorted({a["kind"] for a in alerts})
    if kind:
        alerts = [a for a in alerts if a["kind"] == kind]
    if q:  # part of the agency's name or of the summary
        alerts = [a for a in alerts if q in (a.get("agency") or "") or q in a["summary_zh"] or q in a["summary_en"]]
    alerts, sort, order = sort_items(alerts, ALERT_KEYS, sort, order)
    params = {"state": state or "", "q": q or "", "kind": kind or ""}
    return render(request, "alerts.html", {
        "alerts": alerts, **params, "kinds": kinds, "evidence": alert_evidence(session, alerts),
        "sort_link": SortLinks("/alerts", params, sort, order), "sort": sort, "order": order,
        "silence_hours": SILENCE_HOURS})


@router.get("/portals", response_class=HTMLResponse)
def portals_page(request: Request, session: Session_, who: Who) -> HTMLResponse:
    return render(request, "portals.html", {"portals": portal_health(session)})


@router.get("/silences", response_class=HTMLResponse)
def silences_page(request: Request, session: Session_, who: Who) -> HTMLResponse:
    store = request.app.state.silences
    return render(request, "silences.html", {"silences": store.list(session),
                                             "error": request.query_params.get("error", "")})


def _check_form(request: Request, who: Principal, csrf: str) -> None:
    if not auth_of(request).check_csrf(who, csrf, same_origin=same_origin(request)):
        raise HTTPException(403, "表单已过期，请刷新页面 the form has expired; reload the page")


@router.post("/silences")
def create_silence(request: Request, session: Session_, who: Annotated[Principal, Depends(admin)],
                   csrf: Annotated[str, Form()] = "", kind: Annotated[str, Form(max_length=40)] = "",
                   agency_id: Annotated[str, Form(max_length=20)] = "",
                   year: Annotated[str, Form(max_length=8)] = "",
                   rule: Annotated[str, Form(max_length=40)] = "",
                   hours: Annotated[float, Form(gt=0, le=24 * 366)] = 24,
                   comment: Annotated[str, Form(max_length=500)] = "") -> Response:
    _check_form(request, who, csrf)
    matchers = {k: v.strip() for k, v in (("kind", kind), ("agency_id", agency_id), ("year", year), ("rule", rule))
                if v.strip()}
    if not matchers:
        return RedirectResponse("/silences?error=give+at+least+one+label", status_code=303)
    request.app.state.silences.create(session, matchers=matchers, ends_at=ends_in(hours), comment=comment,
                                      created_by=f"{who.role} via {who.via}")
    return RedirectResponse("/silences", status_code=303)


@router.post("/silences/{silence_id}/expire")
def expire_silence(silence_id: Id, request: Request, session: Session_,
                   who: Annotated[Principal, Depends(admin)], csrf: Annotated[str, Form()] = "") -> Response:
    _check_form(request, who, csrf)
    if request.app.state.silences.expire(session, silence_id=silence_id) is None:
        raise HTTPException(404, "no such silence")
    return RedirectResponse("/silences", status_code=303)


def _safe_next(target: str) -> str:
    # only paths on this site: no scheme, no host, no protocol-relative "//host"
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "error": ""})


@router.post("/login")
def login(request: Request, token: Annotated[str, Form(max_length=500)] = "",
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    # cross-origin posts never get here (the guard middleware refuses them); every other
    # attempt counts, right or wrong, so that guessing is slow whatever the answers are
    wait = request.app.state.login_limiter.hit(request.client.host if request.client else "")
    if wait:
        return render(request, "login.html", {
            "next": _safe_next(next),
            "error": f"登录尝试过多，请 {wait} 秒后再试 too many login attempts; try again in {wait} s"},
            429, headers={"Retry-After": str(wait)})
    cookie = auth_of(request).cookie_for(token) if token else None
    if cookie is None:
        return render(request, "login.html", {"next": _safe_next(next), "error": "令牌无效 unknown token"}, 401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    # Lax, not Strict: a link to an alert from an email must arrive logged in; forms carry
    # their CSRF token besides
    response.set_cookie(COOKIE, cookie, max_age=COOKIE_MAX_AGE, httponly=True, samesite="lax",
                        secure=request.app.state.cookie_secure, path="/")
    return response


@router.post("/logout")
def logout(request: Request, who: Who, csrf: Annotated[str, Form()] = "") -> Response:
    _check_form(request, who, csrf)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=request.app.state.cookie_secure)
    return response
