"""The small demo store that `create-db --demo` adds: titles with copies, customers, and two
clerks, so the terminal has something to show before the Sakila importer exists."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from db.audit import insert_audit
from db.catalogue import insert_copies, insert_title
from db.customers import insert_customer
from db.database import Database, Tx
from db.staff import insert_staff
from store import codes
from store.demo_data import CUSTOMERS, TITLES
from store.passwords import hash_password

CLERKS = ("clerk1", "clerk2")
FORMATS = ("DVD", "DVD", "Blu-ray", "VHS", "4K")


def copies_of(index: int) -> list[str]:
    """The formats of a demo title's copies: 1 to 4 copies, mostly DVD."""
    return [FORMATS[(index + k) % len(FORMATS)] for k in range(1 + index % 4)]


def load(database: Database, store_id: int, clerks: list[tuple[str, str]]) -> str:
    """Add the demo data in one transaction; returns what was added."""
    hashes = [(name, hash_password(password)) for name, password in clerks]
    now = datetime.now(timezone.utc)
    return database.run(lambda tx: _load(tx, store_id, hashes, now))


def _load(tx: Tx, store_id: int, clerks: list[tuple[str, str]], now: datetime) -> str:
    for number, (username, password_hash) in enumerate(clerks, start=1):
        insert_staff(tx, store_id, username, f"Demo Clerk {number}", password_hash, "clerk", now)
    copies = 0
    for index, (title, year, rating, genre, minutes, rate, days, cost, text) in enumerate(TITLES):
        title_id = insert_title(tx, title, year, rating, genre, minutes, Decimal(rate), days,
                                Decimal(cost), text, now)
        rows = [(title_id, store_id, fmt, codes.copy_barcode(title_id, n), n, now)
                for n, fmt in enumerate(copies_of(index), start=1)]
        copies += insert_copies(tx, rows)
    for seq, (first, last, phone, email, street, city, postcode, born) in enumerate(CUSTOMERS, 1):
        insert_customer(tx, store_id, codes.card_number(seq), first, last, phone or None,
                        email, street, city, postcode, date.fromisoformat(born), now)
    added = {"titles": len(TITLES), "copies": copies, "customers": len(CUSTOMERS),
             "clerks": len(clerks)}
    insert_audit(tx, now, None, store_id, "import.demo", "copies", None, None, added)
    return (f"{len(TITLES)} titles, {copies} copies, {len(CUSTOMERS)} customers, "
            f"{len(clerks)} clerks")
