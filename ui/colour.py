"""Status colour that degrades to plain text.

Screens build plain text (ui/tables.py stays pure) and ask `paint` / `paint_rows` to mark a
status — given a flag, so both ways are exact strings a test can compare. The flag is
decided once per terminal by `wanted()`: no colour when NO_COLOR is set (no-color.org:
present and not empty, as prompt_toolkit reads it too), when TERM is dumb, or when the
output is not a terminal (a pipe or a file gets plain text).

Colour depth: the 16 standard ANSI colours (SGR 31/32/33), not 256 or true colour: every
colour terminal, the Linux console and tmux show them, and they follow the clerk's own
theme, so red stays readable on a light or a dark background. prompt_toolkit renders them
at whatever depth the output supports.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from prompt_toolkit.formatted_text import ANSI

RESET = "\x1b[0m"
CODES = {                 # status -> SGR parameters
    "overdue": "31",      # red: past its due time, owed, refused
    "warn": "33",         # yellow: due today, needs a look
    "ok": "32",           # green: done, in stock
}
HEADER_LINES = 2          # format_table's "simple" layout: the headers, then the dashes
OURS = re.compile(r"\x1b\[(?:0|%s)m" % "|".join(CODES.values()))
# What a terminal would act on: C0 controls but newline and tab, DEL, C1 controls (CSI...).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def wanted(environ: Mapping[str, str] | None = None, stream: TextIO | None = None) -> bool:
    """Whether colour may be used on `stream` (default stdout) under `environ`."""
    env = os.environ if environ is None else environ
    out = sys.stdout if stream is None else stream
    if env.get("NO_COLOR") or env.get("TERM", "") == "dumb":
        return False
    try:
        return out.isatty()
    except (AttributeError, ValueError):   # closed, or not a real file
        return False


def terminal_colour(terminal: object) -> bool:
    """The terminal's colour flag (a screen's terminal may be a test's plain fake: none)."""
    return bool(getattr(terminal, "colour", False))


def paint(text: str, status: str, colour: bool) -> str:
    """`text` in the colour of `status` when `colour`, else as it is."""
    if not colour or not text:
        return text
    return f"\x1b[{CODES[status]}m{text}{RESET}"


def paint_rows(table: str, statuses: Sequence[str | None], colour: bool) -> str:
    """A format_table result with the data row i painted in `statuses[i]` (None: plain).
    A table whose lines are not one per row (a cell with a line break) stays plain."""
    lines = table.split("\n")
    if not colour or len(lines) != HEADER_LINES + len(statuses):
        return table
    return "\n".join(lines[:HEADER_LINES] + [
        paint(line, status, True) if status else line
        for line, status in zip(lines[HEADER_LINES:], statuses)])


def plain(text: str) -> str:
    """`text` without the colour `paint` added."""
    return OURS.sub("", text)


def for_terminal(text: str) -> ANSI:
    """Text for print_formatted_text: our colour codes become styles; any other control
    character (from a customer's name, say) is shown as '?', never sent to the terminal."""
    parts = OURS.split(text)
    codes = OURS.findall(text)
    safe = CONTROL.sub("?", parts[0])
    for code, part in zip(codes, parts[1:]):
        safe += code + CONTROL.sub("?", part)
    return ANSI(safe)
