"""SQL for staff notices and who has read them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx


def insert_message(tx: Tx, sender_id: int, store_id: int | None, recipient_id: int | None,
                   body: str, now: datetime) -> int:
    return tx.insert("INSERT INTO messages (sender_id, store_id, recipient_id, body, sent_at) "
                     "VALUES (%s, %s, %s, %s, %s)", (sender_id, store_id, recipient_id, body, now))


def unread_for(tx: Tx, staff_id: int, store_id: int, limit: int) -> list[dict[str, Any]]:
    """Notices to this staff member or their store that they have not read (nor sent),
    oldest first."""
    return tx.all(
        "SELECT m.id, m.body, m.sent_at, m.store_id, m.recipient_id, s.username AS sender "
        "FROM messages m JOIN staff s ON s.id = m.sender_id "
        "LEFT JOIN message_reads r ON r.message_id = m.id AND r.staff_id = %s "
        "WHERE r.message_id IS NULL AND (m.recipient_id = %s OR m.store_id = %s) "
        "AND m.sender_id <> %s ORDER BY m.sent_at, m.id LIMIT %s",
        (staff_id, staff_id, store_id, staff_id, limit))


def mark_read(tx: Tx, message_ids: list[int], staff_id: int, store_id: int,
              now: datetime) -> int:
    """Mark read those of `message_ids` addressed to this staff member or their store."""
    if not message_ids:
        return 0
    marks = ", ".join(["%s"] * len(message_ids))
    return tx.execute(
        f"INSERT IGNORE INTO message_reads (message_id, staff_id, read_at) "
        f"SELECT id, %s, %s FROM messages WHERE id IN ({marks}) "
        f"AND (recipient_id = %s OR store_id = %s)",
        (staff_id, now, *message_ids, staff_id, store_id))
