"""The planner's cost follows what is due, not how many alerts exist: a sweep loads no
outbox row whose group waits (for ``group_interval``, a silence or its message in flight),
and such rows are planned as soon as what held them back is over."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select

from alerts.notify import plan
from benchmarks.bench_outbox import populate
from models import Delivery, Notification, utcnow
from models.db import session_scope


def _loads(session, fn):  # type: ignore[no-untyped-def]
    """How many Delivery rows ``fn()`` loads from the database."""
    seen: list[int] = []

    def on_load(target, context) -> None:  # type: ignore[no-untyped-def]
        seen.append(target.id)

    event.listen(Delivery, "load", on_load)
    try:
        result = fn()
    finally:
        event.remove(Delivery, "load", on_load)
    return result, len(seen)


def test_a_sweep_loads_only_the_rows_due(settings) -> None:
    url = settings.effective_database_url
    config = populate(url, 200)  # 200 told, 20 waiting for group_interval, 10 muted, 1 new
    now = utcnow()
    with session_scope(url) as s:
        planned, first = _loads(s, lambda: plan(s, config=config, now=now))
        assert planned == 1 and first >= 31  # the first look reads every pending row once
    with session_scope(url) as s:
        planned, again = _loads(s, lambda: plan(s, config=config, now=now + timedelta(seconds=5)))
        assert (planned, again) == (0, 0)  # nothing due: nothing read
        waiting = s.exec(select(Delivery).where(Delivery.state == "pending")).all()
        assert len(waiting) == 30 and all(d.plan_after is not None for d in waiting)
    # an hour on, group_interval is over: the 20 waiting groups are due, and the 10 muted
    # rows are looked at again (still silenced): each due row read at most twice
    with session_scope(url) as s:
        for n in s.exec(select(Notification)).all():  # the first message went out
            n.state = "sent"
            s.add(n)
        s.commit()
        planned, loaded = _loads(s, lambda: plan(s, config=config, now=now + timedelta(hours=1, seconds=1)))
        assert planned == 20 and loaded <= 2 * (20 + 10)
        still = s.exec(select(Delivery).where(Delivery.state == "pending")).all()
        assert len(still) == 10 and all("silenced" in (d.last_error or "") for d in still)
