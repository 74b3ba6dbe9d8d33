"""SQL for customers: the row, the ways to find one, and what a customer's page shows.

Every finder is one indexed lookup (see schema.sql and the EXPLAIN tests in
tests/integration/test_customers.py): card and phone through their unique keys, surnames
through ix_customers_last_first, given names through ix_customers_first_last — prefixes only
(`LIKE 'smi%'`), in index order, with a LIMIT, so a search never scans the table.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from db.database import Tx

EDITABLE = ("first_name", "last_name", "phone", "email", "address_line1", "address_line2",
            "city", "postal_code", "country", "date_of_birth")

# The home store's name comes from a subquery, not a join: with a join, the optimizer of
# a chain with few stores starts from `stores` and reads every customer of the store
# through ix_customers_store — a full scan in all but name (EXPLAIN showed it).
_CUSTOMER = (
    "SELECT c.id, c.store_id, (SELECT s.name FROM stores s WHERE s.id = c.store_id) "
    "AS store_name, c.card_number, c.first_name, c.last_name, c.phone, c.email, "
    "c.address_line1, c.address_line2, c.city, c.postal_code, c.country, c.date_of_birth, "
    "c.active, c.created_at, c.updated_at FROM customers c ")

# The find queries, by shape (tests EXPLAIN each one by these names).
BY_CARD = _CUSTOMER + "WHERE c.card_number = %s"
BY_PHONE = _CUSTOMER + "WHERE c.phone = %s"
BY_EMAIL = _CUSTOMER + "WHERE c.email = %s ORDER BY c.id LIMIT %s"
BY_SURNAME_PREFIX = (_CUSTOMER + "WHERE c.last_name LIKE %s "
                     "ORDER BY c.last_name, c.first_name, c.id LIMIT %s")
BY_GIVEN_PREFIX = (_CUSTOMER + "WHERE c.first_name LIKE %s "
                   "ORDER BY c.first_name, c.last_name, c.id LIMIT %s")
# No ORDER BY: both names narrow it to a few, which the manager sorts. With one, MariaDB
# walked every "Smi%" surname reading each row to test the given name (28 ms at p95 with a
# million customers); without it the given name is tested inside the index (1.4 ms).
BY_FULL_NAME_PREFIX = (_CUSTOMER + "WHERE c.last_name LIKE %s AND c.first_name LIKE %s "
                       "LIMIT %s")


def prefix_pattern(prefix: str) -> str:
    """A LIKE pattern matching values that start with `prefix` (its % _ and \\ literal)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def insert_customer(tx: Tx, store_id: int, card_number: str, first_name: str, last_name: str,
                    phone: str | None, email: str | None, address_line1: str, city: str,
                    postal_code: str, date_of_birth: date | None, now: datetime,
                    address_line2: str = "", country: str = "") -> int:
    return tx.insert(
        "INSERT INTO customers (store_id, card_number, first_name, last_name, phone, email, "
        "address_line1, address_line2, city, postal_code, country, date_of_birth, "
        "created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (store_id, card_number, first_name, last_name, phone, email, address_line1,
         address_line2, city, postal_code, country, date_of_birth, now, now))


def set_card_number(tx: Tx, customer_id: int, card_number: str) -> int:
    return tx.execute("UPDATE customers SET card_number = %s WHERE id = %s",
                      (card_number, customer_id))


def get_customer(tx: Tx, customer_id: int, for_update: bool = False) -> dict[str, Any] | None:
    """One customer with their home store's name. `for_update` first locks the customer's
    row (only it: a FOR UPDATE over the whole query would lock the store's row too, and
    every till of the store would queue behind it) until the transaction ends."""
    if for_update and tx.one("SELECT id FROM customers WHERE id = %s FOR UPDATE",
                             (customer_id,)) is None:
        return None
    return tx.one(_CUSTOMER + "WHERE c.id = %s", (customer_id,))


def by_card(tx: Tx, card_number: str) -> dict[str, Any] | None:
    return tx.one(BY_CARD, (card_number,))


def by_phone(tx: Tx, phone: str) -> dict[str, Any] | None:
    return tx.one(BY_PHONE, (phone,))


def by_email(tx: Tx, email: str, limit: int) -> list[dict[str, Any]]:
    return tx.all(BY_EMAIL, (email, limit))


def by_surname_prefix(tx: Tx, prefix: str, limit: int) -> list[dict[str, Any]]:
    return tx.all(BY_SURNAME_PREFIX, (prefix_pattern(prefix), limit))


def by_given_prefix(tx: Tx, prefix: str, limit: int) -> list[dict[str, Any]]:
    return tx.all(BY_GIVEN_PREFIX, (prefix_pattern(prefix), limit))


def by_full_name_prefix(tx: Tx, first: str, last: str, limit: int) -> list[dict[str, Any]]:
    return tx.all(BY_FULL_NAME_PREFIX, (prefix_pattern(last), prefix_pattern(first), limit))


def update_details(tx: Tx, customer_id: int, values: dict[str, Any], now: datetime) -> int:
    """Write every editable detail (all of EDITABLE must be in `values`)."""
    return tx.execute(
        "UPDATE customers SET first_name = %s, last_name = %s, phone = %s, email = %s, "
        "address_line1 = %s, address_line2 = %s, city = %s, postal_code = %s, country = %s, "
        "date_of_birth = %s, updated_at = %s WHERE id = %s",
        (*(values[column] for column in EDITABLE), now, customer_id))


def set_active(tx: Tx, customer_id: int, active: bool, now: datetime) -> int:
    return tx.execute("UPDATE customers SET active = %s, updated_at = %s WHERE id = %s",
                      (active, now, customer_id))


def open_hires(tx: Tx, customer_id: int) -> list[dict[str, Any]]:
    """The customer's copies out now, soonest due first (ix_hires_customer_returned)."""
    return tx.all(
        "SELECT h.id, h.copy_id, cp.barcode, cp.format, t.title, h.store_id, "
        "s.name AS store_name, h.hired_at, h.due_at, h.returned_at, h.rate_charged, "
        "h.late_fee FROM hires h JOIN copies cp ON cp.id = h.copy_id "
        "JOIN titles t ON t.id = cp.title_id JOIN stores s ON s.id = h.store_id "
        "WHERE h.customer_id = %s AND h.returned_at IS NULL ORDER BY h.due_at, h.id",
        (customer_id,))


def recent_hires(tx: Tx, customer_id: int, limit: int) -> list[dict[str, Any]]:
    """The customer's last `limit` returned hires, latest return first."""
    return tx.all(
        "SELECT h.id, h.copy_id, cp.barcode, cp.format, t.title, h.store_id, "
        "s.name AS store_name, h.hired_at, h.due_at, h.returned_at, h.rate_charged, "
        "h.late_fee FROM hires h JOIN copies cp ON cp.id = h.copy_id "
        "JOIN titles t ON t.id = cp.title_id JOIN stores s ON s.id = h.store_id "
        "WHERE h.customer_id = %s AND h.returned_at IS NOT NULL "
        "ORDER BY h.returned_at DESC, h.id DESC LIMIT %s", (customer_id, limit))


def count_hires(tx: Tx, customer_id: int) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM hires WHERE customer_id = %s", (customer_id,)))


def open_holds(tx: Tx, customer_id: int) -> list[dict[str, Any]]:
    """The customer's holds still waiting or ready to collect (ix_holds_customer)."""
    return tx.all(
        "SELECT ho.id, ho.title_id, t.title, ho.store_id, s.name AS store_name, ho.status, "
        "ho.placed_at, ho.ready_at, ho.expires_at, ho.copy_id FROM holds ho "
        "JOIN titles t ON t.id = ho.title_id JOIN stores s ON s.id = ho.store_id "
        "WHERE ho.customer_id = %s AND ho.status IN ('waiting', 'ready') "
        "ORDER BY ho.placed_at, ho.id", (customer_id,))
