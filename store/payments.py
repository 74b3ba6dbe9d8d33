"""Money: taking a payment against a balance, refunds (managers), a customer's statement,
and a day's takings per clerk and store.

A payment never exceeds what is owed (no accidental credit); a refund never exceeds what
the customer is in credit (a fee paid and then waived, say). Each is one transaction under
the customer's lock, with an audit row and a receipt.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from db import accounts
from db import hires as hires_sql
from db.audit import insert_audit
from db.database import Database, Tx
from store import once, receipts, roles, unit
from store.clock import zone
from store.counter import Actor, Counter
from store.errors import NotFound, Refused, ValidationError
from store.hires import customer_name
from store.receipts import Heading
from store.stores import StoreInfo, Stores

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaymentResult:
    customer_id: int
    customer: str
    amount: Decimal
    balance: Decimal
    receipt_id: int
    receipt: str


def check_payment(amount: Decimal, owed: Decimal) -> None:
    """Refused unless `amount` may be paid against a balance of `owed`."""
    if amount <= 0:
        raise ValidationError("A payment is more than 0.00.")
    if owed <= 0:
        raise Refused("Nothing is owed: there is nothing to pay.", {"reason": "nothing_owed"})
    if amount > owed:
        raise Refused(f"Only {owed:.2f} is owed: take at most that.",
                      {"reason": "overpayment", "owed": str(owed)})


def check_refund(amount: Decimal, owed: Decimal) -> None:
    """Refused unless `amount` may be given back to a customer whose balance is `owed`
    (a credit is a negative balance)."""
    if amount <= 0:
        raise ValidationError("A refund is more than 0.00.")
    credit = -owed
    if credit <= 0:
        raise Refused("The customer is not in credit: there is nothing to refund.",
                      {"reason": "no_credit"})
    if amount > credit:
        raise Refused(f"The customer is {credit:.2f} in credit: refund at most that.",
                      {"reason": "over_refund", "credit": str(credit)})


def day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """A calendar day in the store's time zone, as UTC times [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=zone(tz_name))
    return start.astimezone(zone("UTC")), (start + timedelta(days=1)).astimezone(zone("UTC"))


class Payments:
    def __init__(self, database: Database, counter: Counter, stores: Stores):
        self.database, self.counter, self.stores = database, counter, stores

    def take(self, customer_id: int, amount: Decimal,
             request: once.RequestKey | None = None) -> PaymentResult:
        """A payment against what the customer owes (once per `request` key)."""
        return self._money(customer_id, amount, "payment", "", request)

    def refund(self, customer_id: int, amount: Decimal, reason: str,
               request: once.RequestKey | None = None) -> PaymentResult:
        """Money given back to a customer in credit (managers only, with a reason)."""
        self.counter.actor.require(roles.MANAGER, "a refund")
        if not reason.strip():
            raise ValidationError("Say why the money is given back.")
        return self._money(customer_id, amount, "refund", reason.strip()[:255], request)

    def _money(self, customer_id: int, amount: Decimal, kind: str, reason: str,
               request: once.RequestKey | None) -> PaymentResult:
        actor = self.counter.actor
        store = self.stores.get(actor.store_id)
        with self.counter.holding(f"customer:{customer_id}") as held:
            now = held.now
            return once.run(self.database, request, actor.staff_id, kind,
                            {"customer_id": customer_id, "amount": amount, "reason": reason},
                            now, lambda tx: self._record(tx, actor, store, now, customer_id,
                                                         amount, kind, reason), PaymentResult)

    def _record(self, tx: Tx, actor: Actor, store: StoreInfo, now: datetime,
                customer_id: int, amount: Decimal, kind: str, reason: str) -> PaymentResult:
        customer = hires_sql.lock_customer(tx, customer_id)
        if customer is None:
            raise NotFound(f"There is no customer {customer_id}.")
        owed = accounts.balance(tx, customer_id)
        if kind == "refund":
            check_refund(amount, owed)
            signed, payment_kind = -amount, "refund"
        else:
            check_payment(amount, owed)
            signed, payment_kind = amount, "account"
        payment_id = accounts.insert_payment(tx, customer_id, None, actor.store_id,
                                             actor.staff_id, payment_kind, signed, now)
        after = owed - signed
        insert_audit(tx, now, actor.staff_id, actor.store_id, f"payment.{kind}", "payments",
                     payment_id, {"balance": owed}, {"balance": after, "amount": signed},
                     reason)
        heading = Heading(store.name, store.id, store.timezone, now, actor.username,
                          customer_name(customer), customer["card_number"])
        label = "Refunded" if kind == "refund" else "Paid"
        body = receipts.render(kind, heading, [], [("Owed before", owed), (label, amount),
                                                   ("Balance owed", after)])
        receipt_id, text = receipts.save(tx, store.id, actor.staff_id, customer_id, kind,
                                         body, now)
        return PaymentResult(customer_id, customer_name(customer), amount, after, receipt_id,
                             text)

    def balance(self, customer_id: int) -> Decimal:
        return unit.run(self.database, lambda tx: accounts.balance(tx, customer_id))

    def statement(self, customer_id: int) -> tuple[list[dict[str, Any]], Decimal]:
        """The customer's charges (+) and payments (-), newest first, and the balance."""
        def read(tx: Tx) -> tuple[list[dict[str, Any]], Decimal]:
            return accounts.statement(tx, customer_id), accounts.balance(tx, customer_id)
        return unit.run(self.database, read)

    def takings(self, day: date, store_id: int | None = None) -> list[dict[str, Any]]:
        """Money taken on `day` (the store's calendar day) per clerk and kind; a clerk's
        own store (admins may name another)."""
        actor = self.counter.actor
        store_id = store_id or actor.store_id
        if store_id != actor.store_id:
            actor.require(roles.ADMIN, "another store's takings")
        store = self.stores.get(store_id)
        start, end = day_bounds(day, store.timezone)
        return unit.run(self.database, lambda tx: accounts.takings(tx, store_id, start, end))
