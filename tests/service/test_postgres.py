"""The same migrations and alert lifecycle on a real PostgreSQL server."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from tests.support.procs import postgres_server

pytestmark = pytest.mark.slow
BJ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        yield url


def test_migrations_create_every_table_and_are_idempotent(pg_url) -> None:
    from sqlmodel import SQLModel

    import models  # noqa: F401
    from models.db import get_engine, upgrade

    upgrade(pg_url)
    upgrade(pg_url)  # a second upgrade is a no-op
    tables = set(inspect(get_engine(pg_url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_evaluation_and_outbox_on_postgres(pg_url) -> None:
    from alerts.evaluate import evaluate_agency_year
    from alerts.policy import DeadlinePolicy
    from alerts.routes import Receiver, Route
    from models import AgencyCreate, Alert, Delivery
    from models.crud import upsert_agency
    from models.db import get_engine, upgrade

    upgrade(pg_url)
    with Session(get_engine(pg_url)) as s:
        agency = upsert_agency(s, data=AgencyCreate(name="示例区民政局", kind="部门"))
        s.commit()
        routes = [Route(receivers=(Receiver("webhook", "http://127.0.0.1:9/x"),))]
        row = evaluate_agency_year(s, agency_id=agency.id, year=2024, policy=DeadlinePolicy(), routes=routes,
                                   now=datetime(2025, 2, 2, tzinfo=BJ))
        assert row.status == "missing"
        assert row.deadline is not None and row.deadline.tzinfo is not None
        assert row.deadline.astimezone(BJ).date().isoformat() == "2025-01-31"
        alert = s.exec(select(Alert)).one()
        assert alert.kind == "P-MISSING" and alert.state == "firing"
        assert s.exec(select(Delivery)).one().event == "firing"
