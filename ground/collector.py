"""Pausing Python's cycle collector while one document is parsed.

Parsing a report allocates tens of thousands of small objects (cells, rows, readings)
that stay alive until the report is built and are then freed by reference counting: a
cycle search finds nothing among them. CPython still starts a collection every 700 net
allocations, so the document's objects are scanned, survive, are promoted, and every
few documents push the collector into a scan of the whole heap (the worker's imports,
tens of thousands of objects). Measured on the corpus pages (issue 18): ≈ 3.5 ms of
collections in ≈ 30 ms of parsing seven HTML pages, and a parse 16% faster with the
collector paused. Mercurial pauses it around its large parses for the same reason.

The pause is process-wide (CPython has one collector), so it is counted: nested or
concurrent scopes (threads) resume the collector when the last one ends, and only if it
was running when the first began. Garbage with cycles made inside a scope waits for the
first collection after it; the parser makes none (``tests/documents/
test_extract_native.py`` checks an HTML parse leaves no cycle behind).
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False  # whether the collector ran when the outermost scope began


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection inside the block (reference counting frees as always)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
