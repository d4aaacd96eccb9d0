"""The review queue (issue 17): an admin confirms or dismisses a finding with a note, and
sets an agency-year's follow-up (已通知整改 / 已整改 / 无需整改). JSON under /api/v1 and the
/review page. A decision evaluates the agency-year again at once, so a dismissal
resolves its alert in the same request (no notification fires for it again on that
document version); when a worker holds the unit, it runs again after it."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPBearer
from sqlmodel import Session

from gkwatch.web import schemas
from gkwatch.web.api import Id
from gkwatch.web.auth import Principal
from gkwatch.web.deps import (
    admin,
    admin_api,
    auth_of,
    db,
    principal,
    same_origin,
    settings_of,
)
from gkwatch.web.pages import render
from gkwatch.web.review_schemas import (
    DecisionIn,
    DecisionResult,
    FollowUpIn,
    FollowUpOut,
    ReviewItem,
)
from models.db import session_scope
from models.review_queries import decide, review_queue, set_follow_up
from models.tables import Agency
from workers.units import mark_evaluation, run_evaluate_unit

FOLLOW_UP_LABELS = {"notified": "已通知整改 notified", "fixed": "已整改 fixed", "none_needed": "无需整改 none needed"}
DECISION_LABELS = {"confirmed": "已确认 confirmed", "dismissed": "已驳回 dismissed"}
Session_ = Annotated[Session, Depends(db)]
State = Literal["open", "decided", "all"]
bearer = HTTPBearer(auto_error=False)
api = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], tags=["review"],
                responses={401: {"model": schemas.Error, "description": "no valid token or login"}})
pages = APIRouter(include_in_schema=False)
router = APIRouter()
PathYear = PathParam(ge=1, le=9999)  # any positive year: the role and CSRF checks answer first


def _by(who: Principal) -> str:
    return f"{who.role} via {who.via}"


def reevaluate(request: Request, agency_id: int | None, year: int | None) -> bool:
    """Evaluate the agency-year now (its alerts follow the decision); False when a worker
    holds it (it is marked to run again, so the decision is seen all the same)."""
    if agency_id is None or year is None:
        return False
    settings = settings_of(request)
    with session_scope(settings.effective_database_url) as s:
        unit = mark_evaluation(s, agency_id=agency_id, year=year)
    return run_evaluate_unit(settings, unit) != []


@api.get("/review", response_model=list[ReviewItem])
def queue(session: Session_, state: State = "open") -> list[dict[str, Any]]:
    """Findings waiting for a person (status review) and failing error findings, with the
    decision taken on each; ``state`` open (undecided), decided or all."""
    return review_queue(session, state=state)


def _decide(request: Request, session: Session, finding_id: int, body: DecisionIn, who: Principal) -> dict[str, Any]:
    found = decide(session, finding_id=finding_id, decision=body.decision, note=body.note, by=_by(who))
    if found is None:
        raise HTTPException(404, "没有这条检查结果 no such finding")
    return {**found, "evaluated": reevaluate(request, found["agency_id"], found["year"])}


@api.post("/findings/{finding_id}/decision", response_model=DecisionResult,
          responses={400: {"model": schemas.Error, "description": "the body is not JSON"},
                     403: {"model": schemas.Error, "description": "admin role needed"}, 404: {"model": schemas.Error}})
def decision(finding_id: Id, body: DecisionIn, request: Request, session: Session_,
             who: Annotated[Principal, Depends(admin_api)]) -> dict[str, Any]:
    """Confirm or dismiss a finding (admin): the decision holds for the rule on this
    document version, with its note, who and when."""
    return _decide(request, session, finding_id, body, who)


@api.put("/follow-ups/{agency_id}/{year}", response_model=FollowUpOut,
         responses={400: {"model": schemas.Error, "description": "the body is not JSON"},
                     403: {"model": schemas.Error, "description": "admin role needed"}, 404: {"model": schemas.Error}})
def follow_up(agency_id: Id, year: Annotated[int, PathYear], body: FollowUpIn, session: Session_,
              who: Annotated[Principal, Depends(admin_api)]) -> dict[str, Any]:
    """Set what the office did about an agency-year (admin)."""
    if session.get(Agency, agency_id) is None:
        raise HTTPException(404, "no such agency")
    return set_follow_up(session, agency_id=agency_id, year=year, state=body.state, note=body.note, by=_by(who))


def _check_form(request: Request, who: Principal, csrf: str) -> None:
    if not auth_of(request).check_csrf(who, csrf, same_origin=same_origin(request)):
        raise HTTPException(403, "表单已过期，请刷新页面 the form has expired; reload the page")


@pages.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: Session_, who: Annotated[Principal, Depends(principal)],
                state: Annotated[str | None, Query(max_length=10)] = None) -> HTMLResponse:
    state = state if state in ("open", "decided", "all") else "open"
    return render(request, "review.html", {"items": review_queue(session, state=state), "state": state,
                                           "decisions": DECISION_LABELS})


@pages.post("/review/{finding_id}")
def review_form(finding_id: Id, request: Request, session: Session_, who: Annotated[Principal, Depends(admin)],
                csrf: Annotated[str, Form()] = "", decision: Annotated[str, Form(max_length=12)] = "",
                note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    _check_form(request, who, csrf)
    if decision not in DECISION_LABELS:
        raise HTTPException(400, "请选择确认或驳回 choose confirm or dismiss")
    _decide(request, session, finding_id, DecisionIn(decision=decision, note=note), who)  # type: ignore[arg-type]
    return RedirectResponse("/review", status_code=303)


@pages.post("/follow-ups/{agency_id}/{year}")
def follow_up_form(agency_id: Id, year: Annotated[int, PathYear], request: Request, session: Session_,
                   who: Annotated[Principal, Depends(admin)], csrf: Annotated[str, Form()] = "",
                   state: Annotated[str, Form(max_length=12)] = "",
                   note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    _check_form(request, who, csrf)
    if state not in FOLLOW_UP_LABELS or session.get(Agency, agency_id) is None:
        raise HTTPException(400, "未知的整改状态或机关 unknown follow-up state or agency")
    set_follow_up(session, agency_id=agency_id, year=year, state=state, note=note, by=_by(who))
    return RedirectResponse(f"/agencies/{agency_id}", status_code=303)


router.include_router(api)
router.include_router(pages)
