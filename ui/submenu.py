"""A screen's sub-menu: one key per entry (no Enter needed), F1 or ? lists the keys (and
gives back what was typed, say half a barcode), Esc, Ctrl-C or an empty line goes back. Each entry's outcome is told in one line; a StoreError
becomes that line (ui/messages.py) and the sub-menu carries on. Entries a role may not use
are not shown."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from prompt_toolkit.application import get_app
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.key_binding.key_bindings import KeyBindingsBase

from store import roles
from store.errors import StoreError
from ui.forms import Asker
from ui.keyhelp import help_keys
from ui.messages import error_line

HELP, BACK = "help", ""
MENU_WIDTH = 78  # fits an 80-column terminal


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    action: Callable[..., None]   # action(terminal, *context)
    needs: str = roles.CLERK      # the least role shown it


class Terminal(Asker, Protocol):
    services: Any


class Keyed(Protocol):
    """Anything a sub-menu lists: a key and what it does."""
    key: str
    label: str


def allowed_entries(entries: Sequence[Entry], role: str) -> list[Entry]:
    return [e for e in entries if roles.allowed(role, e.needs)]


def submenu(t: Terminal, title: str, entries: Sequence[Entry], context: tuple = ()) -> None:
    """Run the sub-menu `title` until the clerk goes back; entries get (t, *context)."""
    by_key = {e.key: e for e in entries}
    prompt = f"{title.lower().split()[0]}> "
    while True:
        t.say(menu_text(entries))
        try:
            choice = t.prompt(prompt, is_password=False,
                              key_bindings=menu_keys(entries, help_text(title, entries)))
        except (KeyboardInterrupt, EOFError):
            return
        choice = choice.strip().lower()
        if choice == BACK:
            return
        if choice in (HELP, "?"):
            t.say(help_text(title, entries))
        elif choice in by_key:
            if not run_entry(t, title, by_key[choice], context):
                return
        else:
            t.say(f"Choose {', '.join(by_key)} (F1 for help; Esc goes back).")


def run_entry(t: Terminal, title: str, entry: Entry, context: tuple = ()) -> bool:
    """Run one entry; every outcome is told in a line. False when the session is gone
    (the main menu then asks for a login)."""
    t.say(f"── {title}: {entry.label} ──")
    try:
        entry.action(t, *context)
    except (KeyboardInterrupt, EOFError):
        t.say("Cancelled.")
    except StoreError as e:
        t.say(error_line(e))
    return t.services.client.user is not None


def menu_text(entries: Sequence[Keyed], width: int = MENU_WIDTH) -> str:
    """The entries' keys and labels, on as many lines of at most `width` as they need."""
    lines: list[str] = []
    for item in [f"{e.key} {e.label}" for e in entries] + ["Esc Back"]:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return "\n".join(lines)


def help_text(title: str, entries: Sequence[Keyed], back: str = "back") -> str:
    lines = [f"  {e.key:<8} {e.label}" for e in entries]
    return "\n".join([f"── Help: {title} ──", *lines,
                      f"  Esc      {back} (Ctrl-C or an empty line too)",
                      "  F1 or ?  this help",
                      "  Within an entry, Esc or Ctrl-C cancels it.", ""])


def menu_keys(entries: Sequence[Keyed], help: str) -> KeyBindingsBase:
    """Keys of a sub-menu prompt: one key chooses (on an empty line); F1 or ? shows `help`
    and asks again with what was typed still there (ui/keyhelp.py); Esc goes back."""
    kb = KeyBindings()
    empty = Condition(lambda: not get_app().current_buffer.text)

    for entry in entries:
        def choose_entry(event: KeyPressEvent, key: str = entry.key) -> None:
            """Choose an entry with one key."""
            event.app.exit(result=key)
        kb.add(entry.key, filter=empty)(choose_entry)

    @kb.add("escape", eager=True)
    def _back(event: KeyPressEvent) -> None:
        """Go back one level."""
        event.app.exit(result=BACK)

    return merge_key_bindings([kb, help_keys(help)])
