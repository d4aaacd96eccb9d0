"""How many messages wait in each Celery queue, read from Redis without building the
Celery app (metrics, ``gkwatch queues`` and the reconciler ask this)."""
from __future__ import annotations

import redis

from workers.units import QUEUES

#: kombu's Redis transport keeps one list per queue and priority step
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_depths(redis_url: str) -> dict[str, int]:
    """Messages waiting in each queue (not counting those reserved by a worker)."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        return {q: sum(int(client.llen(q + sfx)) for sfx in _PRIORITY_SUFFIXES) for q in QUEUES}
    finally:
        client.close()
