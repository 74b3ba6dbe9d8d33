"""The controlling terminal's echo, off for the whole session.

prompt_toolkit puts the terminal in raw mode while a prompt runs and restores the mode it
found in between. In the normal (echoing) mode, keys typed in that gap — a fast clerk
typing a password before its prompt is up — are echoed by the terminal driver itself, in
clear. With echo off from start to end, typeahead is still kept for the next prompt, but
never shown by anyone but prompt_toolkit.
"""
from __future__ import annotations

import sys
import termios
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def echo_off() -> Iterator[None]:
    if not sys.stdin.isatty():
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ECHO | termios.ECHONL)
    termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
