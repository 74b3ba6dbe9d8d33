"""SQL for hires: the customer and copies a hire locks, the hire rows, returns, renewals.

Locking order, so two counters never wait on each other in a circle: the customer row,
then the copies by id, then holds. At most one open hire per copy is the database's own
rule (uq_hires_open_copy); FOR UPDATE on the copy makes a second counter wait instead of
colliding on that key.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from db.database import Tx

_COPY = ("SELECT c.id, c.barcode, c.copy_number, c.format, c.status, c.store_id, c.title_id, "
         "t.title, t.rating, t.rental_rate, t.rental_days, t.replacement_cost "
         "FROM copies c JOIN titles t ON t.id = c.title_id ")


_CUSTOMER = ("SELECT id, first_name, last_name, card_number, phone, active, date_of_birth, "
             "store_id FROM customers WHERE id = %s")


def lock_customer(tx: Tx, customer_id: int) -> dict[str, Any] | None:
    return tx.one(f"{_CUSTOMER} FOR UPDATE", (customer_id,))


def get_customer(tx: Tx, customer_id: int) -> dict[str, Any] | None:
    """The customer as a hire sees them, not locked (a quote)."""
    return tx.one(_CUSTOMER, (customer_id,))


def count_open(tx: Tx, customer_id: int) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM hires WHERE customer_id = %s AND returned_at "
                         "IS NULL", (customer_id,)))


def lock_copies(tx: Tx, copy_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The copies with their titles, locked, in id order."""
    return get_copies(tx, copy_ids, lock=True)


def get_copies(tx: Tx, copy_ids: Sequence[int], lock: bool = False) -> list[dict[str, Any]]:
    """The copies with their titles, in id order."""
    marks = ", ".join(["%s"] * len(copy_ids))
    tail = " FOR UPDATE" if lock else ""
    return tx.all(f"{_COPY}WHERE c.id IN ({marks}) ORDER BY c.id{tail}", tuple(copy_ids))


def copy_ids_by_barcode(tx: Tx, barcodes: Sequence[str]) -> dict[str, int]:
    marks = ", ".join(["%s"] * len(barcodes))
    rows = tx.all(f"SELECT id, barcode FROM copies WHERE barcode IN ({marks})", tuple(barcodes))
    return {r["barcode"]: r["id"] for r in rows}


def existing_copy_ids(tx: Tx, copy_ids: Sequence[int]) -> set[int]:
    marks = ", ".join(["%s"] * len(copy_ids))
    return {r["id"] for r in tx.all(f"SELECT id FROM copies WHERE id IN ({marks})",
                                    tuple(copy_ids))}


def insert_hire(tx: Tx, copy_id: int, customer_id: int, store_id: int, staff_id: int,
                hired_at: datetime, due_at: datetime, rate: Decimal) -> int:
    return tx.insert(
        "INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, due_at, "
        "rate_charged) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (copy_id, customer_id, store_id, staff_id, hired_at, due_at, rate))


def set_copy_status(tx: Tx, copy_id: int, status: str, now: datetime) -> None:
    tx.execute("UPDATE copies SET status = %s, updated_at = %s WHERE id = %s",
               (status, now, copy_id))


_OPEN = ("SELECT h.id, h.copy_id, h.customer_id, h.store_id, h.hired_at, h.due_at, "
         "h.rate_charged, h.renewals, cu.first_name, cu.last_name, cu.card_number "
         "FROM hires h JOIN customers cu ON cu.id = h.customer_id ")


def open_hire_of_copy(tx: Tx, copy_id: int, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return tx.one(f"{_OPEN}WHERE h.open_copy_id = %s{lock}", (copy_id,))


def customers_of_open_hires(tx: Tx, copy_ids: Sequence[int]) -> dict[int, int]:
    """copy id -> the customer it is out to, for those of the copies that are out."""
    marks = ", ".join(["%s"] * len(copy_ids))
    rows = tx.all(f"SELECT open_copy_id, customer_id FROM hires WHERE open_copy_id IN ({marks})",
                  tuple(copy_ids))
    return {r["open_copy_id"]: r["customer_id"] for r in rows}


def open_hires_of(tx: Tx, customer_id: int) -> list[dict[str, Any]]:
    """A customer's open hires with their copies' titles, soonest due first."""
    return tx.all(
        "SELECT h.id, h.copy_id, h.due_at, h.hired_at, h.renewals, h.store_id, c.barcode, "
        "t.title FROM hires h JOIN copies c ON c.id = h.copy_id "
        "JOIN titles t ON t.id = c.title_id "
        "WHERE h.customer_id = %s AND h.returned_at IS NULL ORDER BY h.due_at, h.id",
        (customer_id,))


def lock_hire(tx: Tx, hire_id: int) -> dict[str, Any] | None:
    return tx.one(f"{_OPEN}WHERE h.id = %s FOR UPDATE", (hire_id,))


def close_hire(tx: Tx, hire_id: int, returned_at: datetime, staff_id: int,
               late_fee: Decimal) -> None:
    tx.execute("UPDATE hires SET returned_at = %s, returned_by = %s, late_fee = %s "
               "WHERE id = %s AND returned_at IS NULL", (returned_at, staff_id, late_fee, hire_id))


def extend_hire(tx: Tx, hire_id: int, due_at: datetime) -> None:
    tx.execute("UPDATE hires SET due_at = %s, renewals = renewals + 1 WHERE id = %s",
               (due_at, hire_id))
