"""SQL for stores."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx


def insert_store(tx: Tx, name: str, address: str, phone: str, timezone: str,
                 created_at: datetime) -> int:
    return tx.insert(
        "INSERT INTO stores (name, address, phone, timezone, created_at) "
        "VALUES (%s, %s, %s, %s, %s)", (name, address, phone, timezone, created_at))


def get_store(tx: Tx, store_id: int) -> dict[str, Any] | None:
    return tx.one("SELECT id, name, address, phone, timezone FROM stores WHERE id = %s",
                  (store_id,))
