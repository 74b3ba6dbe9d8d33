"""SQL for the append-only audit log and its seals (the application's account may only
INSERT into both; see db/migrations/0006_audit_seals.sql and store/audit.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import orjson

from db.database import Tx

# The columns a seal covers, in the order they are hashed: all of audit_log's.
COLUMNS = ("id", "at", "staff_id", "store_id", "action", "table_name", "row_id",
           "old_values", "new_values", "reason")
_ROW = ", ".join(f"a.{c}" for c in COLUMNS)


def insert_audit(tx: Tx, at: datetime, staff_id: int | None, store_id: int | None,
                 action: str, table_name: str, row_id: int | None,
                 old_values: dict[str, Any] | None, new_values: dict[str, Any] | None,
                 reason: str = "") -> int:
    return tx.insert(
        "INSERT INTO audit_log (at, staff_id, store_id, action, table_name, row_id, "
        "old_values, new_values, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (at, staff_id, store_id, action, table_name, row_id,
         _json(old_values), _json(new_values), reason))


def _json(values: dict[str, Any] | None) -> str | None:
    """Values as JSON; what JSON has no type for (money, times) as its text."""
    return None if values is None else orjson.dumps(values, default=str).decode()


def last_seal(tx: Tx) -> dict[str, Any] | None:
    """The newest seal: seq, audit_id, hash."""
    return tx.one("SELECT seq, audit_id, hash FROM audit_seals ORDER BY seq DESC LIMIT 1")


def highest_sealed_row(tx: Tx) -> int:
    return int(tx.scalar("SELECT COALESCE(MAX(audit_id), 0) FROM audit_seals"))


def unsealed_rows(tx: Tx, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Audit rows above `after_id` that have no seal yet, oldest first (a range of the
    primary key, each looked up in the seals' unique key)."""
    return tx.all(f"SELECT {_ROW} FROM audit_log a LEFT JOIN audit_seals s ON s.audit_id = a.id "
                  "WHERE a.id > %s AND s.audit_id IS NULL ORDER BY a.id LIMIT %s",
                  (after_id, limit))


def insert_seals(tx: Tx, seals: Sequence[tuple[int, int, str, str]]) -> int:
    """(seq, audit_id, hash, field_tags) rows, stamped with the database's time."""
    return tx.many("INSERT INTO audit_seals (seq, audit_id, hash, field_tags, sealed_at) "
                   "VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(6))", seals)


def seals_after(tx: Tx, after_seq: int, limit: int) -> list[dict[str, Any]]:
    """Seals after `after_seq` in order, each with its audit row's columns (all None when
    the row is gone): seq, audit_id, hash, field_tags, and COLUMNS."""
    return tx.all(f"SELECT s.seq, s.audit_id, s.hash, s.field_tags, {_ROW} FROM audit_seals s "
                  "LEFT JOIN audit_log a ON a.id = s.audit_id WHERE s.seq > %s "
                  "ORDER BY s.seq LIMIT %s", (after_seq, limit))


def count_unsealed(tx: Tx) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM audit_log a LEFT JOIN audit_seals s "
                         "ON s.audit_id = a.id WHERE s.audit_id IS NULL"))
