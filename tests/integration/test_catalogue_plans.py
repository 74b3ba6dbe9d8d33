"""Every query the Videos screens run uses an index at a realistic size: EXPLAIN on a fresh
database of 50,000 titles, ~100,000 copies in two stores, 20,000 hires and 2,000 holds.

The db/ functions are run with an ExplainTx in place of a Tx: it EXPLAINs each statement
instead of running it, so what is checked is exactly the SQL the managers send. A full
table scan (type ALL) or a full index scan (type index) fails the test. `-s` prints each
plan and how long each title search took (median of 5) for docs and reviews.
"""
from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta
from typing import Any, Iterator

import pytest

from db import catalogue as sql
from db.database import Database
from store import codes, title_rules
from store.demo_data import TITLES as DEMO_TITLES

N_TITLES = 50_000
GENRES = ("Action", "Animation", "Children", "Classics", "Comedy", "Documentary", "Drama",
          "Family", "Foreign", "Games", "Horror", "Music", "New", "Sci-Fi", "Sports", "Travel")
FULL_SCANS = ("ALL", "index")
# `stores` (alias s) is the chain's list of shops, a handful of rows: reading all of it
# to walk copies store by store through ix_copies_store_title_status is the right plan.
SMALL_TABLES = ("s",)


class ExplainTx:
    """Stands in for a Tx: EXPLAINs each statement (on the real database) and keeps the
    plan; returns no rows."""

    def __init__(self, tx: Any):
        self.tx = tx
        self.plans: list[tuple[str, list[dict[str, Any]]]] = []

    def _explain(self, statement: str, params: Any) -> None:
        self.plans.append((statement, self.tx.all("EXPLAIN " + statement, params)))

    def one(self, statement: str, params: Any = ()) -> None:
        self._explain(statement, params)

    def all(self, statement: str, params: Any = ()) -> list[dict[str, Any]]:
        self._explain(statement, params)
        return []

    def scalar(self, statement: str, params: Any = ()) -> int:
        self._explain(statement, params)
        return 0


def vocabulary(rng: random.Random) -> list[str]:
    """~3,000 made-up words and the demo titles' real ones."""
    syllables = ["ka", "lo", "mi", "ren", "dor", "sa", "vel", "tri", "on", "bar", "ges", "ul",
                 "pha", "nor", "que", "zin", "ta", "mon", "ric", "el", "sto", "va", "lin"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))
             for _ in range(4000)}
    words.update(w.lower() for t in DEMO_TITLES for w in t[0].split())
    return sorted(words)


def load(db: Database) -> None:
    rng = random.Random(4)
    words = vocabulary(rng)
    now = datetime(2025, 1, 1)
    titles = []
    for i in range(N_TITLES):
        name = " ".join(rng.choice(words).capitalize() for _ in range(rng.randint(1, 4)))
        if i % 10 == 0:
            name = "The " + name
        titles.append((name, rng.randint(1930, 2025), rng.choice(title_rules.RATINGS),
                       rng.choice(GENRES), rng.randint(60, 180), "2.99", rng.randint(1, 7),
                       "19.99", f"A {rng.choice(words)} of a {rng.choice(words)}", now, now))
    with db.transaction() as tx:
        tx.execute("INSERT INTO stores (name, created_at) VALUES ('Second Street', %s)", (now,))
        staff = tx.scalar("SELECT MIN(id) FROM staff")
        for start in range(0, N_TITLES, 5000):
            tx.many("INSERT INTO titles (title, release_year, rating, genre, length_min, "
                    "rental_rate, rental_days, replacement_cost, description, created_at, "
                    "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    titles[start:start + 5000])
        first = tx.scalar("SELECT MIN(id) FROM titles")
        copies = []
        for title_id in range(first, first + N_TITLES):
            for n in range(1, rng.randint(0, 4) + 1):
                status = rng.choices(("available", "hired", "damaged", "retired"),
                                     (80, 15, 3, 2))[0]
                copies.append((title_id, rng.choice((1, 2)), rng.choice(title_rules.FORMATS),
                               codes.copy_barcode(title_id, n), n, status, now, now))
        for start in range(0, len(copies), 10000):
            tx.many("INSERT INTO copies (title_id, store_id, format, barcode, copy_number, "
                    "status, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    copies[start:start + 10000])
        tx.many("INSERT INTO customers (store_id, card_number, first_name, last_name, "
                "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s)",
                [(1, codes.card_number(n), f"First{n}", f"Last{n}", now, now)
                 for n in range(1, 2001)])
        customers = [r["id"] for r in tx.all("SELECT id FROM customers")]
        rows = tx.all("SELECT id, status, store_id FROM copies")
        hires = []
        for row in rows:
            if row["status"] == "hired" or rng.random() < 0.1:  # open, or returned ones
                at = now - timedelta(days=rng.randint(1, 400))
                back = None if row["status"] == "hired" else at + timedelta(days=2)
                hires.append((row["id"], rng.choice(customers), row["store_id"], staff, at,
                              at + timedelta(days=3), back, "2.99"))
        tx.many("INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, "
                "due_at, returned_at, rate_charged) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                hires)
        holds = [(rng.choice(customers), rng.randint(first, first + N_TITLES - 1), 1, staff,
                  now, "waiting") for _ in range(2000)]
        tx.many("INSERT INTO holds (customer_id, title_id, store_id, placed_by, placed_at, "
                "status) VALUES (%s, %s, %s, %s, %s, %s)", holds)
    with db.transaction() as tx:
        for table in ("titles", "copies", "customers", "hires", "holds"):
            tx.all(f"ANALYZE TABLE {table}")


@pytest.fixture(scope="module")
def big_db(private_mariadb: None) -> Iterator[Database]:
    """A fresh store database at size, shared by this module's tests (they only read)."""
    from db.create import drop_database
    from tests.conftest import create_test_db, new_db_name
    settings, _ = create_test_db(new_db_name("plans"))
    admin = Database.for_app(settings.db, role="admin")
    app = Database.for_app(settings.db)
    try:
        started = time.monotonic()
        load(admin)
        print(f"\nloaded {N_TITLES} titles and their copies, hires and holds in "
              f"{time.monotonic() - started:.1f} s")
        yield app
    finally:
        app.close()
        admin.close()
        drop_database(settings)


def explain(db: Database, work: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    with db.transaction() as tx:
        recorder = ExplainTx(tx)
        work(recorder)
        return recorder.plans


def check(plans: list[tuple[str, list[dict[str, Any]]]], label: str) -> None:
    assert plans, f"{label}: no statement was run"
    for statement, plan in plans:
        shown = "\n    ".join(f"{r['select_type']:<18} {r['table']!s:<10} {r['type']!s:<9} "
                              f"key={r['key']} rows={r['rows']} {r['Extra'] or ''}"
                              for r in plan)
        print(f"\n{label}:\n    {shown}")
        for row in plan:
            assert (row["type"] not in FULL_SCANS or row["table"] in SMALL_TABLES
                    or row["table"].startswith("<derived")), (  # the LIMIT's few rows
                f"{label} scans all of {row['table']}: {row}\n{statement}")


SEARCHES = {
    "a word's first letters": "kalo",
    "two words and a stopword": "the kalo dor",
    "one letter (title prefix)": "k",
    "a short word (title prefix)": "go",
}
FILTERS: dict[str, dict[str, Any]] = {
    "no filter": {},
    "genre": {"genre": "Comedy"},
    "rating": {"rating": "PG-13"},
    "format": {"fmt": "Blu-ray"},
    "available here": {"available_at": 1},
    "available here on DVD": {"available_at": 1, "fmt": "DVD"},
    "everything": {"genre": "Drama", "rating": "R", "available_at": 2, "fmt": "4K"},
}


def search_args(text: str, filters: dict[str, Any]) -> dict[str, Any]:
    s = title_rules.title_search(text)
    return {"match": s.match, "prefix": s.prefix, "contains": s.contains, "genre": None,
            "rating": None, "fmt": None, "available_at": None, "here": 1, "limit": 20,
            **filters}


@pytest.mark.parametrize("filters", FILTERS, ids=list(FILTERS))
@pytest.mark.parametrize("search", SEARCHES, ids=list(SEARCHES))
def test_every_title_search_uses_an_index(big_db, search, filters):
    args = search_args(SEARCHES[search], FILTERS[filters])
    plans = explain(big_db, lambda tx: sql.find_titles(tx, **args))
    check(plans, f"find titles by {search}, {filters}")
    [(_, plan)] = plans
    titles = next(r for r in plan if r["table"] == "t")
    if args["match"]:
        assert (titles["type"], titles["key"]) == ("fulltext", "ft_titles_title")
    else:  # ix_titles_title's range, or the optimizer's better pick of another index
        assert titles["type"].split("|")[0] in ("range", "ref", "index_merge")
        assert titles["key"]
    timings = []
    for _ in range(5):
        with big_db.transaction() as tx:
            started = time.perf_counter()
            found = sql.find_titles(tx, **args)
            timings.append((time.perf_counter() - started) * 1000)
    print(f"    {len(found)} found; median {statistics.median(timings):.1f} ms")


def test_the_title_and_copy_lookups_use_an_index(big_db):
    with big_db.transaction() as tx:
        some = tx.one("SELECT c.id, c.title_id, c.barcode, t.title, t.release_year FROM copies c "
                      "JOIN titles t ON t.id = c.title_id ORDER BY c.id DESC LIMIT 1")
    checks = {
        "a copy by number": lambda tx: sql.copy_whereabouts(tx, copy_id=some["id"]),
        "a copy by barcode": lambda tx: sql.copy_whereabouts(tx, barcode=some["barcode"]),
        "a title's copies": lambda tx: sql.copies_whereabouts(tx, some["title_id"]),
        "a title": lambda tx: sql.get_title(tx, some["title_id"], for_update=True),
        "the same title": lambda tx: sql.same_title(tx, some["title"], some["release_year"]),
        "the highest copy number": lambda tx: sql.highest_copy_number(tx, some["title_id"]),
        "new copies": lambda tx: sql.copies_numbered(tx, some["title_id"], 1, 3),
        "a copy to change": lambda tx: sql.copy_for_change(tx, some["id"]),
        "the genres": sql.genres,
    }
    for label, work in checks.items():
        check(explain(big_db, work), label)


def test_a_common_word_is_still_found_fast_enough_for_typing(big_db):
    """The worst case a clerk can type: a word prefix that matches thousands of titles
    (sorted by title, the first 20 shown)."""
    with big_db.transaction() as tx:
        many = tx.scalar("SELECT COUNT(*) FROM titles WHERE MATCH (title) AGAINST "
                         "('+ka*' IN BOOLEAN MODE)")
    assert many > 5000
    args = search_args("ka", {})
    args.update(match="+ka*", prefix=None)
    check(explain(big_db, lambda tx: sql.find_titles(tx, **args)), "a common word prefix")
    timings = []
    for _ in range(5):
        with big_db.transaction() as tx:
            started = time.perf_counter()
            assert len(sql.find_titles(tx, **args)) == 20
            timings.append((time.perf_counter() - started) * 1000)
    print(f"    {many} titles match; median {statistics.median(timings):.1f} ms")


SHELF_LOOKUPS = ["kalo", "the kalo dor", "k", "go", "000012", "44", "1"]


@pytest.mark.parametrize("typed", SHELF_LOOKUPS)
def test_the_copy_completions_use_an_index_and_answer_while_typing(big_db, typed):
    """What the copy prompt's completion asks at each key (store/shelf.py): the plan of
    each statement, and the whole lookup's time (median of 5) well inside a keystroke."""
    from store.shelf import TITLES_TRIED, Shelf, copy_lookup
    lookup = copy_lookup(typed)

    def statements(tx):
        if lookup.title is None:
            sql.shelf_copies_by_barcode(tx, 1, lookup.barcode_prefix, 10)
            sql.shelf_copies_by_number(tx, 1, lookup.number_ranges, 10)
        else:
            search = lookup.title
            sql.shelf_copies_by_title_start(tx, 1, search.starts, TITLES_TRIED, 10)
            if search.match:
                sql.shelf_copies_by_title_word(tx, 1, search.match, search.contains,
                                               TITLES_TRIED, 20)
    plans = explain(big_db, statements)
    check(plans, f"copies on the shelf for {typed!r}")
    for statement, plan in plans:
        by_key = {r["table"]: r for r in plan}
        assert by_key["c"]["key"], f"copies read without an index: {plan}"
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        found = Shelf(big_db).copies(typed, 1)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"    {len(found)} offered; median {statistics.median(timings):.1f} ms")
    assert statistics.median(timings) < 100
