"""The store server's socket side: one event-loop thread for every connection, and a pool
of worker threads for the ops that wait.

Why not a thread per connection: with fifty busy clerks' connections, fifty Python threads
spend their time handing the GIL to each other across both cores (measured: a bare
thread-per-connection line server reaches 0.46x redis-server on our harness, and our ops
on it 0.17x). Here one thread reads every socket (epoll), answers the ops that only touch
memory (time, locks, events) at once, and hands the ops that wait — the database, the
password KDF — to a small pool, so a slow login never holds anyone else up.

Per connection, requests are answered strictly in order: while one of its requests is in
the pool, its later lines wait. Writes go out from any thread without blocking
(store/connection.py); a client that does not read is not read from either
(back-pressure).

Limits, so one client never affects another (Limits, from the settings): at most
`max_connections` at once (BUSY beyond); a connection with no session closes after
`unauth_idle_s` without a request; each may send `requests_per_s` on average (RATE_LIMITED
beyond, the request not run); a line longer than `max_line_bytes` is TOO_LARGE and ends
the connection.

TLS (optional, store/tls_server.py): the server then speaks only TLS. A TLS connection is
a Connection subclass over a socket-like object, chosen once per accepted connection, so
the plain loop below runs the same code either way. A plain server answers a TLS client's
first record with TLS_UNSUPPORTED and closes.

Invariants: only the loop thread touches the poller, a connection's input and its
pending lines; other threads reach it through `call_soon`. Every open connection is in
`_connections`, so `stop()` can close them all.
"""
from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from store import protocol
from store.connection import Connection
from store.poller import READ, WRITE, new_poller
from store.errors import Busy, RateLimited, StoreError, Timeout, TlsUnsupported, TooLarge
from store.ratelimit import TokenBucket

if TYPE_CHECKING:
    import ssl

    from store.dispatch import Dispatcher

log = logging.getLogger(__name__)

MAX_PENDING_LINES = 256        # requests read ahead of their turn before we stop reading
MAX_UNSENT_BYTES = 4 << 20     # unread output before we stop reading that client
CLOSE_GRACE_S = 5.0            # how long a closing connection may take to read its last reply
RATE_LOG_S = 60.0              # a connection over its rate is logged at most this often
TICK_S = 0.5                   # how often idle and closing connections are looked at
RECV_BYTES = 65536
TLS_RECORD_START = b"\x16\x03"  # a TLS handshake record: never the start of a JSON line


@dataclass(frozen=True)
class Limits:
    max_line_bytes: int = protocol.MAX_LINE_BYTES
    max_connections: int = 5000
    max_per_address: int = 500
    unauth_idle_s: float = 60.0
    requests_per_s: float = 500.0
    request_burst: float = 1000.0


class StoreServer:
    """Listen, read lines, run ops (inline or in the pool), write replies and events."""

    def __init__(self, address: tuple[str, int], dispatcher: "Dispatcher",
                 limits: Limits = Limits(), workers: int = 16,
                 tls: "ssl.SSLContext | None" = None):
        """With `tls` (store/tls.py's server_context), every connection must speak TLS."""
        self.dispatcher = dispatcher
        self.limits = limits
        self.tls = tls
        self._new_connection: Callable[..., Connection] = Connection
        if tls is not None:
            from store.tls_server import TlsConnection
            self._new_connection = partial(TlsConnection, context=tls)
        self._listener = socket.create_server(address, backlog=1024, reuse_port=False)
        self._listener.setblocking(False)
        self._selector = new_poller()
        self._selector.register(self._listener, READ, self._accept_all)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, READ, self._drain_wakeups)
        # What the selector holds for each socket: a Connection, or a callable for the
        # listener and the wake-up pipe.
        self._callbacks: deque[Callable[[], None]] = deque()
        self._woken = False
        self._wake_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="op")
        self._connections: set[Connection] = set()
        self._per_host: dict[str, int] = {}  # open connections per client address
        self._count_lock = threading.Lock()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._loop_thread: int | None = None
        self._accept_paused_until = 0.0
        self._periodic: list[list[Any]] = []  # [interval_s, next run, work]

    # --- public ------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def connection_count(self) -> int:
        with self._count_lock:
            return len(self._connections)

    def every(self, interval_s: float, work: Callable[[], Any]) -> None:
        """Run `work` on a worker thread every `interval_s`, and once more at stop (so
        what it writes down is not lost). Call before serve_forever()."""
        self._periodic.append([interval_s, time.monotonic() + interval_s, work])

    def submit(self, work: Callable[[], Any]) -> None:
        """Run `work` on a worker thread (for waits that must stay off the loop)."""
        self._pool.submit(_logged, work)

    def on_loop(self) -> bool:
        return threading.get_ident() == self._loop_thread

    def call_soon(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback(*args)` on the loop thread (from any thread)."""
        self._callbacks.append(lambda: callback(*args))
        if self.on_loop():
            return  # the loop runs its callbacks before it waits again
        with self._wake_lock:
            if self._woken:
                return
            self._woken = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass  # the wake-up pipe is full (the loop is already woken) or closed at stop

    def serve_forever(self) -> None:
        """Run the loop in this thread until stop()."""
        self._loop_thread = threading.get_ident()
        next_tick = time.monotonic() + TICK_S
        try:
            while not self._stopping.is_set():
                for data, mask in self._selector.poll(0 if self._callbacks else TICK_S):
                    if isinstance(data, Connection):
                        self._guarded(data, mask)
                    else:
                        self._safely(data)
                self._run_callbacks()
                now = time.monotonic()
                if now >= next_tick:
                    next_tick = now + TICK_S
                    self._safely(self._tick, now)
        finally:
            self._close_all()
            self._stopped.set()

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop accepting, close every client, let running ops finish (up to `grace_s`).
        Call from a thread other than the one running serve_forever()."""
        clients = self.connection_count()
        self._stopping.set()
        self.call_soon(lambda: None)
        self._stopped.wait(grace_s)
        for _, _, work in self._periodic:
            self.submit(work)
        self._pool.shutdown(wait=True)
        log.info("stopped; %d client connections closed", clients)

    def update_interest(self, conn: Connection) -> None:
        """Loop thread: read while the client keeps up, write while output is queued."""
        if conn.closed:
            return
        want = 0
        if (not conn.eof and not conn.closing and conn.close_deadline is None
                and len(conn.lines) < MAX_PENDING_LINES
                and conn.unsent_bytes() < MAX_UNSENT_BYTES):
            want |= READ
        if conn.pending_output():
            want |= WRITE
        if want == conn.interest:
            return
        if conn.interest == 0:
            self._selector.register(conn.sock, want, conn)
        elif want == 0:
            self._selector.unregister(conn.sock)
        else:
            self._selector.modify(conn.sock, want, conn)
        conn.interest = want

    # --- the loop ----------------------------------------------------------------------

    def _accept_all(self) -> None:
        while True:
            try:
                sock, address = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    log.warning("cannot accept more connections: %s; pausing 1 s", e.strerror)
                    self._selector.unregister(self._listener)
                    self._accept_paused_until = time.monotonic() + 1.0
                return
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                sock.close()  # reset before we got to it
                continue
            conn = self._new_connection(sock, address, self)
            host = address[0] if address else "?"
            with self._count_lock:
                from_host = self._per_host.get(host, 0)
                full = (len(self._connections) >= self.limits.max_connections
                        or from_host >= self.limits.max_per_address)
                if not full:
                    self._connections.add(conn)
                    self._per_host[host] = from_host + 1
            if full:
                self._refuse(conn, from_host >= self.limits.max_per_address)
                continue
            conn.bucket = TokenBucket(self.limits.requests_per_s, self.limits.request_burst)
            log.debug("connection from %s", conn.address)
            self.update_interest(conn)

    def _refuse(self, conn: Connection, per_host: bool) -> None:
        if per_host:
            log.warning("refusing %s: %d connections from that address already",
                        conn.address, self.limits.max_per_address)
            why = "too many connections from your address"
        else:
            log.warning("refusing %s: %d connections already", conn.address,
                        self.limits.max_connections)
            why = "the store server has too many connections"
        try:  # a new socket's buffer is empty: this short line goes out whole or not at all
            conn.sock.send(protocol.encode_error(None, Busy(f"{why}; try again shortly")))
        except OSError:
            pass  # gone already
        conn.mark_closed()
        conn.sock.close()

    def _safely(self, work: Callable[..., None], *args: Any) -> None:
        """The loop's own work (accepting, the tick): a bug is logged, the loop goes on."""
        try:
            work(*args)
        except Exception:
            log.exception("the server loop's %s failed", getattr(work, "__name__", "work"))

    def _guarded(self, conn: Connection, mask: int) -> None:
        """One connection's turn; a bug here ends that connection, never the loop."""
        try:
            self._ready(conn, mask)
        except Exception:
            log.exception("connection %s failed; closing it", conn.address)
            self._close(conn)

    def _ready(self, conn: Connection, mask: int) -> None:
        if mask & WRITE:
            if conn.flush() and conn.close_deadline is not None:
                self._close(conn)
                return
        if mask & READ:
            self._read(conn)
        elif not mask:
            self._pump(conn)  # its op in the pool is done: on with its next lines
        self.update_interest(conn)

    def _read(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(RECV_BYTES)
        except BlockingIOError:
            return
        except OSError as e:
            log.debug("connection %s dropped: %s", conn.address, e)
            self._close(conn)
            return
        if not data:
            conn.eof = True
        else:
            self._split_lines(conn, data)
        self._pump(conn)

    def _split_lines(self, conn: Connection, data: bytes) -> None:
        limit = self.limits.max_line_bytes
        if not conn.inbuf and data.find(b"\n") == len(data) - 1 and len(data) <= limit + 1:
            conn.lines.append(data[:-1])  # the usual case: one whole request
            return
        if not conn.inbuf and data.startswith(TLS_RECORD_START) and self.tls is None:
            self._refuse_tls(conn)
            return
        buf = conn.inbuf + data if conn.inbuf else data
        start = 0
        while (end := buf.find(b"\n", start)) >= 0:
            line = buf[start:end]
            start = end + 1
            if len(line) > limit and len(line.rstrip(b"\r")) > limit:
                conn.lines.append(None)
                conn.inbuf = b""
                return
            conn.lines.append(line)
        conn.inbuf = buf[start:]
        if len(conn.inbuf) > limit + 1:
            conn.lines.append(None)
            conn.inbuf = b""

    def _refuse_tls(self, conn: Connection) -> None:
        log.info("closing %s: it speaks TLS, and this server does not (no --tls-cert)",
                 conn.address)
        conn.send(protocol.encode_error(None, TlsUnsupported(
            "this store server does not speak TLS; closing the connection")))
        conn.closing = True

    def _pump(self, conn: Connection) -> None:
        """Answer the connection's waiting lines, in order, until one goes to the pool."""
        now = time.monotonic()
        while conn.lines and not conn.busy and not conn.closing and not conn.closed:
            line = conn.lines.popleft()
            if line is None:
                limit = self.limits.max_line_bytes
                log.warning("line over %d bytes from %s; closing", limit, conn.address)
                conn.send(protocol.encode_error(None, TooLarge(
                    f"a request line may have at most {limit} bytes; closing the connection")))
                conn.closing = True
                break
            if not line.strip():
                continue  # an empty line is no request: it keeps nothing alive
            conn.last_request = now
            if conn.bucket is not None and not conn.bucket.take(now):
                if now - conn.limited_logged_at > RATE_LOG_S:
                    conn.limited_logged_at = now
                    log.warning("rate limit: %s sends more than %g requests a second",
                                conn.address, self.limits.requests_per_s)
                conn.send(protocol.encode_error(protocol.request_id_of(line), RateLimited(
                    f"more than {self.limits.requests_per_s:g} requests a second; slow down",
                    {"retry_after_s": 1})))
                continue
            request = self.dispatcher.decode(line)
            if isinstance(request, bytes):
                conn.send(request)  # the error reply of a line that is not a request
            elif self.dispatcher.runs_inline(request):
                conn.send(self.dispatcher.run(conn, request))
            else:
                conn.busy = True
                self._pool.submit(self._work, conn, request)
        if conn.closed:
            return
        if conn.closing or (conn.eof and not conn.lines and not conn.busy):
            self._close_when_sent(conn)

    def _work(self, conn: Connection, request: Any) -> None:
        """Worker thread: run one op, send its reply, give the connection back to the loop."""
        try:
            reply = self.dispatcher.run(conn, request)
            conn.send(reply)
        finally:
            self.call_soon(self._done, conn)

    def _done(self, conn: Connection) -> None:
        conn.busy = False
        self._guarded(conn, 0)

    def _close_when_sent(self, conn: Connection) -> None:
        if conn.busy:
            return  # _done pumps again, and comes back here
        if not conn.pending_output():
            self._close(conn)
            return
        if conn.close_deadline is None:
            conn.close_deadline = time.monotonic() + CLOSE_GRACE_S
        self.update_interest(conn)

    def _close(self, conn: Connection) -> None:
        if conn.closed:
            return
        conn.mark_closed()
        if conn.interest:
            self._selector.unregister(conn.sock)
            conn.interest = 0
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone
        conn.sock.close()
        with self._count_lock:
            if conn in self._connections:
                self._connections.remove(conn)
                host = conn.address.rsplit(":", 1)[0]
                left = self._per_host.get(host, 1) - 1
                if left > 0:
                    self._per_host[host] = left
                else:
                    self._per_host.pop(host, None)
        self.dispatcher.disconnected(conn)
        log.debug("connection %s closed", conn.address)

    def _tick(self, now: float) -> None:
        """Close idle connections without a session, and closing ones past their grace."""
        for job in self._periodic:
            if now >= job[1]:
                job[1] = now + job[0]
                self.submit(job[2])
        if self._accept_paused_until and now >= self._accept_paused_until:
            self._accept_paused_until = 0.0
            self._selector.register(self._listener, READ, self._accept_all)
        idle_s = self.limits.unauth_idle_s
        with self._count_lock:
            conns = list(self._connections)
        for conn in conns:
            if conn.close_deadline is not None:
                if now >= conn.close_deadline:
                    self._close(conn)
            elif conn.handshake_deadline is not None and now >= conn.handshake_deadline:
                log.info("closing %s: no TLS handshake after %g s", conn.address,
                         now - conn.last_request)
                self._close(conn)
            elif (conn.session is None and not conn.busy and not conn.closing
                  and now - conn.last_request > idle_s):
                log.info("closing %s: no session and no request for %g s", conn.address, idle_s)
                conn.send(protocol.encode_error(None, Timeout(
                    f"no request for {idle_s:g} s without logging in; closing")))
                conn.closing = True
                self._close_when_sent(conn)

    def _drain_wakeups(self) -> None:
        """Empty the wake-up pipe, then let the next call_soon write to it again. In this
        order: a call_soon between the two finds the flag still set and writes nothing, and
        its callback runs in this pass of the loop (callbacks run after the events); the
        other order could swallow a wake-up and leave the flag set for good."""
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        with self._wake_lock:
            self._woken = False

    def _run_callbacks(self) -> None:
        for _ in range(len(self._callbacks)):
            self._safely(self._callbacks.popleft())

    def _close_all(self) -> None:
        self._run_callbacks()
        with self._count_lock:
            conns = list(self._connections)
        for conn in conns:
            self._close(conn)
        self._selector.close()
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()


def _logged(work: Callable[[], Any]) -> None:
    try:
        work()
    except StoreError as e:  # e.g. the database is down: said, not a bug
        log.warning("background work failed: %s", e.message)
    except Exception:
        log.exception("background work failed")
