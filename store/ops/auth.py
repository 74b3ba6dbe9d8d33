"""Session ops: login, resume, logout, whoami, bye."""
from __future__ import annotations

from typing import Any, Callable

from store import args as arg
from store.clock import to_wire
from store.locks import LockService
from store.connection import Connection
from store.sessions import Session, SessionService


class AuthOps:
    INLINE = frozenset({"whoami"})  # the rest touch the database or the password KDF

    def __init__(self, sessions: SessionService, locks: LockService):
        self.sessions, self.locks = sessions, locks

    def handlers(self) -> dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]]:
        return {"login": self.login, "resume": self.resume, "logout": self.logout,
                "whoami": self.whoami, "bye": self.bye}

    def login(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        token, session = self.sessions.login(
            arg.text(args, "username", 64), arg.text(args, "password", 128),
            arg.label(args, "terminal", 64, default=""), conn.address,
            arg.text(args, "otp", 32, default=""))
        conn.session = session
        return {"token": token, **self._describe(session)}

    def resume(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = self.sessions.resume(arg.text(args, "token", 128), conn.address)
        conn.session = session
        held = [lease.describe() for lease in self.locks.leases(session_id=session.id)]
        return {**self._describe(session), "locks": held}

    def logout(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        released = self._end(conn, "logout")
        return {"logged_out": True, "locks_released": released}

    def whoami(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return self._describe(conn.session)

    def bye(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """Answer, then close; a bound session ends and its locks are freed at once."""
        self._end(conn, "bye")
        conn.closing = True
        return {"bye": True}

    def _end(self, conn: Connection, reason: str) -> int:
        session = conn.session
        conn.session = None
        if session is None:
            return 0
        held = len(self.locks.leases(session_id=session.id))
        self.sessions.end(session.id, reason)  # which frees its locks (server_app wires it)
        return held

    def _describe(self, session: Session) -> dict[str, Any]:
        return {"user": session.user(), "session_id": session.id, "terminal": session.terminal,
                "expires_at": to_wire(self.sessions.expires_at(session)),
                "must_enroll_totp": session.must_enroll_totp}
