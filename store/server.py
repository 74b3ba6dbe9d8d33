"""The store server's socket side: a threaded TCP server, one handler thread per client.

Reading is line by line with a hard limit, so an over-long line is answered with TOO_LARGE
and the connection closed; every other error is answered and the connection stays open.
What a request does is the Dispatcher's business (store/dispatch.py).

Limits, so one client never affects another (all in Limits, from the settings): at most
`max_connections` at once (BUSY beyond); a connection with no session closes after
`unauth_idle_s` without a request; each connection may send `requests_per_s` on average
(RATE_LIMITED beyond, the request not run).

Invariant: every open client connection is in `_connections` (under `_lock`), so `stop()`
can close them all; otherwise an idle client would keep the server from ever ending.
"""
from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from typing import TYPE_CHECKING, Any

from dataclasses import dataclass

from store import protocol
from store.errors import Busy, RateLimited, Timeout, TooLarge
from store.ratelimit import TokenBucket

if TYPE_CHECKING:
    from store.dispatch import Dispatcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    max_line_bytes: int = protocol.MAX_LINE_BYTES
    max_connections: int = 2000
    unauth_idle_s: float = 60.0
    requests_per_s: float = 500.0
    request_burst: float = 1000.0


class Connection:
    """One client: its socket and address. `send` may be called from any thread."""

    def __init__(self, sock: socket.socket, address: tuple):
        self.sock = sock
        self.address = f"{address[0]}:{address[1]}" if address else "?"
        self.closing = False  # set by an op (bye) to end the connection after its reply
        self.session: Any = None  # the staff session bound by login or resume
        self._write_lock = threading.Lock()

    def send(self, data: bytes) -> bool:
        """Write a whole line; False if the client has gone."""
        with self._write_lock:
            try:
                self.sock.sendall(data)
                return True
            except OSError:
                return False

    def hang_up(self) -> None:
        """End the connection from our side; its handler thread then finishes."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the client


class StoreServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], dispatcher: "Dispatcher",
                 limits: Limits = Limits()):
        self.dispatcher = dispatcher
        self.limits = limits
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server_address[:2]
        return str(host), int(port)

    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    def _register(self, conn: Connection) -> bool:
        """Track a new connection; False when the server is full."""
        with self._lock:
            if len(self._connections) >= self.limits.max_connections:
                return False
            self._connections.add(conn)
            return True

    def _unregister(self, conn: Connection) -> None:
        with self._lock:
            self._connections.discard(conn)

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop accepting, close every client, wait up to `grace_s` for handlers to end.
        Call from a thread other than the one running serve_forever()."""
        self.shutdown()
        with self._lock:
            clients = list(self._connections)
        for conn in clients:
            conn.hang_up()
        deadline = time.monotonic() + grace_s
        while self.connection_count() and time.monotonic() < deadline:
            time.sleep(0.01)
        self.server_close()
        log.info("stopped; %d client connections closed", len(clients))


class _Handler(socketserver.StreamRequestHandler):
    server: StoreServer

    def handle(self) -> None:
        conn = Connection(self.connection, self.client_address)
        if not self.server._register(conn):
            log.warning("refusing %s: %d connections already", conn.address,
                        self.server.limits.max_connections)
            conn.send(protocol.encode_error(None, Busy(
                "the store server has too many connections; try again shortly")))
            return
        log.debug("connection from %s", conn.address)
        try:
            self._serve(conn)
        except OSError as e:
            log.debug("connection %s dropped: %s", conn.address, e)
        finally:
            self.server._unregister(conn)
            self.server.dispatcher.disconnected(conn)
            log.debug("connection %s closed", conn.address)

    def _serve(self, conn: Connection) -> None:
        limits = self.server.limits
        limit = limits.max_line_bytes
        bucket = TokenBucket(limits.requests_per_s, limits.request_burst)
        while not conn.closing:
            # Only a connection with no session may be timed out: a clerk's may idle.
            self.connection.settimeout(None if conn.session else limits.unauth_idle_s)
            try:
                line = self.rfile.readline(limit + 2)
            except TimeoutError:
                log.info("closing %s: no session and no request for %g s", conn.address,
                         limits.unauth_idle_s)
                conn.send(protocol.encode_error(None, Timeout(
                    f"no request for {limits.unauth_idle_s:g} s without logging in; closing")))
                return
            if not line:
                return
            if len(line.rstrip(b"\r\n")) > limit:
                log.warning("line over %d bytes from %s; closing", limit, conn.address)
                conn.send(protocol.encode_error(None, TooLarge(
                    f"a request line may have at most {limit} bytes; closing the connection")))
                return
            if not line.strip():
                continue
            if not bucket.take():
                reply = protocol.encode_error(protocol.request_id_of(line), RateLimited(
                    f"more than {limits.requests_per_s:g} requests a second; slow down",
                    {"retry_after_s": 1}))
            else:
                reply = self.server.dispatcher.dispatch(conn, line)
            if not conn.send(reply):
                return
