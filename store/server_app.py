"""The store server assembled from its services, and run until it is told to stop."""
from __future__ import annotations

import logging
import resource
import signal
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from db.database import Database
from db.settings import Settings
from store import once
from store.audit import SEAL_EVERY_S, PeriodicSealer
from store.clock import Clock
from store.dispatch import Dispatcher
from store.events import EventHub
from store.locks import LockService
from store.notices import Notices
from store.ops.admin import AdminOps
from store.ops.auth import AuthOps
from store.ops.core import CoreOps
from store.ops.events import EventOps
from store.ops.locking import LockOps
from store.ops.twofactor import TwoFactorOps
from store.server import Limits, StoreServer
from store.sessions import Session, SessionService
from store.staff import StaffAdmin
from store.twofactor import TwoFactor

if TYPE_CHECKING:
    import ssl

log = logging.getLogger(__name__)

ACTIVITY_FLUSH_S = 10.0  # how often sessions' activity reaches the database (off the loop)
IDLE_SWEEP_S = 60.0      # how often sessions idle past their time are ended
# Descriptors besides the clients' sockets: the database pool, the log, the listener, the
# wake-up pipe, the poller, and a margin.
FD_HEADROOM = 100


def build_server(settings: Settings, test_clock: bool = False) -> StoreServer:
    """A bound (not yet serving) store server. The database pool connects lazily, so the
    server starts, and tells the time, even while the database is down."""
    clock = Clock(adjustable=test_clock)
    database = Database.for_app(settings.db)
    server: StoreServer | None = None

    def connection_count() -> int:
        return server.connection_count() if server else 0

    sessions = SessionService(database, clock, timedelta(seconds=settings.server.session_idle_s),
                              store_id=settings.server.store_id)
    locks = LockService(clock)
    hub = EventHub()

    def session_started(session: Session) -> None:
        """Tell the store's terminals who is working where."""
        hub.publish(session.store_id, "staff", "staff.login", staff_event(session))

    def session_ended(session_id: int, reason: str, session: Session | None) -> None:
        """Free its locks; tell its terminals, unless they ended it themselves; tell the
        store's terminals."""
        locks.release_all(session_id)
        if reason not in ("logout", "bye"):
            hub.to_session(session_id, "session.ended", {"reason": reason})
        if session is not None:
            hub.publish(session.store_id, "staff", "staff.logout",
                        {**staff_event(session), "reason": reason})
    sessions.on_start = session_started
    sessions.on_end = session_ended
    handlers = {
        **CoreOps(clock, connection_count, database, sessions, locks, hub).handlers(),
        **AuthOps(sessions, locks).handlers(),
        **AdminOps(StaffAdmin(database, clock, sessions), sessions, locks).handlers(),
        **TwoFactorOps(TwoFactor(database, clock, sessions)).handlers(),
        **LockOps(locks, hub).handlers(),
        **EventOps(hub, Notices(database, clock, hub)).handlers(),
    }
    inline = CoreOps.INLINE | AuthOps.INLINE | LockOps.INLINE | EventOps.INLINE
    s = settings.server
    limits = Limits(max_line_bytes=s.max_line_bytes, max_connections=s.max_connections,
                    max_per_address=s.max_per_address, unauth_idle_s=s.unauth_idle_s,
                    requests_per_s=s.requests_per_s, request_burst=s.request_burst)
    dispatcher = Dispatcher(handlers, sessions, inline, on_disconnect=hub.unsubscribe)
    server = StoreServer((s.host, s.port), dispatcher, limits, tls=tls_context(settings))
    sessions.defer = server.submit
    server.every(ACTIVITY_FLUSH_S, sessions.flush_activity)
    server.every(ACTIVITY_FLUSH_S, locks.sweep)
    server.every(SEAL_EVERY_S, PeriodicSealer(settings, database))  # the audit hash chain
    server.every(once.PURGE_EVERY_S, once.Purger(database, clock.now))  # old request keys
    # Often enough that an idle session ends within a few percent of its idle time.
    server.every(min(IDLE_SWEEP_S, s.session_idle_s / 2), sessions.expire_idle)
    return server


def tls_context(settings: Settings) -> "ssl.SSLContext | None":
    """The server's TLS context when server.tls_cert/tls_key are set; ConfigError when they
    cannot be used."""
    s = settings.server
    if not (s.tls_cert or s.tls_key):
        return None
    from store.tls import server_context
    context = server_context(s.tls_cert, s.tls_key)
    log.info("TLS on: certificate %s", s.tls_cert)
    return context


def staff_event(session: Session) -> dict[str, Any]:
    return {"username": session.username, "role": session.role, "terminal": session.terminal,
            "session_id": session.id}


def raise_open_file_limit(max_connections: int) -> int:
    """Let the process hold a socket for each of `max_connections` clients and what it
    needs besides (FD_HEADROOM): the soft RLIMIT_NOFILE raised that far, within the hard
    limit. The new soft limit, logged; a warning when the hard limit is too low (the
    clients beyond it then wait: the loop pauses accepting while it cannot)."""
    needed = max_connections + FD_HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as e:
            log.warning("cannot raise the open file limit to %d: %s", wanted, e)
    if soft < needed:
        log.warning("open file limit %d: fewer than the %d that server.max_connections = %d "
                    "needs; raise the hard limit (LimitNOFILE in the service, ulimit -Hn) or "
                    "lower server.max_connections", soft, needed, max_connections)
    else:
        log.info("open file limit %d (server.max_connections %d needs %d)", soft,
                 max_connections, needed)
    return soft


def serve_until_signalled(server: StoreServer, grace_s: float) -> None:
    """Serve until SIGINT or SIGTERM, then shut down gracefully, idle clients and all."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    worker = threading.Thread(target=server.serve_forever, name="loop", daemon=True)
    worker.start()
    host, port = server.address
    log.info("store server listening on %s:%d", host, port)
    while not stop.wait(0.5):
        pass
    log.info("shutting down")
    server.stop(grace_s)
    worker.join(grace_s)
