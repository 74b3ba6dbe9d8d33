"""Lock leases on a customer, a copy or a title, so two counters never act on the same one.

A lease belongs to a session, not a connection: a terminal that reconnects keeps its locks.
It ends at its expiry unless renewed, at release, or when its session logs out or says bye.
Invariants (under `_lock`): at most one lease per resource; a lease whose expiry has passed
counts as absent and is dropped on sight (and by `sweep`), so a clerk who walks away never
blocks the store for longer than the lease. Times come from the store's clock.

Correctness never rests on these locks: the database's keys and transactions make a double
hire impossible. The locks make the counter right ("copy 4411 is being hired at till 2").
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from store.clock import Clock, to_wire
from store.errors import BadRequest, Locked, NotFound

RESOURCE = re.compile(r"^(copy|customer|title):[1-9][0-9]{0,9}\Z")
MAX_TTL_S = 300
DEFAULT_TTL_S = 30


@dataclass
class Lease:
    resource: str
    session_id: int
    username: str
    terminal: str
    store_id: int
    since: datetime
    expires_at: datetime
    # `since` as the protocol sends it, made once: lock requests are the hot path.
    since_wire: dict[str, Any] = field(default_factory=dict, repr=False)

    def describe(self) -> dict[str, Any]:
        return {"resource": self.resource, "username": self.username, "terminal": self.terminal,
                "store_id": self.store_id, "since": self.since_wire or to_wire(self.since),
                "expires_at": to_wire(self.expires_at)}


def check_resource(resource: object) -> str:
    if not isinstance(resource, str) or not RESOURCE.match(resource):
        raise BadRequest("resource must be copy:<id>, customer:<id> or title:<id>, "
                         "e.g. copy:4411")
    return resource


class LockService:
    def __init__(self, clock: Clock):
        self.clock = clock
        self._leases: dict[str, Lease] = {}
        self._lock = threading.Lock()

    def acquire(self, resource: str, ttl_s: int, session_id: int, username: str,
                terminal: str, store_id: int) -> Lease:
        """Grant (or, for the same session, extend) the lease; Locked names the holder."""
        return self.acquire_all([resource], ttl_s, session_id, username, terminal, store_id)[0]

    def acquire_all(self, resources: list[str], ttl_s: int, session_id: int, username: str,
                    terminal: str, store_id: int,
                    now: datetime | None = None) -> list[Lease]:
        """Grant (or extend) every lease, or none: Locked names the holder of the first
        one held elsewhere. One request for a hire's customer and copies."""
        now = now or self.clock.now()
        now_wire = to_wire(now)
        with self._lock:
            current = [self._current(resource, now) for resource in resources]
            for resource, lease in zip(resources, current, strict=True):
                if lease is not None and lease.session_id != session_id:
                    raise Locked(f"{resource} is in use by {lease.username} at "
                                 f"{lease.terminal or 'another terminal'}", lease.describe())
            granted = []
            for resource, lease in zip(resources, current, strict=True):
                if lease is None:
                    lease = Lease(resource, session_id, username, terminal, store_id, now, now,
                                  now_wire)
                    self._leases[resource] = lease
                lease.expires_at = now + timedelta(seconds=ttl_s)
                granted.append(lease)
            return granted

    def renew(self, resource: str, ttl_s: int, session_id: int) -> Lease:
        now = self.clock.now()
        with self._lock:
            lease = self._current(resource, now)
            if lease is None or lease.session_id != session_id:
                raise NotFound(f"you hold no lock on {resource} (it may have expired)")
            lease.expires_at = now + timedelta(seconds=ttl_s)
            return lease

    def release(self, resource: str, session_id: int) -> bool:
        """Release our lease; False if we held none."""
        with self._lock:
            lease = self._current(resource, self.clock.now())
            if lease is None or lease.session_id != session_id:
                return False
            del self._leases[resource]
            return True

    def release_all(self, session_id: int) -> int:
        with self._lock:
            mine = [r for r, lease in self._leases.items() if lease.session_id == session_id]
            for resource in mine:
                del self._leases[resource]
            return len(mine)

    def leases(self, session_id: int | None = None, store_id: int | None = None) -> list[Lease]:
        """Live leases, of one session or one store (or all)."""
        self.sweep()
        with self._lock:
            return [lease for lease in self._leases.values()
                    if (session_id is None or lease.session_id == session_id)
                    and (store_id is None or lease.store_id == store_id)]

    def sweep(self) -> int:
        """Drop expired leases; how many."""
        now = self.clock.now()
        with self._lock:
            gone = [r for r, lease in self._leases.items() if lease.expires_at <= now]
            for resource in gone:
                del self._leases[resource]
            return len(gone)

    def count(self) -> int:
        with self._lock:
            return len(self._leases)

    def _current(self, resource: str, now: datetime) -> Lease | None:
        lease = self._leases.get(resource)
        if lease is not None and lease.expires_at <= now:
            del self._leases[resource]
            return None
        return lease
