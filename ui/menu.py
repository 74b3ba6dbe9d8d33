"""The main menu: its text and the keys that choose from it at once. The same line takes a
quick command after / (ui/quick.py); F1 is ui/keyhelp.py's, as on every prompt."""
from __future__ import annotations

from prompt_toolkit.application import get_app
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from ui.screens import SCREENS

QUIT = "q"
HELP = "help"
MENU_KEYS = [s.key for s in SCREENS] + [QUIT]

HELP_TEXT = """── Help: main menu ──
  1-6      open a screen (no Enter needed)
  /        a quick command, then Enter: /hire 4411 to 555-0123, /return 4411,
           /find cust smith, /find title alien (/help lists them; Tab completes)
  Up, Down earlier lines typed here (kept for next time)
  q        quit (Ctrl-D too)
  F1 or ?  this help (what you typed stays)
  Ctrl-C   clears what you typed; it never quits
"""


def menu_text() -> str:
    items = "  ".join(f"{s.key} {s.title}" for s in SCREENS)
    return f"{items}  {QUIT} Quit"


def menu_key_bindings() -> KeyBindings:
    """Keys of the main menu prompt."""
    kb = KeyBindings()
    empty = Condition(lambda: not get_app().current_buffer.text)

    for key in MENU_KEYS:
        def choose(event: KeyPressEvent, key: str = key) -> None:
            """Choose a menu entry with one key."""
            event.app.exit(result=key)
        kb.add(key, filter=empty)(choose)
    return kb
