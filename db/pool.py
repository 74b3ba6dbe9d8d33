"""A small, thread-safe connection pool that waits for a free connection.

mysql-connector's own pool fails at once when it is empty; a busy counter should wait a
moment instead. Invariants: at most `size` connections exist (idle + lent); a lent
connection comes back through `release` exactly once; a broken one is closed, not reused.
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable

from db.errors import PoolExhausted

# A connection idle longer than this is pinged before it is lent out again, so one the
# server closed meanwhile (wait_timeout, restart) is replaced instead of failing a request.
STALE_AFTER_S = 30.0


class Pool:
    def __init__(self, connect: Callable[[], Any], size: int, timeout_s: float):
        self._connect = connect
        self._timeout_s = timeout_s
        self._slots = threading.BoundedSemaphore(size)
        self._idle: queue.LifoQueue[tuple[Any, float]] = queue.LifoQueue()
        self._closed = False

    def acquire(self) -> Any:
        """A live connection; waits up to the pool timeout for one to be free."""
        if not self._slots.acquire(timeout=self._timeout_s):
            raise PoolExhausted(
                f"no free database connection after {self._timeout_s:g} s; the database "
                f"is busy or slow")
        try:
            return self._take_idle() or self._connect()
        except BaseException:
            self._slots.release()
            raise

    def _take_idle(self) -> Any | None:
        while True:
            try:
                conn, since = self._idle.get_nowait()
            except queue.Empty:
                return None
            if time.monotonic() - since < STALE_AFTER_S or _alive(conn):
                return conn
            _close(conn)

    def release(self, conn: Any, broken: bool = False) -> None:
        if broken or self._closed:
            _close(conn)
        else:
            self._idle.put((conn, time.monotonic()))
        self._slots.release()

    def close(self) -> None:
        """Close the idle connections; lent ones are closed as they come back."""
        self._closed = True
        while True:
            try:
                conn, _ = self._idle.get_nowait()
            except queue.Empty:
                return
            _close(conn)


def _alive(conn: Any) -> bool:
    try:
        conn.ping(reconnect=False)
        return True
    except Exception:
        return False


def _close(conn: Any) -> None:
    try:
        conn.close()
    except Exception:
        pass  # already gone: nothing more to release
