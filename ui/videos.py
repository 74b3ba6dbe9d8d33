"""The Videos screen: a copy, where it is, and who is working on it.

Opening a copy takes its lock on the store server (through the terminal's LeaseKeeper,
renewed while the clerk works), so another till sees "in use by ana at till-2"; leaving
it gives the lock back. When the copy changes elsewhere (an inventory event names it), the
screen reads it again and shows the new state without disturbing what is being typed.
Without a login, or with the store server out of reach, copies can still be looked at.
"""
from __future__ import annotations

from typing import Any, Protocol

from store.errors import Locked, ServerUnavailable, StoreError, Timeout, Unauthenticated
from store.services import TerminalServices
from store.videos import CopyView
from ui.forms import Asker, cancel_keys
from ui.messages import error_line
from ui.tables import DATE_TIME, format_moment, format_time

TITLE = "── Videos ──"
ASK = "Scan a copy's barcode or type its number (Enter alone: back to the menu)"
HELP = """── Help: Videos ──
  barcode or number, Enter   open that copy (and hold it while it is open)
  Enter alone                back to the main menu
  r                          (on an open copy) read it again
  Esc, Ctrl-C                back one level
"""


class Terminal(Asker, Protocol):
    services: TerminalServices

    def timezone(self) -> str: ...

    def watch(self, callback: Any) -> Any: ...


def videos_screen(terminal: Terminal) -> None:
    terminal.say(TITLE)
    while True:
        terminal.say(ASK)
        try:
            text = terminal.prompt("copy> ", key_bindings=cancel_keys()).strip()
        except KeyboardInterrupt:
            return
        if not text:
            return
        if text in ("?", "help"):
            terminal.say(HELP)
            continue
        try:
            copy = terminal.services.videos.find_copy(text)
        except StoreError as e:
            terminal.say(error_line(e))
            continue
        open_copy(terminal, copy)


def open_copy(terminal: Terminal, copy: CopyView) -> None:
    """Show one copy, holding its lock (when we can) until the clerk leaves it."""
    leases = terminal.services.leases
    terminal.say(describe(copy, terminal.timezone()))
    held = take_lock(terminal, copy)

    def changed(name: str, data: dict[str, Any]) -> None:
        if name == "lagged" or (name.startswith("copy.") and data.get("copy_id") == copy.id):
            show_again(terminal, copy.id, f"Copy {copy.id} changed at another till:")
    try:
        with terminal.watch(changed):
            while True:
                try:
                    answer = terminal.prompt(f"copy {copy.id}> ", key_bindings=cancel_keys())
                except KeyboardInterrupt:
                    return
                if answer.strip().lower() == "r":
                    show_again(terminal, copy.id, "")
                elif answer.strip() in ("?", "help"):
                    terminal.say(HELP)
                else:
                    return
    finally:
        if held:
            leases.release(copy.resource)


def take_lock(terminal: Terminal, copy: CopyView) -> bool:
    """Hold the copy's lock; say plainly what it means when we cannot."""
    client = terminal.services.client
    if client.user is None:
        terminal.say("  Read-only: log in to work on this copy.")
        return False
    try:
        terminal.services.leases.acquire(copy.resource)
    except Locked as e:
        terminal.say("  " + holder_line(e.details, terminal.timezone()))
        return False
    except (ServerUnavailable, Timeout, Unauthenticated) as e:
        terminal.say(f"  Read-only: {error_line(e)}")
        return False
    terminal.say("  You are working on this copy: other tills see it is in use until you "
                 "leave it (Enter).")
    return True


def show_again(terminal: Terminal, copy_id: int, heading: str) -> None:
    try:
        copy = terminal.services.videos.copy(copy_id)
    except StoreError as e:
        terminal.say(error_line(e))
        return
    terminal.say((heading + "\n" if heading else "") + describe(copy, terminal.timezone()))


def holder_line(holder: dict[str, Any], tz_name: str) -> str:
    since = holder.get("since")
    when = f" since {format_time(since, tz_name, '%H:%M')}" if isinstance(since, dict) else ""
    return (f"In use by {holder.get('username', 'another clerk')} at "
            f"{holder.get('terminal') or 'another till'}{when}: you can look, not change it.")


def describe(copy: CopyView, tz_name: str) -> str:
    year = f", {copy.release_year}" if copy.release_year else ""
    head = (f"Copy {copy.id} · {copy.title} ({copy.rating}{year}) · {copy.format}, copy "
            f"{copy.copy_number} · barcode {copy.barcode} · {copy.store_name}")
    return f"{head}\n  {whereabouts(copy, tz_name)}"


def whereabouts(copy: CopyView, tz_name: str) -> str:
    """Where the copy is, as the clerk says it."""
    if copy.hired_to:
        due = format_moment(copy.due_at, tz_name, DATE_TIME) if copy.due_at else "?"
        return f"Hired to {copy.hired_to}, due back {due}."
    if copy.status == "held" and copy.held_for:
        phone = f" ({copy.held_for_phone})" if copy.held_for_phone else ""
        return f"Held for {copy.held_for}{phone}."
    return {"available": "On the shelf.", "hired": "Out on hire.", "held": "Set aside for a hold.",
            "damaged": "Marked damaged.", "lost": "Marked lost.",
            "retired": "Retired."}.get(copy.status, copy.status)
