"""SQL for holds: customers waiting for a title at a store, in the order they asked.
The queue is (title_id, store_id, status, placed_at) — one index range, oldest first."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx

_HOLD = ("SELECT ho.id, ho.customer_id, ho.title_id, ho.store_id, ho.status, ho.copy_id, "
         "ho.placed_at, ho.ready_at, ho.expires_at, cu.first_name, cu.last_name, cu.phone, "
         "t.title FROM holds ho JOIN customers cu ON cu.id = ho.customer_id "
         "JOIN titles t ON t.id = ho.title_id ")


def insert_hold(tx: Tx, customer_id: int, title_id: int, store_id: int, staff_id: int,
                now: datetime) -> int:
    return tx.insert("INSERT INTO holds (customer_id, title_id, store_id, placed_by, placed_at) "
                     "VALUES (%s, %s, %s, %s, %s)", (customer_id, title_id, store_id, staff_id, now))


def open_hold_of(tx: Tx, customer_id: int, title_id: int, store_id: int) -> dict[str, Any] | None:
    """The customer's waiting or ready hold on that title there, if any."""
    return tx.one(f"{_HOLD}WHERE ho.customer_id = %s AND ho.title_id = %s AND ho.store_id = %s "
                  "AND ho.status IN ('waiting', 'ready')", (customer_id, title_id, store_id))


def next_waiting(tx: Tx, title_id: int, store_id: int) -> dict[str, Any] | None:
    """The oldest waiting hold on that title there, locked."""
    return tx.one(f"{_HOLD}WHERE ho.title_id = %s AND ho.store_id = %s AND ho.status = 'waiting' "
                  "ORDER BY ho.placed_at, ho.id LIMIT 1 FOR UPDATE", (title_id, store_id))


def count_waiting(tx: Tx, title_id: int, store_id: int) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM holds WHERE title_id = %s AND store_id = %s "
                         "AND status = 'waiting'", (title_id, store_id)))


def count_on_shelf(tx: Tx, title_id: int, store_id: int) -> int:
    """Copies of a title available at a store now."""
    return int(tx.scalar("SELECT COUNT(*) FROM copies WHERE store_id = %s AND title_id = %s "
                         "AND status = 'available'", (store_id, title_id)))


def ready_hold_of_copy(tx: Tx, copy_id: int, lock: bool = True) -> dict[str, Any] | None:
    tail = " FOR UPDATE" if lock else ""
    return tx.one(f"{_HOLD}WHERE ho.copy_id = %s AND ho.status = 'ready'{tail}", (copy_id,))


def lock_hold(tx: Tx, hold_id: int) -> dict[str, Any] | None:
    return tx.one(f"{_HOLD}WHERE ho.id = %s FOR UPDATE", (hold_id,))


def make_ready(tx: Tx, hold_id: int, copy_id: int, now: datetime, expires_at: datetime) -> None:
    tx.execute("UPDATE holds SET status = 'ready', copy_id = %s, ready_at = %s, expires_at = %s "
               "WHERE id = %s", (copy_id, now, expires_at, hold_id))


def close_hold(tx: Tx, hold_id: int, status: str, now: datetime) -> None:
    """fulfilled, cancelled or expired."""
    tx.execute("UPDATE holds SET status = %s, closed_at = %s WHERE id = %s",
               (status, now, hold_id))


def expired_ready(tx: Tx, store_id: int, now: datetime) -> list[dict[str, Any]]:
    """Ready holds of a store whose shelf time has run out, locked."""
    return tx.all(f"{_HOLD}WHERE ho.store_id = %s AND ho.status = 'ready' AND ho.expires_at < %s "
                  "ORDER BY ho.expires_at FOR UPDATE", (store_id, now))


def queue(tx: Tx, title_id: int, store_id: int) -> list[dict[str, Any]]:
    """The waiting and ready holds on a title at a store, in queue order."""
    return tx.all(f"{_HOLD}WHERE ho.title_id = %s AND ho.store_id = %s "
                  "AND ho.status IN ('ready', 'waiting') ORDER BY ho.status = 'waiting', "
                  "ho.placed_at, ho.id", (title_id, store_id))


def holds_of(tx: Tx, customer_id: int) -> list[dict[str, Any]]:
    return tx.all(f"{_HOLD}WHERE ho.customer_id = %s AND ho.status IN ('waiting', 'ready') "
                  "ORDER BY ho.placed_at", (customer_id,))


def ready_at_store(tx: Tx, store_id: int) -> list[dict[str, Any]]:
    """Copies set aside at a store and whom for: the hold shelf."""
    return tx.all(f"{_HOLD}WHERE ho.store_id = %s AND ho.status = 'ready' ORDER BY ho.expires_at",
                  (store_id,))
