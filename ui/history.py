"""What a clerk typed at a screen, recalled with Up: one file per screen under the user's
data directory, `$XDG_DATA_HOME/videostore/history/<screen>` (default
~/.local/share/videostore/history/<screen>).

Only the prompts that ask for it keep a history (the main menu and quick command line, the
customer, title and copy searches); the login and the screens' other questions use a
session without one, so a password or a two-factor code is never written anywhere.
A history that cannot be opened or written is told once, in one line, and the terminal
carries on with what it remembers in memory: a history is a convenience, never a reason
to stop the counter.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from prompt_toolkit.history import FileHistory, History, InMemoryHistory

KEEP = 1000  # entries read back per screen: Up never has to wade through years


def history_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where the histories live. An unset, empty or relative XDG_DATA_HOME is ignored, as
    the XDG base directory spec says."""
    data = env.get("XDG_DATA_HOME", "")
    if not data or not os.path.isabs(data):
        data = str(Path(env.get("HOME") or Path.home()) / ".local" / "share")
    return Path(data) / "videostore" / "history"


class _SafeFileHistory(FileHistory):
    """A FileHistory whose failures (disk full, file made unreadable) are a warning: the
    entries stay in memory either way (History keeps them before storing)."""

    def __init__(self, path: Path, failed: Callable[[OSError], None]):
        super().__init__(str(path))
        self._failed = failed

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())[:KEEP]
        except OSError as e:
            self._failed(e)
            return []

    def store_string(self, string: str) -> None:
        try:
            super().store_string(string)
        except OSError as e:
            self._failed(e)


class Histories:
    """The terminal's histories, one per screen name. `warn` gets one line, the first time
    any of them fails (then every history carries on in memory)."""

    def __init__(self, warn: Callable[[str], None], directory: Path | None = None):
        self.directory = directory if directory is not None else history_dir()
        self._warn = warn
        self._warned = False
        self._open: dict[str, History] = {}

    def get(self, screen: str) -> History:
        if screen not in self._open:
            self._open[screen] = self._make(screen)
        return self._open[screen]

    def _make(self, screen: str) -> History:
        path = self.directory / screen
        try:
            # Searches name customers and phones: only this user may read them.
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        except OSError as e:
            self._failed(e)
            return InMemoryHistory()
        return _SafeFileHistory(path, self._failed)

    def _failed(self, error: OSError) -> None:
        if not self._warned:
            self._warned = True
            where = error.filename or self.directory
            self._warn(f"Warning: the history in {where} cannot be kept "
                       f"({error.strerror or error}); Up recalls this session's entries only.")
