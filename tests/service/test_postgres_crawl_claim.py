"""Two crawl workers choosing their batches at the same moment on a real PostgreSQL server.

Politeness is per host: a host's portals must all land in one batch, or be left for later,
never split over two crawl processes that would then hit the host together. On PostgreSQL
two transactions under READ COMMITTED would each see the other's choice too late, so the
choice is made under an advisory lock (``workers.stages.crawl.claim_crawl_batch``).
"""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from tests.support.procs import postgres_server

pytestmark = pytest.mark.slow

HOSTS = 6          # hosts, each with PER_HOST portals, one pending crawl run each
PER_HOST = 4
ROUNDS = 8         # each round: fresh runs, two claimers released together


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        yield url


def _portals(session: Session) -> list[int]:
    from models import Agency, Portal

    ids = []
    for h in range(HOSTS):
        for p in range(PER_HOST):
            agency = Agency(name=f"第{h}-{p}号局")
            session.add(agency)
            session.flush()
            portal = Portal(agency_id=agency.id, list_urls=[f"http://127.0.3.{h + 1}:8000/p{p}/"])
            session.add(portal)
            session.flush()
            ids.append(portal.id)
    session.commit()
    return ids


def _claim(engine, barrier, claimed, errors, i, run_id, settings) -> None:
    """One crawl worker choosing its batch, released together with the other."""
    from workers.stages.crawl import claim_crawl_batch

    try:
        with Session(engine) as s:
            barrier.wait(timeout=10)
            claimed[i] = claim_crawl_batch(s, run_id=run_id, settings=settings, lease_seconds=600)
    except BaseException as exc:  # noqa: BLE001 - reported by the test's assertion
        errors.append(exc)


def test_two_concurrent_batch_claims_never_share_a_host(pg_url) -> None:
    from models import CrawlRun, Portal
    from models.db import get_engine, upgrade
    from workers.stages.crawl import claim_crawl_batch, schedule_crawl

    upgrade(pg_url)
    engine = get_engine(pg_url)
    # a batch takes two hosts' worth of runs: both claimers find work, a host may be cut
    settings = SimpleNamespace(crawl_batch_portals=2 * PER_HOST)
    with Session(engine) as s:
        portal_ids = _portals(s)
        host_of = {pid: url[0].split("/")[2] for pid, url in
                   s.exec(select(Portal.id, Portal.list_urls).where(Portal.id.in_(portal_ids)))}  # type: ignore[union-attr]

    for round_ in range(ROUNDS):
        with Session(engine) as s:
            for run in s.exec(select(CrawlRun).where(CrawlRun.state != "done")):
                run.state = "done"
                s.add(run)
            s.commit()
            runs = [schedule_crawl(s, portal_id=pid) for pid in portal_ids]
            portal_of = {r: p for r, p in s.exec(select(CrawlRun.id, CrawlRun.portal_id).where(CrawlRun.id.in_(runs)))}  # type: ignore[attr-defined]
        # the two claimers start from runs of different hosts, released by one barrier
        starts = (runs[0], runs[-1])
        barrier = threading.Barrier(2)
        claimed: list[list[int]] = [[], []]
        errors: list[BaseException] = []

        threads = [threading.Thread(target=_claim, args=(engine, barrier, claimed, errors, i, starts[i], settings))
                   for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors, errors
        hosts = [{host_of[portal_of[r]] for r in batch} for batch in claimed]
        # whichever chose first, the other chose around it: no run and no host in both
        assert claimed[0] or claimed[1]
        assert not set(claimed[0]) & set(claimed[1]), (round_, claimed)
        assert not hosts[0] & hosts[1], (round_, hosts)
        with Session(engine) as s:
            running = set(s.exec(select(CrawlRun.id).where(CrawlRun.state == "running")))
            assert running == set(claimed[0]) | set(claimed[1])
            # a third batch now takes only hosts neither of the two holds
            rest = [r for r in runs if r not in running]
            third = claim_crawl_batch(s, run_id=rest[0], settings=settings, lease_seconds=600) \
                if rest and host_of[portal_of[rest[0]]] not in hosts[0] | hosts[1] else []
        third_hosts = {host_of[portal_of[r]] for r in third}
        assert not third_hosts & (hosts[0] | hosts[1]), (round_, third_hosts, hosts)
