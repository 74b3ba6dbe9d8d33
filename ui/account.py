"""What a clerk does with one customer's account from their view: take a payment, show
the statement, reprint a receipt, renew a hire, place or cancel a hold; managers also
refund a credit. Each is a function (terminal, customer) -> None; ACTIONS lists them for
the customer view (ui/customers.py)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Protocol

from store import roles
from store.clock import utc
from store.codes import whole_number
from store.customers import Customer
from store.errors import StoreError
from store.money import parse_amount
from store.once import RequestKey
from ui.forms import Asker, ask, yes_no
from ui.messages import error_line
from ui.once import done_once, save_once
from ui.tables import DATE_TIME, format_moment, format_money, format_table


class Terminal(Asker, Protocol):
    services: Any

    def timezone(self) -> str: ...


def take_payment(t: Terminal, customer: Customer) -> None:
    payments = t.services.desk.payments
    owed = payments.balance(customer.id)
    if owed <= 0:
        t.say(f"{customer.name} owes nothing"
              f"{f' (in credit {format_money(-owed)})' if owed < 0 else ''}.")
        return
    amount = _amount(t, f"Amount paid (owes {format_money(owed)})", owed)
    if amount is None:
        return
    _show(t, lambda key: payments.take(customer.id, amount, key), "Paid")


def refund(t: Terminal, customer: Customer) -> None:
    payments = t.services.desk.payments
    owed = payments.balance(customer.id)
    if owed >= 0:
        t.say(f"{customer.name} is not in credit: there is nothing to refund.")
        return
    amount = _amount(t, f"Amount to give back (in credit {format_money(-owed)})", -owed)
    if amount is None:
        return
    reason = ask(t, "Why (kept in the audit log)")
    _show(t, lambda key: payments.refund(customer.id, amount, reason, key), "Refunded")


def statement(t: Terminal, customer: Customer) -> None:
    rows, balance = t.services.desk.payments.statement(customer.id)
    tz = t.timezone()
    t.say(format_table(["When", "Entry", "Kind", "Amount", "Title", "Store", "Clerk"],
                       [[format_moment(utc(r["at"]), tz, DATE_TIME), r["entry"], r["kind"],
                         r["amount"], r["title"], r["store_id"], r["staff"]] for r in rows],
                       money_columns=("Amount",)) if rows else "No charges or payments yet.")
    t.say(f"{customer.name} owes {format_money(balance)}.")


def receipts(t: Terminal, customer: Customer) -> None:
    desk = t.services.desk
    found = desk.receipts.of_customer(customer.id)
    if not found:
        t.say(f"No receipts for {customer.name} yet.")
        return
    tz = t.timezone()
    t.say(format_table(["Receipt", "Kind", "Store", "When"],
                       [[r["id"], r["kind"], r["store_id"],
                         format_moment(utc(r["created_at"]), tz, DATE_TIME)] for r in found]))
    number = ask(t, "Reprint which receipt? (Enter: none)")
    receipt = whole_number(number)
    if receipt is not None:
        try:
            t.say(desk.receipts.reprint(receipt))
        except StoreError as e:
            t.say(error_line(e))


def renew(t: Terminal, customer: Customer) -> None:
    copy = ask(t, "Renew which copy? (barcode or number; Enter: none)")
    if not copy:
        return
    result = save_once(t, "renewal", "Nothing was renewed.",
                       lambda key: t.services.desk.hires.renew(copy, key))
    if result is None:
        return
    renewed = result.hires[0]
    t.say(result.receipt)
    t.say(f"Renewed: copy {renewed.copy_id} is due back "
          f"{format_moment(renewed.due_at, t.timezone(), DATE_TIME)}.")


def holds(t: Terminal, customer: Customer) -> None:
    """The customer's holds; place a new one by title number, or cancel one."""
    desk = t.services.desk
    current = desk.holds.of_customer(customer.id)
    tz = t.timezone()
    if current:
        t.say(format_table(["Hold", "Title", "Store", "Status", "Placed", "Waits until"],
                           [[h["id"], h["title"], h["store_id"], h["status"],
                             format_moment(utc(h["placed_at"]), tz, DATE_TIME),
                             format_moment(utc(h["expires_at"]), tz, DATE_TIME)]
                            for h in current]))
    else:
        t.say(f"{customer.name} has no holds.")
    choice = ask(t, "p + title number to place a hold, c + hold number to cancel one "
                    "(e.g. p 12; Enter: none)").lower().split()
    if len(choice) != 2 or choice[0] not in ("p", "c") or whole_number(choice[1]) is None:
        return
    number = whole_number(choice[1])
    if choice[0] == "p":
        placed = save_once(t, "hold", "No hold was placed.",
                           lambda key: desk.holds.place(customer.id, number, key))
        if placed is not None:
            t.say(f"Hold {placed['hold_id']} placed: {customer.name} is number "
                  f"{placed['position']} in the queue.")
    elif yes_no(t, f"Cancel hold {number}?"):
        done, passed = done_once(t, "cancellation", f"Hold {number} stays.",
                                 lambda key: desk.holds.cancel(number, key))
        if done:
            t.say(f"Hold {number} cancelled." + (
                f" Its copy now waits for {passed.customer}: call them"
                f"{' on ' + passed.phone if passed.phone else ''}." if passed else ""))


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    run: Callable[[Terminal, Customer], None]
    needs: str = roles.CLERK


ACTIONS = [Action("p", "Take payment", take_payment), Action("s", "Statement", statement),
           Action("r", "Receipts", receipts), Action("n", "Renew a hire", renew),
           Action("h", "Holds", holds), Action("f", "Refund", refund, roles.MANAGER)]


def _amount(t: Terminal, label: str, default: Decimal) -> Decimal | None:
    while True:
        text = ask(t, label, format_money(default))
        if not text:
            return None
        try:
            return parse_amount(text, allow_zero=False)
        except StoreError as e:
            t.say(error_line(e))


def _show(t: Terminal, work: Callable[[RequestKey], Any], verb: str) -> None:
    result = save_once(t, "payment" if verb == "Paid" else "refund", "Nothing was taken.",
                       work)
    if result is None:
        return
    t.say(result.receipt)
    t.say(f"{verb} {format_money(result.amount)}; {result.customer} now owes "
          f"{format_money(result.balance)}; receipt {result.receipt_id}.")
