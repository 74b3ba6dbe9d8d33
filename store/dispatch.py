"""From a request line to a reply line: decode, find the op's handler, run it, encode.

This is the one place where errors become error replies: a StoreError keeps its code, a
data-layer error becomes the StoreError a clerk can act on, anything else is a bug that is
logged with its traceback and answered INTERNAL. The connection survives all of them.
It is also the one place where an op's role (store/roles.py) is checked, before the op runs.

`inline` names the ops that only touch memory (the clock, locks, events): the server runs
them on its loop thread at once. Every other op may wait (the database, the password KDF)
and runs on a worker thread; an op is inline only when its group says so.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from db.errors import DbError
from store import protocol
from store import roles
from store.errors import (Forbidden, Internal, StoreError, Unauthenticated, UnknownOp,
                          from_db_error)
from store.protocol import Request
from store.connection import Connection
from store.sessions import SessionService

log = logging.getLogger(__name__)

Handler = Callable[[Connection, dict[str, Any]], dict[str, Any]]


class Dispatcher:
    def __init__(self, handlers: dict[str, Handler], sessions: SessionService,
                 inline: frozenset[str] = frozenset(),
                 on_disconnect: Callable[[Connection], None] | None = None):
        unguarded = sorted(set(handlers) - set(roles.OP_ROLES))
        if unguarded:
            raise ValueError(f"ops without a role rule in store/roles.py: {unguarded}")
        self.handlers = handlers
        self.sessions = sessions
        self.inline = inline
        self._on_disconnect = on_disconnect

    def decode(self, line: bytes) -> Request | bytes:
        """The request on `line`, or the error reply for a line that is not one."""
        try:
            return protocol.decode_request(line)
        except StoreError as e:
            return protocol.encode_error(protocol.request_id_of(line), e)

    def runs_inline(self, request: Request) -> bool:
        """Whether the op never waits (and so runs on the server's loop thread). An unknown
        op is answered at once too."""
        return request.op in self.inline or request.op not in self.handlers

    def run(self, conn: Connection, request: Request) -> bytes:
        """Check the session and role, run the op; its reply line, whatever happens."""
        handler = self.handlers.get(request.op)
        if handler is None:
            return protocol.encode_error(request.id, UnknownOp(
                f"unknown op {request.op!r}", {"ops": sorted(self.handlers)}))
        try:
            self._authorize(conn, request.op)
            result = handler(conn, request.args)
        except StoreError as e:
            return protocol.encode_error(request.id, e)
        except DbError as e:
            log.warning("op %s from %s: database: %s", request.op, conn.address, e)
            return protocol.encode_error(request.id, from_db_error(e))
        except Exception:
            log.exception("op %s from %s failed", request.op, conn.address)
            return protocol.encode_error(request.id, Internal(
                "the server hit an internal error; it has been logged"))
        return protocol.encode_result(request.id, result)

    def _authorize(self, conn: Connection, op: str) -> None:
        needed = roles.OP_ROLES[op]
        if needed == roles.PUBLIC:
            return
        session = conn.session
        if session is None:
            raise Unauthenticated(f"{op} needs a logged-in session: login or resume first")
        try:
            self.sessions.check(session)
        except Unauthenticated:
            conn.session = None
            raise
        if not roles.allowed(session.role, needed):
            raise Forbidden(f"{op} needs the {needed} role (you are {session.role})",
                            {"needs": needed})
        if session.must_enroll_totp and op not in roles.WHILE_ENROLLING:
            raise Forbidden(f"set up two-factor login first: {op} is refused until you have "
                            f"(totp.enroll, then totp.confirm with a code from the app)",
                            {"must_enroll_totp": True})

    def disconnected(self, conn: Connection) -> None:
        if self._on_disconnect:
            self._on_disconnect(conn)
