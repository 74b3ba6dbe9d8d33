"""Drive the real `python main.py` in a real pseudo-terminal (tmux), 120x40.

Each Tmux uses its own tmux server socket, so tests never touch the developer's tmux.
`wait_for` polls the screen until the text appears; on a timeout it fails with the
screen as it was, so a failing test shows what the clerk would have seen.
CPR stays on (tmux answers it): prompt_toolkit shows the bottom toolbar only when it
knows the terminal's height, and the toolbar is part of what these tests check.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import uuid

from tests.helpers import ROOT

WIDTH, HEIGHT = 120, 40


class Tmux:
    def __init__(self, *args: str, env: dict[str, str] | None = None):
        self.socket = f"vst-{uuid.uuid4().hex[:10]}"
        full_env = {**os.environ, **(env or {})}
        passed = {k: v for k, v in full_env.items()
                  if k.startswith(("VIDEOSTORE_", "XDG_", "HOME", "PATH", "LANG", "NO_COLOR"))}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in passed.items())
        term = (env or {}).get("TERM", "xterm-256color")   # a test may ask for a dumb one
        # The shell prints the exit status: tmux can report a dead pane before it knows it.
        command = (f"cd {shlex.quote(str(ROOT))} && env {exports} TERM={shlex.quote(term)} "
                   f"{shlex.quote(sys.executable)} main.py {' '.join(map(shlex.quote, args))}"
                   f"; echo EXIT-STATUS=$?")
        self._tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-s", "t", command)
        self._tmux("set-option", "-t", "t", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=10)
        if done.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {done.stderr}")
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t")

    def screen_with_colour(self) -> str:
        """The screen with its colour and attribute escapes (tmux's own rendering of them)."""
        return self._tmux("capture-pane", "-p", "-e", "-t", "t")

    def wait_for(self, text: str, timeout_s: float = 15.0) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear within {timeout_s} s. "
                                     f"The screen showed:\n{screen}")
            time.sleep(0.05)

    def wait_for_count(self, text: str, count: int, timeout_s: float = 15.0) -> str:
        """Wait until `text` shows at least `count` times (e.g. a fresh prompt)."""
        deadline = time.monotonic() + timeout_s
        while True:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not show {count} times within "
                                     f"{timeout_s} s. The screen showed:\n{screen}")
            time.sleep(0.05)

    def bottom_line(self) -> str:
        return self.screen().rstrip("\n").splitlines()[-1] if self.screen().strip() else ""

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)

    def exit_status(self, timeout_s: float = 10.0) -> int:
        """Wait for the program to end; its exit status."""
        screen = self.wait_for("EXIT-STATUS=", timeout_s)
        return int(re.search(r"EXIT-STATUS=(\d+)", screen).group(1))  # type: ignore[union-attr]

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
