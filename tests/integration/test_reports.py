"""The reports (store/reports.py) on the real MariaDB: exact rows on a small two-store shop
with known times, and EXPLAIN of every statement at a realistic size.

The shop: store 1 "Test Store" in UTC and store 2 "Harbour" in America/New_York, whose
summer time starts on 2025-03-09 at 07:00 UTC — inside the range most tests ask for, so
a store's local day is checked on both sides of the change. "Now" is NOW, passed in.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterator

import pytest

from db.create import drop_database
from db.database import Database
from db.settings import Settings
from store.errors import NotFound, ValidationError
from store.reports import REPORTS, ReportQuery, Reports, offset_segments, parse_day
from tests.conftest import create_test_db, new_db_name

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=timezone.utc)   # 11:00 in Harbour (EDT)
MARCH = dict(start=date(2025, 3, 1), end=date(2025, 3, 10))
D = Decimal

STAFF = [("ana", "clerk", 1, "Ana Clerk", True), ("mo", "manager", 1, "Mo Manager", True),
         ("old", "manager", 1, "Old Boss", False), ("kim", "clerk", 2, "", True),
         ("lee", "manager", 2, "", True)]
TITLES = [("Alien", 1979, "Horror"), ("Heat", 1995, "Action"), ("Jaws", 1975, "Thriller"),
          ("Brazil", 1985, "Comedy"), ("Zelig", 1983, "Comedy")]
COPIES = [  # barcode, title, store, status
    ("A1", "Alien", 1, "hired"), ("A2", "Alien", 1, "available"), ("A3", "Alien", 2, "hired"),
    ("H1", "Heat", 1, "hired"), ("H2", "Heat", 2, "retired"), ("J1", "Jaws", 1, "lost"),
    ("J2", "Jaws", 2, "hired"), ("B1", "Brazil", 1, "available"),
    ("B2", "Brazil", 2, "damaged"), ("Z1", "Zelig", 1, "available"), ("Z2", "Zelig", 1, "held")]
CUSTOMERS = [  # key, store, card, first, last, phone, email, active
    ("mary", 1, "C1", "Mary", "Smith", "5550101", "mary@example.com", True),
    ("tom", 1, "C2", "Tom", "Young", "5550102", None, True),
    ("ann", 1, "C3", "Ann", "Gone", None, None, False),
    ("cy", 2, "C4", "Cy", "Second", "5550104", "cy@example.com", True)]
HIRES = [  # key, copy, customer, store, by, hired, due, returned, rate
    ("h1", "A1", "mary", 1, "ana", "03-01 10:00", "03-04 10:00", None, "2.99"),
    ("h2", "H1", "tom", 1, "ana", "03-08 12:00", "03-10 20:00", None, "3.49"),
    ("h3", "A3", "cy", 2, "kim", "03-07 16:00", "03-10 03:00", None, "3.49"),
    ("h4", "J2", "cy", 2, "kim", "03-08 15:00", "03-11 02:00", None, "2.49"),
    ("h5", "B1", "mary", 1, "ana", "02-01 10:00", "02-03 10:00", "02-02 10:00", "1.99"),
    ("h6", "A2", "tom", 1, "ana", "03-05 09:00", "03-08 09:00", "03-07 09:00", "2.99"),
    ("h7", "A1", "tom", 1, "mo", "02-20 10:00", "02-23 10:00", "02-22 10:00", "2.99"),
    ("h8", "B2", "cy", 2, "kim", "02-10 15:00", "02-13 15:00", "02-12 15:00", "1.99")]
PAYMENTS = [  # customer, hire, store, staff, kind, amount, paid (UTC)
    ("mary", "h1", 1, "ana", "rental", "2.99", "03-01 10:00"),
    ("tom", "h6", 1, "ana", "rental", "2.99", "03-05 09:00"),
    ("tom", None, 1, "mo", "account", "5.00", "03-10 09:00"),
    ("cy", "h3", 2, "kim", "rental", "3.49", "03-07 16:00"),
    ("cy", "h4", 2, "kim", "rental", "2.49", "03-09 04:30"),    # 23:30 on the 8th (EST)
    ("mary", None, 1, "mo", "refund", "-1.00", "03-10 12:00"),
    ("cy", None, 2, "kim", "account", "1.00", "03-10 04:30"),   # 00:30 on the 10th (EDT)
    ("mary", "h5", 1, "ana", "rental", "1.99", "02-01 10:00")]
CHARGES = [  # customer, hire, store, staff, kind, amount, at
    ("mary", "h1", 1, "ana", "rental", "2.99", "03-01 10:00"),
    ("mary", "h5", 1, "ana", "rental", "1.99", "02-01 10:00"),
    ("mary", None, 1, "mo", "adjustment", "12.00", "03-09 10:00"),
    ("mary", None, 1, "mo", "waiver", "-1.00", "03-09 11:00"),
    ("tom", "h6", 1, "ana", "rental", "2.99", "03-05 09:00"),
    ("tom", "h2", 1, "ana", "rental", "3.49", "03-08 12:00"),
    ("tom", "h7", 1, "mo", "rental", "2.99", "02-20 10:00"),
    ("cy", "h3", 2, "kim", "rental", "3.49", "03-07 16:00"),
    ("cy", "h4", 2, "kim", "rental", "2.49", "03-08 15:00"),
    ("cy", "h8", 2, "kim", "rental", "1.99", "02-10 15:00"),
    ("cy", "h8", 2, "kim", "replacement", "24.99", "02-12 15:00"),
    ("ann", None, 1, "mo", "adjustment", "10.50", "01-05 10:00")]


def load_shop(settings: Settings, now: datetime = NOW) -> dict[str, int]:
    """The small shop above, its times moved by `now - NOW` (end-to-end tests pass the
    real time). The ids of what it made, by key."""
    shift = now - NOW

    def at(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(f"2025-{text}+00:00") + shift

    ids: dict[str, int] = {}
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            tx.execute("UPDATE stores SET name = 'Test Store', timezone = 'UTC' WHERE id = 1")
            tx.insert("INSERT INTO stores (name, timezone, created_at) VALUES "
                      "('Harbour', 'America/New_York', %s)", (now,))
            for name, role, store, full, active in STAFF:
                ids[name] = tx.insert(
                    "INSERT INTO staff (store_id, username, full_name, password_hash, role, "
                    "active, created_at, updated_at) VALUES (%s, %s, %s, 'x', %s, %s, %s, %s)",
                    (store, name, full, role, active, now, now))
            for title, year, genre in TITLES:
                ids[title] = tx.insert(
                    "INSERT INTO titles (title, release_year, genre, rental_rate, rental_days, "
                    "replacement_cost, created_at, updated_at) "
                    "VALUES (%s, %s, %s, 2.99, 3, 24.99, %s, %s)", (title, year, genre, now, now))
            numbers: dict[str, int] = {}
            for barcode, title, store, status in COPIES:
                numbers[title] = numbers.get(title, 0) + 1
                ids[barcode] = tx.insert(
                    "INSERT INTO copies (title_id, store_id, barcode, copy_number, status, "
                    "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (ids[title], store, barcode, numbers[title], status, now, now))
            for key, store, card, first, last, phone, email, active in CUSTOMERS:
                ids[key] = tx.insert(
                    "INSERT INTO customers (store_id, card_number, first_name, last_name, "
                    "phone, email, active, created_at, updated_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (store, card, first, last, phone, email, active, now, now))
            for key, copy, who, store, by, hired, due, back, rate in HIRES:
                ids[key] = tx.insert(
                    "INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, "
                    "due_at, returned_at, returned_by, rate_charged) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (ids[copy], ids[who], store, ids[by], at(hired), at(due), at(back),
                     ids[by] if back else None, D(rate)))
            for table, column, rows in (("payments", "paid_at", PAYMENTS),
                                        ("charges", "created_at", CHARGES)):
                for who, hire, store, staff, kind, amount, when in rows:
                    tx.insert(f"INSERT INTO {table} (customer_id, hire_id, store_id, staff_id, "
                              f"kind, amount, {column}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                              (ids[who], ids[hire] if hire else None, store, ids[staff], kind,
                               D(amount), at(when)))
    finally:
        db.close()
    return ids


@pytest.fixture
def reports(fresh_db: Settings) -> Iterator[Reports]:
    load_shop(fresh_db)
    database = Database.for_app(fresh_db.db)
    yield Reports(database)
    database.close()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(f"2025-{text}+00:00")


def local(text: str, store: int) -> datetime:
    """A UTC time as the rows show it: in its store's zone."""
    from store.clock import zone
    return utc(text).astimezone(zone("UTC" if store == 1 else "America/New_York"))


def test_overdue_lists_open_hires_past_due_with_whom_to_call_and_whole_days_late(reports):
    report = reports.run("overdue", NOW)
    assert [c.key for c in report.columns] == ["store", "due_at", "days_late", "title",
                                               "barcode", "customer", "card", "phone", "email"]
    assert report.rows == [
        ("Test Store", local("03-04 10:00", 1), 6, "Alien", "A1", "Mary Smith", "C1",
         "5550101", "mary@example.com"),
        ("Harbour", local("03-10 03:00", 2), 0, "Alien", "A3", "Cy Second", "C4", "5550104",
         "cy@example.com")]
    assert str(report.rows[1][1]) == "2025-03-09 23:00:00-04:00"   # Harbour's own clock
    assert report.title == "Overdue hires, all stores"
    assert [r[4] for r in reports.run("overdue", NOW, ReportQuery(store_id=2)).rows] == ["A3"]
    assert reports.run("overdue", NOW - timedelta(days=7)).rows == []


def test_due_today_is_each_stores_own_day(reports):
    report = reports.run("due-today", NOW)
    assert report.rows == [
        ("Test Store", local("03-10 20:00", 1), "Heat", "H1", "Tom Young", "C2", "5550102", None),
        ("Harbour", local("03-11 02:00", 2), "Jaws", "J2", "Cy Second", "C4", "5550104",
         "cy@example.com")]
    assert report.title == "Due back, all stores, 2025-03-10"
    # 03:00 UTC on the 10th is still the 9th in Harbour.
    ninth = reports.run("due-today", NOW, ReportQuery(store_id=2, end=date(2025, 3, 9)))
    assert [r[3] for r in ninth.rows] == ["A3"]
    assert ninth.title == "Due back, Harbour, 2025-03-09"


def test_takings_are_per_local_day_store_and_clerk_across_a_summer_time_change(reports):
    report = reports.run("takings", NOW, ReportQuery(**MARCH))
    assert report.rows == [
        (date(2025, 3, 1), "Test Store", "ana", 1, D("2.99")),
        (date(2025, 3, 5), "Test Store", "ana", 1, D("2.99")),
        (date(2025, 3, 7), "Harbour", "kim", 1, D("3.49")),
        (date(2025, 3, 8), "Harbour", "kim", 1, D("2.49")),     # 04:30 UTC on the 9th
        (date(2025, 3, 10), "Harbour", "kim", 1, D("1.00")),    # 04:30 UTC on the 10th
        (date(2025, 3, 10), "Test Store", "mo", 2, D("4.00"))]  # 5.00 less a 1.00 refund
    assert report.note == "Total taken: 16.96"
    assert report.money_columns == ["Amount"]
    today = reports.run("takings", NOW, ReportQuery(store_id=2))
    assert today.rows == [(date(2025, 3, 10), "Harbour", "kim", 1, D("1.00"))]


def test_top_titles_counts_hires_in_the_range_most_first(reports):
    report = reports.run("top-titles", NOW, ReportQuery(**MARCH))
    assert report.rows == [("Alien", 1979, "Horror", 3, 3, D("9.47")),
                           ("Heat", 1995, "Action", 1, 1, D("3.49")),
                           ("Jaws", 1975, "Thriller", 1, 1, D("2.49"))]
    # Default: the last 30 of Harbour's days (from 9 February), at most --limit of them.
    harbour = reports.run("top-titles", NOW, ReportQuery(store_id=2, limit=2))
    assert [r[0] for r in harbour.rows] == ["Alien", "Brazil"]
    assert harbour.title == "Most hired titles, Harbour, 2025-02-09 to 2025-03-10"


def test_slowest_titles_are_the_least_hired_then_longest_since_a_hire(reports):
    report = reports.run("slowest-titles", NOW, ReportQuery(store_id=1, **MARCH))
    assert report.rows == [
        ("Test Store", "Zelig", "Comedy", 2, 0, None),                     # never hired
        ("Test Store", "Brazil", "Comedy", 1, 0, local("02-01 10:00", 1)),
        ("Test Store", "Heat", "Action", 1, 1, local("03-08 12:00", 1)),
        ("Test Store", "Alien", "Horror", 2, 2, local("03-05 09:00", 1))]  # J1 is lost


def test_stock_counts_copies_by_title_and_status_per_store(reports):
    assert reports.run("stock", NOW).rows == [
        ("Harbour", "Alien", 0, 1, 0, 0, 0, 0, 1),
        ("Harbour", "Brazil", 0, 0, 0, 1, 0, 0, 1),
        ("Harbour", "Heat", 0, 0, 0, 0, 0, 1, 1),
        ("Harbour", "Jaws", 0, 1, 0, 0, 0, 0, 1),
        ("Test Store", "Alien", 1, 1, 0, 0, 0, 0, 2),
        ("Test Store", "Brazil", 1, 0, 0, 0, 0, 0, 1),
        ("Test Store", "Heat", 0, 1, 0, 0, 0, 0, 1),
        ("Test Store", "Jaws", 0, 0, 0, 0, 1, 0, 1),
        ("Test Store", "Zelig", 1, 0, 1, 0, 0, 0, 2)]


def test_balances_are_above_the_shops_blocking_balance_unless_told_otherwise(reports):
    report = reports.run("balances", NOW)
    assert report.rows == [
        ("Cy Second", "C4", "5550104", "cy@example.com", "Harbour", True, D("25.98")),
        ("Mary Smith", "C1", "5550101", "mary@example.com", "Test Store", True, D("12.00")),
        ("Ann Gone", "C3", None, None, "Test Store", False, D("10.50"))]
    assert report.note == "Owing more than 10.00: 3."
    everyone = reports.run("balances", NOW, ReportQuery(store_id=1, min_balance=D("0")))
    assert [(r[0], r[6]) for r in everyone.rows] == [
        ("Mary Smith", D("12.00")), ("Ann Gone", D("10.50")), ("Tom Young", D("1.48"))]


def test_balances_follow_a_changed_blocking_balance(reports, fresh_db):
    db = Database.for_app(fresh_db.db, role="admin")
    with db.transaction() as tx:
        tx.execute("UPDATE settings SET value = '20.00' WHERE name = 'blocking_balance'")
    db.close()
    assert [r[1] for r in reports.run("balances", NOW).rows] == ["C4"]


def test_sales_by_store_name_the_managers_and_the_money_taken(reports):
    report = reports.run("sales-by-store", NOW, ReportQuery(**MARCH))
    assert report.rows == [("Harbour", "lee", 3, D("6.98")),
                           ("Test Store", "Mo Manager", 4, D("9.98"))]   # "old" is inactive
    assert report.note == "Total: 16.96"


def test_sales_by_genre_adds_up_to_the_same_total_as_sales_by_store(reports):
    report = reports.run("sales-by-genre", NOW, ReportQuery(**MARCH))
    assert report.rows == [("Horror", 3, D("9.47")), ("(not for a hire)", 3, D("5.00")),
                           ("Thriller", 1, D("2.49"))]
    assert report.note == "Total: 16.96"


def test_a_query_a_report_cannot_answer_is_refused_plainly(reports):
    with pytest.raises(ValidationError, match="no report 'nope'; there are: overdue"):
        reports.run("nope", NOW)
    with pytest.raises(ValidationError, match="takes no days"):
        reports.run("overdue", NOW, ReportQuery(start=date(2025, 3, 1)))
    with pytest.raises(ValidationError, match=r"first day \(2025-03-10\) is after"):
        reports.run("takings", NOW, ReportQuery(start=date(2025, 3, 10), end=date(2025, 3, 1)))
    with pytest.raises(ValidationError, match="At most 3660 days in one report: 1970-01-01"):
        reports.run("takings", NOW, ReportQuery(start=date(1970, 1, 1)))
    with pytest.raises(ValidationError, match="takes no balance"):
        reports.run("stock", NOW, ReportQuery(min_balance=D("1")))
    with pytest.raises(NotFound, match="no store 9"):
        reports.run("stock", NOW, ReportQuery(store_id=9))
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        parse_day("2025-3-1", "--from")
    with pytest.raises(ValidationError, match="is not a date"):
        parse_day("2025-02-30", "--from")


def test_a_zones_offset_changes_are_found_to_the_second():
    start, end = utc("03-01 05:00"), utc("03-11 04:00")
    assert offset_segments("America/New_York", start, end) == [
        (start, utc("03-09 07:00"), -5 * 3600), (utc("03-09 07:00"), end, -4 * 3600)]
    assert offset_segments("UTC", start, end) == [(start, end, 0)]


# --- EXPLAIN at a realistic size ---------------------------------------------------------

# Full scans that are the right plan: `stores` (s) and a store's staff (m) are a handful
# of rows; a derived table (<derivedN>) is the report's own small intermediate result;
# balances is about every customer (cu) of the stores asked for, with no range to narrow
# them (in this two-store shop a store holds half of them: reading them all is cheaper).
SMALL = ("s", "stores", "m")
WHOLE = {"balances": ("cu",)}


class ExplainTx:
    """A Tx that also EXPLAINs each statement before running it."""

    def __init__(self, tx: Any, plans: list[tuple[str, list[dict[str, Any]]]]):
        self.tx, self.plans = tx, plans

    def all(self, statement: str, params: Any = ()) -> list[dict[str, Any]]:
        self.plans.append((statement, self.tx.all("EXPLAIN " + statement, params)))
        return self.tx.all(statement, params)

    def one(self, statement: str, params: Any = ()) -> dict[str, Any] | None:
        rows = self.all(statement, params)
        return rows[0] if rows else None


class ExplainingDatabase:
    """Stands in for the Reports' Database: each transaction's statements are EXPLAINed."""

    def __init__(self, database: Database):
        self.database = database
        self.plans: list[tuple[str, list[dict[str, Any]]]] = []

    def run(self, work: Any) -> Any:
        with self.database.transaction() as tx:
            return work(ExplainTx(tx, self.plans))


def load_many(settings: Settings) -> None:
    """2 stores, 2,000 titles, 8,000 copies, 5,000 customers, 60,000 hires over two years
    (500 open), a payment and a charge for each hire."""
    rng = random.Random(6)
    start = NOW - timedelta(days=730)
    db = Database.for_app(settings.db, role="admin")
    with db.transaction() as tx:
        tx.execute("INSERT INTO stores (name, timezone, created_at) VALUES "
                   "('Harbour', 'America/New_York', %s)", (NOW,))
        for store in (1, 2):
            tx.execute("INSERT INTO staff (store_id, username, password_hash, role, created_at, "
                       "updated_at) VALUES (%s, %s, 'x', 'manager', %s, %s)",
                       (store, f"m{store}", NOW, NOW))
        tx.many("INSERT INTO titles (title, genre, rental_rate, rental_days, replacement_cost, "
                "created_at, updated_at) VALUES (%s, %s, 2.99, 3, 19.99, %s, %s)",
                [(f"Title {i}", f"Genre {i % 16}", NOW, NOW) for i in range(2000)])
        tx.many("INSERT INTO copies (title_id, store_id, barcode, copy_number, status, "
                "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(i % 2000 + 1, i % 2 + 1, f"B{i}", i // 2000 + 1,
                  "hired" if i < 500 else "available", NOW, NOW) for i in range(8000)])
        tx.many("INSERT INTO customers (store_id, card_number, first_name, last_name, "
                "created_at, updated_at) VALUES (%s, %s, 'F', %s, %s, %s)",
                [(i % 2 + 1, f"K{i}", f"L{i}", NOW, NOW) for i in range(5000)])
        hires = []
        for i in range(60_000):
            copy = rng.randint(501, 8000) if i >= 500 else i + 1
            hired = start + timedelta(seconds=rng.randint(0, 730 * 86400))
            back = None if i < 500 else hired + timedelta(days=2)
            hires.append((copy, rng.randint(1, 5000), copy % 2 or 2, 1, hired,
                          hired + timedelta(days=3), back, D("2.99")))
        tx.many("INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, due_at, "
                "returned_at, rate_charged) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", hires)
        for table, column in (("payments", "paid_at"), ("charges", "created_at")):
            tx.many(f"INSERT INTO {table} (customer_id, hire_id, store_id, staff_id, kind, "
                    f"amount, {column}) VALUES (%s, %s, %s, 1, 'rental', %s, %s)",
                    [(h[1], n + 1, h[2], h[7], h[4]) for n, h in enumerate(hires)])
        for table in ("stores", "staff", "titles", "copies", "customers", "hires", "payments",
                      "charges"):
            tx.all(f"ANALYZE TABLE {table}")
    db.close()


@pytest.fixture(scope="module")
def many(private_mariadb: None) -> Iterator[Settings]:
    settings, _ = create_test_db(new_db_name("rep"))
    load_many(settings)
    yield settings
    drop_database(settings)


QUERIES = [ReportQuery(), ReportQuery(store_id=2),
           ReportQuery(start=date(2025, 2, 1), end=date(2025, 2, 28)),
           ReportQuery(store_id=1, start=date(2025, 3, 3), end=date(2025, 3, 9))]


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_reads_through_an_index(many, name):
    database = Database.for_app(many.db)
    explaining = ExplainingDatabase(database)
    try:
        for query in QUERIES:
            if not REPORTS[name].takes_days:
                query = ReportQuery(store_id=query.store_id)
            Reports(explaining).run(name, NOW, query)  # type: ignore[arg-type]
            for statement, plan in explaining.plans:
                print(f"\n{name} {query}\n{statement}")
                for step in plan:
                    print("   ", {k: step[k] for k in ("table", "type", "key", "rows", "Extra")})
                    allowed = SMALL + WHOLE.get(name, ())
                    if step["table"] in allowed or str(step["table"]).startswith("<derived"):
                        continue
                    assert step["type"] not in ("ALL", "index"), (name, query, step)
            explaining.plans.clear()
    finally:
        database.close()
