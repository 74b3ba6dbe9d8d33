"""SQL for receipts: the text given to the customer, kept to print again."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx


def insert_receipt(tx: Tx, store_id: int, staff_id: int, customer_id: int, kind: str,
                   body: str, now: datetime) -> int:
    return tx.insert(
        "INSERT INTO receipts (store_id, staff_id, customer_id, kind, body, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s)", (store_id, staff_id, customer_id, kind, body, now))


def set_body(tx: Tx, receipt_id: int, body: str) -> None:
    tx.execute("UPDATE receipts SET body = %s WHERE id = %s", (body, receipt_id))


def get_receipt(tx: Tx, receipt_id: int) -> dict[str, Any] | None:
    return tx.one("SELECT id, store_id, staff_id, customer_id, kind, body, created_at "
                  "FROM receipts WHERE id = %s", (receipt_id,))


def receipts_of(tx: Tx, customer_id: int, limit: int = 20) -> list[dict[str, Any]]:
    return tx.all("SELECT id, store_id, kind, created_at FROM receipts WHERE customer_id = %s "
                  "ORDER BY created_at DESC LIMIT %s", (customer_id, limit))
