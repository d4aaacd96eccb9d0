"""Units of work on SQLite, in-process: leases, retries with backoff in the row, the final
P-UNPARSED of a crashing parser, idempotency, the reconciler's choice, crawl seasons."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from benchmarks.bench_pipeline import discover, make_agencies
from models import AgencyYear, DocumentVersion, Finding, Report, utcnow
from models.db import session_scope
from models.lease import claim, finish, lease_counts, request_run, retry_later

BJ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fast(settings):  # type: ignore[no-untyped-def]
    """Settings with retries a few milliseconds apart."""
    return settings.model_copy(update={"task_max_retries": 2, "retry_base_seconds": 0.01,
                                       "retry_max_seconds": 0.05, "retry_countdown_max": 5.0})


def _versions(settings, n: int, **kw) -> list[int]:  # type: ignore[no-untyped-def]
    return discover(settings, make_agencies(settings, n, **kw))


def test_a_lease_is_taken_once_and_a_retry_waits_in_the_row(settings, session) -> None:
    (vid,) = _versions(settings, 1)
    assert claim(session, DocumentVersion, vid, lease_seconds=60)
    assert not claim(session, DocumentVersion, vid, lease_seconds=60)  # leased
    later = utcnow() + timedelta(seconds=61)
    assert claim(session, DocumentVersion, vid, lease_seconds=60, now=later)  # lease expired: a dead worker
    retry_later(session, DocumentVersion, vid, delay=30, error="boom", now=later)
    assert not claim(session, DocumentVersion, vid, lease_seconds=60, now=later + timedelta(seconds=29))
    counts = lease_counts(session, DocumentVersion, now=later)
    assert counts["waiting"] == 1 and counts["pending"] == 1
    assert claim(session, DocumentVersion, vid, lease_seconds=60, now=later + timedelta(seconds=31))
    finish(session, DocumentVersion, vid)
    assert not claim(session, DocumentVersion, vid, lease_seconds=60, now=later + timedelta(days=1))  # done


def test_a_rerun_asked_during_an_evaluation_is_not_lost(settings, session) -> None:
    from workers.units import mark_evaluation

    make_agencies(settings, 1)
    unit = mark_evaluation(session, agency_id=1, year=2025)
    assert claim(session, AgencyYear, unit, lease_seconds=60)
    assert mark_evaluation(session, agency_id=1, year=2025) == unit  # a report arrives meanwhile
    assert finish(session, AgencyYear, unit) is True  # the worker must send it again
    session.expire_all()
    assert session.get(AgencyYear, unit).state == "pending"
    assert claim(session, AgencyYear, unit, lease_seconds=60)
    assert finish(session, AgencyYear, unit) is False
    request_run(session, AgencyYear, unit)
    session.expire_all()
    assert session.get(AgencyYear, unit).state == "pending"


def test_a_crashing_parser_ends_as_one_p_unparsed_finding_and_blocks_nothing(fast, monkeypatch) -> None:
    import workers.parse
    from workers.inline import drain

    real = workers.parse.parse_bytes
    calls: list[int] = []

    def crashing(data: bytes, **kw):  # type: ignore[no-untyped-def]
        if b"CRASH-ME" in data:
            calls.append(1)
            raise RuntimeError("parser crashed")
        return real(data, **kw)

    monkeypatch.setattr(workers.parse, "parse_bytes", crashing)
    versions = _versions(fast, 4, markers={1: "CRASH-ME"})
    drain(fast, [("process", v) for v in versions])
    assert len(calls) == fast.task_max_retries + 1  # every attempt, then no more
    with session_scope(fast.effective_database_url) as s:
        states = {v.id: v.state for v in s.exec(select(DocumentVersion)).all()}
        assert sorted(states.values()) == ["done", "done", "done", "failed"]
        bad = versions[1]
        unparsed = s.exec(select(Finding).where(Finding.rule == "P-UNPARSED")).all()
        assert [f.version_id for f in unparsed] == [bad]
        assert "RuntimeError" in (s.get(DocumentVersion, bad).last_error or "")
        assert len(s.exec(select(Report)).all()) == 3
        years = s.exec(select(AgencyYear)).all()
        assert len(years) == 4 and all(y.state == "done" for y in years)  # evaluated, the failed one too


def test_gkwatch_queues_shows_leases_and_the_last_error_per_stage(fast, monkeypatch, capsys) -> None:
    import workers.parse
    from gkwatch.cli import main
    from workers.inline import drain

    monkeypatch.setattr(workers.parse, "parse_bytes", lambda *a, **k: (_ for _ in ()).throw(ValueError("bad")))
    drain(fast, [("process", v) for v in _versions(fast, 2)])
    monkeypatch.setattr("ground.settings.get_settings", lambda: fast)
    assert main(["queues", "--format", "json"]) == 0
    import json

    state = json.loads(capsys.readouterr().out)
    assert state["queues"] is None  # embedded defaults: no broker
    assert state["leases"]["process"]["failed"] == 2 and state["leases"]["process"]["leased"] == 0
    assert state["errors"]["process"]["error"].startswith("ValueError: bad")
    assert state["errors"]["crawl"] is None
    assert main(["queues"]) == 0
    assert "last error process" in capsys.readouterr().out


def test_a_version_whose_workers_all_died_is_given_up_without_parsing(fast, monkeypatch) -> None:
    import workers.parse
    from workers.units import run_process_unit

    (vid,) = _versions(fast, 1)
    with session_scope(fast.effective_database_url) as s:
        v = s.get(DocumentVersion, vid)
        v.attempts = fast.task_max_retries + 1  # every attempt claimed, none finished (kill -9)
        s.add(v)
    monkeypatch.setattr(workers.parse, "parse_bytes", lambda *a, **k: pytest.fail("parsed a poison document"))
    follow = run_process_unit(fast, vid)
    assert [stage for stage, _ in follow] == ["evaluate"]
    with session_scope(fast.effective_database_url) as s:
        assert s.get(DocumentVersion, vid).state == "failed"
        assert [f.rule for f in s.exec(select(Finding)).all()] == ["P-UNPARSED"]


def test_running_a_unit_twice_changes_nothing(settings) -> None:
    from workers.units import run_evaluate_unit, run_process_unit

    (vid,) = _versions(settings, 1)

    def snapshot() -> tuple:
        with session_scope(settings.effective_database_url) as s:
            return (sorted((f.rule, f.status) for f in s.exec(select(Finding)).all()),
                    [r.id for r in s.exec(select(Report)).all()])

    follow = run_process_unit(settings, vid)
    first = snapshot()
    assert run_process_unit(settings, vid) == []  # redelivered: done already
    with session_scope(settings.effective_database_url) as s:  # crashed after the work, before the ack
        v = s.get(DocumentVersion, vid)
        v.state = "pending"
        s.add(v)
    run_process_unit(settings, vid)
    again = snapshot()
    assert again[0] == first[0] and len(again[1]) == 1  # same findings, still one report
    (stage, unit), = follow
    assert stage == "evaluate"
    run_evaluate_unit(settings, unit)
    assert run_evaluate_unit(settings, unit) == []


def test_the_reconciler_resends_lost_messages_only_where_the_queue_is_empty(settings) -> None:
    from workers.tasks import reconcile

    versions = _versions(settings, 3)
    with session_scope(settings.effective_database_url) as s:
        claim(s, DocumentVersion, versions[0], lease_seconds=-1)  # its worker died: lease already over
    backlog = reconcile(settings, depths={"process": 5, "evaluate": 0, "crawl": 0, "notify": 0})
    assert [w for w in backlog if w[0] == "process"] == [("process", versions[0])]
    lost = reconcile(settings, depths={"process": 0, "evaluate": 0, "crawl": 0, "notify": 0})
    assert sorted(u for st, u in lost if st == "process") == sorted(versions)
    assert ("deliver", 0) in lost


@pytest.mark.parametrize("when,expected", [
    (datetime(2026, 6, 1, 12, tzinfo=BJ), 24.0),
    (datetime(2026, 1, 20, 12, tzinfo=BJ), 6.0),
    (datetime(2026, 2, 1, 12, tzinfo=BJ), 1.0),
    (datetime(2026, 3, 30, 12, tzinfo=BJ), 1.0),
    (datetime(2026, 4, 12, 12, tzinfo=BJ), 6.0),
    (datetime(2026, 12, 30, 12, tzinfo=BJ), 24.0),
])
def test_portals_are_crawled_more_often_around_the_deadlines(when: datetime, expected: float) -> None:
    from workers.units import crawl_interval

    assert crawl_interval(when, 24.0) == expected
    assert crawl_interval(when, 0.5) == 0.5  # never less often than the portal asks


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler sees it."""


def test_a_worker_killed_as_it_finishes_a_document_loses_no_evaluation(settings, monkeypatch) -> None:
    import workers.units as units

    (vid,) = _versions(settings, 1)
    real_finish = units.finish

    def die_at_finish(session, model, unit_id, **kw):  # type: ignore[no-untyped-def]
        if model is DocumentVersion:
            raise _Killed()
        return real_finish(session, model, unit_id, **kw)

    monkeypatch.setattr(units, "finish", die_at_finish)
    with pytest.raises(_Killed):
        units.run_process_unit(settings, vid)
    monkeypatch.setattr(units, "finish", real_finish)
    with session_scope(settings.effective_database_url) as s:
        v = s.get(DocumentVersion, vid)
        assert v.state == "running"  # its worker is gone; the lease will expire
        (ay,) = s.exec(select(AgencyYear)).all()
        assert ay.state == "pending" and ay.evaluated_at is None  # the verdict is still asked for
        v.lease_until = utcnow() - timedelta(seconds=1)
        s.add(v)
    follow = units.run_process_unit(settings, vid)  # the reconciler sends it again
    assert [st for st, _ in follow] == ["evaluate"]
    units.run_evaluate_unit(settings, follow[0][1])
    with session_scope(settings.effective_database_url) as s:
        assert s.get(DocumentVersion, vid).state == "done"
        assert s.exec(select(AgencyYear)).one().evaluated_at is not None
        assert len(s.exec(select(Report)).all()) == 1


def test_a_portal_due_again_keeps_its_one_open_crawl_run(settings) -> None:
    from models import AgencyCreate, CrawlRun
    from models.crud import upsert_agency, upsert_portal
    from workers.stages.crawl import schedule_crawl

    with session_scope(settings.effective_database_url) as s:
        a = upsert_agency(s, data=AgencyCreate(name="示例区档案局", kind="部门"))
        p = upsert_portal(s, agency_id=a.id, list_urls=["http://127.0.0.1:1/nb/"], allowed_hosts=["127.0.0.1"])
        s.commit()
        first = schedule_crawl(s, portal_id=p.id)
        # beat ticks and restarts while the run waits or runs: still that one run
        assert schedule_crawl(s, portal_id=p.id) == first
        assert claim(s, CrawlRun, first, lease_seconds=60)
        assert schedule_crawl(s, portal_id=p.id) == first
        finish(s, CrawlRun, first)
        second = schedule_crawl(s, portal_id=p.id)  # done: the next schedule is a new run
        assert second != first
        assert len(s.exec(select(CrawlRun)).all()) == 2
