"""The Reports screen (main menu 5): what a clerk or manager looks up during the day —
the day's takings per clerk, and the hold shelf (copies set aside, whom to call)."""
from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from store.clock import zone
from ui.forms import Asker, ask
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
    t.say(format_table(["Clerk", "Kind", "Payments", "Amount"],
                       [[r["clerk"], r["kind"], r["payments"], r["amount"]] for r in rows],
                       money_columns=("Amount",)))
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
    t.say(format_table(["Copy", "Title", "For", "Phone", "Waits until"],
                       [[h.copy_id, h.title, h.customer, h.phone,
                         format_moment(h.expires_at, t.timezone(), DATE_TIME)] for h in shelf]))


ENTRIES = [Entry("t", "Takings of a day", takings),
           Entry("h", "Hold shelf", hold_shelf)]


def reports_screen(t: Terminal) -> None:
    user = t.services.client.user
    if user is None:
        t.say(f"── {TITLE} ──\nReports need a login (this terminal is read-only).")
        return
    t.say(f"── {TITLE} ──  (F1 or ? lists the keys; Esc goes back to the main menu)")
    submenu(t, TITLE, allowed_entries(ENTRIES, user["role"]))
