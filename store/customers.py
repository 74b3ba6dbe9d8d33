"""Customers: register, find, view, edit, deactivate and reactivate.

Each change is one transaction (store.unit.run) holding the `customer:<id>` lock on the
store server, with its business time from the server's clock and an audit_log row of the
old and new values. A customer is never deleted: a deactivated one stays findable and
viewable, marked inactive (and may not hire: store/hire_rules.py). Customers belong to the
home store of the clerk who registered them and may hire in any store of the chain.

Reading needs a login (customers' details are personal) but not the store server: a clerk
logged in before the server went away can still find and look at customers.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db import accounts
from db import customers as sql
from db.audit import insert_audit
from db.database import Database, Tx
from db.errors import DuplicateKey
from db.stores import get_store
from store import codes, once, unit
from store.clock import utc
from store.counter import Actor, Counter
from store.customer_rules import (FIELD_BY_COLUMN, FIELDS, as_text, clean_details, clean_field, clean_phone,
                                  search_plan)
from store.errors import NotFound, Refused, ValidationError

RECENT_HIRES = 10
MAX_LIMIT = 50


@dataclass(frozen=True)
class Customer:
    id: int
    card_number: str
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    date_of_birth: date | None
    active: bool
    store_id: int
    store_name: str
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def resource(self) -> str:
        """Its lock's name on the store server."""
        return f"customer:{self.id}"

    def details(self) -> dict[str, Any]:
        """The editable details, column -> stored value."""
        return {f.column: getattr(self, f.column) for f in FIELDS}


@dataclass(frozen=True)
class HireLine:
    hire_id: int
    copy_id: int
    barcode: str
    format: str
    title: str
    store_name: str
    hired_at: datetime
    due_at: datetime
    returned_at: datetime | None
    rate_charged: Decimal
    late_fee: Decimal

    def overdue(self, now: datetime | None) -> bool:
        return now is not None and self.returned_at is None and self.due_at < now


@dataclass(frozen=True)
class HoldLine:
    hold_id: int
    title: str
    store_name: str
    status: str            # waiting or ready
    placed_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class CustomerView:
    """What a customer's page shows, read in one transaction."""
    customer: Customer
    balance: Decimal
    open_hires: list[HireLine] = field(default_factory=list)
    recent_hires: list[HireLine] = field(default_factory=list)
    holds: list[HoldLine] = field(default_factory=list)
    hires_ever: int = 0
    as_of: datetime | None = None   # the server's time as last synchronised (display only)


def customer_from(row: dict[str, Any]) -> Customer:
    return Customer(
        id=row["id"], card_number=row["card_number"], first_name=row["first_name"],
        last_name=row["last_name"], phone=row["phone"], email=row["email"],
        address_line1=row["address_line1"], address_line2=row["address_line2"],
        city=row["city"], postal_code=row["postal_code"], country=row["country"],
        date_of_birth=row["date_of_birth"], active=bool(row["active"]),
        store_id=row["store_id"], store_name=row["store_name"],
        created_at=utc(row["created_at"]), updated_at=utc(row["updated_at"]))


def _hire_line(row: dict[str, Any]) -> HireLine:
    return HireLine(row["id"], row["copy_id"], row["barcode"], row["format"], row["title"],
                    row["store_name"], utc(row["hired_at"]), utc(row["due_at"]),  # type: ignore[arg-type]
                    utc(row["returned_at"]), Decimal(row["rate_charged"]),
                    Decimal(row["late_fee"]))


def _hold_line(row: dict[str, Any]) -> HoldLine:
    return HoldLine(row["id"], row["title"], row["store_name"], row["status"],
                    utc(row["placed_at"]), utc(row["expires_at"]))  # type: ignore[arg-type]


def _owned(what: str, shown: str, row: dict[str, Any]) -> Refused:
    """The refusal for a phone or card someone else has, naming them."""
    return Refused(f"{what} {shown} is already {row['first_name']} {row['last_name']}'s, "
                   f"card {row['card_number']}",
                   {"reason": f"duplicate_{what}", "customer_id": row["id"]})


class Customers:
    def __init__(self, database: Database, counter: Counter):
        self.database, self.counter = database, counter

    def _logged_in(self) -> Actor:
        """The clerk at the counter; Unauthenticated when no one is logged in (customers'
        details are personal: a read-only terminal does not show them)."""
        return self.counter.actor

    # --- reading ------------------------------------------------------------------------

    def find(self, text: str, limit: int = 10) -> list[Customer]:
        """Customers matching a card number, phone, e-mail or the start of a name, most
        likely first, at most `limit`. Inactive ones too (marked so)."""
        self._logged_in()
        plan = search_plan(text)
        limit = max(1, min(limit, MAX_LIMIT))

        def work(tx: Tx) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            if plan.card:
                rows += [r for r in [sql.by_card(tx, plan.card)] if r]
            if plan.phone:
                rows += [r for r in [sql.by_phone(tx, plan.phone)] if r]
            if plan.email:
                rows += sql.by_email(tx, plan.email, limit)
            for name in plan.names:
                if len({r["id"] for r in rows}) >= limit:
                    break
                if name.first and name.last:
                    rows += sorted(sql.by_full_name_prefix(tx, name.first, name.last, limit),
                                   key=lambda r: (r["last_name"], r["first_name"], r["id"]))
                elif name.last:
                    rows += sql.by_surname_prefix(tx, name.last, limit)
                elif name.first:
                    rows += sql.by_given_prefix(tx, name.first, limit)
            return rows

        seen: dict[int, Customer] = {}
        for row in unit.run(self.database, work):
            seen.setdefault(row["id"], customer_from(row))
        return list(seen.values())[:limit]

    def get(self, customer_id: int) -> Customer:
        self._logged_in()
        row = unit.run(self.database, lambda tx: sql.get_customer(tx, customer_id))
        if row is None:
            raise NotFound(f"There is no customer {customer_id}.")
        return customer_from(row)

    def view(self, customer_id: int) -> CustomerView:
        """The customer, their copies out (with due dates), recent hires, holds and balance."""
        self._logged_in()

        def work(tx: Tx) -> CustomerView:
            row = sql.get_customer(tx, customer_id)
            if row is None:
                raise NotFound(f"There is no customer {customer_id}.")
            return CustomerView(
                customer=customer_from(row), balance=accounts.balance(tx, customer_id),
                open_hires=[_hire_line(r) for r in sql.open_hires(tx, customer_id)],
                recent_hires=[_hire_line(r) for r in sql.recent_hires(tx, customer_id,
                                                                      RECENT_HIRES)],
                holds=[_hold_line(r) for r in sql.open_holds(tx, customer_id)],
                hires_ever=sql.count_hires(tx, customer_id))
        view = unit.run(self.database, work)
        return replace(view, as_of=self.counter.client.server_now())

    def today(self) -> date:
        """Today's date at the clerk's store, by the store server's clock (for ages)."""
        return self._today(self.counter.now())

    def _today(self, now: datetime) -> date:
        store_id = self.counter.actor.store_id
        store = unit.run(self.database, lambda tx: get_store(tx, store_id))
        try:
            zone = ZoneInfo(store["timezone"]) if store else ZoneInfo("UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return now.astimezone(zone).date()

    # --- changing -----------------------------------------------------------------------

    def register(self, typed: dict[str, str],
                 request: once.RequestKey | None = None) -> Customer:
        """A new customer of the clerk's store from the details as typed (column -> text;
        first_name, last_name and date_of_birth needed). The card number is made from the
        new row's id. Refused when the phone is someone else's, naming them. Tried again
        with the same `request` key, the customer registered the first time is returned
        (its phone is then theirs: no duplicate refusal)."""
        actor = self.counter.actor
        now = self.counter.now()
        unknown = sorted(set(typed) - set(FIELD_BY_COLUMN))
        if unknown:
            raise ValidationError(f"{', '.join(unknown)}: not a customer detail.")
        missing = [f.label for f in FIELDS if f.required and not typed.get(f.column, "").strip()]
        if missing:
            raise ValidationError(f"{', '.join(missing)} needed to register a customer.")
        today = self._today(now)
        values = {f.column: clean_field(f.column, typed.get(f.column, ""), today)
                  for f in FIELDS}

        def work(tx: Tx) -> Customer:
            if values["phone"]:
                owner = sql.by_phone(tx, values["phone"])
                if owner:
                    raise _owned("phone", typed["phone"].strip(), owner)
            placeholder = f"new-{uuid.uuid4().hex[:16]}"  # unique until the id is known
            customer_id = sql.insert_customer(
                tx, actor.store_id, placeholder, values["first_name"], values["last_name"],
                values["phone"], values["email"], values["address_line1"], values["city"],
                values["postal_code"], values["date_of_birth"], now,
                address_line2=values["address_line2"], country=values["country"])
            card = codes.card_number(customer_id)
            owner = sql.by_card(tx, card)
            if owner:  # imported data took it: say so rather than fail obscurely
                raise _owned("card", card, owner)
            sql.set_card_number(tx, customer_id, card)
            insert_audit(tx, now, actor.staff_id, actor.store_id, "customer.register",
                         "customers", customer_id, None,
                         {**{k: as_text(v) for k, v in values.items()}, "card_number": card})
            return customer_from(sql.get_customer(tx, customer_id))  # type: ignore[arg-type]

        customer = self._write(work, typed, request, "customer.register", {"typed": typed},
                               now)
        self.counter.publish("customer.registered", {"customer_id": customer.id})
        return customer

    def edit(self, customer_id: int, typed: dict[str, str],
             request: once.RequestKey | None = None) -> Customer:
        """Change the details in `typed` (column -> text as typed; others stay). Holds the
        customer's lock; audits only what changed; nothing changes if anything is refused."""
        actor = self.counter.actor
        now = self.counter.now()
        values = clean_details(typed, self._today(now))

        def work(tx: Tx) -> Customer:
            row = sql.get_customer(tx, customer_id, for_update=True)
            if row is None:
                raise NotFound(f"There is no customer {customer_id}.")
            before = customer_from(row)
            old = before.details()
            changed = {k: v for k, v in values.items() if v != old[k]}
            if not changed:
                return before
            if changed.get("phone"):
                owner = sql.by_phone(tx, changed["phone"])
                if owner and owner["id"] != customer_id:
                    raise _owned("phone", typed["phone"].strip(), owner)
            sql.update_details(tx, customer_id, {**old, **changed}, now)
            insert_audit(tx, now, actor.staff_id, actor.store_id, "customer.edit", "customers",
                         customer_id, {k: as_text(old[k]) for k in changed},
                         {k: as_text(v) for k, v in changed.items()})
            return customer_from(sql.get_customer(tx, customer_id))  # type: ignore[arg-type]

        with self.counter.holding(f"customer:{customer_id}"):
            customer = self._write(work, typed, request, "customer.edit",
                                   {"customer_id": customer_id, "typed": typed}, now)
        self.counter.publish("customer.updated", {"customer_id": customer_id})
        return customer

    def deactivate(self, customer_id: int, reason: str = "",
                   request: once.RequestKey | None = None) -> Customer:
        """Mark the customer inactive (they can no longer hire); their history stays."""
        return self._set_active(customer_id, False, reason, request)

    def reactivate(self, customer_id: int, reason: str = "",
                   request: once.RequestKey | None = None) -> Customer:
        return self._set_active(customer_id, True, reason, request)

    def _set_active(self, customer_id: int, active: bool, reason: str,
                    request: once.RequestKey | None) -> Customer:
        actor = self.counter.actor
        now = self.counter.now()
        action = "reactivate" if active else "deactivate"

        def work(tx: Tx) -> Customer:
            row = sql.get_customer(tx, customer_id, for_update=True)
            if row is None:
                raise NotFound(f"There is no customer {customer_id}.")
            if bool(row["active"]) == active:
                raise Refused(f"{row['first_name']} {row['last_name']} is already "
                              f"{'active' if active else 'inactive'}; nothing changed.",
                              {"reason": f"already_{'active' if active else 'inactive'}"})
            sql.set_active(tx, customer_id, active, now)
            insert_audit(tx, now, actor.staff_id, actor.store_id, f"customer.{action}",
                         "customers", customer_id, {"active": not active}, {"active": active},
                         reason.strip()[:255])
            return customer_from(sql.get_customer(tx, customer_id))  # type: ignore[arg-type]

        with self.counter.holding(f"customer:{customer_id}"):
            # Once per key: a retry after a lost COMMIT answer gets this Customer back, not
            # "already inactive".
            customer = once.run(self.database, request, actor.staff_id, f"customer.{action}",
                                {"customer_id": customer_id, "reason": reason}, now, work,
                                Customer)
        self.counter.publish("customer.updated", {"customer_id": customer_id})
        return customer

    def _write(self, work: Callable[[Tx], Customer], typed: dict[str, str],
               request: once.RequestKey | None, op: str, args: dict[str, Any],
               now: datetime) -> Customer:
        """Run `work` in one transaction, once per `request` key (store/once.py: a retry
        with the key finds the stored Customer before `work` could refuse the phone as
        taken — by this very action). A unique key that refuses the row (another till
        saved the same phone between our check and our write) is told as the check tells
        it, naming the customer who has it."""
        def guarded(tx: Tx) -> Customer:
            try:
                return work(tx)
            except DuplicateKey as e:
                raise _Taken(e.key) from None  # rolls back, and passes unit.run untouched
        try:
            return once.run(self.database, request, self.counter.actor.staff_id, op, args,
                            now, guarded, Customer)
        except _Taken as e:
            raise self._duplicate(e.key, typed) from None

    def _duplicate(self, key: str, typed: dict[str, str]) -> Refused:
        phone = clean_phone(typed.get("phone", ""))
        if key == "uq_customers_phone" and phone:
            owner = unit.run(self.database, lambda tx: sql.by_phone(tx, phone))
            if owner:
                return _owned("phone", typed["phone"].strip(), owner)
        what = "card number" if "card" in key else "phone number"
        return Refused(f"Another customer already has that {what}; nothing was saved.",
                       {"reason": "duplicate", "key": key})


class _Taken(Exception):
    """A unique key refused the row (inside a transaction, so it rolls back)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key
