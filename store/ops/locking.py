"""Lock ops: acquire, renew, release, list."""
from __future__ import annotations

from typing import Any, Callable

from store import args as arg
from store import roles
from store.locks import DEFAULT_TTL_S, MAX_TTL_S, LockService, check_resource
from store.connection import Connection


class LockOps:
    INLINE = frozenset({"lock.acquire", "lock.renew", "lock.release", "lock.list"})

    def __init__(self, locks: LockService):
        self.locks = locks

    def handlers(self) -> dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]]:
        return {"lock.acquire": self.acquire, "lock.renew": self.renew,
                "lock.release": self.release, "lock.list": self.list}

    def acquire(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        s = conn.session
        lease = self.locks.acquire(check_resource(args.get("resource")), _ttl(args), s.id,
                                   s.username, s.terminal, s.store_id)
        return {"granted": True, **lease.describe()}

    def renew(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        lease = self.locks.renew(check_resource(args.get("resource")), _ttl(args),
                                 conn.session.id)
        return {"renewed": True, **lease.describe()}

    def release(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        released = self.locks.release(check_resource(args.get("resource")), conn.session.id)
        return {"released": released}

    def list(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """Clerks see their own locks; managers their store's; admins all."""
        s = conn.session
        if s.role == roles.ADMIN:
            leases = self.locks.leases()
        elif s.role == roles.MANAGER:
            leases = self.locks.leases(store_id=s.store_id)
        else:
            leases = self.locks.leases(session_id=s.id)
        return {"locks": [lease.describe() for lease in leases]}


def _ttl(args: dict[str, Any]) -> int:
    return arg.integer(args, "ttl_s", 1, MAX_TTL_S, default=DEFAULT_TTL_S)
