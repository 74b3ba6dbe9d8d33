"""The Videos screen (main menu key 2): titles and copies.

A sub-menu: one key chooses an entry (no Enter needed) — find titles, search with filters,
open a title with where each of its copies is, add or edit a title, add copies, open a
copy, mark a copy damaged / lost / retired / back on the shelf. Scanning a barcode or
typing a copy number (then Enter) opens that copy, as at any time on this screen. F1 or ?
lists the keys; Esc, Ctrl-C or an empty line goes back to the main menu; within an entry,
Esc or Ctrl-C cancels it. The title entries are in ui/titles.py.

Opening a copy takes its lock on the store server (through the terminal's LeaseKeeper,
renewed while the clerk works), so another till sees "in use by ana at till-2"; leaving
it gives the lock back. When the copy changes elsewhere (an inventory event names it), the
screen reads it again and shows the new state without disturbing what is being typed.
Without a login, or with the store server out of reach, copies can still be looked at.
"""
from __future__ import annotations

from typing import Any, Protocol

from prompt_toolkit.completion import WordCompleter

from store import title_rules as rules
from store.errors import StoreError, ValidationError
from store.videos import CopyView
from ui import titles
from ui.forms import ask, form_keys, yes_no
from ui.holding import hold_shown
from ui.messages import error_line
from ui.once import save_once
from ui.submenu import BACK, HELP, Entry, help_text, menu_keys, menu_text
from ui.titles import Shown, ask_valid, whereabouts

TITLE = "── Videos ──"
ASK = "Scan a copy's barcode or type its number, or press a key (Enter alone: back)"
PROMPT = "videos> "
COPY_KEYS = """  barcode or number, Enter: open that copy (and hold it while it is open)
"""
COPY_HELP = """── Help: an open copy ──
  m            mark this copy damaged, lost, retired or back on the shelf
  r            read it again
  Enter        leave it (and free it for the other tills)
  Esc, Ctrl-C  leave it too
"""


class Terminal(titles.Terminal, Protocol):
    def watch(self, callback: Any) -> Any: ...


# --- the copy entries --------------------------------------------------------------------

def open_copy_entry(t: Terminal, shown: Shown) -> None:
    copy = ask_copy(t)
    if copy is not None:
        open_copy(t, copy)


def mark_copy_entry(t: Terminal, shown: Shown) -> None:
    copy = ask_copy(t)
    if copy is not None:
        t.say(describe(copy, t.timezone()))
        mark(t, copy)


def ask_copy(t: Terminal) -> CopyView | None:
    text = ask(t, "Copy: scan its barcode or type its number", history="copies")
    if not text:
        t.say("No copy chosen.")
        return None
    return t.services.videos.find_copy(text)


ENTRIES: list[Entry] = [
    Entry("f", "Find titles", titles.find_titles),
    Entry("s", "Search with filters", titles.search_titles),
    Entry("t", "Open a title", titles.open_title),
    Entry("a", "Add a title", titles.add_title),
    Entry("e", "Edit a title", titles.edit_title),
    Entry("c", "Add copies", titles.add_copies),
    Entry("o", "Open a copy", open_copy_entry),
    Entry("m", "Mark a copy", mark_copy_entry),
]
HELP_TEXT = help_text("Videos", ENTRIES) + COPY_KEYS


# --- the screen --------------------------------------------------------------------------

def videos_screen(terminal: Terminal) -> None:
    """The Videos sub-menu until the clerk goes back to the main menu."""
    by_key = {e.key: e for e in ENTRIES}
    shown = Shown()
    terminal.say(f"{TITLE}  (F1 or ? lists the keys; Esc goes back to the main menu)")
    while True:
        terminal.say(menu_text(ENTRIES))
        terminal.say(ASK)
        try:
            text = terminal.prompt(PROMPT, key_bindings=menu_keys(ENTRIES, HELP_TEXT)).strip()
        except (KeyboardInterrupt, EOFError):
            return
        if text == BACK:
            return
        if text in (HELP, "?"):
            terminal.say(HELP_TEXT)
        elif text in by_key:
            logged_in = terminal.services.client.user is not None
            run(terminal, by_key[text], shown)
            if logged_in and terminal.services.client.user is None:
                return  # the session ended meanwhile: the main menu asks for a login
        else:  # a barcode or copy number
            try:
                copy = terminal.services.videos.find_copy(text)
            except StoreError as e:
                terminal.say(error_line(e))
                continue
            open_copy(terminal, copy)


def run(t: Terminal, entry: Entry, shown: Shown) -> None:
    """Run one entry; every outcome is told in a line. (Not ui/submenu's run_entry: this
    screen works without a login too, and stays open after an entry.)"""
    t.say(f"── Videos: {entry.label} ──")
    try:
        entry.action(t, shown)
    except (KeyboardInterrupt, EOFError):
        t.say("Cancelled.")
    except StoreError as e:
        t.say(error_line(e))


# --- one copy ----------------------------------------------------------------------------

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
                    answer = terminal.prompt(f"copy {copy.id}> ",
                                             key_bindings=form_keys(COPY_HELP))
                except KeyboardInterrupt:
                    return
                answer = answer.strip().lower()
                if answer == "r":
                    show_again(terminal, copy.id, "")
                elif answer == "m":
                    mark(terminal, terminal.services.videos.copy(copy.id))
                elif answer in ("?", "help"):
                    terminal.say(COPY_HELP)
                else:
                    return
    finally:
        if held:
            leases.release(copy.resource)


def take_lock(terminal: Terminal, copy: CopyView) -> bool:
    """Hold the copy's lock while it is open; say plainly what it means when we cannot."""
    if not hold_shown(terminal, copy.resource, "this copy"):
        return False
    terminal.say("  You are working on this copy: other tills see it is in use until you "
                 "leave it (Enter). m marks it damaged, lost, retired or back on the shelf.")
    return True


def mark(t: Terminal, copy: CopyView) -> None:
    """Mark the copy: what it may become is offered, a reason asked, the change confirmed.
    Said at once when it cannot be marked here (hired, held, lost, another store's)."""
    name = f"Copy {copy.id}"
    user = t.services.client.user
    if user is None:
        t.say("Log in to mark a copy: nothing changed.")
        return
    if user["store_id"] != copy.store_id:
        t.say(f"{name} belongs to {copy.store_name} (store {copy.store_id}): only its own "
              f"store marks it.")
        return
    choices = rules.allowed_marks(copy.status)
    if not choices or copy.hired_to:
        try:
            rules.check_mark(copy.status, "available" if copy.status in ("lost", "retired")
                             else "damaged", on_hire=bool(copy.hired_to), name=name)
        except StoreError as e:
            t.say(error_line(e))
        return
    status = ask_valid(t, f"Mark it ({'/'.join(choices)}; available = back on the shelf)",
                       lambda text: in_choices(rules.parse_mark(text or choices[0]), choices),
                       completer=WordCompleter(list(choices), ignore_case=True))
    reason = ask(t, "Why? (kept in the audit log)")
    if not reason:
        t.say("Nothing changed: a reason is needed.")
        return
    if not yes_no(t, f"Mark {name.lower()} ({copy.title}, {copy.format} copy "
                     f"{copy.copy_number}) {status}?"):
        t.say(f"Nothing changed: {name.lower()} stays {copy.status}.")
        return
    marked = save_once(t, "change", f"Nothing changed: {name.lower()} stays {copy.status}.",
                       lambda key: t.services.videos.mark_copy(copy.id, status, reason, key))
    if marked is None:
        return
    t.say(f"{name} is now {marked.status}: {whereabouts(marked, t.timezone())}")


def in_choices(status: str, choices: tuple[str, ...]) -> str:
    if status not in choices:
        raise ValidationError(f"Choose one of {', '.join(choices)}.")
    return status


def show_again(terminal: Terminal, copy_id: int, heading: str) -> None:
    try:
        copy = terminal.services.videos.copy(copy_id)
    except StoreError as e:
        terminal.say(error_line(e))
        return
    terminal.say((heading + "\n" if heading else "") + describe(copy, terminal.timezone()))


def describe(copy: CopyView, tz_name: str) -> str:
    year = f", {copy.release_year}" if copy.release_year else ""
    head = (f"Copy {copy.id} · {copy.title} ({copy.rating}{year}) · {copy.format}, copy "
            f"{copy.copy_number} · barcode {copy.barcode} · {copy.store_name}")
    return f"{head}\n  {whereabouts(copy, tz_name)}"
