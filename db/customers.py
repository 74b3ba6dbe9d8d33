"""SQL for customers."""
from __future__ import annotations

from datetime import date, datetime

from db.database import Tx


def insert_customer(tx: Tx, store_id: int, card_number: str, first_name: str, last_name: str,
                    phone: str | None, email: str | None, address_line1: str, city: str,
                    postal_code: str, date_of_birth: date | None, now: datetime) -> int:
    return tx.insert(
        "INSERT INTO customers (store_id, card_number, first_name, last_name, phone, email, "
        "address_line1, city, postal_code, date_of_birth, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (store_id, card_number, first_name, last_name, phone, email, address_line1, city,
         postal_code, date_of_birth, now, now))
