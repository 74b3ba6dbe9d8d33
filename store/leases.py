"""The terminal's side of lock leases: the locks this clerk holds, renewed in the background
while the clerk works, and checked again after every reconnect.

On the server a lease ends at its TTL unless renewed (store/locks.py). The keeper renews
every held lock each `renew_every_s` (a third of the TTL) — but only while the clerk is
active: a clerk who walks away from an open screen stops renewing, so their locks end
within one TTL and never block the store. `touch()` is how the screens say the clerk did
something. A terminal that dies stops renewing too.

After a reconnect the server's `resume` answer lists the session's live locks; any the
keeper held that are not among them (they expired while the link was down, or the server
restarted and forgot them) are taken again at once — unless another till took them in the
meantime, and then `on_lost` is told who has them, as it is told when a renewal finds a
lease gone.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator

from store.client import StoreClient
from store.clock import from_wire
from store.errors import NotFound, ServerUnavailable, StoreError, Timeout

log = logging.getLogger(__name__)

TTL_S = 30
IDLE_LIMIT_S = 120.0  # no renewal after this long without the clerk doing anything


@dataclass
class Hold:
    """What a block holding locks gets: the server's time, and a place for the news."""
    now: datetime
    announcements: list[dict[str, Any]] = field(default_factory=list)

    def announce(self, event: str, data: dict[str, Any]) -> None:
        """Tell the store's other terminals, as the locks are released, that `event`
        happened (only if the block ends without an error)."""
        self.announcements.append({"event": event, "data": data})


class LeaseKeeper:
    def __init__(self, client: StoreClient, ttl_s: int = TTL_S,
                 idle_limit_s: float = IDLE_LIMIT_S, renew_every_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.ttl_s = ttl_s
        self.renew_every_s = renew_every_s or ttl_s / 3
        self.idle_limit_s = idle_limit_s
        self.on_lost: Callable[[str, str], None] | None = None  # (resource, why)
        self._clock = clock
        self._held: dict[str, int] = {}  # resource -> holds by this terminal (re-entrant)
        self._lock = threading.Lock()
        self._active_at = clock()
        self._closed = threading.Event()
        self._wake = threading.Event()
        self._retake: set[str] = set()  # lost in a reconnect: to take again
        self._renewer: threading.Thread | None = None

    # --- what screens use ---------------------------------------------------------------

    def touch(self) -> None:
        """The clerk did something: keep renewing."""
        self._active_at = self._clock()

    def acquire(self, resource: str) -> dict[str, Any]:
        """Take (or take again) the lock on `resource`; the server's grant. Raises Locked
        naming the holder, or ServerUnavailable while the link is down."""
        grant = self.client.request("lock.acquire", {"resource": resource, "ttl_s": self.ttl_s})
        with self._lock:
            self._held[resource] = self._held.get(resource, 0) + 1
        self.touch()
        self._start_renewing()
        return grant

    def acquire_all(self, resources: list[str]) -> datetime:
        """Take every lock of `resources` in one request, all or none (Locked names the
        holder of one held elsewhere); the server's time at the grant."""
        grant = self.client.request("lock.acquire", {"resources": resources,
                                                     "ttl_s": self.ttl_s})
        with self._lock:
            for resource in resources:
                self._held[resource] = self._held.get(resource, 0) + 1
        self.touch()
        self._start_renewing()
        return from_wire(grant["now"])

    def release(self, resource: str) -> None:
        """Give one hold back; the lock is released when the last one goes."""
        self.release_all([resource])

    def release_all(self, resources: list[str],
                    announce: list[dict[str, Any]] | None = None) -> None:
        """Give one hold of each back, releasing those whose last hold goes, and announce
        what changed (inventory events) in the same message — without waiting for the
        answer. With the link down nothing is sent: each lease then ends at its TTL, and
        the other tills miss the news."""
        free = []
        with self._lock:
            for resource in resources:
                count = self._held.get(resource, 0) - 1
                if count > 0:
                    self._held[resource] = count
                elif self._held.pop(resource, None) is not None:
                    free.append(resource)
        if free:
            args: dict[str, Any] = {"resources": free}
            if announce:
                args["announce"] = announce
            if not self.client.send_nowait("lock.release", args):
                log.info("could not release %s now; they end at their TTL", ", ".join(free))
        elif announce:
            for item in announce:
                self.client.send_nowait("publish", {"topic": "inventory", **item})

    @contextmanager
    def holding(self, *resources: str) -> Iterator["Hold"]:
        """Hold every lock of `resources` for the block, all or none. The block gets the
        server's time at the grant (so a manager needs no separate `time`) and may
        announce what it changed: sent with the release, once the block ended well."""
        names = sorted(set(resources))
        held = Hold(self.acquire_all(names))
        try:
            yield held
        except BaseException:
            self.release_all(names)
            raise
        self.release_all(names, held.announcements)

    def held(self) -> list[str]:
        with self._lock:
            return sorted(self._held)

    def holds(self, resource: str) -> bool:
        with self._lock:
            return resource in self._held

    # --- the link's side ----------------------------------------------------------------

    def recheck(self, live: list[dict[str, Any]]) -> list[str]:
        """After a resume (on the link's thread, before requests can be sent): the locks
        the server no longer has for us, which the renewer then takes again."""
        still = {lease.get("resource") for lease in live}
        with self._lock:
            missing = [r for r in self._held if r not in still]
            self._retake.update(missing)
        if missing:
            self._wake.set()
        return missing

    def retake(self) -> list[str]:
        """Take again the locks a reconnect found missing; the ones another till has now."""
        with self._lock:
            pending, self._retake = sorted(self._retake), set()
        lost = []
        for resource in pending:
            if not self.holds(resource):
                continue  # given back meanwhile
            try:
                self.client.request("lock.acquire", {"resource": resource, "ttl_s": self.ttl_s})
            except (ServerUnavailable, Timeout):
                with self._lock:
                    self._retake.add(resource)  # the next reconnect tries again
            except StoreError as e:
                lost.append((resource, e))
        with self._lock:
            for resource, _ in lost:
                self._held.pop(resource, None)
        for resource, error in lost:
            self._lost(resource, f"while the store server was out of reach it went to "
                       f"{error.details.get('username', 'another till')}"
                       if error.code == "LOCKED" else error.message)
        return [resource for resource, _ in lost]

    def renew_now(self) -> list[str]:
        """Renew every held lock once (when the clerk is active); the ones found lost."""
        if self._clock() - self._active_at > self.idle_limit_s:
            return []  # the clerk walked away: let the leases run out
        lost = []
        for resource in self.held():
            try:
                self.client.request("lock.renew", {"resource": resource, "ttl_s": self.ttl_s})
            except NotFound:
                lost.append(resource)
            except (ServerUnavailable, Timeout):
                return lost  # the reconnect's recheck says what survived
        with self._lock:
            for resource in lost:
                self._held.pop(resource, None)
        for resource in lost:
            self._lost(resource, "it expired")
        return lost

    def forget(self) -> None:
        """The session ended (so the server freed its locks): hold nothing."""
        with self._lock:
            self._held.clear()

    def close(self) -> None:
        """Stop renewing and give every lock back."""
        self._closed.set()
        self._wake.set()
        for resource in self.held():
            with self._lock:
                self._held[resource] = 1
            self.release(resource)

    def _lost(self, resource: str, why: str) -> None:
        log.info("lost the lock on %s: %s", resource, why)
        if self.on_lost is not None:
            self.on_lost(resource, why)

    def _start_renewing(self) -> None:
        with self._lock:
            if self._renewer is not None:
                return
            self._renewer = threading.Thread(target=self._renew_loop, name="lease-renewer",
                                             daemon=True)
        self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._closed.is_set():
            woken = self._wake.wait(self.renew_every_s)
            self._wake.clear()
            if self._closed.is_set():
                return
            try:
                if woken and self.client.wait_connected(self.renew_every_s):
                    self.retake()
                if self.held():
                    self.renew_now()
            except Exception:
                log.exception("renewing leases failed")
