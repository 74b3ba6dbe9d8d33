"""SQL for the request keys that make a terminal's writes happen once (store/once.py,
db/migrations/0007_request_keys.sql)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx


def insert_key(tx: Tx, key: str, staff_id: int, op: str, args_digest: str, reply: str,
               now: datetime) -> None:
    """DuplicateKey (key PRIMARY) when the key was used already."""
    tx.execute("INSERT INTO request_keys (request_key, staff_id, op, args_digest, reply, "
               "created_at) VALUES (%s, %s, %s, %s, %s, %s)",
               (key, staff_id, op, args_digest, reply, now))


def get_key(tx: Tx, key: str) -> dict[str, Any] | None:
    return tx.one("SELECT staff_id, op, args_digest, reply, created_at FROM request_keys "
                  "WHERE request_key = %s", (key,))


def purge_keys(tx: Tx, before: datetime, limit: int) -> int:
    """Delete up to `limit` keys made before `before` (oldest first); how many went."""
    return tx.execute("DELETE FROM request_keys WHERE created_at < %s ORDER BY created_at "
                      "LIMIT %s", (before, limit))
