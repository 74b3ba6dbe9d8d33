"""Long text a screenful at a time, as `more` shows it: space or Enter for the next page,
q, Esc or Ctrl-C to stop. Text that fits on the screen is shown as it is.

A page is the screen's height less what the prompt under it takes — the toolbar, and the
8 lines prompt_toolkit keeps free under a prompt for its completion menu (the prompt's own
line is the first of them) — so the first line of a page is never scrolled away before the
clerk has read it. The question between pages
is an ordinary prompt of the terminal (ui/forms.py's Asker), so events printed meanwhile
land above it, and pipe-input tests drive it like any other question.
"""
from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.application.current import get_app_session
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from ui.forms import Asker

RESERVED = 10    # the prompt and the space under it (8), the toolbar, one line to spare
SMALLEST = 5     # a page is at least this many lines, however small the screen
NEXT, STOP = "next", "stop"


def screen_rows() -> int:
    """The terminal's height in lines (prompt_toolkit's output: the real terminal's size,
    even under patch_stdout; 40 on a test's DummyOutput)."""
    return get_app_session().output.get_size().rows


def page_size(rows: int) -> int:
    return max(SMALLEST, rows - RESERVED)


def pages(text: str, size: int) -> list[str]:
    """`text` cut into pages of at most `size` lines."""
    lines = text.split("\n")
    return ["\n".join(lines[i:i + size]) for i in range(0, len(lines), size)]


def show_paged(terminal: Asker, text: str, rows: Callable[[], int] = screen_rows) -> None:
    """Say `text` a page at a time when it is longer than the screen."""
    size = page_size(rows())
    chunks = pages(text, size)
    total = text.count("\n") + 1
    for number, chunk in enumerate(chunks, 1):
        terminal.say(chunk)
        if number == len(chunks):
            return
        shown = min(number * size, total)
        try:
            choice = terminal.prompt(f"-- lines 1-{shown} of {total}: space or Enter for more, "
                                     f"q or Esc to stop -- ", key_bindings=pager_keys())
        except (KeyboardInterrupt, EOFError):
            choice = STOP
        if choice == STOP:
            terminal.say(f"(stopped at line {shown} of {total})")
            return


def pager_keys() -> KeyBindings:
    """Keys between two pages: one key answers, no Enter needed."""
    kb = KeyBindings()

    @kb.add(" ")
    @kb.add("enter")
    def _next(event: KeyPressEvent) -> None:
        """Show the next page."""
        event.app.exit(result=NEXT)

    @kb.add("q")
    @kb.add("Q")
    @kb.add("escape", eager=True)
    def _stop(event: KeyPressEvent) -> None:
        """Stop here: the rest is not shown."""
        event.app.exit(result=STOP)

    return kb
