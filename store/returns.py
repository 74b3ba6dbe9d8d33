"""Taking copies back: by barcode, or everything a customer has out; lost or damaged ones;
and a manager waiving a fee.

One return is one customer's copies in one transaction: the hires closed at the server's
time, the late fee or replacement charged (store/fees.py), each copy put where it goes —
to the oldest waiting hold on its title at its store (the clerk is told whom to call), or
back on the shelf; lost and damaged ones are kept off it — a payment if made now, an audit
row per copy, the receipt. A copy that is not out is said so, and nothing is changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from db import accounts
from db import hires as sql
from db.audit import insert_audit
from db.database import Database, Tx
from store import once, receipts, roles, unit
from store.clock import utc
from store.counter import Actor, Counter
from store.errors import NotFound, Refused, ValidationError
from store.fees import days_late, return_charges
from store.hires import customer_name, resolve_copies
from store.holds import ReadyHold, ready_event, shelve
from store.receipts import Heading, Line
from store.shop import ShopRules, ShopSettings
from store.stores import StoreInfo, Stores

CONDITIONS = ("ok", "damaged", "lost")


@dataclass(frozen=True)
class ReturnedCopy:
    hire_id: int
    copy_id: int
    title: str
    days_late: int
    charges: dict[str, Decimal]
    condition: str
    hold: ReadyHold | None   # the hold this copy now waits for: whom to call


@dataclass(frozen=True)
class ReturnResult:
    customer_id: int
    customer: str
    returned: list[ReturnedCopy]
    total: Decimal
    paid: Decimal
    balance: Decimal
    receipt_id: int
    receipt: str

    def calls(self) -> list[ReadyHold]:
        """The customers to call: a copy they wait for is set aside for them."""
        return [r.hold for r in self.returned if r.hold is not None]


@dataclass(frozen=True)
class ReturnQuote:
    """What a return would charge, shown to the clerk before it is made."""
    customer_id: int
    customer: str
    balance: Decimal
    lines: list[ReturnedCopy]   # hire ids real, holds not yet decided
    total: Decimal


class Returns:
    def __init__(self, database: Database, counter: Counter, shop: ShopSettings,
                 stores: Stores):
        self.database, self.counter, self.shop, self.stores = database, counter, shop, stores

    def return_copies(self, copy_refs: Sequence[str], condition: str = "ok",
                      pay_now: bool = False,
                      request: once.RequestKey | None = None) -> ReturnResult:
        """Take back scanned copies, all out to one customer (once per `request` key)."""
        args = {"copies": list(copy_refs), "condition": condition, "pay_now": pay_now}
        done = once.stored(self.database, request, self.counter.actor.staff_id, "return",
                           args, ReturnResult)
        if done is not None:  # its copies are not out any more: the checks would refuse
            return done
        copy_ids, customer_id = self._out_to_one(copy_refs, condition)
        return self._return(customer_id, copy_ids, condition, pay_now, "return", args,
                            request)

    def quote(self, copy_refs: Sequence[str], condition: str = "ok") -> ReturnQuote:
        """Days late and charges of taking these copies back now (the server's clock) —
        read only: the return itself computes them again."""
        copy_ids, customer_id = self._out_to_one(copy_refs, condition)
        return self._quote(customer_id, copy_ids, condition)

    def quote_all(self, customer_id: int) -> ReturnQuote:
        hires = unit.run(self.database, lambda tx: sql.open_hires_of(tx, customer_id))
        if not hires:
            raise Refused("That customer has nothing out.", {"reason": "not_out"})
        return self._quote(customer_id, [h["copy_id"] for h in hires], "ok")

    def _quote(self, customer_id: int, copy_ids: list[int], condition: str) -> ReturnQuote:
        rules = self.shop.rules()
        now = self.counter.now()

        def read(tx: Tx) -> ReturnQuote:
            customer = sql.get_customer(tx, customer_id)
            if customer is None:
                raise NotFound(f"There is no customer {customer_id}.")
            lines = []
            for copy in sql.get_copies(tx, copy_ids):
                hire = sql.open_hire_of_copy(tx, copy["id"])
                if hire is None:
                    raise Refused(f"Copy {copy['id']} is not out.", {"reason": "not_out"})
                due = utc(hire["due_at"])
                charges = return_charges(condition, due, now, rules,  # type: ignore[arg-type]
                                         Decimal(copy["replacement_cost"]))
                lines.append(ReturnedCopy(hire["id"], copy["id"], copy["title"],
                                          days_late(due, now, rules.grace_hours),  # type: ignore[arg-type]
                                          charges, condition, None))
            total = sum((sum(x.charges.values(), Decimal("0.00")) for x in lines),
                        Decimal("0.00"))
            return ReturnQuote(customer_id, customer_name(customer),
                               accounts.balance(tx, customer_id), lines, total)
        return unit.run(self.database, read)

    def _out_to_one(self, copy_refs: Sequence[str], condition: str) -> tuple[list[int], int]:
        """The copies' ids and the one customer they are out to; Refused if one is not out."""
        if condition not in CONDITIONS:
            raise ValidationError(f"condition must be one of {', '.join(CONDITIONS)}")
        if not copy_refs:
            raise ValidationError("Scan or type at least one copy.")

        def find(tx: Tx) -> tuple[list[int], int]:
            copy_ids = resolve_copies(tx, copy_refs, check_numbers=False)
            out_to = sql.customers_of_open_hires(tx, copy_ids)
            for copy_id in copy_ids:
                if copy_id not in out_to:
                    if not sql.existing_copy_ids(tx, [copy_id]):
                        raise NotFound(f"There is no copy {copy_id}.")
                    raise Refused(f"Copy {copy_id} is not out: nothing was returned.",
                                  {"reason": "not_out", "copy_id": copy_id})
            customers = set(out_to.values())
            if len(customers) > 1:
                raise ValidationError("Those copies are out to different customers: return "
                                      "each customer's copies on their own.")
            return copy_ids, customers.pop()
        return unit.run(self.database, find)

    def return_all(self, customer_id: int, pay_now: bool = False,
                   request: once.RequestKey | None = None) -> ReturnResult:
        """Take back every copy the customer has out (once per `request` key)."""
        args = {"customer_id": customer_id, "pay_now": pay_now}
        done = once.stored(self.database, request, self.counter.actor.staff_id,
                           "return.all", args, ReturnResult)
        if done is not None:
            return done
        hires = unit.run(self.database, lambda tx: sql.open_hires_of(tx, customer_id))
        if not hires:
            raise Refused("That customer has nothing out: nothing was returned.",
                          {"reason": "not_out"})
        return self._return(customer_id, [h["copy_id"] for h in hires], "ok", pay_now,
                            "return.all", args, request)

    def _return(self, customer_id: int, copy_ids: list[int], condition: str, pay_now: bool,
                op: str, args: dict[str, Any], request: once.RequestKey | None) -> ReturnResult:
        actor = self.counter.actor
        rules = self.shop.rules()
        store = self.stores.get(actor.store_id)
        locks = [f"customer:{customer_id}", *[f"copy:{i}" for i in copy_ids]]
        with self.counter.holding(*locks) as held:
            result = once.run(self.database, request, actor.staff_id, op, args, held.now,
                              lambda tx: self._take_back(tx, actor, store, rules, held.now,
                                                         customer_id, copy_ids, condition,
                                                         pay_now), ReturnResult)
            for returned in result.returned:  # told to the other tills as the locks go
                held.announce("copy.returned", {"copy_id": returned.copy_id,
                                                "condition": returned.condition})
            for hold in result.calls():
                held.announce("hold.ready", ready_event(hold))
        return result

    def _take_back(self, tx: Tx, actor: Actor, store: StoreInfo, rules: ShopRules,
                   now: datetime, customer_id: int, copy_ids: list[int], condition: str,
                   pay_now: bool) -> ReturnResult:
        customer = sql.lock_customer(tx, customer_id)
        if customer is None:
            raise NotFound(f"There is no customer {customer_id}.")
        returned = [self._take_one(tx, actor, rules, now, customer_id, copy, condition, pay_now)
                    for copy in sql.lock_copies(tx, copy_ids)]
        total = sum((sum(r.charges.values(), Decimal("0.00")) for r in returned),
                    Decimal("0.00"))
        paid = total if pay_now else Decimal("0.00")
        balance = accounts.balance(tx, customer_id)
        lines = [Line(r.copy_id, r.title, describe(r), sum(r.charges.values(), Decimal("0.00")))
                 for r in returned]
        calls = [f"Copy {r.copy_id} is for {r.hold.customer}'s hold: call them"
                 f"{' on ' + r.hold.phone if r.hold.phone else ''}."
                 for r in returned if r.hold is not None]
        heading = Heading(store.name, store.id, store.timezone, now, actor.username,
                          customer_name(customer), customer["card_number"])
        body = receipts.render("return", heading, lines, [
            ("Charged", total), ("Paid now", paid), ("Balance owed", balance)], calls)
        receipt_id, text = receipts.save(tx, store.id, actor.staff_id, customer_id, "return",
                                         body, now)
        return ReturnResult(customer_id, customer_name(customer), returned, total, paid,
                            balance, receipt_id, text)

    def _take_one(self, tx: Tx, actor: Actor, rules: ShopRules, now: datetime,
                  customer_id: int, copy: dict[str, Any], condition: str,
                  pay_now: bool) -> ReturnedCopy:
        hire = sql.open_hire_of_copy(tx, copy["id"], for_update=True)
        if hire is None or hire["customer_id"] != customer_id:
            raise Refused(f"Copy {copy['id']} is no longer out to this customer (returned "
                          f"meanwhile?): nothing was returned.", {"reason": "not_out"})
        due = utc(hire["due_at"])
        charges = return_charges(condition, due, now, rules,  # type: ignore[arg-type]
                                 Decimal(copy["replacement_cost"]))
        sql.close_hire(tx, hire["id"], now, actor.staff_id, charges.get("late_fee",
                                                                        Decimal("0.00")))
        for kind, amount in charges.items():
            accounts.insert_charge(tx, customer_id, hire["id"], actor.store_id, actor.staff_id,
                                   kind, amount, now)
            if pay_now:
                accounts.insert_payment(tx, customer_id, hire["id"], actor.store_id,
                                        actor.staff_id, kind, amount, now)
        hold = None
        if condition == "ok":
            hold = shelve(tx, copy["id"], copy["title_id"], copy["store_id"], now, rules)
        else:
            sql.set_copy_status(tx, copy["id"], condition, now)
        status = condition if condition != "ok" else ("held" if hold else "available")
        insert_audit(tx, now, actor.staff_id, actor.store_id, "hire.return", "hires",
                     hire["id"], {"copy_status": copy["status"]},
                     {"copy_status": status, "condition": condition,
                      "charges": {k: str(v) for k, v in charges.items()},
                      "paid": pay_now, "hold_id": hold.hold_id if hold else None})
        return ReturnedCopy(hire["id"], copy["id"], copy["title"],
                            days_late(due, now, rules.grace_hours),  # type: ignore[arg-type]
                            charges, condition, hold)

    def waive(self, hire_id: int, reason: str,
              request: once.RequestKey | None = None) -> Decimal:
        """A manager waives what is still charged for a hire's late fee or replacement (a
        negative charge, audited with the reason); the amount waived."""
        actor = self.counter.actor
        actor.require(roles.MANAGER, "waiving a fee")
        if not reason.strip():
            raise ValidationError("Say why the fee is waived.")
        hire = unit.run(self.database, lambda tx: sql.lock_hire(tx, hire_id))
        if hire is None:
            raise NotFound(f"There is no hire {hire_id}.")
        with self.counter.holding(f"customer:{hire['customer_id']}") as held:
            now = held.now

            def work(tx: Tx) -> Decimal:
                sql.lock_customer(tx, hire["customer_id"])
                owed = accounts.fees_of_hire(tx, hire_id)
                if owed <= 0:
                    raise Refused(f"Hire {hire_id} has no fee left to waive.",
                                  {"reason": "nothing_to_waive"})
                accounts.insert_charge(tx, hire["customer_id"], hire_id, actor.store_id,
                                       actor.staff_id, "waiver", -owed, now)
                insert_audit(tx, now, actor.staff_id, actor.store_id, "fee.waive", "hires",
                             hire_id, {"fees": owed}, {"fees": Decimal("0.00")},
                             reason.strip()[:255])
                return owed
            return once.run(self.database, request, actor.staff_id, "waive",
                            {"hire_id": hire_id, "reason": reason}, now, work, Decimal)


def describe(returned: ReturnedCopy) -> str:
    if returned.condition != "ok":
        return returned.condition
    if returned.days_late:
        return f"{returned.days_late} day{'s' if returned.days_late != 1 else ''} late"
    return "on time"
