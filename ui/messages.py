"""The one place where an error becomes what the clerk reads."""
from __future__ import annotations

from store.errors import StoreError


def error_line(error: StoreError) -> str:
    """One clear line for a StoreError: its message, starting with a capital."""
    text = " ".join(error.message.split()) or error.code
    return text[0].upper() + text[1:]
