"""The Hire out screen (main menu 3): a customer, the copies scanned one by one (each
checked at once), then what will be written — due dates and charges — before it is.

Every copy scanned is checked against the store's rules straight away (a quote: nothing is
locked or written), so a refusal comes with the copy that caused it, not at the end. A
balance above the blocking limit can be overridden by a manager, who is asked why.
"""
from __future__ import annotations

from typing import Any, Protocol

from store import roles
from store.customers import Customer
from store.errors import Refused, StoreError
from store.hires import Quote
from ui.completion import copies_for
from ui.forms import Asker, ask, form_keys, yes_no
from ui.messages import error_line
from ui.once import save_once
from ui.pick import pick_customer, summary
from ui.tables import DATE_TIME, format_money, format_moment, format_table

TITLE = "── Hire out ──"
COPY_HELP = """── Help: Hire out, the copies ──
  barcode or number, Enter   add that copy: it is checked at once (due date, charge)
  Tab, arrows                copies on the shelf here whose barcode, number or title
                             begins with what is typed (shown as you type): pick one
  Enter alone                done: the copies, due dates and charges are shown, then asked
                             whether they are paid now and whether to hire them
  Up, Down                   copies typed before (this screen's history)
  Esc, Ctrl-C                cancel this hire: nothing is hired; Esc again goes back
  F1 or ?                    this help (what you typed stays)
"""


class Terminal(Asker, Protocol):
    services: Any
    store: Any

    def timezone(self) -> str: ...


def hire_screen(terminal: Terminal) -> None:
    terminal.say(TITLE)
    if terminal.services.client.user is None:
        terminal.say("Hiring needs a login: log in to hire copies out (this terminal is "
                     "read-only).")
        return
    while True:
        try:
            customer = _customer(terminal)
        except KeyboardInterrupt:
            return  # Esc at the customer prompt: back to the menu
        if customer is None:
            return
        try:
            hire_to(terminal, customer)
        except KeyboardInterrupt:
            terminal.say("Cancelled: nothing was hired.")
        terminal.say(TITLE)


def _customer(terminal: Terminal) -> Customer | None:
    terminal.say("Customer: card number, phone or name (Tab shows matches; Enter alone: "
                 "back to the menu)")
    return pick_customer(terminal)


def hire_to(terminal: Terminal, customer: Customer) -> None:
    """Scan copies for one customer, show what will be written, hire on a yes."""
    terminal.say(summary(customer))
    refs: list[str] = []
    override: str | None = None
    terminal.say("Scan or type the copies, one at a time (Enter alone when done):")
    copies = copies_for(terminal)
    while True:
        text = terminal.prompt("copy> ", key_bindings=form_keys(COPY_HELP),
                               history="copies", completer=copies).strip()
        if not text:
            break
        quote, override = _check(terminal, customer, refs + [text], override)
        if quote is None:
            continue
        refs.append(text)
        line = quote.lines[-1]
        due = format_moment(line.due_at, terminal.timezone(), DATE_TIME)
        terminal.say(f"  {line.copy_id}  {line.title} · {line.format} · "
                     f"{format_money(line.rate)}, due {due}")
    if not refs:
        terminal.say("Nothing hired.")
        return
    _confirm_and_hire(terminal, customer, refs, override)


def hire_named(terminal: Terminal, customer: Customer, refs: list[str]) -> None:
    """Hire copies named all at once (the quick command line): checked as if scanned, then
    the same confirmation as the screen's before anything is written."""
    terminal.say(summary(customer))
    quote, override = _check(terminal, customer, refs, None)
    if quote is None:
        terminal.say("Nothing hired.")
        return
    _confirm_and_hire(terminal, customer, refs, override)


def _check(terminal: Terminal, customer: Customer, refs: list[str],
           override: str | None) -> tuple[Quote | None, str | None]:
    """The quote with the copy just scanned (None, said why, when it cannot go out), and
    the manager's override reason if one was given for a blocking balance."""
    hires = terminal.services.desk.hires
    try:
        return hires.quote(customer.id, refs, override is not None), override
    except Refused as e:
        terminal.say(error_line(e))
        if not e.details.get("override") or override is not None:
            return None, override
        override = _ask_override(terminal)
    except StoreError as e:
        terminal.say(error_line(e))
        return None, override
    if override is None:
        return None, None
    try:
        return hires.quote(customer.id, refs, True), override
    except StoreError as e:
        terminal.say(error_line(e))
        return None, override


def _ask_override(terminal: Terminal) -> str | None:
    """A manager's reason to let a blocking balance through; None when there is none."""
    user = terminal.services.client.user
    if user is None or not roles.allowed(user["role"], roles.MANAGER):
        terminal.say("Only a manager can override that.")
        return None
    if not yes_no(terminal, "Override the balance limit for this hire?"):
        return None
    return ask(terminal, "Why (kept in the audit log)") or None


def _confirm_and_hire(terminal: Terminal, customer: Customer, refs: list[str],
                      override: str | None) -> None:
    hires = terminal.services.desk.hires
    try:
        quote = hires.quote(customer.id, refs, override is not None)
    except StoreError as e:
        terminal.say(error_line(e))
        return
    terminal.say(quote_table(quote, terminal.timezone()))
    pay_now = yes_no(terminal, f"Paid now ({format_money(quote.total)})?")
    if not yes_no(terminal, f"Hire {len(refs)} cop{'y' if len(refs) == 1 else 'ies'} to "
                            f"{customer.name}?"):
        terminal.say("Nothing hired.")
        return
    result = save_once(terminal, "hire", "Nothing was hired.", lambda key: hires.hire(
        customer.id, refs, pay_now=pay_now, override_reason=override, request=key))
    if result is None:
        return
    terminal.say(result.receipt)
    terminal.say(f"Hired {len(result.hires)} cop{'y' if len(result.hires) == 1 else 'ies'} to "
                 f"{result.customer}; receipt {result.receipt_id}.")


def quote_table(quote: Quote, tz_name: str) -> str:
    rows = [[x.copy_id, x.title, x.format, format_moment(x.due_at, tz_name, DATE_TIME), x.rate]
            for x in quote.lines]
    table = format_table(["Copy", "Title", "Format", "Due back", "Charge"], rows,
                         money_columns=("Charge",))
    return (f"── To hire to {quote.customer} ──\n{table}\n"
            f"Total {format_money(quote.total)}; {quote.customer} owes "
            f"{format_money(quote.balance)} before this hire.")
