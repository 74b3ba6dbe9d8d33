"""Live events pushed to terminals: {"event": "copy.hired", "data": {...}} between replies.

A connection subscribes to topics; an event goes to the subscribers of its topic in its
store (never back to the connection that published it), or to the connections of one
staff member or one session. Delivery only queues the line on each connection (which
never blocks, store/server.py): a slow terminal never slows the publisher or anyone else.
A connection keeps at most EVENT_QUEUE_LIMIT unsent events; beyond, the oldest is dropped
and the next thing it receives is a {"event": "lagged", "data": {"dropped": N}} marker, so
it knows to refresh.

Invariant (under `_lock`): `_subs` holds the topics of every subscribed, open connection.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from store import protocol
from store.connection import Connection

TOPICS = ("inventory", "notice", "staff")


class EventHub:
    def __init__(self) -> None:
        self._subs: dict[Connection, set[str]] = {}
        self._lock = threading.Lock()
        self.dropped = 0  # events dropped for slow subscribers since the server started

    def subscribe(self, conn: Connection, topics: set[str]) -> None:
        with self._lock:
            self._subs[conn] = set(topics)

    def unsubscribe(self, conn: Connection) -> None:
        with self._lock:
            self._subs.pop(conn, None)

    def publish(self, store_id: int, topic: str, event: str, data: dict[str, Any],
                sender: Connection | None = None) -> int:
        """To every subscriber of `topic` logged in at `store_id`, but the sender."""
        return self._deliver(event, data, lambda conn, topics: conn is not sender
                             and topic in topics and conn.session is not None
                             and conn.session.store_id == store_id)

    def to_staff(self, staff_id: int, topic: str, event: str, data: dict[str, Any]) -> int:
        """To the subscribed connections of one staff member."""
        return self._deliver(event, data, lambda conn, topics: topic in topics
                             and conn.session is not None
                             and conn.session.staff_id == staff_id)

    def to_session(self, session_id: int, event: str, data: dict[str, Any]) -> int:
        """To the subscribed connections of one session, whatever their topics."""
        return self._deliver(event, data, lambda conn, topics: conn.session is not None
                             and conn.session.id == session_id)

    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subs)

    def _deliver(self, event: str, data: dict[str, Any],
                 wanted: Callable[[Connection, set[str]], bool]) -> int:
        line = protocol.encode_event(event, data)
        with self._lock:
            targets = [conn for conn, topics in self._subs.items() if wanted(conn, topics)]
        dropped = sum(1 for conn in targets if not conn.push_event(line))
        if dropped:
            with self._lock:
                self.dropped += dropped
        return len(targets)
