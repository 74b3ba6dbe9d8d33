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

import re
import threading
from typing import Any, Callable

import orjson

from store import protocol
from store.connection import Connection
from store.errors import BadRequest

TOPICS = ("inventory", "notice", "staff")
EVENT_NAME = re.compile(r"[a-z]+(\.[a-z_]+)+")
UNNAMED = "inventory.changed"           # an inventory event published without a name
# What terminals may say happened: to a copy, a title, a customer, a hold, the settings.
# Never a name the server itself uses (session.ended, staff.login, lagged, notice, ...).
PUBLISHED_FAMILIES = ("copy", "copies", "title", "customer", "hold", "inventory", "settings")
MAX_DATA_BYTES = 4096
MAX_DATA_DEPTH = 253      # orjson encodes 254 levels (it decodes 1024); the event is one


def _encoded_size(data: dict[str, Any]) -> int:
    """Its size as sent on. Nested deeper than orjson encodes (requests may nest deeper)
    it cannot be sent on at all: counted as too big, not failing later as INTERNAL. The
    event's envelope is measured with it, as it adds a level."""
    try:
        return len(orjson.dumps({"data": data})) - len(b'{"data":}')
    except orjson.JSONEncodeError:
        return MAX_DATA_BYTES + 1


def check_event(args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The name and data of an inventory event a terminal announces ("event", "data");
    BadRequest for anything else — above all, a name only the server may use."""
    data = args.get("data", {})
    if not isinstance(data, dict) or _encoded_size(data) > MAX_DATA_BYTES:
        raise BadRequest(f"data must be a JSON object of at most {MAX_DATA_BYTES} bytes, "
                         f"nested at most {MAX_DATA_DEPTH} deep")
    event = args.get("event", data.get("event", UNNAMED))
    if not isinstance(event, str) or len(event) > 64 or not EVENT_NAME.fullmatch(event):
        raise BadRequest("event must be a dotted lower-case name, e.g. copy.hired")
    if event.split(".")[0] not in PUBLISHED_FAMILIES:
        raise BadRequest(f"terminals publish events about {', '.join(PUBLISHED_FAMILIES)} "
                         f"(e.g. copy.hired); {event} is not one")
    return event, data


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

    def announce(self, conn: Connection, event: str, data: dict[str, Any]) -> int:
        """A terminal's inventory event, to the other terminals of its store."""
        s = conn.session
        data = {**data, "by": {"username": s.username, "terminal": s.terminal}}
        return self.publish(s.store_id, "inventory", event, data, sender=conn)

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
