"""Reading an op's arguments: each helper returns the value or raises BadRequest naming it."""
from __future__ import annotations

from typing import Any

from store.errors import BadRequest
from store.once import RequestKey


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


def request_key(args: dict[str, Any]) -> RequestKey | None:
    """The optional `key` of a write (store/once.py): 32 lower-case hex digits, the same
    for every try of one clerk's action. None when absent. Marked tried: the server cannot
    know whether an earlier try of it was written, so the key is looked up first. A bad
    key is BAD_REQUEST, as any malformed argument, never a crash."""
    if "key" not in args:
        return None
    value = args["key"]
    if (not isinstance(value, str) or len(value) != 32
            or any(c not in "0123456789abcdef" for c in value)):
        raise BadRequest("key must be a request key: 32 lower-case hex digits, the "
                              "same for every try of one action")
    key = RequestKey(value)
    key.tried = True
    return key
