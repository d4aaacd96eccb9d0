"""One function per unit of work: claim its lease, run its stage, release, and return
the follow-up work. Celery tasks and the in-process runner both call these, so the two
modes behave the same; the database row is the source of truth, the message only a hint.

Failures: a unit that raises goes back to ``pending`` with a "not before" time
(exponential backoff with jitter, kept in the row) and :class:`RetryLater` tells the
caller when to try again. After ``task_max_retries`` retries it ends for good: a
document version that never parses becomes one P-UNPARSED finding and state ``failed``,
and the pipeline goes on (its agency-year is still evaluated).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, delete, select

from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.outbox import deliver_due
from alerts.policy import BEIJING, DeadlinePolicy, end_of_day
from ground.catalogue import publication_finding
from ground.errors import CrawlError
from ground.telemetry import capture, unit_scope
from models import (
    Agency,
    AgencyYear,
    CrawlRun,
    Delivery,
    Document,
    DocumentVersion,
    Finding,
    Portal,
    utcnow,
)
from models.db import session_scope
from models.lease import backoff as lease_backoff
from models.lease import claim, finish, insert_or_rerun, reclaim_expired, retry_later
from workers.stages.crawl import Skipped, claim_crawl_batch, crawl_runs
from workers.stages.ingest import IngestResult
from workers.stages.process import next_year_report, process_version

log = logging.getLogger("gkwatch.units")

#: a follow-up: (stage name, unit id)
Work = tuple[str, int]


class RetryLater(Exception):
    """A unit failed and is ``pending`` again, claimable after ``delay`` seconds."""

    def __init__(self, stage: str, unit: int, delay: float, cause: BaseException) -> None:
        super().__init__(f"{stage} unit {unit} failed ({type(cause).__name__}: {cause}); retry in {delay:.1f}s")
        self.stage, self.unit, self.delay, self.cause = stage, unit, delay, cause


def backoff(attempts: int, settings: Any) -> float:
    """Delay before attempt ``attempts + 1`` of a stage's unit (:func:`models.lease.backoff`)."""
    return lease_backoff(attempts, base=settings.retry_base_seconds, cap=settings.retry_max_seconds)


def max_attempts(settings: Any) -> int:
    return int(settings.task_max_retries) + 1


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


# --- scheduling -----------------------------------------------------------------------

#: crawl more often around each deadline of the policy: (days around it, hours between
#: crawls) — the widest window first, the tightest last
CRAWL_SEASONS: tuple[tuple[int, float], ...] = ((21, 6.0), (3, 1.0))


def crawl_interval(now: datetime, base_hours: float, policy: DeadlinePolicy | None = None) -> float:
    """Hours until a portal's next crawl: its own interval, shortened in the weeks around
    every deadline the policy knows (reports appear, change, get re-dated)."""
    local = now.astimezone(BEIJING)
    hours = base_hours
    for mmdd in sorted((policy or DeadlinePolicy()).dates()):
        for year in (local.year - 1, local.year, local.year + 1):
            distance = abs(local - end_of_day(mmdd, year))
            for days, season_hours in CRAWL_SEASONS:
                if distance <= timedelta(days=days):
                    hours = min(hours, season_hours)
    return hours


def mark_evaluation(session: Session, *, agency_id: int, year: int) -> int:
    """Ask for an agency-year to be (re-)evaluated; returns its unit id.

    A new agency-year is created ``pending``; a finished one becomes ``pending`` again; a
    row being evaluated right now becomes ``rerun``: its worker sends it again when it
    ends, so a report that arrives during an evaluation is never missed. One statement
    (:func:`models.lease.insert_or_rerun`), committed at once.
    """
    fresh = AgencyYear(agency_id=agency_id, year=year).model_dump(exclude={"id", "agency_id", "year"})
    unit = insert_or_rerun(session, AgencyYear, keys={"agency_id": agency_id, "year": year}, values=fresh)
    session.commit()
    return unit


def report_years(now: datetime) -> list[int]:
    """The report years still worth watching at ``now`` (Beijing time): last year's
    report is due in the first months of this year, and the year before stays visible."""
    year = now.astimezone(BEIJING).year
    return [year - 2, year - 1]


def mark_due_evaluations(settings: Any, *, now: datetime | None = None,
                         years: list[int] | None = None) -> list[Work]:
    """Every agency's open report years, marked for evaluation (deadlines pass silently)."""
    years = years or report_years(now or utcnow())
    with session_scope(settings.effective_database_url) as s:
        ids = [a.id for a in s.exec(select(Agency)).all()]
        return [("evaluate", mark_evaluation(s, agency_id=a, year=y)) for a in ids for y in years]  # type: ignore[arg-type]


# --- the units --------------------------------------------------------------------------

def run_crawl_unit(settings: Any, run_id: int) -> list[Work]:
    """Claim this crawl run and up to ``crawl_batch_portals - 1`` other due ones, crawl
    them in one child process, then finish each run on its own: a failed portal is
    recorded (or retried) alone, a run the batch had no time for is sent on again."""
    with session_scope(settings.effective_database_url) as s:
        run_ids = claim_crawl_batch(s, run_id=run_id, settings=settings,
                                    lease_seconds=STAGES["crawl"].lease(settings))
        if not run_ids:
            return []
        try:
            outcomes: dict[int, Any] = crawl_runs(s, run_ids=run_ids, settings=settings)
        except Exception as exc:  # the batch could not run at all: each run retries alone
            s.rollback()
            outcomes = {rid: exc for rid in run_ids}
        follow: list[Work] = []
        for rid in run_ids:
            follow += _after_crawl(s, settings, rid, outcomes.get(rid, IngestResult()))
        return follow


def _after_crawl(s: Session, settings: Any, run_id: int, outcome: Any) -> list[Work]:
    """One run of a batch: its follow-ups (versions to process, agency-years to evaluate)."""
    run = s.get(CrawlRun, run_id)
    portal = s.get(Portal, run.portal_id) if run else None
    agency = s.get(Agency, portal.agency_id) if portal else None
    with unit_scope("crawl", run_id, portal=portal.id if portal else None,
                    list_url=(portal.list_urls or [None])[0] if portal else None,
                    agency=agency.name if agency else None):
        if isinstance(outcome, Skipped):  # pending again: the next batch takes it
            return [("crawl", run_id)]
        if isinstance(outcome, CrawlError):  # recorded as failed; the portal is retried soon
            log.warning("crawl run %s failed: %s", run_id, outcome)
            capture(outcome, level="warning")
            return []
        if isinstance(outcome, Exception):
            try:
                _failed(s, CrawlRun, "crawl", run_id, outcome, settings)
            except RetryLater as later:  # its row says when; the reconcile tick sends it then
                log.info("%s", later)
            return []
    result: IngestResult = outcome
    if portal is not None:  # crawl more often in the weeks around the deadlines
        s.refresh(portal)
        portal.next_crawl_at = (portal.last_crawl_at or utcnow()) + timedelta(
            hours=crawl_interval(portal.last_crawl_at or utcnow(), portal.crawl_interval_hours,
                                 load_config(settings).policy))
        s.add(portal)
        s.commit()
    follow: list[Work] = [("process", v) for v in result.new_versions]
    if not result.new_versions and portal is not None:
        follow += [("evaluate", mark_evaluation(s, agency_id=portal.agency_id, year=y))
                   for y in sorted(result.years)]
    return follow


def _failed(session: Session, model: Any, stage: str, unit: int, exc: BaseException, settings: Any) -> list[Work]:
    """Record a failed attempt; retry later, or give up for good after the last one."""
    row = session.get(model, unit)
    attempts = row.attempts if row is not None else 0
    if attempts >= max_attempts(settings):
        log.error("%s unit %s failed for good after %s attempts: %s", stage, unit, attempts, exc,
                  extra={"stage": stage, "unit": unit, "attempts": attempts})
        capture(exc)
        finish(session, model, unit, state="failed", error=_error_text(exc))
        return []
    delay = backoff(attempts, settings)
    log.warning("%s unit %s failed (attempt %s), retry in %.1fs: %s", stage, unit, attempts, delay, exc,
                extra={"stage": stage, "unit": unit, "attempts": attempts, "retry_in": round(delay, 1)})
    retry_later(session, model, unit, delay=delay, error=_error_text(exc))
    raise RetryLater(stage, unit, delay, exc) from exc


def _give_up_version(session: Session, version: DocumentVersion, doc: Document, error: str,
                     attempts: int) -> None:
    """A version that crashed the parser on every attempt: one P-UNPARSED finding, ``failed``."""
    session.exec(delete(Finding).where(Finding.version_id == version.id))  # type: ignore[call-overload]
    f = publication_finding("P-UNPARSED", "given_up", where={"document": doc.url, "attempts": attempts},
                            expected="three tables", actual=error.split(":", 1)[0], attempts=attempts,
                            error=error[:200], url=doc.url)
    session.add(Finding.stored(f, agency_id=doc.agency_id, year=doc.year, version_id=version.id))
    session.commit()
    finish(session, DocumentVersion, version.id, state="failed", error=error)  # type: ignore[arg-type]


def run_process_unit(settings: Any, version_id: int, *, parse: Callable[..., Any] | None = None) -> list[Work]:
    with session_scope(settings.effective_database_url) as s:
        if not claim(s, DocumentVersion, version_id, lease_seconds=STAGES["process"].lease(settings)):
            return []
        # the version, its document and agency in one read; process_version finds them in
        # the session's identity map
        loaded = s.exec(select(DocumentVersion, Document, Agency)
                        .join(Document, Document.id == DocumentVersion.document_id)  # type: ignore[arg-type]
                        .outerjoin(Agency, Agency.id == Document.agency_id)  # type: ignore[arg-type]
                        .where(DocumentVersion.id == version_id)).first()
        if loaded is None:
            finish(s, DocumentVersion, version_id)
            return []
        version, doc, agency = loaded

        def given_up() -> list[Work]:  # its agency-year is still evaluated (P-UNPARSED counts)
            if not (doc.agency_id and doc.year):
                return []
            return [("evaluate", mark_evaluation(s, agency_id=doc.agency_id, year=doc.year))]

        with unit_scope("process", version_id, document=doc.url, agency=agency.name if agency else None,
                        year=doc.year, sha256=version.sha256):
            if version.attempts > max_attempts(settings):
                # earlier attempts died without a word (the worker was killed): stop trying
                err = version.last_error or "the worker died while processing it"
                capture(RuntimeError(f"giving up on {doc.url}: {err}"))
                follow = given_up()  # asked for first, as below
                _give_up_version(s, version, doc, err, version.attempts - 1)
                return follow
            seen: dict[str, Any] = {}
            try:
                agency_id, year = process_version(s, version_id=version_id, parse=parse, seen=seen)
            except Exception as exc:
                s.rollback()
                if version.attempts >= max_attempts(settings):
                    log.error("document %s failed for good after %s attempts: %s", doc.url, version.attempts, exc)
                    capture(exc)
                    follow = given_up()
                    _give_up_version(s, version, doc, _error_text(exc), version.attempts)
                    return follow
                _failed(s, DocumentVersion, "process", version_id, exc, settings)
        # the evaluation is asked for before the version is finished: a worker killed in
        # between leaves the version leased, so it is processed again (idempotent) and
        # its verdict is never lost; the other order would lose it for good
        follow: list[Work] = []
        if agency_id is not None and year is not None:
            follow.append(("evaluate", mark_evaluation(s, agency_id=agency_id, year=year)))
            has_next = seen.get("next_year")
            if has_next is None:  # not looked up while processing (a year whose tables are not audited)
                has_next = next_year_report(s, agency_id=agency_id, year=year) is not None
            if has_next:  # its X-* rules were redone
                follow.append(("evaluate", mark_evaluation(s, agency_id=agency_id, year=year + 1)))
        finish(s, DocumentVersion, version_id)
        return follow


def run_evaluate_unit(settings: Any, unit_id: int, *, now: datetime | None = None) -> list[Work]:
    with session_scope(settings.effective_database_url) as s:
        if not claim(s, AgencyYear, unit_id, lease_seconds=STAGES["evaluate"].lease(settings)):
            return []
        # the unit and its agency in one read (evaluate_agency_year finds the agency in
        # the session's identity map)
        loaded = s.exec(select(AgencyYear, Agency).outerjoin(Agency, Agency.id == AgencyYear.agency_id)  # type: ignore[arg-type]
                        .where(AgencyYear.id == unit_id)).first()
        assert loaded is not None
        row, agency = loaded
        with unit_scope("evaluate", unit_id, agency=agency.name if agency else None, year=row.year):
            try:
                # committed with the end of the lease below: verdict and "done" together
                evaluate_agency_year(s, agency_id=row.agency_id, year=row.year, unit=row,
                                     config=load_config(settings), now=now or utcnow(), commit=False)
            except Exception as exc:
                s.rollback()
                return _failed(s, AgencyYear, "evaluate", unit_id, exc, settings)
        again = finish(s, AgencyYear, unit_id)
        return [("deliver", 0)] + ([("evaluate", unit_id)] if again else [])


def run_deliver_unit(settings: Any, _unit: int = 0, *, now: datetime | None = None) -> list[Work]:
    """Sweep the outbox: ``deliver_due`` claims every Delivery row (lease per row) before
    it sends it, so concurrent sweeps never send a row twice; rows whose sweeper died
    are made pending again first."""
    with session_scope(settings.effective_database_url) as s, unit_scope("deliver", 0):
        reclaim_expired(s, Delivery)
        try:
            rep = deliver_due(s, settings=settings, now=now, lease_seconds=STAGES["deliver"].lease(settings))
        except Exception as exc:
            s.rollback()
            capture(exc)
            raise RetryLater("deliver", 0, backoff(1, settings), exc) from exc
        if rep.sent or rep.failed or rep.dead:
            log.info("deliveries: %s sent, %s to retry, %s dead", rep.sent, rep.failed, rep.dead)
    return []


# --- the stage table -----------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """What a stage is, in one place: the units (``workers.units``), the Celery tasks and
    routes (``workers.tasks``, ``workers.app``), the in-process runner (``workers.inline``),
    the reconciler and the metrics all read this table."""

    name: str
    #: the table holding its units (state, lease); None: deliveries are swept, each
    #: Delivery row leased on its own (``alerts.outbox``)
    table: Any | None
    queue: str
    task: str
    runner: Callable[..., list[Work]]
    #: seconds a claim holds, from the settings
    lease: Callable[[Any], int]


STAGES: dict[str, Stage] = {st.name: st for st in (
    # the lease outlives the crawl task's hard time limit (the child's + 120 s), and the
    # ingest of a whole batch after it
    Stage("crawl", CrawlRun, "crawl", "gkwatch.crawl", run_crawl_unit,
          lambda settings: int(settings.crawl_child_timeout) + 300),
    Stage("process", DocumentVersion, "process", "gkwatch.process", run_process_unit,
          lambda settings: int(settings.lease_seconds)),
    Stage("evaluate", AgencyYear, "evaluate", "gkwatch.evaluate", run_evaluate_unit,
          lambda settings: int(settings.lease_seconds)),
    # short, latency-sensitive: shares its queue with the beat ticks
    Stage("deliver", None, "notify", "gkwatch.deliver", run_deliver_unit,
          lambda settings: int(settings.notify_lease_seconds)),
)}

#: the beat ticks' queue: never behind a parsing backlog
TICK_QUEUE = "notify"
#: every queue a worker may consume, in pipeline order
QUEUES: tuple[str, ...] = tuple(dict.fromkeys([*(st.queue for st in STAGES.values()), TICK_QUEUE]))
