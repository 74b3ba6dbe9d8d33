"""Staff administration: accounts, passwords, deactivation, unlocking, two-factor resets.

Admins manage everyone; managers manage the clerks of their own store (store/roles.py).
Each change is one transaction with its audit_log row; a password is hashed before the
transaction starts (the KDF is slow on purpose). Deactivating an account or resetting its
password ends its sessions (which frees their locks and tells their terminals).

Each change takes an optional request key (store/once.py): a retry of one that was written
gets its stored reply, nothing done again. Passwords are not part of what identifies the
action (a digest of one would be a fast hash of it, kept a day). Sessions are ended after
the commit, by the try that wrote: a replay ends none and says so (`sessions_ended` 0).
"""
from __future__ import annotations

from typing import Any

from db import staff as sql
from db.audit import insert_audit
from db.database import Database, Tx
from db.errors import DuplicateKey, ForeignKeyViolation
from store import once, roles, unit
from store.clock import Clock, to_wire, utc
from store.errors import BadRequest, Forbidden, NotFound, ValidationError
from store.passwords import check_password, check_username, hash_password
from store.once import RequestKey
from store.sessions import Session, SessionService

Reply = dict[str, Any]


def public_view(row: dict[str, Any]) -> dict[str, Any]:
    """A staff row as others may see it: never the hash or the TOTP secret."""
    last = utc(row["last_login"])
    locked = utc(row["locked_until"])
    return {"id": row["id"], "username": row["username"], "full_name": row["full_name"],
            "role": row["role"], "store_id": row["store_id"], "active": bool(row["active"]),
            "totp": bool(row["totp_secret"]),
            "locked_until": to_wire(locked) if locked else None,
            "last_login": to_wire(last) if last else None}


class StaffAdmin:
    def __init__(self, database: Database, clock: Clock, sessions: SessionService):
        self.database, self.clock, self.sessions = database, clock, sessions

    def add(self, actor: Session, username: str, password: str, role: str, store_id: int,
            full_name: str = "", request: RequestKey | None = None) -> Reply:
        name = check_username(username)
        if role not in roles.ROLES:
            raise BadRequest(f"role must be one of {', '.join(roles.ROLES)}")
        if not roles.may_manage(actor.role, actor.store_id, role, store_id):
            raise Forbidden("managers may add clerks of their own store only")
        args = {"username": name, "role": role, "store_id": store_id, "full_name": full_name}
        done = once.stored(self.database, request, actor.staff_id, "staff.add", args, Reply)
        if done is not None:  # before "the username is taken" (by this very action)
            return done
        check_password(password)
        password_hash = hash_password(password)
        now = self.clock.now()

        def work(tx: Tx) -> Reply:
            try:
                staff_id = sql.insert_staff(tx, store_id, name, full_name.strip()[:100],
                                            password_hash, role, now)
            except DuplicateKey:
                raise ValidationError(f"the username {name!r} is taken") from None
            except ForeignKeyViolation:
                raise ValidationError(f"there is no store {store_id}") from None
            insert_audit(tx, now, actor.staff_id, actor.store_id, "staff.add", "staff",
                         staff_id, None, {"username": name, "role": role, "store_id": store_id})
            return {"id": staff_id, "username": name, "role": role, "store_id": store_id}
        return once.run(self.database, request, actor.staff_id, "staff.add", args, now, work,
                        Reply)

    def reset_password(self, actor: Session, username: str, password: str,
                       request: RequestKey | None = None) -> Reply:
        op = "staff.reset_password"
        done = self._done(actor, op, username, request)
        if done is not None:
            return {**done, "sessions_ended": 0}
        target = self._target(actor, username)
        check_password(password)
        password_hash = hash_password(password)
        reply, written = self._change(
            actor, target, op, {"username": target["username"]}, request,
            lambda tx, now: sql.set_password(tx, target["id"], password_hash, now))
        ended = self._end_sessions(target["id"], "password_reset") if written else 0
        return {**reply, "sessions_ended": ended}

    def deactivate(self, actor: Session, username: str,
                   request: RequestKey | None = None) -> Reply:
        done = self._done(actor, "staff.deactivate", username, request)
        if done is not None:
            return {**done, "sessions_ended": 0}
        target = self._target(actor, username)
        if target["id"] == actor.staff_id:
            raise ValidationError("you cannot deactivate your own account")
        reply, written = self._change(
            actor, target, "staff.deactivate", {"username": target["username"], "active": False},
            request, lambda tx, now: sql.set_active(tx, target["id"], False, now))
        ended = self._end_sessions(target["id"], "deactivated") if written else 0
        return {**reply, "sessions_ended": ended}

    def unlock(self, actor: Session, username: str, request: RequestKey | None = None) -> Reply:
        done = self._done(actor, "staff.unlock", username, request)
        if done is not None:
            return done
        target = self._target(actor, username)
        return self._change(actor, target, "staff.unlock",
                            {"username": target["username"], "locked_until": None}, request,
                            lambda tx, now: sql.unlock(tx, target["id"], now))[0]

    def totp_reset(self, actor: Session, username: str,
                   request: RequestKey | None = None) -> Reply:
        """Turn someone's two-factor login off (a lost phone): they log in with the password
        alone until they set it up again (admins must, while the shop requires it)."""
        done = self._done(actor, "staff.totp_reset", username, request)
        if done is not None:  # before a second reset undoes a set-up made since
            return done
        target = self._target(actor, username)
        return self._change(actor, target, "staff.totp_reset",
                            {"username": target["username"], "totp": False}, request,
                            lambda tx, now: sql.clear_totp_secret(tx, target["id"], now))[0]

    def list(self, actor: Session, store_id: int | None) -> list[dict[str, Any]]:
        if actor.role != roles.ADMIN:
            if store_id not in (None, actor.store_id):
                raise Forbidden("managers see the staff of their own store only")
            store_id = actor.store_id
        rows = unit.run(self.database, lambda tx: sql.list_staff(tx, store_id))
        return [public_view(r) for r in rows]

    def _target(self, actor: Session, username: str) -> dict[str, Any]:
        name = username.strip().lower()
        row = unit.run(self.database, lambda tx: sql.get_by_username(tx, name))
        if row is None:
            raise NotFound(f"there is no staff account {name!r}")
        if not roles.may_manage(actor.role, actor.store_id, row["role"], row["store_id"]):
            raise Forbidden("managers manage the clerks of their own store only")
        return row

    def _done(self, actor: Session, action: str, username: str,
              request: RequestKey | None) -> Reply | None:
        """The stored reply of an earlier try of this change with `request`, if written."""
        return once.stored(self.database, request, actor.staff_id, action,
                           {"username": username.strip().lower()}, Reply)

    def _change(self, actor: Session, target: dict[str, Any], action: str, reply: Reply,
                request: RequestKey | None, change: Any) -> tuple[Reply, bool]:
        """`change(tx, now)` and its audit row, once with `request`: (reply, written)."""
        now = self.clock.now()

        def work(tx: Tx) -> Reply:
            change(tx, now)
            insert_audit(tx, now, actor.staff_id, actor.store_id, action, "staff",
                         target["id"], None, None)
            return reply
        return once.write(self.database, request, actor.staff_id, action,
                          {"username": target["username"]}, now, work, Reply)

    def _end_sessions(self, staff_id: int, reason: str) -> int:
        return len(self.sessions.end_all_of(staff_id, reason))

