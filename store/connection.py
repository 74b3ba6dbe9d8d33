"""One client connection of the store server: its socket, what it has sent us that waits
for its turn, and what we have to send it.

Output may be queued from any thread (a reply from a worker, an event published by
another client) and never blocks: what the socket takes goes at once, the rest waits in
`_out` (under `_lock`) until the server's loop sees the socket writable. Pushed events are
bounded per connection: beyond EVENT_QUEUE_LIMIT unsent ones the oldest is dropped, and
the client next receives a {"event": "lagged", "data": {"dropped": N}} marker exactly where
the gap is. Replies are never dropped.

The input side (the fields marked "loop thread only") belongs to the server's loop.
"""
from __future__ import annotations

import socket
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from store import protocol
from store.ratelimit import TokenBucket

if TYPE_CHECKING:
    from store.server import StoreServer

EVENT_QUEUE_LIMIT = 256        # pushed events waiting for one slow client
_REPLY, _EVENT, _MARK = 0, 1, 2


class Connection:
    """One client. `send` and `push_event` may be called from any thread and never block."""

    handshake_deadline: float | None = None  # TLS (store/tls_server.py): closed if not done by then

    def __init__(self, sock: socket.socket, address: tuple, server: "StoreServer"):
        self.sock = sock
        self.address = f"{address[0]}:{address[1]}" if address else "?"
        self.session: Any = None  # the staff session bound by login or resume
        self.closing = False      # set by an op (bye) to end the connection after its reply
        self._server = server
        # Loop thread only:
        self.inbuf = b""
        self.lines: deque[bytes | None] = deque()  # None: the line that was too long
        self.busy = False         # one of its requests is in the worker pool
        self.eof = False          # the client will send no more
        self.last_request = time.monotonic()
        self.close_deadline: float | None = None
        self.limited_logged_at = 0.0  # when its going over the rate limit was last logged
        self.bucket: TokenBucket | None = None
        self.interest = 0
        # Output, under _lock:
        self._lock = threading.Lock()
        self._out: deque[list[Any]] = deque()  # [bytes, kind]
        self._offset = 0          # bytes of _out[0] already sent
        self._unsent = 0
        self._events = 0
        self._dropped = 0         # events dropped since the last lagged marker
        self.closed = False

    def send(self, data: bytes) -> bool:
        """Queue a whole line for the client (a reply); False if the client has gone."""
        return self._queue(data, _REPLY)

    def push_event(self, line: bytes) -> bool:
        """Queue a pushed event; False when an older one had to be dropped for it."""
        with self._lock:
            if self.closed:
                return True
            dropped = self._events >= EVENT_QUEUE_LIMIT and self._drop_oldest_event()
        self._queue(line, _EVENT)
        return not dropped

    def pending_output(self) -> bool:
        return bool(self._out)  # one read of a deque's length: atomic, no lock needed

    def unsent_bytes(self) -> int:
        return self._unsent

    def _queue(self, data: bytes, kind: int) -> bool:
        with self._lock:
            if self.closed:
                return False
            if not self._out and not self._dropped:
                try:
                    sent = self.sock.send(data)
                except BlockingIOError:
                    sent = 0
                except OSError:
                    return False  # the loop sees the broken socket and closes it
                if sent == len(data):
                    return True
                self._offset = sent
            self._out.append([data, kind])
            self._unsent += len(data)
            if kind == _EVENT:
                self._events += 1
            first = len(self._out) == 1
        if first:
            if self._server.on_loop():
                self._server.update_interest(self)
            else:
                self._server.call_soon(self._server.update_interest, self)
        return True

    def _drop_oldest_event(self) -> bool:
        """Under _lock: drop the oldest event not already being sent."""
        for i, (data, kind) in enumerate(self._out):
            if kind == _EVENT and not (i == 0 and self._offset):
                del self._out[i]
                self._unsent -= len(data)
                self._events -= 1
                self._dropped += 1
                return True
        return False

    def flush(self) -> bool:
        """Loop thread: send what the socket takes; True when nothing is left."""
        with self._lock:
            while self._out:
                if self._dropped and self._offset == 0:
                    mark = protocol.encode_event("lagged", {"dropped": self._dropped})
                    self._dropped = 0
                    self._out.appendleft([mark, _MARK])
                    self._unsent += len(mark)
                data, kind = self._out[0]
                try:
                    sent = self.sock.send(memoryview(data)[self._offset:])
                except BlockingIOError:
                    return False
                except OSError:
                    self._out.clear()
                    self._unsent = 0
                    return True
                self._offset += sent
                self._unsent -= sent
                if self._offset < len(data):
                    return False
                self._out.popleft()
                self._offset = 0
                if kind == _EVENT:
                    self._events -= 1
            return True

    def mark_closed(self) -> None:
        with self._lock:
            self.closed = True
            self._out.clear()
            self._unsent = 0
