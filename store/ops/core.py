"""Core ops: hello, ping, time, status and the test clock."""
from __future__ import annotations

import time
from typing import Any, Callable

from db.database import Database
from db.errors import AccessDenied, DatabaseMissing, DbError
from store import __version__, protocol
from store.clock import Clock, to_wire
from store.events import EventHub
from store.locks import LockService
from store.connection import Connection
from store.sessions import SessionService


class CoreOps:
    # Ops that only read memory run on the server's loop thread (store/dispatch.py).
    INLINE = frozenset({"hello", "ping", "time", "clock.advance"})

    def __init__(self, clock: Clock, connection_count: Callable[[], int],
                 database: Database | None = None, sessions: SessionService | None = None,
                 locks: LockService | None = None, hub: EventHub | None = None):
        self.clock = clock
        self.database = database
        self.sessions, self.locks, self.hub = sessions, locks, hub
        self._connection_count = connection_count
        self._started = time.monotonic()

    def handlers(self) -> dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]]:
        return {
            "hello": self.hello,
            "ping": self.ping,
            "time": self.time,
            "status": self.status,
            "clock.advance": self.clock_advance,
        }

    def hello(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return {"server": "videostore", "version": __version__,
                "protocol": protocol.VERSION, "time": to_wire(self.clock.now()),
                "test_clock": self.clock.adjustable}

    def ping(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return {"pong": True}

    def time(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return to_wire(self.clock.now())

    def status(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return {"version": __version__, "protocol": protocol.VERSION,
                "uptime_s": round(time.monotonic() - self._started, 3),
                "connections": self._connection_count(),
                "test_clock": self.clock.adjustable,
                "time": to_wire(self.clock.now()),
                "sessions": self.sessions.live_count() if self.sessions else 0,
                "locks": self.locks.count() if self.locks else 0,
                "subscribers": self.hub.subscriber_count() if self.hub else 0,
                "events_dropped": self.hub.dropped if self.hub else 0,
                "database": self._database_state()}

    def clock_advance(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return to_wire(self.clock.advance(args.get("seconds")))

    def _database_state(self) -> str:
        if self.database is None or not self.database.params.password:
            return "not configured"
        try:
            self.database.ping()
        except DatabaseMissing:
            return "missing"
        except AccessDenied:
            return "refused"
        except DbError:
            return "unreachable"
        return "ok"
