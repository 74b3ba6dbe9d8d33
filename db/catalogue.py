"""SQL for titles and their copies."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

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


_COPY_WHEREABOUTS = (
    "SELECT c.id, c.barcode, c.copy_number, c.format, c.status, c.store_id, "
    "s.name AS store_name, t.id AS title_id, t.title, t.rating, t.release_year, "
    "h.id AS hire_id, h.hired_at, h.due_at, hc.first_name AS hirer_first, "
    "hc.last_name AS hirer_last, hc.card_number AS hirer_card, "
    "ho.id AS hold_id, oc.first_name AS holder_first, oc.last_name AS holder_last, "
    "oc.phone AS holder_phone "
    "FROM copies c JOIN titles t ON t.id = c.title_id JOIN stores s ON s.id = c.store_id "
    "LEFT JOIN hires h ON h.open_copy_id = c.id "
    "LEFT JOIN customers hc ON hc.id = h.customer_id "
    "LEFT JOIN holds ho ON ho.copy_id = c.id AND ho.status = 'ready' "
    "LEFT JOIN customers oc ON oc.id = ho.customer_id ")


def copy_whereabouts(tx: Tx, copy_id: int | None = None,
                     barcode: str | None = None) -> dict[str, Any] | None:
    """One copy with its title, store, open hire (and hirer) and ready hold (and holder)."""
    if barcode is not None:
        return tx.one(_COPY_WHEREABOUTS + "WHERE c.barcode = %s", (barcode,))
    return tx.one(_COPY_WHEREABOUTS + "WHERE c.id = %s", (copy_id,))
