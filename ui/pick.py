"""Picking a customer at the counter: a card number, a phone or part of a name, with the
top matches offered as the clerk types (a threaded completer, so typing never waits on the
database), and a numbered list when more than one fits."""
from __future__ import annotations

from typing import Any, Iterator, Protocol

import logging

from prompt_toolkit.completion import Completer, Completion, ThreadedCompleter
from prompt_toolkit.document import Document

from store.codes import whole_number
from store.customers import Customer, Customers
from store.errors import StoreError
from ui.forms import Asker, cancel_keys, form_keys
from ui.messages import error_line
from ui.tables import format_table

log = logging.getLogger(__name__)

MATCHES = 10
PICK_HELP = """── Help: choosing a customer ──
  card number, phone or part of a name, Enter   find them ("smi", "mary smi", "555 0101")
  Tab, arrows   the top matches, shown as you type: pick one to put its card number in
  Enter alone   no customer: back
  Up, Down      searches typed before (the customers' history)
  Esc, Ctrl-C   cancel
  F1 or ?       this help (what you typed stays)
"""


class CustomerCompleter(Completer):
    """The top matches for what is typed so far; choosing one puts its card number in."""

    def __init__(self, customers: Customers, limit: int = MATCHES):
        self.customers, self.limit = customers, limit

    def get_completions(self, document: Document, complete_event: Any) -> Iterator[Completion]:
        text = document.text_before_cursor
        if len(text.strip()) < 2:
            return
        try:
            matches = self.customers.find(text, self.limit)
        except StoreError:
            return  # half a card number, the database away: no suggestions, no noise
        except Exception:
            log.exception("customer completion failed")
            return
        for c in matches:
            yield Completion(c.card_number, start_position=-len(text),
                             display=f"{c.last_name}, {c.first_name}",
                             display_meta=f"card {c.card_number}"
                                          + ("" if c.active else " · inactive"))


def summary(customer: Customer) -> str:
    phone = f" · {customer.phone}" if customer.phone else ""
    inactive = "" if customer.active else " · INACTIVE"
    return f"{customer.name} · card {customer.card_number}{phone}{inactive}"


class Terminal(Asker, Protocol):
    services: Any


def pick_customer(terminal: Terminal, label: str = "customer> ") -> Customer | None:
    """A customer chosen by the clerk, or None (Enter alone). Esc/Ctrl-C raise
    KeyboardInterrupt, as on every form."""
    customers = terminal.services.customers
    completer = ThreadedCompleter(CustomerCompleter(customers))
    while True:
        text = terminal.prompt(label, completer=completer, key_bindings=form_keys(PICK_HELP),
                               history="customers").strip()
        if not text:
            return None
        try:
            found = customers.find(text, MATCHES)
        except StoreError as e:
            terminal.say(error_line(e))
            continue
        if not found:
            terminal.say(f"No customer matches {text!r}: try a card number, a phone, or the "
                         f"start of a name.")
            continue
        if len(found) == 1:
            return found[0]
        chosen = choose_from(terminal, found)
        if chosen is not None:
            return chosen


def choose_from(terminal: Terminal, found: list[Customer]) -> Customer | None:
    terminal.say(matches_table(found))
    answer = terminal.prompt(f"Which one? (1-{len(found)}; Enter: search again) ",
                             key_bindings=cancel_keys()).strip()
    row = whole_number(answer)
    if row is not None and 1 <= row <= len(found):
        return found[row - 1]
    if answer:
        terminal.say(f"Choose a number from 1 to {len(found)}.")
    return None


def matches_table(matches: list[Customer]) -> str:
    return format_table(
        ["#", "Card", "Surname", "First name", "Phone", "City", "Home store", "Status"],
        [[n, c.card_number, c.last_name, c.first_name, c.phone, c.city, c.store_name,
          "active" if c.active else "INACTIVE"] for n, c in enumerate(matches, start=1)])
