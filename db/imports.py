"""SQL for imports: which stages are done, which source ids became which rows, ids
reserved for rows written in bulk, and the bulk inserts themselves.

Bulk rows carry their ids: the importer reserves a range after the table's last id while
holding a lock on the end of the table (`reserve_after_last`), so it knows each row's id
before writing it (a customer's card number is made from it) and needs no read-back.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from db.database import Tx

# Tables whose ids an import may reserve (a name never comes from input: this is the list).
_RESERVABLE = ("customers", "titles", "copies", "hires")


def stage_done(tx: Tx, source: str, stage: str) -> dict[str, Any] | None:
    return tx.one("SELECT rows_added, finished_at FROM import_stages "
                  "WHERE source = %s AND stage = %s", (source, stage))


def record_stage(tx: Tx, source: str, stage: str, rows: int, now: datetime) -> None:
    tx.execute("INSERT INTO import_stages (source, stage, rows_added, finished_at) "
               "VALUES (%s, %s, %s, %s)", (source, stage, rows, now))


def stages(tx: Tx, source: str) -> list[dict[str, Any]]:
    return tx.all("SELECT stage, rows_added, finished_at FROM import_stages WHERE source = %s "
                  "ORDER BY finished_at", (source,))


def keys(tx: Tx, source: str, kind: str) -> dict[int, int]:
    """source id -> target id of what an import of `source` made from its `kind` rows."""
    rows = tx.all("SELECT source_id, target_id FROM import_keys WHERE source = %s AND "
                  "kind = %s", (source, kind))
    return {int(r["source_id"]): int(r["target_id"]) for r in rows}


def add_keys(tx: Tx, source: str, kind: str, pairs: Iterable[tuple[int, int]]) -> None:
    rows = [(source, kind, s, t) for s, t in pairs]
    if rows:
        tx.many("INSERT INTO import_keys (source, kind, source_id, target_id) "
                "VALUES (%s, %s, %s, %s)", rows)


def reserve_after_last(tx: Tx, table: str) -> int:
    """The table's highest id (0 when empty), read with a lock on the end of its primary
    key: until this transaction ends, no other can add a row there, so the ids after it
    are this transaction's to use."""
    if table not in _RESERVABLE:
        raise ValueError(f"ids of {table!r} are not reserved by imports")
    last = tx.scalar(f"SELECT id FROM {table} ORDER BY id DESC LIMIT 1 FOR UPDATE")
    return int(last or 0)


def set_note(tx: Tx, name: str, value: str, description: str, now: datetime) -> None:
    """A settings row the shop reads but does not edit (e.g. the Sakila date shift)."""
    tx.execute("INSERT INTO settings (name, value, description, updated_at) "
               "VALUES (%s, %s, %s, %s)", (name, value, description, now))


def highest_copy_numbers(tx: Tx) -> dict[int, int]:
    rows = tx.all("SELECT title_id, MAX(copy_number) AS n FROM copies GROUP BY title_id")
    return {int(r["title_id"]): int(r["n"]) for r in rows}


def insert_titles(tx: Tx, rows: Sequence[Sequence[Any]]) -> int:
    """rows: (id, title, release_year, rating, genre, length_min, rental_rate, rental_days,
    replacement_cost, description, created_at, updated_at)."""
    return tx.many(
        "INSERT INTO titles (id, title, release_year, rating, genre, length_min, rental_rate, "
        "rental_days, replacement_cost, description, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)


def insert_copies(tx: Tx, rows: Sequence[Sequence[Any]]) -> int:
    """rows: (id, title_id, store_id, format, barcode, copy_number, status, created_at,
    updated_at)."""
    return tx.many(
        "INSERT INTO copies (id, title_id, store_id, format, barcode, copy_number, status, "
        "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)


def insert_customers(tx: Tx, rows: Sequence[Sequence[Any]]) -> int:
    """rows: (id, store_id, card_number, first_name, last_name, phone, email, address_line1,
    address_line2, city, postal_code, country, active, created_at, updated_at)."""
    return tx.many(
        "INSERT INTO customers (id, store_id, card_number, first_name, last_name, phone, "
        "email, address_line1, address_line2, city, postal_code, country, active, "
        "created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)


def insert_hires(tx: Tx, rows: Sequence[Sequence[Any]]) -> int:
    """rows: (id, copy_id, customer_id, store_id, hired_by, hired_at, due_at, returned_at,
    returned_by, rate_charged, late_fee)."""
    return tx.many(
        "INSERT INTO hires (id, copy_id, customer_id, store_id, hired_by, hired_at, due_at, "
        "returned_at, returned_by, rate_charged, late_fee) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)


def insert_charges(tx: Tx, rows: Sequence[Sequence[Any]]) -> int:
    """rows: (customer_id, hire_id, store_id, staff_id, kind, amount, created_at)."""
    return tx.many(
        "INSERT INTO charges (customer_id, hire_id, store_id, staff_id, kind, amount, "
        "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


def insert_payments(tx: Tx, rows: Sequence[Sequence[Any]]) -> int:
    """rows: (customer_id, hire_id, store_id, staff_id, kind, amount, paid_at)."""
    return tx.many(
        "INSERT INTO payments (customer_id, hire_id, store_id, staff_id, kind, amount, "
        "paid_at) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


def usernames(tx: Tx) -> set[str]:
    return {r["username"] for r in tx.all("SELECT username FROM staff")}


def store_names(tx: Tx) -> dict[int, str]:
    return {int(r["id"]): r["name"] for r in tx.all("SELECT id, name FROM stores")}


def insert_store_with_id(tx: Tx, store_id: int, name: str, address: str, timezone: str,
                         now: datetime) -> None:
    tx.execute("INSERT INTO stores (id, name, address, timezone, created_at) "
               "VALUES (%s, %s, %s, %s, %s)", (store_id, name, address, timezone, now))


def fill_store_address(tx: Tx, store_id: int, address: str) -> None:
    """A store's address when it has none yet (create-db makes the first store without)."""
    tx.execute("UPDATE stores SET address = %s WHERE id = %s AND address = ''",
               (address, store_id))


def copy_stores(tx: Tx, source: str) -> dict[int, int]:
    """copy id -> store id of the copies an import of `source` made."""
    return {int(r["id"]): int(r["store_id"]) for r in tx.all(
        "SELECT c.id, c.store_id FROM import_keys k JOIN copies c ON c.id = k.target_id "
        "WHERE k.source = %s AND k.kind = 'inventory'", (source,))}


def customer_phones(tx: Tx) -> set[str | None]:
    return {r["phone"] for r in tx.all("SELECT phone FROM customers WHERE phone IS NOT NULL")}
