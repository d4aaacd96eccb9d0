"""The one backoff curve of the service: unit retries, broker retries, outbox retries.

Doubling from a base, capped, with the upper half jittered so that many units failing
together (a database restart) do not come back together. Imports nothing of the project.
"""
from __future__ import annotations

import random

#: a receiver's Retry-After is honoured up to this many seconds
RETRY_AFTER_CAP = 24 * 3600.0


def backoff(attempts: int, *, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt ``attempts + 1``: ``base`` doubled per earlier
    attempt, at most ``cap``, drawn from its upper half. A server's ``retry_after`` wins
    (at least a second, at most a day)."""
    if retry_after is not None:
        return min(max(retry_after, 1.0), RETRY_AFTER_CAP)
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
