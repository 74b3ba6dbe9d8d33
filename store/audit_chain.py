"""The audit log's hash chain as pure functions: how a row is sealed and how a run of seals
is checked. No I/O here; store/audit.py reads and writes the seals.

A seal n over audit row r is
    hash_n = HMAC-SHA256(key, hash_{n-1} ":" n ":" canonical(r))      (hash_0 = GENESIS)
    tags_n = for each column c of r, the first 8 hex digits of HMAC-SHA256(key, c "=" value)
The hash links each seal to the one before it, so a changed, removed or reordered row or
seal breaks the chain from there; the tags only say which column of a changed row differs.
Without the key no one can compute either, so an edited row cannot be re-sealed to match.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping

import orjson

from db.audit import COLUMNS

GENESIS = "0" * 64
TAG_HEX = 8


@dataclass(frozen=True)
class Problem:
    """One broken link: the seal it was found at, the audit row (None for a missing
    seal), and what is wrong, in words."""
    seq: int
    audit_id: int | None
    what: str

    def __str__(self) -> str:
        row = f"audit row {self.audit_id}" if self.audit_id is not None else "no row"
        return f"seal {self.seq} ({row}): {self.what}"


def _plain(value: Any) -> Any:
    """A column's value as the same JSON whichever way the driver handed it over."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def canonical(row: Mapping[str, Any]) -> bytes:
    return orjson.dumps([_plain(row[c]) for c in COLUMNS])


def link(key: bytes, previous: str, seq: int, row: Mapping[str, Any]) -> str:
    message = f"{previous}:{seq}:".encode() + canonical(row)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def field_tags(key: bytes, row: Mapping[str, Any]) -> str:
    return "".join(
        hmac.new(key, f"{c}=".encode() + orjson.dumps(_plain(row[c])),
                 hashlib.sha256).hexdigest()[:TAG_HEX] for c in COLUMNS)


def seal(key: bytes, previous: str, seq: int, row: Mapping[str, Any]) -> tuple[int, int, str, str]:
    """The seal row (seq, audit_id, hash, field_tags) for `row` after `previous`."""
    return seq, int(row["id"]), link(key, previous, seq, row), field_tags(key, row)


def changed_columns(key: bytes, row: Mapping[str, Any], tags: str) -> list[str]:
    """The columns of `row` whose tag differs from the sealed one."""
    now = field_tags(key, row)
    return [c for i, c in enumerate(COLUMNS)
            if now[i * TAG_HEX:(i + 1) * TAG_HEX] != tags[i * TAG_HEX:(i + 1) * TAG_HEX]]


@dataclass
class ChainCheck:
    """Walks seals in seq order (feed them in batches with `check`): how many rows were
    checked, the problems found, the last seal seen."""
    key: bytes
    checked: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS

    def check(self, seals: Iterable[Mapping[str, Any]]) -> Iterator[Problem]:
        """The problems of these seals (each with its row's columns, None when the row is
        gone). Each seal is checked against the stored hash of the one before it, so one
        changed row is one problem, not a broken tail."""
        for s in seals:
            seq, audit_id = int(s["seq"]), int(s["audit_id"])
            expected_seq, previous = self.last_seq + 1, self.last_hash
            self.last_seq, self.last_hash = seq, s["hash"]
            self.checked += 1
            if seq != expected_seq:
                gap = (f"seal {expected_seq}" if seq == expected_seq + 1
                       else f"seals {expected_seq} to {seq - 1}")
                yield Problem(seq, audit_id, f"{gap} missing before it: deleted, with the "
                              f"audit rows they sealed")
                continue
            if s["id"] is None:
                yield Problem(seq, audit_id, "the audit row is missing: it was deleted")
                continue
            if link(self.key, previous, seq, s) == s["hash"]:
                continue
            changed = changed_columns(self.key, s, s["field_tags"])
            if len(changed) == len(COLUMNS):
                what = ("no column matches its seal: the row was replaced, or this is not "
                        "the key that sealed it")
            elif changed:
                what = (f"the row was changed after it was sealed: {', '.join(changed)} "
                        f"{'differs' if len(changed) == 1 else 'differ'}")
            else:
                what = ("the seal does not follow from the one before it: a seal's hash "
                        "was changed")
            yield Problem(seq, audit_id, what)
