"""SQL for the shop's settings (the `settings` table: fees, limits, rules), by name.
Values are text; what they mean is the business layer's affair (store/shop.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx


def get_setting(tx: Tx, name: str, for_update: bool = False) -> str | None:
    """The value of one setting, or None when there is no such row."""
    lock = " FOR UPDATE" if for_update else ""
    row = tx.one(f"SELECT value FROM settings WHERE name = %s{lock}", (name,))
    return None if row is None else str(row["value"])


def all_settings(tx: Tx) -> list[dict[str, Any]]:
    """Every setting: name, value, description, updated_at, and who changed it last."""
    return tx.all("SELECT s.name, s.value, s.description, s.updated_at, st.username AS updated_by "
                  "FROM settings s LEFT JOIN staff st ON st.id = s.updated_by ORDER BY s.name")


def set_setting(tx: Tx, name: str, value: str, now: datetime, staff_id: int) -> int:
    return tx.execute("UPDATE settings SET value = %s, updated_at = %s, updated_by = %s "
                      "WHERE name = %s", (value, now, staff_id, name))
