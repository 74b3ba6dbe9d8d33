"""SQL for the append-only audit log (the application's account may only INSERT here)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from db.database import Tx


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
