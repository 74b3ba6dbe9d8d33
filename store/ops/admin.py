"""Staff and session administration ops (managers and admins; scope rules in store/roles.py)."""
from __future__ import annotations

from typing import Any, Callable

from store import args as arg
from store import roles
from store.errors import Forbidden, NotFound
from store.locks import LockService
from store.connection import Connection
from store.sessions import SessionService
from store.staff import StaffAdmin


class AdminOps:
    def __init__(self, staff: StaffAdmin, sessions: SessionService, locks: LockService):
        self.staff, self.sessions, self.locks = staff, sessions, locks

    def handlers(self) -> dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]]:
        return {"staff.add": self.staff_add, "staff.reset_password": self.reset_password,
                "staff.deactivate": self.deactivate, "staff.unlock": self.unlock,
                "staff.totp_reset": self.totp_reset,
                "staff.list": self.staff_list, "session.list": self.session_list,
                "session.end": self.session_end}

    # Each staff.* write takes an optional request key ("key", store/once.py).
    def staff_add(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        return self.staff.add(conn.session, arg.text(args, "username", 64),
                              arg.text(args, "password", 128),
                              arg.choice(args, "role", roles.ROLES),
                              arg.integer(args, "store_id", 1, 2 ** 31),
                              arg.text(args, "full_name", 100, default=""), key)

    def reset_password(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        return self.staff.reset_password(conn.session, arg.text(args, "username", 64),
                                         arg.text(args, "password", 128), key)

    def deactivate(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        return self.staff.deactivate(conn.session, arg.text(args, "username", 64), key)

    def unlock(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        return self.staff.unlock(conn.session, arg.text(args, "username", 64), key)

    def totp_reset(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        return self.staff.totp_reset(conn.session, arg.text(args, "username", 64), key)

    def staff_list(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        store_id = arg.integer(args, "store_id", 1, 2 ** 31) if "store_id" in args else None
        return {"staff": self.staff.list(conn.session, store_id)}

    def session_list(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        actor = conn.session
        store_id = None if actor.role == roles.ADMIN else actor.store_id
        return {"sessions": self.sessions.list_live(store_id)}

    def session_end(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """No request key: ending an ended session changes nothing; a retry whose first try
        ended it is told NOT_FOUND (no live session), which is what was asked for."""
        actor = conn.session
        session_id = arg.integer(args, "session_id", 1, 2 ** 62)
        target = next((s for s in self.sessions.list_live(None)
                       if s["session_id"] == session_id), None)
        if target is None:
            raise NotFound(f"there is no live session {session_id}")
        if not roles.may_manage(actor.role, actor.store_id, target["role"], target["store_id"]):
            raise Forbidden("managers may end the sessions of clerks of their own store only")
        held = len(self.locks.leases(session_id=session_id))
        self.sessions.end(session_id, "ended_by_admin")  # which frees its locks
        return {"session_id": session_id, "ended": True, "locks_released": held}
