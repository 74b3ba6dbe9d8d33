"""Reports over the imported Sakila store, checked against Sakila's own data: its
sales_by_store and sales_by_film_category views, worked out here from the CSV files."""
import csv
import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from tests.conftest import SAKILA_DIR, run_main


def sakila(name):
    with (SAKILA_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def report(settings, name, *more, dated=True):
    start = (datetime.now(timezone.utc) - timedelta(days=400)).date().isoformat()
    dates = ("--from", start) if dated else ()
    done = run_main("report", name, *dates, "--format", "json",
                    "--db-name", settings.db.name, *more)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_sales_by_store_are_sakilas_sales_by_store_view(sakila_db):
    store_of = {r["inventory_id"]: r["store_id"] for r in sakila("inventory")}
    rental_store = {r["rental_id"]: store_of[r["inventory_id"]] for r in sakila("rental")}
    expected = defaultdict(Decimal)
    for p in sakila("payment"):
        expected[rental_store[p["rental_id"]]] += Decimal(p["amount"])
    rows = report(sakila_db, "sales-by-store")
    assert sorted(Decimal(r["total"]) for r in rows) == sorted(expected.values())
    assert {r["managers"] for r in rows} == {"Mike Hillyer", "Jon Stephens"}


def test_sales_by_genre_are_sakilas_sales_by_film_category_view(sakila_db):
    genres = {r["category_id"]: r["name"] for r in sakila("category")}
    genre_of = {r["film_id"]: genres[r["category_id"]] for r in sakila("film_category")}
    film_of = {r["inventory_id"]: r["film_id"] for r in sakila("inventory")}
    rental_genre = {r["rental_id"]: genre_of[film_of[r["inventory_id"]]] for r in sakila("rental")}
    expected = defaultdict(Decimal)
    for p in sakila("payment"):
        expected[rental_genre[p["rental_id"]]] += Decimal(p["amount"])
    rows = report(sakila_db, "sales-by-genre")
    assert {r["genre"]: Decimal(r["total"]) for r in rows} == dict(expected)
    top = max(expected, key=expected.get)
    assert rows[0]["genre"] == top == "Sports"


def test_stock_counts_each_stores_copies_by_status(sakila_db):
    out = Counter(r["inventory_id"] for r in sakila("rental") if not r["return_date"])
    store_of = {r["inventory_id"]: r["store_id"] for r in sakila("inventory")}
    hired = Counter(store_of[i] for i in out)
    for store, copies in (("1", 2270), ("2", 2311)):
        rows = report(sakila_db, "stock", "--store", store, dated=False)
        assert sum(r["hired"] for r in rows) == hired[store]
        assert sum(r["available"] + r["hired"] for r in rows) == copies
