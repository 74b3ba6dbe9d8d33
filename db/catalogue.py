"""SQL for titles and their copies."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Sequence

from db.database import Tx


def insert_title(tx: Tx, title: str, release_year: int | None, rating: str, genre: str,
                 length_min: int | None, rental_rate: Decimal, rental_days: int,
                 replacement_cost: Decimal, description: str, now: datetime) -> int:
    return tx.insert(
        "INSERT INTO titles (title, release_year, rating, genre, length_min, rental_rate, "
        "rental_days, replacement_cost, description, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (title, release_year, rating, genre, length_min, rental_rate, rental_days,
         replacement_cost, description, now, now))


def insert_copies(tx: Tx, rows: Sequence[tuple[int, int, str, str, int, datetime]]) -> int:
    """rows: (title_id, store_id, format, barcode, copy_number, now)."""
    return tx.many(
        "INSERT INTO copies (title_id, store_id, format, barcode, copy_number, created_at, "
        "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [(t, s, f, b, n, now, now) for t, s, f, b, n, now in rows])
