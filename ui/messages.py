"""The one place where an error becomes what the clerk reads."""
from __future__ import annotations

import sys

from store.errors import StoreError
from ui.tables import format_time


def error_line(error: StoreError) -> str:
    """One clear line for a StoreError: its message, starting with a capital."""
    text = " ".join(error.message.split()) or error.code
    return text[0].upper() + text[1:]


def command_failed(command: str, error: StoreError, code: int = 1) -> int:
    """An admin command's StoreError as one line on stderr ("import customers: ..."); the
    exit code to return."""
    print(f"{command}: {error_line(error)}", file=sys.stderr)
    return code


def notice_line(notice: dict) -> str:
    """A staff notice as one line: who it is from, to whom, and what it says."""
    to = notice.get("to", "")
    whom = " (to you)" if to == "you" else ""
    text = " ".join(str(notice.get("text", "")).split())
    return f"Notice from {notice.get('from', '?')}{whom}: {text}"


def in_use(holder: dict, tz_name: str) -> str:
    """Who holds a lock, from a LOCKED error's details: "In use by ana at till-2 since 14:02"."""
    since = holder.get("since")
    when = f" since {format_time(since, tz_name, '%H:%M')}" if isinstance(since, dict) else ""
    return (f"In use by {holder.get('username', 'another clerk')} at "
            f"{holder.get('terminal') or 'another till'}{when}")
