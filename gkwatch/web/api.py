"""The JSON API (``/api/v1``) and the routes both pages and API use (health, snapshots,
exports). Its OpenAPI description is at ``/openapi.json`` (authenticated)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from fastapi.security import HTTPBearer
from sqlalchemy import text
from sqlmodel import Session

from ground import clock
from gkwatch.web import schemas
from gkwatch.web.auth import Principal
from gkwatch.web.deps import admin_api, db, principal, settings_of
from gkwatch.exports.upward import Meta, upward_xlsx
from gkwatch.web.exports import audit_csv
from gkwatch.web.masking import for_role
from gkwatch.web.silences import ends_in
from models.db import get_engine
from models.dashboard_queries import (
    agency_detail,
    alert_log,
    audit_rows,
    filter_options,
    report_data_of_version,
    report_detail,
    snapshot_of,
)
from models.upward import upward_rows
from workers.pipeline import diff_reports

# documents the bearer scheme in OpenAPI; the middleware does the actual check
bearer = HTTPBearer(auto_error=False, description="a read or admin token from the settings")
router = APIRouter()
api = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], tags=["api"],
                responses={401: {"model": schemas.Error, "description": "no valid token or login"}})

Status = Literal["on_time", "late", "missing", "inconsistent", "changed", "pending"]
Year = Annotated[int | None, Query(ge=1990, le=2100, description="report year")]
Text = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")]
Session_ = Annotated[Session, Depends(db)]
#: row ids fit a 32-bit INTEGER column (PostgreSQL), larger numbers are a 422, not a crash
MAX_ID = 2_147_483_647
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]


@router.get("/health", response_model=schemas.Health, tags=["health"])
def health(request: Request) -> dict[str, str]:
    """Liveness and database reachability; needs no authentication."""
    try:
        with get_engine(settings_of(request).effective_database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any database failure is reported, not raised
        return {"status": "degraded", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}


@api.get("/me", response_model=schemas.Me)
def me(who: Annotated[Principal, Depends(principal)]) -> dict[str, str]:
    """The caller's role."""
    return {"role": who.role, "via": who.via}


@api.get("/filters", response_model=schemas.FilterOptions)
def filters(session: Session_) -> dict[str, Any]:
    """Regions, agency kinds, years and statuses that the status filters accept."""
    return filter_options(session)


def _rows(session: Session, year: int | None, region: str | None, kind: str | None,
          status: str | None, q: str | None) -> list[dict[str, Any]]:
    return audit_rows(session, year=year, region=region, kind=kind, status=status, q=q)


@api.get("/statuses", response_model=list[schemas.StatusRow])
def statuses(session: Session_, year: Year = None, region: Text = None, kind: Text = None,
             status: Status | None = None, q: Text = None) -> list[dict[str, Any]]:
    """One row per agency-year (the compliance matrix), filterable; ``q`` matches part of the name."""
    return _rows(session, year, region, kind, status, q)


@api.get("/export/audit.csv", response_class=Response,
         responses={200: {"content": {"text/csv": {}}, "description": "the audit as CSV"}})
def export_csv(request: Request, session: Session_, year: Year = None, region: Text = None,
               kind: Text = None, status: Status | None = None, q: Text = None) -> Response:
    """The audit, one row per agency-year, as CSV (UTF-8 with BOM)."""
    body = audit_csv(_rows(session, year, region, kind, status, q), settings_of(request).timezone)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="gkwatch-audit{_suffix(year)}.csv"'})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@api.get("/export/audit.xlsx", response_class=Response,
         responses={200: {"content": {XLSX: {}}, "description": "the audit as an Excel workbook"}})
def export_xlsx(request: Request, session: Session_, year: Year = None, region: Text = None,
                kind: Text = None, status: Status | None = None, q: Text = None) -> Response:
    """The upward report as an XLSX workbook: 汇总 summary (title, audit date, source, scope,
    counts and rates per region and kind) and 明细 detail (one row per agency-year with
    dates, days late, failing checks with their cells, changes, follow-up, evidence)."""
    body = upward_xlsx(*upward_of(request, session, year, region, kind, status, q))
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="gkwatch-audit{_suffix(year)}.xlsx"'})


def upward_of(request: Request, session: Session, year: int | None, region: str | None, kind: str | None,
              status: str | None, q: str | None) -> tuple[list[dict[str, Any]], Meta]:
    """The rows and the heading of the upward report, for the workbook and the page."""
    settings = settings_of(request)
    filters = {"year": year, "region": region, "kind": kind, "status": status, "q": q}
    rows = upward_rows(session, **filters)
    return rows, Meta(audited_at=clock.now(), tz=settings.timezone, office=settings.office_name,
                      public_url=settings.public_url, filters=filters)


def _suffix(year: int | None) -> str:
    return f"-{year}" if year else ""


@api.get("/agencies/{agency_id}", response_model=schemas.AgencyDetail, responses={404: {"model": schemas.Error}})
def agency(agency_id: Id, session: Session_) -> dict[str, Any]:
    """An agency's verdicts over the years, documents, versions and publication findings."""
    found = agency_detail(session, agency_id=agency_id)
    if found is None:
        raise HTTPException(404, "no such agency")
    return found


@api.get("/reports/{report_id}", response_model=schemas.ReportOut, responses={404: {"model": schemas.Error}})
def report(report_id: Id, session: Session_) -> dict[str, Any]:
    """A parsed report with its findings (failing cells) and the versions of its document."""
    found = report_detail(session, report_id=report_id)
    if found is None:
        raise HTTPException(404, "no such report")
    return found


def report_diff(session: Session, report_id: int, against: int | None) -> dict[str, Any] | None:
    """Cells that differ between a report and an older version of its document (by
    default the closest older version that parsed)."""
    found = report_detail(session, report_id=report_id)
    if found is None or found["version"] is None:
        return None
    this = found["version"]["id"]
    if against is None:
        older = [v for v in found["versions"] if v["id"] < this and v["report_id"]]
        against = older[-1]["id"] if older else None
    elif against not in {v["id"] for v in found["versions"]}:
        raise HTTPException(404, "that version belongs to another document")
    old = report_data_of_version(session, version_id=against) if against else None
    changes = diff_reports(old, found["data"]) if old is not None else []
    return {"report_id": report_id, "version_id": this, "against_version_id": against if old is not None else None,
            "changes": changes}


@api.get("/reports/{report_id}/diff", response_model=schemas.ReportDiff, responses={404: {"model": schemas.Error}})
def diff(report_id: Id, session: Session_,
         against: Annotated[int | None, Query(ge=1, le=MAX_ID, description="older version id of the same document")] = None,
         ) -> dict[str, Any]:
    """Cells that changed between this report and an older version of the same document."""
    found = report_diff(session, report_id, against)
    if found is None:
        raise HTTPException(404, "no such report")
    return found


@api.get("/versions/{version_id}/snapshot", response_class=FileResponse,
         responses={200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                               "description": "the bytes as fetched, with the content type they were served with"},
                    404: {"model": schemas.Error}})
def snapshot(version_id: Id, request: Request, session: Session_) -> FileResponse:
    """The bytes that were checked, as fetched, with their stored content type. Served
    sandboxed (CSP) so a crawled page cannot run scripts on the dashboard's origin."""
    found = snapshot_of(session, version_id=version_id)
    root = settings_of(request).effective_snapshot_dir
    path = None
    if found:
        for candidate in (Path(found["path"]), root / found["sha256"][:2] / found["sha256"]):
            resolved = candidate.resolve()
            if resolved.is_relative_to(root) and resolved.is_file():
                path = resolved
                break
    if path is None:
        raise HTTPException(404, "no snapshot stored for this version")
    return FileResponse(path, media_type=found["content_type"] or "application/octet-stream",  # type: ignore[index]
                        headers={"Content-Security-Policy": "sandbox", "Content-Disposition": "inline"})


@api.get("/alerts", response_model=list[schemas.AlertOut])
def alerts(session: Session_, who: Annotated[Principal, Depends(principal)],
           state: Literal["firing", "resolved"] | None = None,
           limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[dict[str, Any]]:
    """The alert log, most recently changed first, each alert with its deliveries.
    Delivery targets (webhook URLs, addresses) are masked for the read role."""
    return for_role(alert_log(session, state=state, limit=limit), is_admin=who.is_admin)


@api.get("/silences", response_model=list[schemas.SilenceOut])
def silences(request: Request, session: Session_) -> list[dict[str, Any]]:
    """Every silence, newest first."""
    return request.app.state.silences.list(session)  # type: ignore[no-any-return]


@api.post("/silences", response_model=schemas.SilenceOut, status_code=201,
          responses={400: {"model": schemas.Error, "description": "the body is not JSON"},
                     403: {"model": schemas.Error, "description": "admin role needed"}})
def create_silence(body: schemas.SilenceIn, request: Request, session: Session_,
                   who: Annotated[Principal, Depends(admin_api)]) -> dict[str, Any]:
    """Silence the alerts whose labels match ``matchers`` for ``hours`` (admin role)."""
    return request.app.state.silences.create(  # type: ignore[no-any-return]
        session, matchers=body.matchers, ends_at=ends_in(body.hours), comment=body.comment,
        created_by=f"{who.role} via {who.via}")


@api.post("/silences/{silence_id}/expire", response_model=schemas.SilenceOut, responses={403: {"model": schemas.Error, "description": "admin role needed"},
                                                                                      404: {"model": schemas.Error}})
def expire_silence(silence_id: Id, request: Request, session: Session_,
                   who: Annotated[Principal, Depends(admin_api)]) -> dict[str, Any]:
    """End a silence now (admin role)."""
    found = request.app.state.silences.expire(session, silence_id=silence_id)
    if found is None:
        raise HTTPException(404, "no such silence")
    return found  # type: ignore[no-any-return]


router.include_router(api)
