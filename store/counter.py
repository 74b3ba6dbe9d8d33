"""Where a manager's work happens: who is at the counter, in which store, at what time, and
the locks that keep two counters off the same customer or copy.

Managers (customers, videos, hires, returns, ...) run in the terminal and write to the
database themselves; the store server gives them the two things a terminal must not decide
alone: the time (its clock is the one authority for hire, due and return times) and the
locks. A Counter is built over the terminal's StoreClient and LeaseKeeper; while the server
is out of reach, anything that needs the clock or a lock fails at once with
ServerUnavailable — said plainly, nothing written — and reads carry on.
"""
from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store import roles
from store.client import StoreClient
from store.clock import from_wire
from store.errors import Forbidden, Unauthenticated
from store.leases import Hold, LeaseKeeper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """The staff member at the counter, as the store server knows them."""
    staff_id: int
    username: str
    role: str
    store_id: int

    def may(self, role: str) -> bool:
        return roles.allowed(self.role, role)

    def require(self, role: str, what: str) -> None:
        """Forbidden unless this staff member has at least `role`."""
        if not self.may(role):
            raise Forbidden(f"{what} needs a {role} (you are logged in as {self.username}, "
                            f"{self.role})")


class Counter:
    def __init__(self, client: StoreClient, leases: LeaseKeeper):
        self.client, self.leases = client, leases

    @property
    def actor(self) -> Actor:
        """The logged-in staff member; Unauthenticated when no one is."""
        user = self.client.user
        if user is None:
            raise Unauthenticated("log in first: only a logged-in clerk can change anything")
        return Actor(user["id"], user["username"], user["role"], user["store_id"])

    def now(self) -> datetime:
        """The store server's clock, asked now (ServerUnavailable while it is away)."""
        return from_wire(self.client.request("time"))

    def holding(self, *resources: str) -> AbstractContextManager[Hold]:
        """The locks on `resources` for the block, all or none (Locked names the holder).
        The block gets a Hold: `.now`, the server's time at the grant (one round trip for
        both), and `.announce(event, data)`, sent with the release."""
        return self.leases.holding(*resources)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        """Tell the store's other terminals what changed (after the commit). Best effort,
        and not waited for: the change is made whether or not they hear of it."""
        if not self.client.send_nowait("publish", {"topic": "inventory", "event": event,
                                                   "data": data}):
            log.info("could not publish %s: the store server is out of reach", event)
