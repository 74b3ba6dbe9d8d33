"""`python main.py import sakila DIR`: MySQL's Sakila sample data (CSV) as a Videostore.

Stages, in order, each one transaction that also records itself in import_stages: the date
shift, stores, staff, titles, copies, customers, hires (with their charges), payments. A
stage already recorded is skipped, so a second run changes nothing and says so, and a run
that stopped half way goes on from the stage that failed. Rows carry their source ids in
import_keys; later stages find their parents there.

Sakila's store N becomes Videostore's store N when that exists (create-db made store 1),
else a new store with that id. Its staff become managers with fresh random passwords,
printed once (Sakila's SHA-1 hashes are never used). Actors and special features have no
place in Videostore's model and are left out; so are payments of 0.00 (no money moved).
The rows are few (16,044 rentals): each stage reads its files whole and inserts in batches.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from db import imports as sql
from db.audit import insert_audit
from db.database import Database, Tx
from db.shop_settings import get_setting
from db.staff import insert_staff
from store import codes
from store.errors import ValidationError
from store.passwords import hash_password
from store.sakila_rules import (SHIFT_SETTING, STORE_ZONES, copy_numbers, email_or_none,
                                hire_money, moved, moved_record, person_name, phone_or_none,
                                shift_days, staff_username)
from store.setup import Login, generate_password

SOURCE = "sakila"
FILES = ("store", "staff", "address", "city", "country", "category", "film",
         "film_category", "inventory", "customer", "rental", "payment")
BATCH = 2000


@dataclass(frozen=True)
class Stage:
    name: str
    rows: int
    note: str = ""
    skipped: bool = False   # done by an earlier run


@dataclass
class SakilaReport:
    stages: list[Stage] = field(default_factory=list)
    logins: list[Login] = field(default_factory=list)
    shift_days: int = 0

    @property
    def changed(self) -> bool:
        return any(not s.skipped for s in self.stages)


class SakilaFiles:
    """Sakila's CSV files in one directory, each read once, as lists of dicts."""

    def __init__(self, directory: Path):
        missing = [f"{name}.csv" for name in FILES if not (directory / f"{name}.csv").is_file()]
        if missing:
            raise ValidationError(f"{directory} is not Sakila's CSV directory: it has no "
                                  f"{', '.join(missing)}.")
        self.directory = directory
        self._cache: dict[str, list[dict[str, str]]] = {}
        self._index: dict[str, dict[int, dict[str, str]]] = {}

    def rows(self, name: str) -> list[dict[str, str]]:
        if name not in self._cache:
            path = self.directory / f"{name}.csv"
            try:
                with path.open(encoding="utf-8", newline="") as f:
                    self._cache[name] = list(csv.DictReader(f))
            except (OSError, UnicodeDecodeError, csv.Error) as e:
                raise ValidationError(f"{path} cannot be read: {e}") from None
        return self._cache[name]

    def by_id(self, name: str) -> dict[int, dict[str, str]]:
        if name not in self._index:
            self._index[name] = {int(r[f"{name}_id"]): r for r in self.rows(name)}
        return self._index[name]


class SakilaImport:
    """One run of the importer over a database (as its admin account)."""

    def __init__(self, database: Database, files: SakilaFiles, now: datetime,
                 progress: Callable[[str], None] = lambda line: None):
        self.db = database
        self.files = files
        self.now = now
        self.progress = progress
        self.report = SakilaReport()
        self.shift = 0

    def run(self) -> SakilaReport:
        staff_passwords = self._staff_passwords()
        steps: list[tuple[str, Callable[[Tx], tuple[int, str]]]] = [
            ("dates", self._dates), ("stores", self._stores),
            ("staff", lambda tx: self._staff(tx, staff_passwords)),
            ("titles", self._titles), ("copies", self._copies),
            ("customers", self._customers), ("hires", self._hires),
            ("payments", self._payments)]
        for name, step in steps:
            self.report.stages.append(self.db.run(lambda tx: self._stage(tx, name, step)))
        self.report.shift_days = self.shift
        return self.report

    def _stage(self, tx: Tx, name: str, step: Callable[[Tx], tuple[int, str]]) -> Stage:
        recorded = get_setting(tx, SHIFT_SETTING)   # by the dates stage, this run or before
        if recorded is not None:
            self.shift = int(recorded)
        done = sql.stage_done(tx, SOURCE, name)
        if done is not None:
            return Stage(name, int(done["rows_added"]), f"done {done['finished_at']:%Y-%m-%d}",
                         skipped=True)
        self.progress(f"importing {name} ...")
        rows, note = step(tx)
        sql.record_stage(tx, SOURCE, name, rows, self.now)
        insert_audit(tx, self.now, None, None, "import.sakila", name, None, None,
                     {"rows": rows}, "python main.py import sakila")
        return Stage(name, rows, note)

    # --- the stages ------------------------------------------------------------------------

    def _dates(self, tx: Tx) -> tuple[int, str]:
        self.shift = shift_days(self.now)
        sql.set_note(tx, SHIFT_SETTING, str(self.shift),
                     "Days added to every Sakila date on import (a record; do not change)",
                     self.now)
        first = moved("2006-02-14 15:16:03", self.shift)
        return 0, f"Sakila's dates moved {self.shift} days: 2006-02-14 is now {first:%Y-%m-%d}"

    def _stores(self, tx: Tx) -> tuple[int, str]:
        existing = sql.store_names(tx)
        addresses, made, pairs = self.files.by_id("address"), 0, []
        for row in self.files.rows("store"):
            store_id = int(row["store_id"])
            address, city = self._address(addresses[int(row["address_id"])])
            if store_id in existing:
                sql.fill_store_address(tx, store_id, address)
            else:
                name = city if city not in existing.values() else f"{city} (Sakila {store_id})"
                sql.insert_store_with_id(tx, store_id, name, address,
                                         STORE_ZONES.get(city, "UTC"), self.now)
                existing[store_id] = name
                made += 1
            pairs.append((store_id, store_id))
        sql.add_keys(tx, SOURCE, "store", pairs)
        return made, f"{len(pairs)} Sakila stores: {made} new, {len(pairs) - made} existing"

    def _staff_passwords(self) -> dict[int, tuple[str, str]]:
        """A fresh password and its hash per Sakila staff member, made before any
        transaction (the hash is slow on purpose)."""
        out = {}
        for row in self.files.rows("staff"):
            password = generate_password()
            out[int(row["staff_id"])] = (password, hash_password(password))
        return out

    def _staff(self, tx: Tx, passwords: dict[int, tuple[str, str]]) -> tuple[int, str]:
        stores, taken, pairs = sql.keys(tx, SOURCE, "store"), sql.usernames(tx), []
        for row in self.files.rows("staff"):
            staff_id, store_id = int(row["staff_id"]), stores[int(row["store_id"])]
            username = staff_username(row["username"], store_id, taken)
            password, password_hash = passwords[staff_id]
            full_name = f"{row['first_name']} {row['last_name']}".strip()
            new_id = insert_staff(tx, store_id, username, full_name, password_hash, "manager",
                                  self.now, email=email_or_none(row["email"]) or "",
                                  active=row["active"] == "1")
            taken.add(username)
            pairs.append((staff_id, new_id))
            self.report.logins.append(Login(username, "manager", password))
        sql.add_keys(tx, SOURCE, "staff", pairs)
        return len(pairs), "as managers of their stores, with new passwords"

    def _titles(self, tx: Tx) -> tuple[int, str]:
        genres = {int(r["category_id"]): r["name"] for r in self.files.rows("category")}
        genre_of = {int(r["film_id"]): genres[int(r["category_id"])]
                    for r in self.files.rows("film_category")}
        base, rows, pairs = sql.reserve_after_last(tx, "titles"), [], []
        for i, f in enumerate(self.files.rows("film"), start=1):
            when = moved_record(f["last_update"], self.shift, self.now)
            rows.append((base + i, f["title"].title(), _int(f["release_year"]), f["rating"],
                         genre_of.get(int(f["film_id"]), ""), _int(f["length"]),
                         Decimal(f["rental_rate"]), int(f["rental_duration"]),
                         Decimal(f["replacement_cost"]), f["description"], when, when))
            pairs.append((int(f["film_id"]), base + i))
        _batched(tx, sql.insert_titles, rows)
        sql.add_keys(tx, SOURCE, "film", pairs)
        return len(rows), "with genre, rating, rate, days, replacement cost, length"

    def _copies(self, tx: Tx) -> tuple[int, str]:
        titles, stores = sql.keys(tx, SOURCE, "film"), sql.keys(tx, SOURCE, "store")
        out = {int(r["inventory_id"]) for r in self.files.rows("rental") if not r["return_date"]}
        inventory = self.files.rows("inventory")
        title_ids = [titles[int(r["film_id"])] for r in inventory]
        numbers = copy_numbers(title_ids, sql.highest_copy_numbers(tx))
        base, rows, pairs = sql.reserve_after_last(tx, "copies"), [], []
        for i, (r, title_id, number) in enumerate(zip(inventory, title_ids, numbers), start=1):
            when = moved_record(r["last_update"], self.shift, self.now)
            status = "hired" if int(r["inventory_id"]) in out else "available"
            rows.append((base + i, title_id, stores[int(r["store_id"])], "DVD",
                         codes.copy_barcode(title_id, number), number, status, when, when))
            pairs.append((int(r["inventory_id"]), base + i))
        _batched(tx, sql.insert_copies, rows)
        sql.add_keys(tx, SOURCE, "inventory", pairs)
        return len(rows), f"DVDs with new barcodes; {len(out)} out on hire"

    def _customers(self, tx: Tx) -> tuple[int, str]:
        stores, addresses = sql.keys(tx, SOURCE, "store"), self.files.by_id("address")
        base, rows, pairs = sql.reserve_after_last(tx, "customers"), [], []
        phones: set[str | None] = sql.customer_phones(tx)
        no_phone = 0
        for i, c in enumerate(self.files.rows("customer"), start=1):
            a = addresses[int(c["address_id"])]
            phone = phone_or_none(a["phone"])
            if phone in phones:
                phone = None    # a phone is unique to one customer: the first keeps it
            if phone is None:
                no_phone += 1
            phones.add(phone)
            city, country = self._city(a)
            customer_id = base + i
            rows.append((customer_id, stores[int(c["store_id"])], codes.card_number(customer_id),
                         person_name(c["first_name"], "First name"),
                         person_name(c["last_name"], "Surname"), phone,
                         email_or_none(c["email"]), a["address"], a["address2"] or a["district"],
                         city, a["postal_code"], country, c["active"] == "1",
                         moved_record(c["create_date"], self.shift, self.now),
                         moved_record(c["last_update"], self.shift, self.now)))
            pairs.append((int(c["customer_id"]), customer_id))
        _batched(tx, sql.insert_customers, rows)
        sql.add_keys(tx, SOURCE, "customer", pairs)
        return len(rows), (f"with addresses; no date of birth (add one before an R or NC-17 "
                           f"hire); {no_phone} without a usable phone")

    def _hires(self, tx: Tx) -> tuple[int, str]:
        copies, customers = sql.keys(tx, SOURCE, "inventory"), sql.keys(tx, SOURCE, "customer")
        staff = sql.keys(tx, SOURCE, "staff")
        stores = sql.copy_stores(tx, SOURCE)
        films = self.files.by_id("film")
        film_of = {int(r["inventory_id"]): int(r["film_id"]) for r in self.files.rows("inventory")}
        paid = {int(p["rental_id"]): Decimal(p["amount"]) for p in self.files.rows("payment")}
        base, hires, charges, pairs = sql.reserve_after_last(tx, "hires"), [], [], []
        open_count = 0
        for i, r in enumerate(self.files.rows("rental"), start=1):
            hire_id, copy_id = base + i, copies[int(r["inventory_id"])]
            film = films[film_of[int(r["inventory_id"])]]
            returned = bool(r["return_date"])
            money = hire_money(Decimal(film["rental_rate"]), paid.get(int(r["rental_id"]),
                                                                     Decimal("0")), returned)
            hired_at = moved(r["rental_date"], self.shift)
            returned_at = moved(r["return_date"], self.shift) if returned else None
            clerk, customer, store = staff[int(r["staff_id"])], customers[int(r["customer_id"])], \
                stores[copy_id]
            hires.append((hire_id, copy_id, customer, store, clerk, hired_at,
                          hired_at + timedelta(days=int(film["rental_duration"])), returned_at,
                          clerk if returned else None, money.rate, money.late_fee))
            charges.append((customer, hire_id, store, clerk, "rental", money.rate, hired_at))
            if money.late_fee:
                charges.append((customer, hire_id, store, clerk, "late_fee", money.late_fee,
                                returned_at))
            open_count += not returned
            pairs.append((int(r["rental_id"]), hire_id))
        _batched(tx, sql.insert_hires, hires)
        _batched(tx, sql.insert_charges, charges)
        sql.add_keys(tx, SOURCE, "rental", pairs)
        return len(hires), f"{open_count} still out; {len(charges)} charges"

    def _payments(self, tx: Tx) -> tuple[int, str]:
        """Each payment is booked to the store of the copy it paid for, as Sakila's
        sales_by_store view counts it (its staff took payments for either store)."""
        hires, customers = sql.keys(tx, SOURCE, "rental"), sql.keys(tx, SOURCE, "customer")
        staff, copies = sql.keys(tx, SOURCE, "staff"), sql.keys(tx, SOURCE, "inventory")
        copy_store = sql.copy_stores(tx, SOURCE)
        rentals = self.files.by_id("rental")
        rows, free = [], 0
        for p in self.files.rows("payment"):
            amount = Decimal(p["amount"])
            if not amount:
                free += 1
                continue
            rental = rentals[int(p["rental_id"])]
            rows.append((customers[int(p["customer_id"])], hires[int(p["rental_id"])],
                         copy_store[copies[int(rental["inventory_id"])]],
                         staff[int(p["staff_id"])], "rental", amount,
                         moved(p["payment_date"], self.shift)))
        _batched(tx, sql.insert_payments, rows)
        return len(rows), f"{free} payments of 0.00 left out"

    # --- helpers ---------------------------------------------------------------------------

    def _city(self, address: dict[str, str]) -> tuple[str, str]:
        cities, countries = self.files.by_id("city"), self.files.by_id("country")
        city = cities[int(address["city_id"])]
        return city["city"], countries[int(city["country_id"])]["country"]

    def _address(self, address: dict[str, str]) -> tuple[str, str]:
        """A store's address on one line, and its city."""
        city, country = self._city(address)
        parts = [address["address"], address["district"], city, country]
        return ", ".join(p for p in parts if p)[:255], city


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _batched(tx: Tx, insert: Callable[[Tx, list[Any]], int], rows: list[Any]) -> None:
    for start in range(0, len(rows), BATCH):
        insert(tx, rows[start:start + BATCH])
