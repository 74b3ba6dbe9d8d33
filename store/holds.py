"""Holds: customers waiting for a title at a store, served in the order they asked.

A copy that comes back (returned, or freed by a hold that was cancelled or ran out) goes to
the oldest waiting hold on its title at its store — set aside ("held") for
`hold_shelf_days`, the clerk told whom to call — or, when no one waits, back on the shelf.
`shelve` is that step, inside the caller's transaction; returns use it too. A ready hold
whose shelf time has run out passes its copy on the same way (`expire_due`, run by the
terminal now and then and before a held copy is hired).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db import hires as hires_sql
from db import holds as sql
from db.audit import insert_audit
from db.database import Database, Tx
from db.errors import ForeignKeyViolation
from store import once, unit
from store.clock import utc
from store.counter import Actor, Counter
from store.errors import NotFound, Refused
from store.shop import ShopRules, ShopSettings


@dataclass(frozen=True)
class ReadyHold:
    """A copy set aside for a customer: whom to call."""
    hold_id: int
    copy_id: int
    customer_id: int
    customer: str
    phone: str | None
    title: str
    expires_at: datetime


@dataclass(frozen=True)
class _Cancelled:
    """A cancel's stored reply: never None itself, so `once.stored` can tell a cancel done
    (whose copy went to no one) from one never made."""
    passed: ReadyHold | None


def shelve(tx: Tx, copy_id: int, title_id: int, store_id: int, now: datetime,
           rules: ShopRules) -> ReadyHold | None:
    """Put a copy that is back where it goes: to the oldest waiting hold (returned), or on
    the shelf (None)."""
    hold = sql.next_waiting(tx, title_id, store_id)
    if hold is None:
        hires_sql.set_copy_status(tx, copy_id, "available", now)
        return None
    expires = now + timedelta(days=rules.hold_shelf_days)
    sql.make_ready(tx, hold["id"], copy_id, now, expires)
    hires_sql.set_copy_status(tx, copy_id, "held", now)
    return ReadyHold(hold["id"], copy_id, hold["customer_id"],
                     f"{hold['first_name']} {hold['last_name']}", hold["phone"], hold["title"],
                     expires)


def expire(tx: Tx, hold: dict[str, Any], actor: Actor, now: datetime,
           rules: ShopRules) -> ReadyHold | None:
    """End a ready hold whose shelf time ran out; its copy goes on (audited)."""
    sql.close_hold(tx, hold["id"], "expired", now)
    passed = shelve(tx, hold["copy_id"], hold["title_id"], hold["store_id"], now, rules)
    insert_audit(tx, now, actor.staff_id, hold["store_id"], "hold.expire", "copies",
                 hold["copy_id"], {"status": "held", "hold_id": hold["id"]},
                 {"status": "held" if passed else "available",
                  "hold_id": passed.hold_id if passed else None})
    return passed


def ready_hold(row: dict[str, Any]) -> ReadyHold:
    return ReadyHold(row["id"], row["copy_id"], row["customer_id"],
                     f"{row['first_name']} {row['last_name']}", row["phone"], row["title"],
                     utc(row["expires_at"]))  # type: ignore[arg-type]


class Holds:
    def __init__(self, database: Database, counter: Counter, shop: ShopSettings):
        self.database, self.counter, self.shop = database, counter, shop

    def place(self, customer_id: int, title_id: int,
              request: once.RequestKey | None = None) -> dict[str, int]:
        """A hold for the customer on a title at the clerk's store: its place in the queue
        (hold_id, position). Refused when the customer is inactive, already waits for it,
        or a copy is on the shelf here now (hire that instead) — but not by its own first
        try: tried again with the same `request` key, that try's reply comes back."""
        actor = self.counter.actor
        with self.counter.holding(f"customer:{customer_id}") as held:
            now = held.now

            def work(tx: Tx) -> dict[str, int]:
                customer = hires_sql.lock_customer(tx, customer_id)
                if customer is None:
                    raise NotFound(f"There is no customer {customer_id}.")
                name = f"{customer['first_name']} {customer['last_name']}"
                if not customer["active"]:
                    raise Refused(f"{name}'s membership is deactivated.",
                                  {"reason": "customer_inactive"})
                if sql.open_hold_of(tx, customer_id, title_id, actor.store_id):
                    raise Refused(f"{name} already has a hold on that title here.",
                                  {"reason": "duplicate_hold"})
                if sql.count_on_shelf(tx, title_id, actor.store_id):
                    raise Refused("A copy is on the shelf here now: hire it instead.",
                                  {"reason": "available"})
                ahead = sql.count_waiting(tx, title_id, actor.store_id)
                try:
                    hold_id = sql.insert_hold(tx, customer_id, title_id, actor.store_id,
                                              actor.staff_id, now)
                except ForeignKeyViolation:
                    raise NotFound(f"There is no title {title_id}.") from None
                insert_audit(tx, now, actor.staff_id, actor.store_id, "hold.place", "holds",
                             hold_id, None, {"customer_id": customer_id, "title_id": title_id,
                                             "position": ahead + 1})
                return {"hold_id": hold_id, "position": ahead + 1}
            return once.run(self.database, request, actor.staff_id, "hold.place",
                            {"customer_id": customer_id, "title_id": title_id}, now, work,
                            dict[str, int])

    def cancel(self, hold_id: int,
               request: once.RequestKey | None = None) -> ReadyHold | None:
        """Cancel a waiting or ready hold; a copy it had set aside goes to the next hold
        (returned: whom to call) or back on the shelf. Once per `request` key."""
        actor = self.counter.actor
        rules = self.shop.rules()
        args = {"hold_id": hold_id}
        done = once.stored(self.database, request, actor.staff_id, "hold.cancel", args,
                           _Cancelled)
        if done is not None:  # the hold is closed now: the check below would refuse
            return done.passed
        hold = unit.run(self.database, lambda tx: sql.lock_hold(tx, hold_id))
        if hold is None or hold["status"] not in ("waiting", "ready"):
            raise NotFound(f"There is no open hold {hold_id}.")
        locks = [f"customer:{hold['customer_id']}"] + (
            [f"copy:{hold['copy_id']}"] if hold["copy_id"] else [])
        with self.counter.holding(*locks) as held:
            now = held.now

            def work(tx: Tx) -> _Cancelled:
                current = sql.lock_hold(tx, hold_id)
                if current is None or current["status"] not in ("waiting", "ready"):
                    raise NotFound(f"Hold {hold_id} was closed meanwhile.")
                sql.close_hold(tx, hold_id, "cancelled", now)
                passed = None
                if current["status"] == "ready":
                    passed = shelve(tx, current["copy_id"], current["title_id"],
                                    current["store_id"], now, rules)
                # One row per cancel, waiting or ready; a ready one says where its copy went.
                insert_audit(tx, now, actor.staff_id, actor.store_id, "hold.cancel", "holds",
                             hold_id, {"status": current["status"],
                                       "copy_id": current["copy_id"]},
                             {"status": "cancelled", "copy_status": None
                              if current["status"] != "ready"
                              else ("held" if passed else "available"),
                              "passed_to_hold": passed.hold_id if passed else None})
                return _Cancelled(passed)
            passed = once.run(self.database, request, actor.staff_id, "hold.cancel", args, now,
                              work, _Cancelled).passed
        if passed:
            self.counter.publish("hold.ready", ready_event(passed))
        return passed

    def expire_due(self) -> list[ReadyHold]:
        """Pass on the copies of this store's ready holds whose shelf time has run out;
        the holds that got a copy that way (whom to call)."""
        actor = self.counter.actor
        rules = self.shop.rules()
        now = self.counter.now()

        def work(tx: Tx) -> list[ReadyHold]:
            passed = [expire(tx, hold, actor, now, rules)
                      for hold in sql.expired_ready(tx, actor.store_id, now)]
            return [p for p in passed if p is not None]
        ready = unit.run(self.database, work)
        for hold in ready:
            self.counter.publish("hold.ready", ready_event(hold))
        return ready

    def queue(self, title_id: int) -> list[dict[str, Any]]:
        """Who waits for a title at the clerk's store, in order (ready ones first)."""
        store_id = self.counter.actor.store_id
        return unit.run(self.database, lambda tx: sql.queue(tx, title_id, store_id))

    def of_customer(self, customer_id: int) -> list[dict[str, Any]]:
        return unit.run(self.database, lambda tx: sql.holds_of(tx, customer_id))

    def shelf(self) -> list[ReadyHold]:
        """The copies set aside at the clerk's store, soonest to expire first."""
        store_id = self.counter.actor.store_id
        return [ready_hold(r) for r in unit.run(
            self.database, lambda tx: sql.ready_at_store(tx, store_id))]


def ready_event(hold: ReadyHold) -> dict[str, Any]:
    return {"hold_id": hold.hold_id, "copy_id": hold.copy_id, "customer_id": hold.customer_id,
            "customer": hold.customer, "title": hold.title}
