"""A small two-store shop for the circulation tests: staff, titles, copies, customers, made
straight in a fresh database (the managers under test are not used to build it)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Iterator

from db.catalogue import insert_copies, insert_title
from db.customers import insert_customer
from db.database import Database
from db.settings import Settings
from store import codes
from store.services import Desk, open_desk
from store.shop import ShopSettings
from store.stores import Stores
from tests.conftest import STAFF_PASSWORD, make_staff
from tests.helpers import RunningServer, counter_for

TODAY = datetime.now(timezone.utc).date()


@dataclass
class Shop:
    settings: Settings
    server: RunningServer
    titles: dict[str, int] = field(default_factory=dict)
    copies: dict[str, list[int]] = field(default_factory=dict)   # "Alien@1" -> copy ids
    customers: dict[str, int] = field(default_factory=dict)

    def admin_db(self) -> Database:
        return Database.for_app(self.settings.db, role="admin")

    def scalar(self, sql: str, params: tuple = ()) -> object:
        db = self.admin_db()
        try:
            with db.transaction() as tx:
                return tx.scalar(sql, params)
        finally:
            db.close()

    def execute(self, sql: str, params: tuple = ()) -> None:
        db = self.admin_db()
        try:
            with db.transaction() as tx:
                tx.execute(sql, params)
        finally:
            db.close()

    def advance(self, days: float) -> None:
        """Move the store server's test clock forward."""
        assert self.server.ask("clock.advance", {"seconds": days * 86400})["ok"]

    @contextmanager
    def desk(self, username: str = "clk1", db_port: int | None = None) -> Iterator[Desk]:
        """The counter's managers as `username` works them at a terminal of their own
        (reaching the database at `db_port`, a relay in front of it, when given)."""
        database = Database.for_app(self.settings.db)
        if db_port is not None:
            database = Database(replace(database.params, port=db_port))
        try:
            with counter_for(self.server, username, STAFF_PASSWORD,
                             terminal=f"till-{username}") as counter:
                stores = Stores(database)
                yield open_desk(database, counter, ShopSettings(database, counter), stores)
        finally:
            database.close()


TITLES = [  # title, rating, rate, days, replacement cost
    ("Alien", "R", "2.99", 3, "19.99"),
    ("Toy Story", "G", "1.99", 2, "14.99"),
    ("Heat", "NC-17", "3.49", 3, "24.99"),
    ("Jaws", "PG", "2.49", 3, "9.99"),
]
COPIES = [("Alien", 1, 2), ("Toy Story", 1, 2), ("Heat", 1, 1), ("Jaws", 1, 3),
          ("Toy Story", 2, 1)]
CUSTOMERS = [  # key, first, last, date of birth, store
    ("mary", "Mary", "Smith", date(1990, 5, 1), 1),
    ("tom", "Tom", "Young", TODAY.replace(year=TODAY.year - 16), 1),
    ("ann", "Ann", "Gone", date(1980, 1, 1), 1),
    ("bob", "Bob", "Waiting", date(1985, 3, 3), 1),
    ("cy", "Cy", "Second", date(1975, 7, 7), 2),
]


def build_shop(settings: Settings, server: RunningServer) -> Shop:
    shop = Shop(settings, server)
    db = shop.admin_db()
    now = datetime.now(timezone.utc)
    try:
        with db.transaction() as tx:
            tx.execute("INSERT INTO stores (name, created_at) VALUES ('Second Street', %s)", (now,))
            for title, rating, rate, days, cost in TITLES:
                shop.titles[title] = insert_title(tx, title, 1990, rating, "Drama", 100,
                                                  Decimal(rate), days, Decimal(cost), "", now)
            numbers: dict[str, int] = {}
            for title, store, count in COPIES:
                title_id = shop.titles[title]
                rows = []
                for _ in range(count):
                    numbers[title] = numbers.get(title, 0) + 1
                    n = numbers[title]
                    rows.append((title_id, store, "DVD", codes.copy_barcode(title_id, n), n, now))
                insert_copies(tx, rows)
                shop.copies[f"{title}@{store}"] = [r["id"] for r in tx.all(
                    "SELECT id FROM copies WHERE title_id = %s AND store_id = %s ORDER BY id",
                    (title_id, store))]
            for seq, (key, first, last, born, store) in enumerate(CUSTOMERS, start=1):
                shop.customers[key] = insert_customer(
                    tx, store, codes.card_number(seq), first, last, f"555010{seq}", None,
                    "", "", "", born, now)
            tx.execute("UPDATE customers SET active = FALSE WHERE id = %s", (shop.customers["ann"],))
    finally:
        db.close()
    for username, role, store in (("clk1", "clerk", 1), ("mgr1", "manager", 1),
                                  ("clk2", "clerk", 2), ("clk1b", "clerk", 1)):
        make_staff(settings, username, role, store)
    return shop
