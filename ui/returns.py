"""The Return screen (main menu 4): copies scanned as they come back (or "all" of one
customer's), what the return will charge, then the return itself with its receipt and,
when a copy is set aside for someone's hold, whom to call."""
from __future__ import annotations

from typing import Any, Protocol

from store import roles
from store.customers import Customer
from store.errors import StoreError
from store.returns import CONDITIONS, ReturnQuote, ReturnResult
from ui.colour import paint, paint_rows, terminal_colour
from ui.forms import Asker, ask, cancel_keys, choose, form_keys, yes_no
from ui.messages import error_line
from ui.once import save_once
from ui.pick import pick_customer
from ui.tables import format_money, format_table

TITLE = "── Return ──"
ALL = "all"
RETURN_HELP = """── Help: Return ──
  barcode or number, Enter   add a copy coming back: shown with its days late and fee
  all, Enter                 everything one customer has out (asked whose)
  Enter alone                done: the condition is asked, the charges shown, then
                             whether they are paid now and whether to take them back;
                             with no copy yet, back to the menu
  Up, Down                   copies typed before (the copies' history)
  Esc, Ctrl-C                cancel this return: nothing is returned; Esc again goes back
  F1 or ?                    this help (what you typed stays)
"""


class Terminal(Asker, Protocol):
    services: Any


def return_screen(terminal: Terminal) -> None:
    terminal.say(TITLE)
    if terminal.services.client.user is None:
        terminal.say("Returns need a login: log in to take copies back (this terminal is "
                     "read-only).")
        return
    while True:
        try:
            if not _one_return(terminal):
                return
        except KeyboardInterrupt:
            terminal.say("Cancelled: nothing was returned (Esc again: back to the menu).")
            try:
                terminal.prompt("Enter: return more; Esc: back to the menu ",
                                key_bindings=cancel_keys())
            except KeyboardInterrupt:
                return
        terminal.say(TITLE)


def _one_return(terminal: Terminal) -> bool:
    """One customer's copies back; False when the clerk goes back to the menu."""
    returns = terminal.services.desk.returns
    terminal.say(f"Scan the copies coming back, one at a time (\"{ALL}\": everything one "
                 f"customer has out; Enter alone when done, or to go back):")
    refs: list[str] = []
    quote: ReturnQuote | None = None
    while True:
        text = terminal.prompt("return> ", key_bindings=form_keys(RETURN_HELP),
                               history="copies").strip()
        if not text:
            break
        if text.lower() == ALL and not refs:
            return _return_all(terminal)
        try:
            quote = returns.quote(refs + [text])
        except StoreError as e:
            terminal.say(error_line(e))
            continue
        refs.append(text)
        line = quote.lines[-1]
        terminal.say(f"  {line.copy_id}  {line.title} · {quote.customer} · "
                     + paint(_lateness(line), "overdue" if line.days_late else "ok",
                             terminal_colour(terminal)))
    if not refs or quote is None:
        return False
    _confirm_and_return(terminal, refs, quote)
    return True


def return_named(terminal: Terminal, refs: list[str]) -> None:
    """Take back copies named all at once (the quick command line): the same checks and
    confirmation as the screen's before anything is written."""
    _confirm_and_return(terminal, refs, terminal.services.desk.returns.quote(refs))


def _confirm_and_return(terminal: Terminal, refs: list[str], quote: ReturnQuote) -> None:
    """The condition asked, the charges shown, then the return on a yes."""
    returns = terminal.services.desk.returns
    condition = choose(terminal, "Condition", CONDITIONS, default="ok")
    if condition != "ok":
        quote = returns.quote(refs, condition)
    terminal.say(quote_table(quote, terminal_colour(terminal)))
    pay_now = quote.total > 0 and yes_no(terminal, f"Paid now ({format_money(quote.total)})?")
    if not yes_no(terminal, f"Take back {len(refs)} cop{'y' if len(refs) == 1 else 'ies'} "
                            f"from {quote.customer}?"):
        terminal.say("Nothing was returned.")
        return
    result = save_once(terminal, "return", "Nothing was returned.",
                       lambda key: returns.return_copies(refs, condition, pay_now, key))
    if result is not None:
        _done(terminal, result)


def _return_all(terminal: Terminal) -> bool:
    terminal.say("Whose copies? Card number, phone or name:")
    customer = pick_customer(terminal)
    if customer is not None:
        return_all_for(terminal, customer)
    return True


def return_all_for(terminal: Terminal, customer: Customer) -> None:
    """Everything the customer has out, shown with its charges, then taken back on a yes."""
    returns = terminal.services.desk.returns
    try:
        quote = returns.quote_all(customer.id)
    except StoreError as e:
        terminal.say(error_line(e))
        return
    terminal.say(quote_table(quote, terminal_colour(terminal)))
    pay_now = quote.total > 0 and yes_no(terminal, f"Paid now ({format_money(quote.total)})?")
    if not yes_no(terminal, f"Take back all {len(quote.lines)} from {customer.name}?"):
        terminal.say("Nothing was returned.")
        return
    result = save_once(terminal, "return", "Nothing was returned.",
                       lambda key: returns.return_all(customer.id, pay_now, key))
    if result is not None:
        _done(terminal, result)


def _done(terminal: Terminal, result: ReturnResult) -> None:
    terminal.say(result.receipt)
    terminal.say(f"Returned {len(result.returned)} from {result.customer}; receipt "
                 f"{result.receipt_id}.")
    for hold in result.calls():
        phone = f" on {hold.phone}" if hold.phone else ""
        terminal.say(f"Call {hold.customer}{phone}: copy {hold.copy_id} ({hold.title}) is set "
                     f"aside for their hold.")
    _offer_waiver(terminal, result)


def _offer_waiver(terminal: Terminal, result: ReturnResult) -> None:
    """A manager may waive a fee just charged (asked why)."""
    user = terminal.services.client.user
    charged = [r for r in result.returned if r.charges]
    if not charged or user is None or not roles.allowed(user["role"], roles.MANAGER):
        return
    if not yes_no(terminal, "Waive a fee just charged?"):
        return
    by_copy = {str(r.copy_id): r for r in charged}
    if len(charged) == 1:
        copy = charged[0]
    else:
        copy = by_copy.get(ask(terminal, f"Which copy ({', '.join(by_copy)})"))
    if copy is None:
        terminal.say("No fee waived.")
        return
    reason = ask(terminal, "Why (kept in the audit log)")
    waived = save_once(terminal, "waiver", "No fee waived.", lambda key:
                       terminal.services.desk.returns.waive(copy.hire_id, reason, key))
    if waived is None:
        return
    terminal.say(f"Waived {format_money(waived)} for copy {copy.copy_id}.")


def _lateness(line: Any) -> str:
    if line.days_late:
        fee = sum(line.charges.values())
        return f"{line.days_late} day{'s' if line.days_late != 1 else ''} late, {format_money(fee)}"
    return "on time"


def quote_table(quote: ReturnQuote, colour: bool = False) -> str:
    """The copies to take back and their charges; with `colour`, late ones in red."""
    rows = [[x.copy_id, x.title, x.condition, x.days_late,
             sum(x.charges.values()) if x.charges else 0] for x in quote.lines]
    table = paint_rows(format_table(["Copy", "Title", "Condition", "Days late", "Charge"], rows,
                                    money_columns=("Charge",)),
                       ["overdue" if x.days_late else None for x in quote.lines], colour)
    return (f"── To take back from {quote.customer} ──\n{table}\n"
            f"To charge {format_money(quote.total)}; {quote.customer} owes "
            f"{format_money(quote.balance)} before this return.")
