"""SQL for the append-only audit log (the application's account may only INSERT here)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from db.database import Tx


def insert_audit(tx: Tx, at: datetime, staff_id: int | None, store_id: int | None,
                 action: str, table_name: str, row_id: int | None,
                 old_values: dict[str, Any] | None, new_values: dict[str, Any] | None,
                 reason: str = "") -> int:
    return tx.insert(
        "INSERT INTO audit_log (at, staff_id, store_id, action, table_name, row_id, "
        "old_values, new_values, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (at, staff_id, store_id, action, table_name, row_id,
         None if old_values is None else json.dumps(old_values, default=str),
         None if new_values is None else json.dumps(new_values, default=str), reason))
