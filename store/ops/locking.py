"""Lock ops: acquire, renew, release, list."""
from __future__ import annotations

from typing import Any, Callable

from store import args as arg
from store import roles
from store.clock import to_wire
from store.errors import BadRequest
from store.events import EventHub, check_event
from store.locks import DEFAULT_TTL_S, MAX_TTL_S, LockService, check_resource

MAX_AT_ONCE = 50  # locks in one acquire: a hire's customer and its copies
from store.connection import Connection


class LockOps:
    INLINE = frozenset({"lock.acquire", "lock.renew", "lock.release", "lock.list"})

    def __init__(self, locks: LockService, hub: EventHub):
        self.locks, self.hub = locks, hub

    def handlers(self) -> dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]]:
        return {"lock.acquire": self.acquire, "lock.renew": self.renew,
                "lock.release": self.release, "lock.list": self.list}

    def acquire(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """One resource ("resource"), or several at once, all or none ("resources"); the
        reply carries the server's time, so a hire needs no separate `time`."""
        s = conn.session
        now = self.locks.clock.now()
        leases = self.locks.acquire_all(_resources(args), _ttl(args), s.id, s.username,
                                        s.terminal, s.store_id, now)
        # A lease granted now has `since` == now: the same wire form serves both.
        fresh = [lease.since_wire for lease in leases if lease.since == now]
        stamp = {"now": fresh[0] if fresh else to_wire(now)}
        if "resources" in args:
            return {"granted": True, "locks": [lease.describe() for lease in leases], **stamp}
        return {"granted": True, **leases[0].describe(), **stamp}

    def renew(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        lease = self.locks.renew(check_resource(args.get("resource")), _ttl(args),
                                 conn.session.id)
        return {"renewed": True, **lease.describe()}

    def release(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """Release, and with "announce" tell the store what changed, in one request: the
        other tills hear of it just as the copy or customer becomes free."""
        announcements = _announcements(args)
        released = [self.locks.release(r, conn.session.id) for r in _resources(args)]
        for event, data in announcements:
            self.hub.announce(conn, event, data)
        if "resources" in args:
            return {"released": sum(released)}
        return {"released": released[0]}

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


def _resources(args: dict[str, Any]) -> list[str]:
    """"resource": one name, or "resources": a list of 1 to 50 names (no repeats)."""
    if "resources" not in args:
        return [check_resource(args.get("resource"))]
    names = args["resources"]
    if not isinstance(names, list) or not 1 <= len(names) <= MAX_AT_ONCE:
        raise BadRequest(f"resources must be a list of 1 to {MAX_AT_ONCE} names")
    checked = [check_resource(name) for name in names]
    if len(set(checked)) != len(checked):
        raise BadRequest("resources names one twice")
    return checked


def _announcements(args: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """"announce": a list of up to 50 {"event", "data"} inventory events, checked as
    `publish` checks one — all before anything is released."""
    if "announce" not in args:
        return []
    given = args["announce"]
    if not isinstance(given, list) or len(given) > MAX_AT_ONCE or not all(
            isinstance(x, dict) for x in given):
        raise BadRequest(f"announce must be a list of at most {MAX_AT_ONCE} "
                         f"{{\"event\", \"data\"}} objects")
    return [check_event(x) for x in given]


def _ttl(args: dict[str, Any]) -> int:
    return arg.integer(args, "ttl_s", 1, MAX_TTL_S, default=DEFAULT_TTL_S)
