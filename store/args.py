"""Reading an op's arguments: each helper returns the value or raises BadRequest naming it."""
from __future__ import annotations

from typing import Any

from store.errors import BadRequest


def text(args: dict[str, Any], name: str, max_length: int = 256, default: str | None = None) -> str:
    """A non-empty string of at most `max_length` characters (or `default` when absent)."""
    value = args.get(name, default)
    if not isinstance(value, str) or (not value and default is None) or len(value) > max_length:
        raise BadRequest(f"{name} must be a non-empty string of at most {max_length} characters")
    return value


def label(args: dict[str, Any], name: str, max_length: int = 64,
          default: str | None = None) -> str:
    """Text shown to other people (a terminal's name): printable, one line."""
    value = text(args, name, max_length, default)
    if not value.isprintable():
        raise BadRequest(f"{name} may hold printable characters only (no line breaks or "
                         f"control characters)")
    return value


def integer(args: dict[str, Any], name: str, low: int, high: int,
            default: int | None = None) -> int:
    """A whole number between `low` and `high` (or `default` when absent)."""
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}")
    return value


def choice(args: dict[str, Any], name: str, options: tuple[str, ...]) -> str:
    value = args.get(name)
    if value not in options:
        raise BadRequest(f"{name} must be one of {', '.join(options)}")
    return value  # type: ignore[return-value]
