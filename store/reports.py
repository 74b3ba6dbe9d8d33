"""Reports: what the shop looks up about itself — hires overdue or due, takings, the titles
hired most and least, stock, balances owed, sales by store and by genre.

Each report is one read-only transaction over indexed queries (db/reports.py) and comes
back as a `Report`: a title, typed columns and rows of plain values, so the Reports screen
and `python main.py report` show the same rows as a table, CSV or JSON. REPORTS names them
all: the command line's list and the screen's entries come from it.

Days are each store's own calendar days (stores.timezone): "today" and a range of days
become UTC windows per store, and times in the rows are in their store's zone. `now` is
given by the caller (the terminal: the store server's clock; the command line: the
machine's), so a report is the same whenever it is asked about the same moment.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable

from db import reports as sql
from db.database import Database, Tx
from db.settings import Settings
from db.shop_settings import get_setting
from store import unit
from store.clock import utc, zone
from store.errors import DatabaseMissing, NotFound, ValidationError
from store.payments import day_bounds
from store.shop import rules_from

DAY = timedelta(days=1)
MAX_DAYS = 3660                      # about ten years in one report
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    key: str            # for CSV headers and JSON keys
    label: str          # for a table's header
    kind: str = "text"  # text, count (int), money (Decimal), day (date), time (aware datetime)


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""      # a line under the table (a total), not part of the rows

    @property
    def headers(self) -> list[str]:
        return [c.label for c in self.columns]

    @property
    def money_columns(self) -> list[str]:
        return [c.label for c in self.columns if c.kind == "money"]


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    description: str
    default_days: int = 0           # 0: takes no days; N: the last N days up to today
    default_limit: int | None = None
    min_balance: bool = False       # takes a balance to be above

    @property
    def takes_days(self) -> bool:
        return self.default_days > 0


REPORTS: dict[str, ReportSpec] = {s.name: s for s in [
    ReportSpec("overdue", "Overdue hires",
               "open hires past due: customer, phone, e-mail, title, copy, days late"),
    ReportSpec("due-today", "Due back", "open hires due back on a day (default today)", 1),
    ReportSpec("takings", "Takings", "money taken per day, store and clerk (default today)", 1),
    ReportSpec("top-titles", "Most hired titles",
               "titles hired most in a range of days (default the last 30)", 30, 10),
    ReportSpec("slowest-titles", "Least hired titles",
               "titles whose copies were hired least, then longest ago (default the last "
               "30 days)", 30, 10),
    ReportSpec("stock", "Stock", "copies per store and title by status"),
    ReportSpec("balances", "Balances owed", "customers who owe more than a limit (default "
               "the shop's blocking balance), with their contact details", min_balance=True),
    ReportSpec("sales-by-store", "Sales by store", "money taken per store, with its managers "
               "(default the last 30 days)", 30),
    ReportSpec("sales-by-genre", "Sales by genre", "money taken per genre of the titles hired "
               "(default the last 30 days)", 30),
]}


@dataclass(frozen=True)
class ReportQuery:
    store_id: int | None = None     # None: every store
    start: date | None = None       # None: the report's default
    end: date | None = None
    limit: int | None = None        # None: the report's default (most: no limit)
    min_balance: Decimal | None = None


def report_spec(name: str) -> ReportSpec:
    if name not in REPORTS:
        raise ValidationError(f"There is no report {name!r}; there are: {', '.join(REPORTS)}.")
    return REPORTS[name]


def parse_day(text: str, what: str = "a day") -> date:
    """A day written YYYY-MM-DD; ValidationError says what is wrong."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{what}: {text!r} is not a date; write it as YYYY-MM-DD, "
                              f"e.g. 2025-03-31.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(f"{what}: {text!r} is not between {FIRST_DAY} and {LAST_DAY}.")
    return day


def check_query(spec: ReportSpec, query: ReportQuery) -> None:
    """ValidationError unless `query` is one `spec` can answer."""
    if not spec.takes_days and (query.start or query.end):
        raise ValidationError(f"The {spec.name} report takes no days.")
    if query.min_balance is not None and not spec.min_balance:
        raise ValidationError(f"The {spec.name} report takes no balance.")
    if query.start and query.end:
        if query.start > query.end:
            raise ValidationError(f"The first day ({query.start}) is after the last "
                                  f"({query.end}).")
        if (query.end - query.start).days >= MAX_DAYS:
            raise ValidationError(f"At most {MAX_DAYS} days in one report.")
    if query.limit is not None and query.limit < 1:
        raise ValidationError("The number of rows is at least 1.")


def offset_segments(tz_name: str, start: datetime, end: datetime) -> list[tuple[datetime,
                                                                                datetime, int]]:
    """[start, end) (UTC) cut where the zone's UTC offset changes: (from, to, offset in
    seconds) pieces, so a store's local day can be told in SQL across a summer-time change.
    Offsets are sampled daily and each change found to the second (changes in the tz
    database are months apart, on whole seconds)."""
    tz = zone(tz_name)

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    pieces, begun, current, probe = [], start, offset(start), start
    last = end - timedelta(microseconds=1)
    while probe < last:
        ahead = min(probe + DAY, last)
        if offset(ahead) == current:
            probe = ahead
            continue
        low, high = probe, ahead          # offset(low) == current != offset(high)
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            low, high = (middle, high) if offset(middle) == current else (low, middle)
        change = low.replace(microsecond=0) + timedelta(seconds=1)  # the whole second
        pieces.append((begun, change, current))
        begun, current, probe = change, offset(change), change
    pieces.append((begun, end, current))
    return [p for p in pieces if p[0] < p[1]]


@dataclass(frozen=True)
class Place:
    """A store as a report sees it, with the days the report covers there."""
    id: int
    name: str
    timezone: str
    start: date | None = None
    end: date | None = None

    def window(self) -> sql.Window:
        assert self.start and self.end
        return (self.id, day_bounds(self.start, self.timezone)[0],
                day_bounds(self.end, self.timezone)[1])

    def local(self, moment: datetime | None) -> datetime | None:
        """A time from the database (UTC) in this store's zone."""
        aware = utc(moment)
        return None if aware is None else aware.astimezone(zone(self.timezone))


def _days(spec: ReportSpec, query: ReportQuery, now: datetime, tz: str) -> tuple[date, date]:
    """The first and last day the report covers in a store of zone `tz`."""
    today = now.astimezone(zone(tz)).date()
    end = query.end or (max(query.start, today) if query.start else today)
    return query.start or end - timedelta(days=spec.default_days - 1), end


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _name(row: dict[str, Any]) -> str:
    return f"{row['first_name']} {row['last_name']}"


class Reports:
    """The reports over one database (read-only; no lock, no clock of its own)."""

    def __init__(self, database: Database):
        self.database = database

    def run(self, name: str, now: datetime, query: ReportQuery = ReportQuery()) -> Report:
        """Report `name` as of `now` (aware); ValidationError for a query it cannot answer,
        NotFound for a store that does not exist."""
        spec = report_spec(name)
        check_query(spec, query)
        if spec.default_limit and query.limit is None:
            query = replace(query, limit=spec.default_limit)

        def work(tx: Tx) -> Report:
            places = self._places(tx, spec, query, now)
            rows, columns, note = BUILDERS[name](tx, query, now, places)
            return Report(name, self._title(spec, query, places), columns, rows, note)
        return unit.run(self.database, work)

    @staticmethod
    def _places(tx: Tx, spec: ReportSpec, query: ReportQuery, now: datetime) -> list[Place]:
        rows = sql.stores(tx, query.store_id)
        if not rows:
            raise NotFound(f"There is no store {query.store_id} in this database.")
        places = []
        for r in rows:
            start, end = _days(spec, query, now, r["timezone"]) if spec.takes_days else (None,
                                                                                        None)
            if start and end and (end - start).days >= MAX_DAYS:
                raise ValidationError(f"At most {MAX_DAYS} days in one report: {start} to "
                                      f"{end} is more.")
            places.append(Place(r["id"], r["name"], r["timezone"], start, end))
        return places

    @staticmethod
    def _title(spec: ReportSpec, query: ReportQuery, places: list[Place]) -> str:
        where = places[0].name if query.store_id is not None else "all stores"
        spans = sorted({(p.start, p.end) for p in places if p.start and p.end})
        when = " / ".join(f"{a}" if a == b else f"{a} to {b}" for a, b in spans)
        return f"{spec.title}, {where}" + (f", {when}" if when else "")


Rows = tuple[list[tuple[Any, ...]], tuple[Column, ...], str]
CONTACT = (Column("title", "Title"), Column("barcode", "Copy"), Column("customer", "Customer"),
           Column("card", "Card"), Column("phone", "Phone"), Column("email", "E-mail"))


def _contact(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["title"], row["barcode"], _name(row), row["card_number"], row["phone"],
            row["email"])


def _overdue(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    """Days late are whole days since the due time (a copy 30 hours late: 1)."""
    by_id = {p.id: p for p in places}
    rows = [(r["store"], by_id[r["store_id"]].local(r["due_at"]),
             (now - utc(r["due_at"])) // DAY, *_contact(r))  # type: ignore[operator]
            for r in sql.overdue(tx, list(by_id), now, q.limit)]
    return rows, (Column("store", "Store"), Column("due_at", "Due", "time"),
                  Column("days_late", "Days late", "count"), *CONTACT), ""


def _due(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    by_id = {p.id: p for p in places}
    rows = [(r["store"], by_id[r["store_id"]].local(r["due_at"]), *_contact(r))
            for r in sql.due(tx, [p.window() for p in places], q.limit)]
    return rows, (Column("store", "Store"), Column("due_at", "Due", "time"), *CONTACT), ""


def _takings(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    windows = [p.window() for p in places]
    segments = [(p.id, a, b, off) for p, (_, start, end) in zip(places, windows)
                for a, b, off in offset_segments(p.timezone, start, end)]
    rows = [(r["day"], r["store"], r["clerk"], int(r["payments"]), _money(r["amount"]))
            for r in sql.takings(tx, windows, segments, q.limit)]
    total = sum((r[4] for r in rows), Decimal("0.00"))
    return rows, (Column("day", "Day", "day"), Column("store", "Store"),
                  Column("clerk", "Clerk"), Column("payments", "Payments", "count"),
                  Column("amount", "Amount", "money")), f"Total taken: {total:.2f}"


def _top(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    rows = [(r["title"], r["release_year"], r["genre"], int(r["hires"]), int(r["customers"]),
             _money(r["charged"]))
            for r in sql.top_titles(tx, [p.window() for p in places], q.limit)]
    return rows, (Column("title", "Title"), Column("year", "Year", "count"),
                  Column("genre", "Genre"), Column("hires", "Hires", "count"),
                  Column("customers", "Customers", "count"),
                  Column("charged", "Charged", "money")), ""


def _slowest(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    by_id = {p.id: p for p in places}
    rows = [(r["store"], r["title"], r["genre"], int(r["copies"]), int(r["hires"]),
             by_id[r["store_id"]].local(r["last_hired"]))
            for r in sql.slowest_titles(tx, list(by_id), [p.window() for p in places],
                                        q.limit)]
    return rows, (Column("store", "Store"), Column("title", "Title"), Column("genre", "Genre"),
                  Column("copies", "Copies", "count"), Column("hires", "Hires", "count"),
                  Column("last_hired", "Last hired", "time")), ""


def _stock(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    rows = [(r["store"], r["title"], *(int(r[s]) for s in sql.STATUSES), int(r["total"]))
            for r in sql.stock(tx, [p.id for p in places], q.limit)]
    return rows, (Column("store", "Store"), Column("title", "Title"),
                  *(Column(s, s.capitalize(), "count") for s in sql.STATUSES),
                  Column("total", "Total", "count")), ""


def blocking_balance(tx: Tx) -> Decimal:
    """The shop's setting (a missing or unreadable one: its default), as store/shop.py
    reads it."""
    stored = get_setting(tx, "blocking_balance")
    return rules_from({} if stored is None else {"blocking_balance": stored}).blocking_balance


def _balances(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    above = blocking_balance(tx) if q.min_balance is None else q.min_balance
    rows = [(_name(r), r["card_number"], r["phone"], r["email"], r["store"],
             bool(r["active"]), _money(r["owed"]))
            for r in sql.balances(tx, [p.id for p in places], above, q.limit)]
    return rows, (Column("customer", "Customer"), Column("card", "Card"),
                  Column("phone", "Phone"), Column("email", "E-mail"),
                  Column("store", "Home store"), Column("active", "Active"),
                  Column("owed", "Owed", "money")), f"Owing more than {above:.2f}: {len(rows)}."


def _by_store(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    rows = [(r["store"], r["managers"] or "", int(r["payments"]), _money(r["total"]))
            for r in sql.sales_by_store(tx, [p.id for p in places],
                                        [p.window() for p in places])][:q.limit]
    total = sum((r[3] for r in rows), Decimal("0.00"))
    return rows, (Column("store", "Store"), Column("managers", "Managers"),
                  Column("payments", "Payments", "count"),
                  Column("total", "Total", "money")), f"Total: {total:.2f}"


NO_HIRE = "(not for a hire)"


def _by_genre(tx: Tx, q: ReportQuery, now: datetime, places: list[Place]) -> Rows:
    """Money not for one hire (account payments, refunds) has a row of its own, so the
    total is the same as sales by store."""
    rows = [(NO_HIRE if r["genre"] is None else r["genre"] or "(no genre)",
             int(r["payments"]), _money(r["total"]))
            for r in sql.sales_by_genre(tx, [p.window() for p in places])][:q.limit]
    total = sum((r[2] for r in rows), Decimal("0.00"))
    return rows, (Column("genre", "Genre"), Column("payments", "Payments", "count"),
                  Column("total", "Total", "money")), f"Total: {total:.2f}"


BUILDERS: dict[str, Callable[[Tx, ReportQuery, datetime, list[Place]], Rows]] = {
    "overdue": _overdue, "due-today": _due, "takings": _takings, "top-titles": _top,
    "slowest-titles": _slowest, "stock": _stock, "balances": _balances,
    "sales-by-store": _by_store, "sales-by-genre": _by_genre,
}
assert set(BUILDERS) == set(REPORTS), "every report needs a builder"


@contextmanager
def opened(settings: Settings) -> Iterator[Reports]:
    """Reports over a pool of their own, closed at the end (for the command line).
    DatabaseMissing when this machine has no password for the database's account (as
    store/services.py says it): create-db has not been run for it here."""
    if not settings.db.password:
        raise DatabaseMissing(
            f"Database {settings.db.name} is not set up on this machine: no password for its "
            f"account {settings.db.app_user} is configured or saved by create-db.")
    database = Database.for_app(settings.db)
    try:
        yield Reports(database)
    finally:
        database.close()


__all__ = ["Column", "REPORTS", "Report", "ReportQuery", "ReportSpec", "Reports",
           "check_query", "opened", "parse_day", "report_spec"]
