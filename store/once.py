"""Exactly once under retries: a terminal's write carries a request key.

A write (a hire, a return, a payment...) is one transaction that the terminal sends to the
database itself. If the link breaks during COMMIT, the terminal cannot know whether it was
written (db.errors.CommitUnknown); done again blindly, a hire or a payment could happen
twice. So each clerk's action gets a RequestKey — 128 random bits, made once per action and
reused on every retry of it — and `run` writes the key, with the reply the clerk is shown,
in the action's own transaction (table request_keys). Then:

- the first try costs one INSERT more in the transaction it runs anyway (no lookup, no
  extra transaction: a fresh key cannot be there yet);
- after a commit whose answer was lost (or a link lost mid-transaction), `run` tries again
  with the same key, for up to RETRY_FOR_S while the database comes back: the retry looks
  the key up first and returns the stored reply if the first try was written, or does the
  work (all of it, rolled back before) if it was not;
- a key used again later (the clerk retries an action the terminal gave up on) gets the
  stored reply, nothing written twice; the same key with another staff member, op or
  arguments is refused with KEY_REUSED.

Keys are kept for KEEP (a day), far longer than any retry, then purged by the store server
(`Purger`, every PURGE_EVERY_S).
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import time
import types
import typing
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, TypeVar

import orjson

from db import request_keys as sql
from db.database import Database, Tx
from db.errors import DbError, DbUnavailable, DuplicateKey
from store import unit
from store.errors import KeyReused

log = logging.getLogger(__name__)
T = TypeVar("T")

KEEP = timedelta(days=1)
PURGE_EVERY_S = 3600.0
PURGE_BATCH = 5000
RETRY_FOR_S = 10.0      # how long a write in doubt is retried while the database is away
MAX_BACKOFF_S = 1.0


class RequestKey:
    """One clerk's action: make one per action and pass it to every try of it."""

    def __init__(self, value: str | None = None):
        self.value = value or secrets.token_hex(16)
        self.tried = False  # once sent, a later try looks the key up first

    def __repr__(self) -> str:
        return f"RequestKey({self.value})"


class _UsedMeanwhile(Exception):
    """The key's INSERT hit the key: another try of this action committed first."""


def run(database: Database, key: RequestKey | None, staff_id: int, op: str,
        args: dict[str, Any], now: datetime, work: Callable[[Tx], T],
        result_type: Any) -> T:
    """`work(tx)` in one transaction with `key` written alongside its result; exactly once
    however often it is tried with that key. `args` are what makes the action this action
    (checked on a replay); `result_type` is work's return type, to rebuild a stored reply.
    Data-layer failures come back as StoreErrors, as from store.unit.run."""
    return write(database, key, staff_id, op, args, now, work, result_type)[0]


def write(database: Database, key: RequestKey | None, staff_id: int, op: str,
          args: dict[str, Any], now: datetime, work: Callable[[Tx], T],
          result_type: Any) -> tuple[T, bool]:
    """As `run`, and whether this call wrote it (False: the stored reply of an earlier
    try) — for a caller with effects outside the database (a notice pushed, sessions
    ended) that only the try which wrote may have."""
    key = key or RequestKey()
    digest = args_digest(args)

    def attempt(tx: Tx) -> tuple[T, bool]:
        if key.tried:
            row = sql.get_key(tx, key.value)
            if row is not None:
                return _replay(row, key, staff_id, op, digest, result_type), False
        key.tried = True
        result = work(tx)
        try:
            sql.insert_key(tx, key.value, staff_id, op, digest, encode_reply(result), now)
        except DuplicateKey as e:
            if e.key != "PRIMARY":
                raise
            raise _UsedMeanwhile() from None
        return result, True

    deadline = time.monotonic() + RETRY_FOR_S
    backoff = 0.05
    while True:
        try:
            return database.run(attempt)
        except _UsedMeanwhile:
            continue  # rolled back; the next try finds the key and its reply
        except DbUnavailable as e:  # CommitUnknown included: the key makes a retry safe
            if time.monotonic() + backoff > deadline:
                raise unit.store_error(e) from None
            log.info("%s %s in doubt (%s); trying again with the same key", op, key, e)
            time.sleep(backoff)
            backoff = min(MAX_BACKOFF_S, backoff * 2)
        except DbError as e:
            raise unit.store_error(e) from None


def stored(database: Database, key: RequestKey | None, staff_id: int, op: str,
           args: dict[str, Any], result_type: Any) -> Any:
    """The stored reply of an action tried before with `key`, or None (also for a key never
    tried: no lookup then). For a manager whose checks before its transaction would refuse
    an action already done (a return: its copies are no longer out)."""
    if key is None or not key.tried:
        return None
    row = unit.run(database, lambda tx: sql.get_key(tx, key.value))
    return None if row is None else _replay(row, key, staff_id, op, args_digest(args),
                                            result_type)


def _replay(row: dict[str, Any], key: RequestKey, staff_id: int, op: str, digest: str,
            result_type: Any) -> Any:
    if (int(row["staff_id"]), row["op"], row["args_digest"]) != (staff_id, op, digest):
        raise KeyReused(
            f"This request key was used for another action ({row['op']}); nothing was "
            f"done. Start the {op} again.", {"op": row["op"]})
    log.info("%s %s was written already; its stored reply is returned", op, key)
    return decode_reply(result_type, orjson.loads(row["reply"]))


def args_digest(args: dict[str, Any]) -> str:
    """SHA-256 of the arguments as canonical JSON (money and times as their text)."""
    return hashlib.sha256(orjson.dumps(args, default=str, option=orjson.OPT_SORT_KEYS)).hexdigest()


def encode_reply(result: Any) -> str:
    """A result (dataclasses, lists, dicts, money, times) as JSON."""
    return orjson.dumps(result, default=str).decode()


def decode_reply(hint: Any, value: Any) -> Any:
    """What encode_reply made, rebuilt as `hint` (a dataclass, list[X], dict[str, X],
    X | None, Decimal, datetime, date or a JSON scalar)."""
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return decode_reply(next(a for a in args if a is not type(None)), value)
    if origin is list:
        return [decode_reply(args[0], v) for v in value]
    if origin is dict:
        return {k: decode_reply(args[1], v) for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{f.name: decode_reply(hints[f.name], value[f.name])
                       for f in dataclasses.fields(hint)})
    if hint is Decimal:
        return Decimal(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    return value


class Purger:
    """Deletes keys older than KEEP, a batch at a time (run by the store server)."""

    def __init__(self, database: Database, now: Callable[[], datetime]):
        self.database, self.now = database, now

    def __call__(self) -> int:
        before = self.now() - KEEP
        purged = 0
        while True:
            n = unit.run(self.database, lambda tx: sql.purge_keys(tx, before, PURGE_BATCH))
            purged += n
            if n < PURGE_BATCH:
                break
        if purged:
            log.info("purged %d request keys older than %s", purged, before)
        return purged
