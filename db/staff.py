"""SQL for staff accounts."""
from __future__ import annotations

from datetime import datetime

from db.database import Tx


def insert_staff(tx: Tx, store_id: int, username: str, full_name: str, password_hash: str,
                 role: str, now: datetime) -> int:
    return tx.insert(
        "INSERT INTO staff (store_id, username, full_name, password_hash, role, created_at, "
        "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (store_id, username, full_name, password_hash, role, now, now))
