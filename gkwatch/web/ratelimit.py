"""Login attempts per client address, in memory.

A sliding window of 60 s per address: enough against guessing tokens over the network
(five tries a minute is ~2.6 million a year, against a 128-bit token), small enough to
keep in a dict. Each web process counts on its own and forgets on restart; that is the
trade-off for needing no Redis in the one-machine setup (docs/operations.md).
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from threading import Lock

WINDOW = 60.0
#: addresses tracked at most; the least recently seen is forgotten first (bounded memory)
MAX_CLIENTS = 10_000


class LoginLimiter:
    """``hit(address)`` records an attempt; it returns 0 when the attempt may go on, or the
    seconds (rounded up) until the address may try again."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._max = max_clients
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = Lock()  # the sync login route runs in a thread pool

    def hit(self, address: str) -> int:
        now = self._clock()
        with self._lock:
            times = self._seen.pop(address, None) or deque()
            while times and times[0] <= now - WINDOW:
                times.popleft()
            self._seen[address] = times  # now the most recently seen
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
            if len(times) >= self.per_minute:
                # refused attempts are not counted: waiting Retry-After seconds is enough
                return max(1, math.ceil(times[0] + WINDOW - now))
            times.append(now)
            return 0
