"""The store server's side of TLS (see store/tls.py for why memory buffers): a socket-like
object the server's loop and a Connection use as they use a plain socket, and the
Connection that holds one.

Nothing here blocks. The handshake advances a step each time the client's bytes arrive;
until it is done, recv raises BlockingIOError like a socket with nothing to read, and the
connection sends nothing. A handshake that fails costs one INFO line in the log and the
connection; one that does not finish within HANDSHAKE_S is closed by the server's tick. A
plain client (its first byte is not a TLS record) is told in one JSON line that TLS is
required, then closed.

The plain-text path of store/server.py pays nothing for this: the choice of Connection
class is made once per accepted connection.
"""
from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING

from store import protocol
from store.connection import Connection
from store.errors import TlsRequired

if TYPE_CHECKING:
    from store.server import StoreServer

log = logging.getLogger(__name__)

HANDSHAKE_S = 10.0        # a client that has not finished its handshake by then is closed
RECV_BYTES = 65536
TLS_HANDSHAKE_RECORD = 0x16


class TlsSocket:
    """recv/send of plaintext over a non-blocking client socket, TLS in between; safe
    from any thread (every use of the SSL object is under `_lock`)."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, address: str):
        self._sock = sock
        self._address = address
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self._lock = threading.Lock()
        self._backlog = b""       # records the socket has not taken yet
        self._started = False     # the client's first bytes have come
        self.established = False  # the handshake is done

    def fileno(self) -> int:
        return self._sock.fileno()

    def shutdown(self, how: int) -> None:
        self._sock.shutdown(how)

    def close(self) -> None:
        self._sock.close()

    @property
    def has_backlog(self) -> bool:
        return bool(self._backlog)

    def recv(self, size: int) -> bytes:
        """What the client sent, decrypted (all of it: OpenSSL keeps nothing back); b"" when
        it has closed; BlockingIOError when nothing is ready (a record not yet whole, the
        handshake under way); OSError (ssl.SSLError) when TLS fails."""
        raw = self._sock.recv(RECV_BYTES)
        if not raw:
            return b""
        with self._lock:
            if not self._started:
                self._started = True
                if raw[0] != TLS_HANDSHAKE_RECORD:
                    self._refuse_plain()
            self._incoming.write(raw)
            if not self.established:
                self._handshake()
            chunks = []
            while True:
                try:
                    chunks.append(self._tls.read(size))
                except ssl.SSLWantReadError:
                    break
                except ssl.SSLZeroReturnError:  # the client's close_notify
                    if not chunks:
                        return b""
                    break
            self._push()
        if not chunks:
            raise BlockingIOError
        return b"".join(chunks)

    def send(self, data: bytes | memoryview) -> int:
        """Take all of `data` (its records go out now, or wait in the backlog), or none of
        it (BlockingIOError) while earlier records still wait: what waits for a slow client
        stays plaintext in its Connection, where back-pressure counts it."""
        with self._lock:
            if not self.established or (self._backlog and not self._send_backlog()):
                raise BlockingIOError
            self._tls.write(data)
            self._backlog = self._outgoing.read()
            self._send_backlog()
        return len(data)

    def flush_backlog(self) -> bool:
        """Send waiting records; True when none are left."""
        with self._lock:
            return self._send_backlog()

    def _handshake(self) -> None:
        try:
            self._tls.do_handshake()
        except ssl.SSLWantReadError:
            self._push()
            raise BlockingIOError from None
        except ssl.SSLError as e:
            self._push()  # our alert, so the client learns why
            log.info("closing %s: TLS handshake failed (%s)", self._address, e.reason or e)
            raise
        self.established = True
        self._push()

    def _refuse_plain(self) -> None:
        log.info("closing %s: it does not speak TLS, and this server speaks only TLS",
                 self._address)
        try:  # a new socket's buffer is empty: this short line goes out whole or not at all
            self._sock.send(protocol.encode_error(None, TlsRequired(
                "this store server speaks only TLS: give the terminal the shop's CA file "
                "(server.tls_ca, VIDEOSTORE_SERVER_TLS_CA or --tls-ca)")))
        except OSError:
            pass
        raise ConnectionRefusedError("not TLS")

    def _push(self) -> None:
        if self._outgoing.pending:
            self._backlog += self._outgoing.read()
            self._send_backlog()

    def _send_backlog(self) -> bool:
        while self._backlog:
            try:
                sent = self._sock.send(self._backlog)
            except BlockingIOError:
                return False
            self._backlog = self._backlog[sent:]
        return True


class TlsConnection(Connection):
    """A Connection over a TlsSocket: records waiting in the socket count as output, and
    nothing is sent before the handshake is done."""

    sock: TlsSocket  # type: ignore[assignment]

    def __init__(self, sock: socket.socket, address: tuple, server: "StoreServer",
                 context: ssl.SSLContext):
        super().__init__(sock, address, server)
        self.sock = TlsSocket(sock, context, self.address)
        self._handshake_deadline = time.monotonic() + HANDSHAKE_S

    @property
    def handshake_deadline(self) -> float | None:  # type: ignore[override]
        return None if self.sock.established else self._handshake_deadline

    def pending_output(self) -> bool:
        return bool(self._out) or self.sock.has_backlog

    def flush(self) -> bool:
        try:
            if not self.sock.flush_backlog():
                return False
        except OSError:
            return True  # the loop sees the broken socket when it reads
        return super().flush() and not self.sock.has_backlog

    def _queue(self, data: bytes, kind: int) -> bool:
        if not self.sock.established:
            return False  # only the server's idle timeout speaks this early: it just closes
        queued = super()._queue(data, kind)
        if self.sock.has_backlog:  # sent, but not all its records went: want writable
            server = self._server
            if server.on_loop():
                server.update_interest(self)
            else:
                server.call_soon(server.update_interest, self)
        return queued
