"""The service's one clock.

Everything that asks "what time is it" for a decision — leases, retries, deadlines,
notification timers — asks ``now()``. Tests and drills replace the clock (``use``) to
live through a receiver's outage of days, or a deadline, in milliseconds; production
never does. Imports nothing of the project: every layer may use it.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

_source: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # noqa: E731


def now() -> datetime:
    """Aware UTC now, from the clock in use."""
    return _source()


class FrozenClock:
    """A clock that moves only when told to (``advance``)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock needs an aware datetime")
        self.current = start.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@contextmanager
def use(clock: Callable[[], datetime]) -> Iterator[Callable[[], datetime]]:
    """Run with ``clock`` as the service's clock, then put the previous one back."""
    global _source
    previous, _source = _source, clock
    try:
        yield clock
    finally:
        _source = previous
