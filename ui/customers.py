"""The Customers screen (main menu key 1): find a customer, look at them, register, edit,
deactivate and reactivate.

A small sub-menu loop like the Admin screen's: `f` finds (the top matches show as you type;
picking one puts its card number in), `n` registers; a card or phone number typed or
scanned straight at the prompt opens that customer. An open customer shows what they have
out, their holds and balance, and holds the `customer:` lock for this till (renewed while
the clerk works) so another till sees who is working on them.

The open customer's keys are CUSTOMER_ACTIONS: one CustomerAction(key, label, action)
each, where action(terminal, customer) does its work and the page is shown again after it.
Money and hire actions are added there, one line each, e.g.
    CustomerAction("p", "Take payment", take_payment),
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from prompt_toolkit.completion import ThreadedCompleter

from store import roles
from store.codes import whole_number
from store.customer_rules import FIELD_BY_COLUMN, Field, as_text, clean_field, nothing_found
from store.customers import Customer
from store.errors import StoreError
from store.services import TerminalServices
from ui import account
from ui.colour import terminal_colour
from ui.customer_page import describe
from ui.forms import Asker, ask, cancel_keys, yes_no
from ui.hire import hire_to
from ui.holding import hold_shown
from ui.messages import error_line
from ui.once import save_once
from ui.pick import MATCHES, CustomerCompleter, matches_table
from ui.returns import return_all_for
from ui.submenu import BACK, HELP, Entry, help_text, menu_keys, menu_text
from ui.tables import format_money

log = logging.getLogger(__name__)

TITLE = "── Customers ──"
PROMPT = "customers> "
# The details the screen asks, in order (address line 2 and country stay as they are).
SCREEN_FIELDS: list[Field] = [FIELD_BY_COLUMN[c] for c in (
    "first_name", "last_name", "date_of_birth", "phone", "email", "address_line1", "city",
    "postal_code")]
HELP_TEXT = """── Help: Customers ──
  f          find a customer: part of a name ("smi", "mary smi"), a phone or a card number;
             matches show as you type (Tab or arrows pick one)
  n          register a new customer
  digits     a card or phone number typed (or scanned) here opens that customer
  Esc        back to the main menu (an empty line too)
  F1 or ?    this help
On an open customer, each key is shown under them; Esc leaves them.
"""


class Terminal(Asker, Protocol):
    services: TerminalServices

    def timezone(self) -> str: ...

    def watch(self, callback: Callable[[str, dict], None]) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class CustomerAction:
    key: str
    label: str
    action: Callable[[Terminal, Customer], None]
    needs: str = roles.CLERK                        # the least role shown it
    shown: Callable[[Customer], bool] = lambda customer: True


# --- finding ------------------------------------------------------------------------------

def find_customer(t: Terminal, text: str = "") -> None:
    """Ask what to find (unless given), show the matches, open the one chosen."""
    customers = t.services.customers
    if not text:
        completer = ThreadedCompleter(CustomerCompleter(customers))
        text = t.prompt("Find (part of a name, phone or card): ", completer=completer,
                        key_bindings=cancel_keys(), history="customers").strip()
        if not text:
            return
    matches = customers.find(text, MATCHES)
    if not matches:
        t.say(nothing_found(text))
        return
    if len(matches) == 1:
        open_customer(t, matches[0].id)
        return
    t.say(matches_table(matches))
    pick = ask(t, "Open which? Its number in the list, or a card number (Enter: none)")
    if not pick:
        return
    row = whole_number(pick)
    if row is not None and 1 <= row <= len(matches):
        open_customer(t, matches[row - 1].id)
    else:
        find_customer(t, pick)


# --- one customer -------------------------------------------------------------------------

def open_customer(t: Terminal, customer_id: int) -> None:
    """Show one customer and their keys until the clerk leaves (Esc), holding their lock
    (when we can) meanwhile."""
    customers = t.services.customers
    view = customers.view(customer_id)
    t.say(describe(view, t.timezone(), terminal_colour(t)))
    resource = view.customer.resource
    held = hold_shown(t, resource, "this customer")

    def changed(name: str, data: dict[str, Any]) -> None:
        if name == "lagged" or data.get("customer_id") == customer_id:
            show_again(t, customer_id, "Changed at another till:")
    try:
        with t.watch(changed):
            while True:
                customer = customers.get(customer_id)
                actions = actions_for(t, customer)
                t.say(menu_text(actions))
                try:
                    choice = t.prompt(f"customer {customer.card_number}> ",
                                      key_bindings=menu_keys(actions, page_help(actions)))
                except (KeyboardInterrupt, EOFError):
                    return
                chosen = {a.key: a for a in actions}.get(choice.strip().lower())
                if choice.strip() == BACK:
                    return
                if choice.strip() in (HELP, "?"):
                    t.say(page_help(actions))
                elif chosen is None:
                    t.say(f"Choose {', '.join(a.key for a in actions)} (Esc leaves "
                          f"{customer.name}).")
                else:
                    run_action(t, chosen, customer)
                    if t.services.client.user is None:
                        return  # logged out meanwhile: the main menu asks for a login
                    show_again(t, customer_id, "")
    finally:
        if held:
            t.services.leases.release(resource)


def page_help(actions: list[CustomerAction]) -> str:
    return help_text("a customer", actions, back="leave this customer")


def actions_for(t: Terminal, customer: Customer) -> list[CustomerAction]:
    user = t.services.client.user
    role = user["role"] if user else ""
    return [a for a in CUSTOMER_ACTIONS if a.shown(customer) and roles.allowed(role, a.needs)]


def run_action(t: Terminal, action: CustomerAction, customer: Customer) -> None:
    try:
        action.action(t, customer)
    except (KeyboardInterrupt, EOFError):
        t.say("Cancelled.")
    except StoreError as e:
        t.say(error_line(e))


def show_again(t: Terminal, customer_id: int, heading: str) -> None:
    try:
        view = t.services.customers.view(customer_id)
    except StoreError as e:
        t.say(error_line(e))
        return
    t.say((heading + "\n" if heading else "")
          + describe(view, t.timezone(), terminal_colour(t)))


# --- register, edit, deactivate -----------------------------------------------------------

def ask_field(t: Terminal, field: Field, today: Any, default: str = "",
              editing: bool = False) -> str:
    """One detail; Enter is refused, with its rule's message, until it passes the rule the
    manager applies (store/customer_rules.py). Editing: Enter keeps `default`, and - clears
    a detail that may be empty."""
    label = field.label if field.required else f"{field.label} (optional)"
    if editing and not field.required:
        label += " (- clears)"

    def meant(answer: str) -> str:
        return "" if editing and answer == "-" and not field.required else answer
    return meant(ask(t, label, default,
                     rule=lambda answer: clean_field(field.column, meant(answer), today)))


def register_customer(t: Terminal) -> None:
    customers = t.services.customers
    today = customers.today()  # the store server's date: a registration needs it anyway
    t.say("── Customers: register ── (Esc cancels; nothing is saved until the end)")
    typed = {f.column: ask_field(t, f, today) for f in SCREEN_FIELDS}
    customer = save_once(t, "registration", "Nothing was saved.",
                         lambda key: customers.register(typed, key))
    if customer is None:
        return
    t.say(f"Registered {customer.name}: card {customer.card_number}, home store "
          f"{customer.store_name}.")
    open_customer(t, customer.id)


def edit_customer(t: Terminal, customer: Customer) -> None:
    customers = t.services.customers
    today = customers.today()
    t.say(f"── Edit {customer.name} ── (Enter keeps a value; Esc cancels, nothing saved)")
    before = customer.details()
    typed = {f.column: ask_field(t, f, today, as_text(before[f.column]), editing=True)
             for f in SCREEN_FIELDS}
    edited = save_once(t, "edit", "Nothing was saved.",
                       lambda key: customers.edit(customer.id, typed, key))
    if edited is None:
        return
    after = edited.details()
    changes = [f"{f.label} {as_text(before[f.column]) or '(none)'} → "
               f"{as_text(after[f.column]) or '(none)'}"
               for f in SCREEN_FIELDS if before[f.column] != after[f.column]]
    t.say("Saved: " + "; ".join(changes) + "." if changes else "Nothing changed.")


def deactivate_customer(t: Terminal, customer: Customer) -> None:
    view = t.services.customers.view(customer.id)
    warning = ""
    if view.open_hires:
        warning += f" They still have {len(view.open_hires)} out."
    if view.balance > 0:
        warning += f" They owe {format_money(view.balance)}."
    if not yes_no(t, f"Deactivate {customer.name} (card {customer.card_number})? They can no "
                     f"longer hire; their history stays.{warning}"):
        t.say(f"Nothing changed: {customer.name} stays active.")
        return
    reason = ask(t, "Why? (optional, kept in the audit log)")
    if save_once(t, "deactivation", f"Nothing changed: {customer.name} stays active.",
                 lambda key: t.services.customers.deactivate(customer.id, reason, key)) is None:
        return
    t.say(f"Deactivated {customer.name}.")


def reactivate_customer(t: Terminal, customer: Customer) -> None:
    if not yes_no(t, f"Reactivate {customer.name} (card {customer.card_number})? They can "
                     f"hire again."):
        t.say(f"Nothing changed: {customer.name} stays inactive.")
        return
    reason = ask(t, "Why? (optional, kept in the audit log)")
    if save_once(t, "reactivation", f"Nothing changed: {customer.name} stays inactive.",
                 lambda key: t.services.customers.reactivate(customer.id, reason, key)) is None:
        return
    t.say(f"Reactivated {customer.name}.")


CUSTOMER_ACTIONS: list[CustomerAction] = [
    CustomerAction("o", "Hire out", hire_to, shown=lambda c: c.active),
    CustomerAction("b", "Bring back all", return_all_for),
    *[CustomerAction(a.key, a.label, a.run, a.needs) for a in account.ACTIONS],
    CustomerAction("e", "Edit", edit_customer),
    CustomerAction("d", "Deactivate", deactivate_customer, shown=lambda c: c.active),
    CustomerAction("a", "Reactivate", reactivate_customer, shown=lambda c: not c.active),
    CustomerAction("v", "View again", lambda t, c: None),
]


# --- the screen ---------------------------------------------------------------------------

def customers_screen(t: Terminal) -> None:
    """The Customers sub-menu until the clerk goes back to the main menu."""
    if t.services.client.user is None:
        t.say(f"{TITLE}\nCustomers needs a login: their details are personal. This terminal "
              f"is not logged in (read-only).\n")
        return
    entries = {"f": Entry("f", "Find", find_customer),
               "n": Entry("n", "Register new", register_customer)}
    t.say(f"{TITLE}  (F1 or ? lists the keys; Esc goes back to the main menu)")
    while True:
        t.say("  ".join(f"{e.key} {e.label}" for e in entries.values())
              + "  or type a card or phone number  Esc Back")
        try:
            choice = t.prompt(PROMPT, key_bindings=menu_keys(list(entries.values()),
                                                             HELP_TEXT)).strip()
        except (KeyboardInterrupt, EOFError):
            return
        if choice == BACK:
            return
        try:
            if choice.lower() in (HELP, "?"):
                t.say(HELP_TEXT)
            elif choice.lower() in entries:
                entries[choice.lower()].action(t)
            else:
                find_customer(t, choice)
        except (KeyboardInterrupt, EOFError):
            t.say("Cancelled.")
        except StoreError as e:
            t.say(error_line(e))
        if t.services.client.user is None:
            return  # logged out meanwhile: the main menu asks for a login
