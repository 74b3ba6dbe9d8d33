"""SQL for what customers owe: charges (what they owe for) and payments (what they paid).
A balance is never stored: it is SUM(charges) - SUM(payments), so it cannot drift."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from db.database import Tx


def balance(tx: Tx, customer_id: int) -> Decimal:
    """What the customer owes now (negative: in credit)."""
    row = tx.one(
        "SELECT (SELECT COALESCE(SUM(amount), 0) FROM charges WHERE customer_id = %s) - "
        "(SELECT COALESCE(SUM(amount), 0) FROM payments WHERE customer_id = %s) AS owed",
        (customer_id, customer_id))
    return Decimal(row["owed"]) if row else Decimal("0.00")  # type: ignore[index]


def insert_charge(tx: Tx, customer_id: int, hire_id: int | None, store_id: int,
                  staff_id: int, kind: str, amount: Decimal, now: datetime) -> int:
    return tx.insert(
        "INSERT INTO charges (customer_id, hire_id, store_id, staff_id, kind, amount, "
        "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (customer_id, hire_id, store_id, staff_id, kind, amount, now))


def insert_payment(tx: Tx, customer_id: int, hire_id: int | None, store_id: int,
                   staff_id: int, kind: str, amount: Decimal, now: datetime) -> int:
    return tx.insert(
        "INSERT INTO payments (customer_id, hire_id, store_id, staff_id, kind, amount, "
        "paid_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (customer_id, hire_id, store_id, staff_id, kind, amount, now))


def statement(tx: Tx, customer_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The customer's charges and payments, newest first: at, kind, amount (+ owed,
    - paid), store, staff, hire, title."""
    return tx.all(
        "(SELECT c.created_at AS at, 'charge' AS entry, c.kind, c.amount, c.store_id, "
        " st.username AS staff, c.hire_id, t.title FROM charges c "
        " JOIN staff st ON st.id = c.staff_id LEFT JOIN hires h ON h.id = c.hire_id "
        " LEFT JOIN copies cp ON cp.id = h.copy_id LEFT JOIN titles t ON t.id = cp.title_id "
        " WHERE c.customer_id = %s ORDER BY c.created_at DESC LIMIT %s) "
        "UNION ALL "
        "(SELECT p.paid_at, 'payment', p.kind, -p.amount, p.store_id, st.username, p.hire_id, "
        " t.title FROM payments p JOIN staff st ON st.id = p.staff_id "
        " LEFT JOIN hires h ON h.id = p.hire_id LEFT JOIN copies cp ON cp.id = h.copy_id "
        " LEFT JOIN titles t ON t.id = cp.title_id "
        " WHERE p.customer_id = %s ORDER BY p.paid_at DESC LIMIT %s) "
        "ORDER BY at DESC LIMIT %s", (customer_id, limit, customer_id, limit, limit))


def fees_of_hire(tx: Tx, hire_id: int) -> Decimal:
    """What is still charged for a hire's late fee and replacement, after waivers."""
    return Decimal(tx.scalar(
        "SELECT COALESCE(SUM(amount), 0) FROM charges WHERE hire_id = %s AND kind IN "
        "('late_fee', 'replacement', 'waiver')", (hire_id,)))


def takings(tx: Tx, store_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Money taken at a store between two times, per clerk and kind of payment."""
    return tx.all(
        "SELECT st.username AS clerk, p.kind, COUNT(*) AS payments, SUM(p.amount) AS amount "
        "FROM payments p JOIN staff st ON st.id = p.staff_id "
        "WHERE p.store_id = %s AND p.paid_at >= %s AND p.paid_at < %s "
        "GROUP BY st.username, p.kind ORDER BY st.username, p.kind", (store_id, start, end))
