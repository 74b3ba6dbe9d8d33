"""The terminal's connection to the store server.

One StoreClient owns the socket. A link thread runs the state machine of design.md:

    disconnected -> connecting -> authenticating -> connected
        connected --(lost, or no answer to a heartbeat)--> down -> reconnecting -> ...
    (exponential backoff with jitter between attempts, at most MAX_BACKOFF_S)

A reader thread matches replies to requests by id and hands pushed events to `on_event`.
`request()` may be called from any thread; it raises ServerUnavailable at once while not
connected, so the clerk is told instead of left waiting.

After `login`, the client keeps the session's token (in memory only) and resumes the
session on every reconnect, so a clerk never logs in again because the link dropped or the
server restarted; `on_resumed` then gets the server's answer, whose "locks" say which of the
session's locks survived (store/leases.py checks them). When the server says the session has
ended (logout elsewhere, expiry, an admin), `user` becomes None and `on_session_lost` is
told why.

With `tls_ca` (the shop's CA file, server.tls_ca) the link speaks TLS (store/tls.py) and
checks the server's certificate against that CA and `host`. A TLS failure is one line in
`last_error` (so in every ServerUnavailable), and the link keeps retrying as for a server
that is down: a fixed CA file or server is picked up on the next attempt.

A write the server makes (staff.*, notice.send, totp.confirm...) may carry a request key
(store/once.py): `request(..., key=key)` sends its value as "key" and marks it tried once
the request has left, so a clerk's retry after a lost reply gets the first try's reply
from the server instead of doing it again (ui/once.py asks whether to retry).
"""
from __future__ import annotations

import itertools
import logging
import random
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Callable

from store import protocol
from store.clock import from_wire
from store.errors import ServerUnavailable, StoreError, Timeout, Unauthenticated, from_reply
from store.once import RequestKey

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 2.0
HEARTBEAT_S = 10.0


class LinkState(str, Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    AUTHENTICATING = "authenticating"
    CONNECTED = "connected"
    DOWN = "down"
    RECONNECTING = "reconnecting"


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: dict[str, Any] | None = None
        self.error: StoreError | None = None


class StoreClient:
    def __init__(self, host: str, port: int, timeout_s: float = 5.0,
                 on_event: Callable[[str, dict[str, Any]], None] | None = None,
                 on_state: Callable[[LinkState], None] | None = None,
                 on_session_lost: Callable[[str], None] | None = None, tls_ca: str = ""):
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.tls_ca = tls_ca
        self.on_event = on_event
        self._on_state = on_state
        self.on_session_lost = on_session_lost
        self.on_resumed: Callable[[dict[str, Any]], None] | None = None
        self._token: str | None = None
        self.user: dict[str, Any] | None = None  # the logged-in staff member, if any
        self.must_enroll_totp = False  # the session may only set up two-factor login yet
        self.topics: list[str] = []  # subscribed after every login and resume
        self._state = LinkState.DISCONNECTED
        self._state_changed = threading.Condition()
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()  # guards _pending and _sock
        self._sock: Any = None  # the socket, or a store.tls.TlsChannel over it
        self._closed = threading.Event()
        self._offset = timedelta(0)
        self._synced = False
        self.last_error = ""
        self._link: threading.Thread | None = None

    # --- public -------------------------------------------------------------------------

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        self._link = threading.Thread(target=self._run_link, name="store-link", daemon=True)
        self._link.start()

    def wait_connected(self, timeout_s: float) -> bool:
        """Wait until connected (or `timeout_s` passes); True when connected."""
        deadline = time.monotonic() + timeout_s
        with self._state_changed:
            while self._state is not LinkState.CONNECTED:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed.is_set():
                    return False
                self._state_changed.wait(left)
        return True

    def request(self, op: str, args: dict[str, Any] | None = None,
                timeout_s: float | None = None,
                key: RequestKey | None = None) -> dict[str, Any]:
        """Send one request and wait for its reply; the result, or the StoreError the
        server answered with. With `key` (a write's, the same for every try of it) the
        request carries it, and `key.tried` says afterwards whether it was ever sent."""
        if self._state is not LinkState.CONNECTED:
            raise ServerUnavailable(self._unavailable_message())
        if key is not None:
            args = {**(args or {}), "key": key.value}
        try:
            return self._send(op, args, timeout_s, key)
        except Unauthenticated as e:
            if self.user is not None and op not in ("login", "resume"):
                self._session_lost(e.message)
            raise

    def send_nowait(self, op: str, args: dict[str, Any] | None = None) -> bool:
        """Send a request whose answer no one waits for (freeing locks, telling others of
        a change); False when it could not be sent — then it does not happen (a lock runs
        out at its TTL, other tills miss the news)."""
        if self._state is not LinkState.CONNECTED:
            return False
        with self._lock:
            sock = self._sock
            if sock is None:
                return False
            try:
                sock.sendall(protocol.encode_request(next(self._ids), op, args))
            except OSError:
                return False
        return True

    def login(self, username: str, password: str, terminal: str,
              otp: str | None = None) -> dict[str, Any]:
        """Log in (with the two-factor code when the account has one); the result (user,
        expires_at, ...). The token stays in memory for resuming."""
        args = {"username": username, "password": password, "terminal": terminal}
        if otp is not None:
            args["otp"] = otp
        result = self.request("login", args, timeout_s=self.timeout_s + 10)
        self._token, self.user = result.pop("token"), result["user"]
        self.must_enroll_totp = bool(result.get("must_enroll_totp"))
        if not self.must_enroll_totp:  # such a session may not subscribe yet
            self._subscribe()
        return result

    def enroll_totp(self) -> dict[str, Any]:
        """A new two-factor secret for the logged-in account: {"secret", "uri"}, shown once."""
        return self.request("totp.enroll")

    def confirm_totp(self, code: str, key: RequestKey | None = None) -> dict[str, Any]:
        """Store the secret from enroll_totp once `code` (from the app) matches it."""
        result = self.request("totp.confirm", {"code": code}, key=key)
        if self.must_enroll_totp:
            self.must_enroll_totp = False
            self._subscribe()
        return result

    def unread_notices(self) -> list[dict[str, Any]]:
        """Notices to this clerk or their store not yet read; marks them read."""
        notices = self.request("notice.unread")["notices"]
        if notices:
            self.request("notice.read", {"ids": [n["id"] for n in notices]})
        return notices

    def logout(self) -> None:
        try:
            self.request("logout")
        finally:
            self._token, self.user = None, None

    def server_now(self) -> datetime | None:
        """The server's clock as last synchronised (no round trip), for display only.
        Business times are asked of the server when they are needed."""
        if not self._synced:
            return None
        return datetime.now(timezone.utc) + self._offset

    def close(self) -> None:
        """Say bye and stop reconnecting."""
        if self._state is LinkState.CONNECTED:
            try:
                self._send("bye", None, 1.0)
            except StoreError:
                pass  # leaving anyway
        self._closed.set()
        self._hang_up()
        if self._link:
            self._link.join(2.0)
        self._set_state(LinkState.DISCONNECTED)

    # --- the link -----------------------------------------------------------------------

    def _run_link(self) -> None:
        failures = 0
        while not self._closed.is_set():
            self._set_state(LinkState.CONNECTING if failures == 0 else LinkState.RECONNECTING)
            reader = self._connect()
            if reader is not None:
                failures = 0
                self._hold_link(reader)
                self._hang_up()
            if self._closed.is_set():
                return
            failures += 1
            self._set_state(LinkState.DOWN)
            backoff = min(MAX_BACKOFF_S, 0.1 * 2 ** (failures - 1)) * random.uniform(0.5, 1.0)
            self._closed.wait(backoff)

    def _connect(self) -> threading.Thread | None:
        """Connect and shake hands; the running reader thread, or None on failure."""
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as e:
            self.last_error = e.strerror or str(e)
            return None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link: Any = sock
        if self.tls_ca:
            link = self._start_tls(sock)
            if link is None:
                return None
        sock.settimeout(None)
        with self._lock:
            self._sock = link
        reader = threading.Thread(target=self._read, args=(link,), name="store-reader",
                                  daemon=True)
        reader.start()
        self._set_state(LinkState.AUTHENTICATING)
        try:
            self._sync_clock("hello", {"client": "videostore-terminal",
                                       "protocol": protocol.VERSION})
            self._resume()
        except StoreError as e:
            self.last_error = e.message
            self._hang_up()
            reader.join(self.timeout_s)
            return None
        self.last_error = ""
        self._set_state(LinkState.CONNECTED)
        return reader

    def _start_tls(self, sock: socket.socket) -> Any:
        """The handshake, within the connect timeout; None (the reason in last_error)
        when it fails."""
        from store import tls
        try:
            return tls.connect(sock, self.tls_ca, self.host)
        except tls.TlsFailed as e:
            if str(e) != self.last_error:  # once, not at every retry
                log.warning("link to %s: %s", self.address, e)
            self.last_error = str(e)
            sock.close()
            return None

    def _resume(self) -> None:
        """Bind the new connection to our session, if we have one."""
        token = self._token
        if token is None:
            return
        try:
            result = self._send("resume", {"token": token}, self.timeout_s)
        except Unauthenticated as e:
            self._session_lost(e.message)
            return
        self.must_enroll_totp = bool(result.get("must_enroll_totp"))
        if not self.must_enroll_totp:
            self._subscribe()
        if self.on_resumed is not None:
            self.on_resumed(result)

    def _subscribe(self) -> None:
        if self.topics:
            self._send("subscribe", {"topics": self.topics}, self.timeout_s)

    def _session_lost(self, why: str) -> None:
        self._token, self.user = None, None
        log.info("session lost: %s", why)
        if self.on_session_lost:
            self.on_session_lost(why)

    def _hold_link(self, reader: threading.Thread) -> None:
        """While connected: heartbeat (and clock sync) until the reader ends."""
        while not self._closed.is_set():
            reader.join(HEARTBEAT_S)
            if not reader.is_alive():
                return
            try:
                self._sync_clock("time", None)
            except StoreError as e:
                log.warning("heartbeat to %s failed (%s); reconnecting", self.address, e)
                self._hang_up()

    def _sync_clock(self, op: str, args: dict[str, Any] | None) -> None:
        sent = time.time()
        result = self._send(op, args, self.timeout_s)
        received = time.time()
        wire = result.get("time", result)
        midpoint = datetime.fromtimestamp((sent + received) / 2, tz=timezone.utc)
        self._offset = from_wire(wire) - midpoint
        self._synced = True

    def _read(self, sock: Any) -> None:
        stream = sock.makefile("rb")
        try:
            for line in stream:
                self._receive(line)
        except OSError:
            pass  # the connection broke; handled below like an orderly close
        finally:
            stream.close()
            # Let go of the socket now, not at the next heartbeat: a request made meanwhile
            # is told the server is unavailable instead of waiting its timeout for a reply
            # that cannot come (and a write's retry is not sent into a dead link).
            self._hang_up(only=sock)
            self._fail_pending(ServerUnavailable(
                f"the connection to the store server at {self.address} was lost"))

    def _receive(self, line: bytes) -> None:
        try:
            message = protocol.decode_message(line)
        except StoreError as e:
            log.warning("%s", e)
            return
        if "event" in message:
            data = message.get("data")
            data = data if isinstance(data, dict) else {}
            if message["event"] == "session.ended" and "by" not in data:
                # The server's own word (a terminal's published event carries "by"; the
                # server refuses that name from terminals anyway).
                self._session_lost(f"the session was ended ({data.get('reason', 'by the server')})")
            elif self.on_event:
                self.on_event(str(message["event"]), data)
            return
        if message.get("id") is None and not message.get("ok"):
            # About the connection itself (TLS_REQUIRED, BUSY, TIMEOUT...), and the server
            # closes next: whatever waits fails with the server's reason, not "lost".
            error = message.get("error")
            self._fail_pending(from_reply(error if isinstance(error, dict) else {}))
            return
        with self._lock:
            pending = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if pending is None:
            return  # a reply that came after its request timed out
        if message.get("ok"):
            result = message.get("result")
            pending.reply = result if isinstance(result, dict) else {}
        else:
            error = message.get("error")
            pending.error = from_reply(error if isinstance(error, dict) else {})
        pending.done.set()

    # --- plumbing -----------------------------------------------------------------------

    def _send(self, op: str, args: dict[str, Any] | None, timeout_s: float | None,
              key: RequestKey | None = None) -> dict[str, Any]:
        request_id = next(self._ids)
        pending = _Pending()
        with self._lock:
            sock = self._sock
            if sock is None:
                raise ServerUnavailable(self._unavailable_message())
            self._pending[request_id] = pending
            try:
                sock.sendall(protocol.encode_request(request_id, op, args))
            except OSError:
                self._pending.pop(request_id, None)
                raise ServerUnavailable(self._unavailable_message()) from None
            finally:
                if key is not None:  # even a failed sendall may have sent part, or all
                    key.tried = True
        if not pending.done.wait(timeout_s or self.timeout_s):
            with self._lock:
                self._pending.pop(request_id, None)
            raise Timeout(f"the store server did not answer {op} in time")
        if pending.error is not None:
            raise pending.error
        return pending.reply or {}

    def _fail_pending(self, error: StoreError) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for p in pending.values():
            p.error = error
            p.done.set()

    def _hang_up(self, only: Any = None) -> None:
        """Close the link's socket (with `only`: if it is still that one)."""
        with self._lock:
            if only is not None and self._sock is not only:
                return
            sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the server
            sock.close()

    def _set_state(self, state: LinkState) -> None:
        with self._state_changed:
            if state is self._state:
                return
            self._state = state
            self._state_changed.notify_all()
        log.info("link to %s: %s", self.address, state.value)
        if self._on_state:
            self._on_state(state)

    def _unavailable_message(self) -> str:
        why = f" ({self.last_error})" if self.last_error else ""
        return (f"the store server at {self.address} is not connected{why}; "
                f"the terminal keeps trying")
