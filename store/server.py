"""The store server's socket side: a threaded TCP server, one handler thread per client.

Reading is line by line with a hard limit, so an over-long line is answered with TOO_LARGE
and the connection closed; every other error is answered and the connection stays open.
What a request does is the Dispatcher's business (store/dispatch.py).

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

from store import protocol
from store.errors import TooLarge

if TYPE_CHECKING:
    from store.dispatch import Dispatcher

log = logging.getLogger(__name__)


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
                 max_line_bytes: int = protocol.MAX_LINE_BYTES):
        self.dispatcher = dispatcher
        self.max_line_bytes = max_line_bytes
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

    def _register(self, conn: Connection) -> None:
        with self._lock:
            self._connections.add(conn)

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
        self.server._register(conn)
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
        limit = self.server.max_line_bytes
        while not conn.closing:
            line = self.rfile.readline(limit + 2)
            if not line:
                return
            if len(line.rstrip(b"\r\n")) > limit:
                log.warning("line over %d bytes from %s; closing", limit, conn.address)
                conn.send(protocol.encode_error(None, TooLarge(
                    f"a request line may have at most {limit} bytes; closing the connection")))
                return
            if not line.strip():
                continue
            if not conn.send(self.server.dispatcher.dispatch(conn, line)):
                return
