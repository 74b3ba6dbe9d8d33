"""SQL for the shop's settings (the `settings` table: fees, limits, rules), read by name.
Values are text; what they mean is the business layer's affair."""
from __future__ import annotations

from db.database import Tx


def get_setting(tx: Tx, name: str) -> str | None:
    """The value of one setting, or None when there is no such row."""
    row = tx.one("SELECT value FROM settings WHERE name = %s", (name,))
    return None if row is None else str(row["value"])
