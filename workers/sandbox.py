"""Reading a document in a child process with a time limit (the embedded service).

Celery bounds a unit of work with its hard time limit: the pool child is killed and the
unit retried. The embedded service (``gkwatch serve`` without Redis) runs units in its own
process, where one document that takes too long would stall every portal behind it. This
module gives it the same bound: the pure part of the process stage (bytes → report) runs
in a child, and a child over ``limit`` seconds is killed and the unit fails with
:class:`~gkwatch.errors.TimeLimitExceeded` (retried like any failure, then P-UNPARSED).

The child comes from a ``forkserver`` that has already imported the parsers, so it starts
in milliseconds and never inherits the service's threads or open database connections
(a plain ``fork`` of a threaded process can inherit a held lock). One child serves one
document after another until it is killed or closed.
"""
from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import signal
import threading
from typing import Any

from gkwatch.errors import DocumentError, TimeLimitExceeded

log = logging.getLogger("gkwatch.sandbox")

#: imported once by the fork server, so a new child does not import them again
PRELOAD = ["workers.parse", "workers.extract"]


def _child(conn: multiprocessing.connection.Connection) -> None:
    from gkwatch.procs import die_with_parent
    from workers.parse import parse_bytes

    die_with_parent()  # the fork server dies with the service; this child with the server
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the service, which stops us
    while True:
        try:
            data, kw = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", parse_bytes(data, **kw)))
        except DocumentError as exc:
            # rebuilt by the parent: the subclass and its source, whatever its pickling
            text = str(exc)
            if exc.source and text.startswith(f"{exc.source}: "):
                text = text[len(exc.source) + 2:]
            conn.send(("document", (type(exc), text, exc.source)))
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which records it
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class ParseSandbox:
    """``parse(data, filename=…, content_type=…)`` like :func:`workers.parse.parse_bytes`,
    run in a child process and killed after ``limit`` seconds. Thread-safe (one
    document at a time)."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(PRELOAD)
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: multiprocessing.connection.Connection | None = None

    def _start(self) -> multiprocessing.connection.Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self._close_child()
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_child, args=(child,), name="gkwatch-parse", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        return parent

    def parse(self, data: bytes, **kw: Any) -> dict[str, Any]:
        with self._lock:
            conn = self._start()
            try:
                conn.send((data, kw))
                # the answer, or the child's end (killed, crashed) seen by its sentinel
                ready = conn in multiprocessing.connection.wait([conn, self._proc.sentinel], self.limit)
            except (BrokenPipeError, OSError):
                ready = False
            if not ready:
                self._proc.join(0.1)
                died = not self._proc.is_alive()
                code = self._proc.exitcode
                self._close_child()
                if died:
                    raise RuntimeError(f"解析进程意外退出（退出码 {code}）/ the parsing process died (exit code {code})")
                raise TimeLimitExceeded(f"读取文档超过时限 {self.limit:g} 秒，已终止 / reading the document took "
                                        f"longer than {self.limit:g} s and was stopped", limit=self.limit)
            try:
                status, value = conn.recv()
            except (EOFError, OSError):
                self._close_child()
                raise RuntimeError("解析进程意外退出 / the parsing process died") from None
        if status == "ok":
            return value  # type: ignore[no-any-return]
        if status == "document":
            cls, message, source = value
            raise cls(message, source=source)
        raise RuntimeError(value)

    def _close_child(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._proc = None

    def close(self) -> None:
        with self._lock:
            self._close_child()

    def __enter__(self) -> "ParseSandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
