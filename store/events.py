"""Live events pushed to terminals: {"event": "copy.hired", "data": {...}} between replies.

A connection subscribes to topics; an event goes to the subscribers of its topic in its
store (never back to the connection that published it), or to the connections of one
staff member or one session. Each subscriber has a bounded queue and its own writer
thread, so a slow terminal never slows the publisher or anyone else: when its queue is
full the oldest event is dropped, and the next thing it receives is a
{"event": "lagged", "data": {"dropped": N}} marker so it knows to refresh.

Invariants (under `_lock`): `_subs` holds one Subscriber per subscribed, open connection;
a subscriber's queue never holds more than QUEUE_LIMIT events.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

from store import protocol
from store.server import Connection

log = logging.getLogger(__name__)

TOPICS = ("inventory", "notice", "staff")
QUEUE_LIMIT = 256


class Subscriber:
    def __init__(self, conn: Connection, topics: set[str]):
        self.conn = conn
        self.topics = topics
        self._queue: deque[bytes] = deque()
        self._dropped = 0           # dropped since the last lagged marker
        self._ready = threading.Condition()
        self._closed = False
        self._writer = threading.Thread(target=self._write, name="event-writer", daemon=True)
        self._writer.start()

    def offer(self, line: bytes) -> bool:
        """Queue an event; False when one had to be dropped to make room."""
        with self._ready:
            dropped = len(self._queue) >= QUEUE_LIMIT
            if dropped:
                self._queue.popleft()
                self._dropped += 1
            self._queue.append(line)
            self._ready.notify()
        return not dropped

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()

    def _write(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                dropped, self._dropped = self._dropped, 0
                line = self._queue.popleft()
            if dropped and not self.conn.send(
                    protocol.encode_event("lagged", {"dropped": dropped})):
                return
            if not self.conn.send(line):
                return


class EventHub:
    def __init__(self) -> None:
        self._subs: dict[Connection, Subscriber] = {}
        self._lock = threading.Lock()
        self.dropped = 0  # events dropped for slow subscribers since the server started

    def subscribe(self, conn: Connection, topics: set[str]) -> None:
        with self._lock:
            sub = self._subs.get(conn)
            if sub is None:
                self._subs[conn] = Subscriber(conn, set(topics))
            else:
                sub.topics = set(topics)

    def unsubscribe(self, conn: Connection) -> None:
        with self._lock:
            sub = self._subs.pop(conn, None)
        if sub is not None:
            sub.close()

    def publish(self, store_id: int, topic: str, event: str, data: dict[str, Any],
                sender: Connection | None = None) -> int:
        """To every subscriber of `topic` logged in at `store_id`, but the sender."""
        return self._deliver(event, data, lambda s: s.conn is not sender and topic in s.topics
                             and s.conn.session is not None
                             and s.conn.session.store_id == store_id)

    def to_staff(self, staff_id: int, topic: str, event: str, data: dict[str, Any]) -> int:
        """To the subscribed connections of one staff member."""
        return self._deliver(event, data, lambda s: topic in s.topics
                             and s.conn.session is not None
                             and s.conn.session.staff_id == staff_id)

    def to_session(self, session_id: int, event: str, data: dict[str, Any]) -> int:
        """To the subscribed connections of one session, whatever their topics."""
        return self._deliver(event, data, lambda s: s.conn.session is not None
                             and s.conn.session.id == session_id)

    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subs)

    def _deliver(self, event: str, data: dict[str, Any], wanted: Any) -> int:
        line = protocol.encode_event(event, data)
        with self._lock:
            targets = [s for s in self._subs.values() if wanted(s)]
        dropped = sum(1 for sub in targets if not sub.offer(line))
        if dropped:
            with self._lock:
                self.dropped += dropped
        return len(targets)
