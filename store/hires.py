"""Hiring copies out, and renewing a hire.

A hire is one customer and one or more copies, in one transaction: every rule is checked
against rows locked for it (the customer, then the copies in id order), and either every
copy goes out — hire rows, copies marked hired, rental charges, a payment if made now, an
audit row per copy, the receipt — or nothing does. The store server's locks on the
customer and the copies are held around it, so a second till is told who is serving them
instead of waiting. A double hire of one copy is impossible twice over: the copy row is
locked (FOR UPDATE) and the database allows one open hire per copy (uq_hires_open_copy).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from db import accounts
from db import hires as sql
from db import holds as holds_sql
from db.audit import insert_audit
from db.database import Database, Tx
from db.errors import DuplicateKey
from store import once, receipts, roles, unit
from store.clock import utc, zone
from store.counter import Actor, Counter
from store.errors import NotFound, Refused, ValidationError
from store.hire_rules import Hireable, Hirer, check_copy, check_hirer, check_renewal, due_at
from store.holds import expire
from store.receipts import Heading, Line
from store.shop import ShopRules, ShopSettings
from store.stores import StoreInfo, Stores
from store.videos import parse_copy_ref

MAX_COPIES = 20  # in one hire


@dataclass(frozen=True)
class HiredCopy:
    hire_id: int
    copy_id: int
    title: str
    format: str
    due_at: datetime
    rate: Decimal


@dataclass(frozen=True)
class Quote:
    """What a hire would write, shown to the clerk before it is made."""
    customer_id: int
    customer: str
    balance: Decimal
    lines: list[HiredCopy]   # hire_id 0: not made yet
    total: Decimal


@dataclass(frozen=True)
class HireResult:
    customer_id: int
    customer: str
    hires: list[HiredCopy]
    total: Decimal
    paid: Decimal
    balance: Decimal
    receipt_id: int
    receipt: str


def customer_name(row: dict[str, Any]) -> str:
    return f"{row['first_name']} {row['last_name']}"


def hirer_of(row: dict[str, Any], balance: Decimal, open_hires: int) -> Hirer:
    return Hirer(row["id"], customer_name(row), bool(row["active"]), row["date_of_birth"],
                 balance, open_hires)


def resolve_copies(tx: Tx, refs: Sequence[str], check_numbers: bool = True) -> list[int]:
    """The copy ids of scanned barcodes or typed copy numbers, each checked to exist (typed
    numbers only when `check_numbers`: a caller whose next query finds a missing one
    anyway need not ask twice)."""
    parsed = [(text, parse_copy_ref(text)) for text in refs]
    barcodes = [ref.barcode for _, ref in parsed if ref.barcode]
    by_barcode = sql.copy_ids_by_barcode(tx, barcodes) if barcodes else {}
    numbers = [ref.copy_id for _, ref in parsed if ref.copy_id]
    existing = (sql.existing_copy_ids(tx, numbers) if numbers and check_numbers
                else set(numbers))
    ids = []
    for text, ref in parsed:
        copy_id = by_barcode.get(ref.barcode) if ref.barcode else (
            ref.copy_id if ref.copy_id in existing else None)
        if copy_id is None:
            raise NotFound(f"There is no copy {text.strip()}.")
        if copy_id in ids:
            raise ValidationError(f"Copy {copy_id} is in the list twice.")
        ids.append(copy_id)
    return ids


def read_hire(tx: Tx, customer_id: int, copy_ids: list[int], rules: ShopRules,
              manager_override: bool, lock: bool) -> tuple[dict[str, Any],
                                                          list[dict[str, Any]], Hirer]:
    """The customer, the copies (locked, in id order, for the hire itself) and the customer
    as the rules see them, checked for taking that many copies."""
    customer = (sql.lock_customer if lock else sql.get_customer)(tx, customer_id)
    if customer is None:
        raise NotFound(f"There is no customer {customer_id}.")
    copies = sql.get_copies(tx, copy_ids, lock=lock)
    if len(copies) != len(copy_ids):
        missing = sorted(set(copy_ids) - {c["id"] for c in copies})
        raise NotFound(f"There is no copy {missing[0]}.")
    hirer = hirer_of(customer, accounts.balance(tx, customer_id),
                     sql.count_open(tx, customer_id))
    check_hirer(hirer, len(copies), rules, manager_override)
    return customer, copies, hirer


class Hires:
    def __init__(self, database: Database, counter: Counter, shop: ShopSettings,
                 stores: Stores):
        self.database, self.counter, self.shop, self.stores = database, counter, shop, stores

    def copy_ids(self, refs: Sequence[str]) -> list[int]:
        """Check what the clerk scanned or typed before anything is locked. Typed copy
        numbers need no query here (the hire's own transaction finds a missing one);
        barcodes are looked up."""
        if not refs:
            raise ValidationError("Scan or type at least one copy.")
        if len(refs) > MAX_COPIES:
            raise ValidationError(f"At most {MAX_COPIES} copies in one hire.")
        parsed = [parse_copy_ref(text) for text in refs]
        if any(ref.barcode for ref in parsed):
            return unit.run(self.database, lambda tx: resolve_copies(tx, refs))
        ids = [ref.copy_id for ref in parsed]
        if len(set(ids)) != len(ids):
            twice = next(i for i in ids if ids.count(i) > 1)
            raise ValidationError(f"Copy {twice} is in the list twice.")
        return ids  # type: ignore[return-value]

    def quote(self, customer_id: int, copy_refs: Sequence[str],
              manager_override: bool = False) -> Quote:
        """The hire's lines, due dates (from the server's clock now) and charges, after the
        same checks as the hire itself — read only, nothing locked: the hire checks again."""
        actor = self.counter.actor
        copy_ids = self.copy_ids(copy_refs)
        rules = self.shop.rules()
        store = self.stores.get(actor.store_id)
        now = self.counter.now()

        def read(tx: Tx) -> Quote:
            customer, copies, hirer = read_hire(tx, customer_id, copy_ids, rules,
                                                manager_override, lock=False)
            today = now.astimezone(zone(store.timezone)).date()
            lines = []
            for copy in copies:
                hold = (holds_sql.ready_hold_of_copy(tx, copy["id"], lock=False)
                        if copy["status"] == "held" else None)
                held_for = None if hold is None or utc(hold["expires_at"]) < now \
                    else int(hold["customer_id"])  # type: ignore[operator]
                status = "available" if copy["status"] == "held" and held_for is None \
                    else copy["status"]
                check_copy(Hireable(copy["id"], copy["title"], copy["rating"],
                                    copy["store_id"], status, held_for), hirer,
                           actor.store_id, rules, today)
                lines.append(HiredCopy(0, copy["id"], copy["title"], copy["format"],
                                       due_at(now, copy["rental_days"]),
                                       Decimal(copy["rental_rate"])))
            return Quote(customer_id, customer_name(customer), hirer.balance, lines,
                         sum((line.rate for line in lines), Decimal("0.00")))
        return unit.run(self.database, read)

    def hire(self, customer_id: int, copy_refs: Sequence[str], pay_now: bool = False,
             override_reason: str | None = None,
             request: once.RequestKey | None = None) -> HireResult:
        """Hire the copies to the customer from the clerk's store; Refused says why not.
        `override_reason` (managers only) lets a balance above the limit through. Tried
        again with the same `request` key, the hire is made once (store/once.py)."""
        actor = self.counter.actor
        if override_reason is not None:
            actor.require(roles.MANAGER, "overriding the balance limit")
            if not override_reason.strip():
                raise ValidationError("Say why the balance limit is overridden.")
        copy_ids = self.copy_ids(copy_refs)
        rules = self.shop.rules()
        store = self.stores.get(actor.store_id)
        locks = [f"customer:{customer_id}", *[f"copy:{i}" for i in copy_ids]]
        with self.counter.holding(*locks) as held:
            args = {"customer_id": customer_id, "copy_ids": copy_ids, "pay_now": pay_now,
                    "override_reason": override_reason}
            result = once.run(self.database, request, actor.staff_id, "hire", args, held.now,
                              lambda tx: self._hire(tx, actor, store, rules, held.now,
                                                    customer_id, copy_ids, pay_now,
                                                    override_reason), HireResult)
            for hired in result.hires:  # told to the other tills as the locks go
                held.announce("copy.hired", {"copy_id": hired.copy_id,
                                             "customer_id": customer_id})
        return result

    def _hire(self, tx: Tx, actor: Actor, store: StoreInfo, rules: ShopRules, now: datetime,
              customer_id: int, copy_ids: list[int], pay_now: bool,
              override_reason: str | None) -> HireResult:
        customer, copies, hirer = read_hire(tx, customer_id, copy_ids, rules,
                                            override_reason is not None, lock=True)
        balance = hirer.balance
        today = now.astimezone(zone(store.timezone)).date()
        held = {}
        for copy in copies:
            held[copy["id"]] = self._held_for(tx, copy, actor, now, rules)
            check_copy(Hireable(copy["id"], copy["title"], copy["rating"], copy["store_id"],
                                copy["status"], held[copy["id"]]), hirer, actor.store_id, rules,
                       today)
        hired = [self._hire_one(tx, actor, now, customer_id, copy, pay_now) for copy in copies]
        self._fulfil_holds(tx, actor, customer_id, copies, held, now)
        if override_reason is not None:
            insert_audit(tx, now, actor.staff_id, actor.store_id, "hire.override_balance",
                         "customers", customer_id, {"balance": balance},
                         {"copies": copy_ids}, override_reason.strip()[:255])
        total = sum((h.rate for h in hired), Decimal("0.00"))
        paid = total if pay_now else Decimal("0.00")
        after = balance + total - paid
        body = receipts.render("hire", self._heading(store, now, actor, customer), [
            Line(h.copy_id, h.title, h.format, h.rate) for h in hired],
            [("Rental charges", total), ("Paid now", paid), ("Balance owed", after)],
            [f"Copy {h.copy_id} due back {receipts.local(h.due_at, store.timezone)}"
             for h in hired])
        receipt_id, text = receipts.save(tx, store.id, actor.staff_id, customer_id, "hire",
                                         body, now)
        return HireResult(customer_id, customer_name(customer), hired, total, paid, after,
                          receipt_id, text)

    def _held_for(self, tx: Tx, copy: dict[str, Any], actor: Actor, now: datetime,
                  rules: ShopRules) -> int | None:
        """Whom a held copy is set aside for — after passing it on if its hold ran out."""
        if copy["status"] != "held":
            return None
        hold = holds_sql.ready_hold_of_copy(tx, copy["id"])
        if hold is None:
            return None
        if utc(hold["expires_at"]) < now:  # type: ignore[operator]
            passed = expire(tx, hold, actor, now, rules)
            copy["status"] = "held" if passed else "available"
            return passed.customer_id if passed else None
        return int(hold["customer_id"])

    def _hire_one(self, tx: Tx, actor: Actor, now: datetime, customer_id: int,
                  copy: dict[str, Any], pay_now: bool) -> HiredCopy:
        due = due_at(now, copy["rental_days"])
        rate = Decimal(copy["rental_rate"])
        try:
            hire_id = sql.insert_hire(tx, copy["id"], customer_id, actor.store_id,
                                      actor.staff_id, now, due, rate)
        except DuplicateKey:
            raise Refused(f"Copy {copy['id']} is already out.",
                          {"reason": "not_available", "copy_id": copy["id"]}) from None
        sql.set_copy_status(tx, copy["id"], "hired", now)
        accounts.insert_charge(tx, customer_id, hire_id, actor.store_id, actor.staff_id,
                               "rental", rate, now)
        if pay_now and rate > 0:
            accounts.insert_payment(tx, customer_id, hire_id, actor.store_id, actor.staff_id,
                                    "rental", rate, now)
        insert_audit(tx, now, actor.staff_id, actor.store_id, "hire.create", "hires", hire_id,
                     {"copy_status": copy["status"]},
                     {"copy_id": copy["id"], "customer_id": customer_id, "due_at": due,
                      "rate": rate, "paid": rate if pay_now else 0})
        return HiredCopy(hire_id, copy["id"], copy["title"], copy["format"], due, rate)

    def _fulfil_holds(self, tx: Tx, actor: Actor, customer_id: int,
                      copies: list[dict[str, Any]], held_for: dict[int, int | None],
                      now: datetime) -> None:
        """The customer's own holds on these titles here are served by this hire: a
        waiting one, or the ready one that set this very copy aside (each audited)."""
        holds = holds_sql.holds_of(tx, customer_id)
        for copy in copies:
            for hold in holds:
                if (hold["title_id"], hold["store_id"]) == (copy["title_id"], copy["store_id"]) \
                        and (hold["status"] == "waiting" or held_for[copy["id"]] == customer_id):
                    holds_sql.close_hold(tx, hold["id"], "fulfilled", now)
                    insert_audit(tx, now, actor.staff_id, actor.store_id, "hold.fulfil",
                                 "holds", hold["id"], {"status": hold["status"]},
                                 {"status": "fulfilled", "copy_id": copy["id"]})
                    hold["status"] = "fulfilled"

    def renew(self, copy_ref: str, request: once.RequestKey | None = None) -> HireResult:
        """Renew the open hire of a copy: a new due date from the server's clock and a new
        rental charge; Refused at the renewal limit, when someone holds the title, or once
        the hire is overdue."""
        actor = self.counter.actor
        copy_id = self.copy_ids([copy_ref])[0]
        hire = unit.run(self.database, lambda tx: sql.open_hire_of_copy(tx, copy_id))
        if hire is None:
            raise Refused(f"Copy {copy_id} is not out: there is nothing to renew.",
                          {"reason": "not_out"})
        rules = self.shop.rules()
        store = self.stores.get(actor.store_id)
        locks = (f"customer:{hire['customer_id']}", f"copy:{copy_id}")
        with self.counter.holding(*locks) as held:
            now = held.now
            return once.run(self.database, request, actor.staff_id, "renew",
                            {"hire_id": hire["id"]}, now, lambda tx: self._renew(
                                tx, actor, store, rules, now, copy_id, hire["id"],
                                hire["customer_id"]), HireResult)

    def _renew(self, tx: Tx, actor: Actor, store: StoreInfo, rules: ShopRules, now: datetime,
               copy_id: int, hire_id: int, customer_id: int) -> HireResult:
        customer = sql.lock_customer(tx, customer_id)
        copy = sql.lock_copies(tx, [copy_id])[0]
        hire = sql.lock_hire(tx, hire_id)
        if (hire is None or customer is None or hire["copy_id"] != copy_id
                or hire["customer_id"] != customer_id):
            raise NotFound(f"The hire of copy {copy_id} changed meanwhile; look again.")
        waiting = holds_sql.count_waiting(tx, copy["title_id"], hire["store_id"])
        check_renewal(hire["renewals"], waiting, utc(hire["due_at"]), now, rules,  # type: ignore[arg-type]
                      copy["title"])
        due = due_at(now, copy["rental_days"])
        rate = Decimal(copy["rental_rate"])
        sql.extend_hire(tx, hire_id, due)
        accounts.insert_charge(tx, customer["id"], hire_id, actor.store_id, actor.staff_id,
                               "rental", rate, now)
        insert_audit(tx, now, actor.staff_id, actor.store_id, "hire.renew", "hires", hire_id,
                     {"due_at": hire["due_at"], "renewals": hire["renewals"]},
                     {"due_at": due, "renewals": hire["renewals"] + 1, "rate": rate})
        balance = accounts.balance(tx, customer["id"])
        renewed = HiredCopy(hire_id, copy_id, copy["title"], copy["format"], due, rate)
        body = receipts.render("renewal", self._heading(store, now, actor, customer),
                               [Line(copy_id, copy["title"], copy["format"], rate)],
                               [("Rental charge", rate), ("Balance owed", balance)],
                               [f"Copy {copy_id} now due back "
                                f"{receipts.local(due, store.timezone)}"])
        receipt_id, text = receipts.save(tx, store.id, actor.staff_id, customer["id"], "hire",
                                         body, now)
        return HireResult(customer["id"], customer_name(customer), [renewed], rate,
                          Decimal("0.00"), balance, receipt_id, text)

    @staticmethod
    def _heading(store: StoreInfo, now: datetime, actor: Actor,
                 customer: dict[str, Any]) -> Heading:
        return Heading(store.name, store.id, store.timezone, now, actor.username,
                       customer_name(customer), customer["card_number"])
