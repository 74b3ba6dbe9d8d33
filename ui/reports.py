"""The Reports screen (main menu 5): what a clerk or manager looks up during the day —
the day's takings per clerk, the hold shelf (copies set aside, whom to call), and the
shop's reports (store/reports.py, the same as `python main.py report NAME`): each asks for
its days (and an admin for the store), offering the report's defaults."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable, Protocol

from store import roles
from store.clock import zone
from store.codes import whole_number
from store.errors import ValidationError
from store.money import parse_amount
from store.reports import REPORTS, ReportQuery, parse_day
from ui.colour import terminal_colour
from ui.forms import Asker, ask
from ui.messages import error_line
from ui.pager import show_paged
from ui.report_cli import report_text
from ui.submenu import Entry, allowed_entries, submenu
from ui.tables import DATE_TIME, format_moment, format_money, format_table

TITLE = "Reports"


class Terminal(Asker, Protocol):
    services: Any

    def timezone(self) -> str: ...


def takings(t: Terminal) -> None:
    """Money taken on a day at this store, per clerk and kind (default: today)."""
    today = t.services.counter.now().astimezone(zone(t.timezone())).date()
    typed = ask(t, "Which day (YYYY-MM-DD)", today.isoformat())
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        t.say(f"{typed!r} is not a date: write it like {today.isoformat()}.")
        return
    rows = t.services.desk.payments.takings(day)
    if not rows:
        t.say(f"Nothing was taken on {day.isoformat()}.")
        return
    show_paged(t, format_table(["Clerk", "Kind", "Payments", "Amount"],
                               [[r["clerk"], r["kind"], r["payments"], r["amount"]]
                                for r in rows], money_columns=("Amount",)))
    total = sum(r["amount"] for r in rows)
    t.say(f"Taken on {day.isoformat()}: {format_money(total)}.")


def hold_shelf(t: Terminal) -> None:
    """The copies set aside for holds here, soonest to go back first, with whom to call
    (and passing on those whose time has run out)."""
    holds = t.services.desk.holds
    for passed in holds.expire_due():
        t.say(f"A hold ran out: copy {passed.copy_id} ({passed.title}) now waits for "
              f"{passed.customer}.")
    shelf = holds.shelf()
    if not shelf:
        t.say("No copies are set aside for holds.")
        return
    show_paged(t, format_table(["Copy", "Title", "For", "Phone", "Waits until"],
                               [[h.copy_id, h.title, h.customer, h.phone,
                                 format_moment(h.expires_at, t.timezone(), DATE_TIME)]
                                for h in shelf]))


def show_report(t: Terminal, name: str) -> None:
    """Report `name` for the clerk's store (an admin may choose another, or all) as of the
    server's clock, after asking for what it takes; Esc cancels."""
    spec = REPORTS[name]
    now = t.services.counter.now()
    home = t.services.home_store()
    store_id = _which_store(t, home.id)
    start = end = min_balance = None
    if spec.takes_days:
        today = now.astimezone(zone(home.timezone)).date()
        if spec.default_days == 1:
            start = end = _ask_day(t, "Which day (YYYY-MM-DD)", today)
        else:
            start = _ask_day(t, "First day (YYYY-MM-DD)",
                             today - timedelta(days=spec.default_days - 1))
            end = _ask_day(t, "Last day (YYYY-MM-DD)", max(start, today))
    if spec.min_balance:
        min_balance = _ask_amount(t, "Owing more than", t.services.shop.rules().blocking_balance)
    report = t.services.reports.run(
        name, now, ReportQuery(store_id, start, end, None, min_balance))
    show_paged(t, report_text(report, terminal_colour(t)))


def _which_store(t: Terminal, home: int) -> int | None:
    """The clerk's own store; an admin is asked (a number, or all)."""
    if not roles.allowed(t.services.client.user["role"], roles.ADMIN):
        return home
    while True:
        typed = ask(t, "Store: its number, or all", str(home)).lower()
        if typed == "all":
            return None
        store = whole_number(typed)
        if store is not None:
            return store
        t.say(f"{typed!r} is not a store: type its number (such as {home}) or all.")


def _ask_day(t: Terminal, label: str, default: date) -> date:
    while True:
        try:
            return parse_day(ask(t, label, default.isoformat()), "The day")
        except ValidationError as e:
            t.say(error_line(e))


def _ask_amount(t: Terminal, label: str, default: Decimal) -> Decimal:
    while True:
        try:
            return parse_amount(ask(t, label, f"{default:.2f}"))
        except ValidationError as e:
            t.say(error_line(e))


def _report(name: str) -> Callable[[Terminal], None]:
    def action(t: Terminal) -> None:
        show_report(t, name)
    action.__doc__ = REPORTS[name].description
    return action


ENTRIES = [Entry("t", "Takings of a day", takings),
           Entry("h", "Hold shelf", hold_shelf),
           Entry("o", "Overdue hires", _report("overdue")),
           Entry("d", "Due back on a day", _report("due-today")),
           Entry("w", "Takings by day and clerk", _report("takings"), roles.MANAGER),
           Entry("p", "Most hired titles", _report("top-titles")),
           Entry("l", "Least hired titles", _report("slowest-titles")),
           Entry("k", "Stock", _report("stock")),
           Entry("b", "Balances owed", _report("balances")),
           Entry("s", "Sales by store", _report("sales-by-store"), roles.MANAGER),
           Entry("g", "Sales by genre", _report("sales-by-genre"), roles.MANAGER)]


def reports_screen(t: Terminal) -> None:
    user = t.services.client.user
    if user is None:
        t.say(f"── {TITLE} ──\nReports need a login (this terminal is read-only).")
        return
    t.say(f"── {TITLE} ──  (F1 or ? lists the keys; Esc goes back to the main menu)")
    submenu(t, TITLE, allowed_entries(ENTRIES, user["role"]))
