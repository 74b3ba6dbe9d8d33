"""Sakila scaled by a factor, loaded through the project's own CSV import: the catalogue
and the customers a bench needs at ×100 (100k titles, 60k customers) or ×1000.

    python bench/scale.py --factor 100 --db-name NAME      (a store database made already)

Same distributions as Sakila (data/sakila/), fresh unique values:
- titles: `factor` titles per Sakila film; each takes its film's rating, genre, rate,
  rental days, length, replacement cost and description, and a new name made of two words
  of Sakila's titles (a number added only when the pair is taken), so a prefix search
  meets the same mix of words as in Sakila, factor times over;
- copies: each new title has as many copies, in the same stores, as its film has;
- customers: `factor` per Sakila customer, in that customer's store and city, with a
  given name and surname paired afresh from Sakila's (unique while pairs last: 358,801),
  a unique phone and e-mail, and a date of birth spread over 1940-2005.

Loaded with `python main.py import titles|copies|customers` (store/csv_import.py): the
same checks and bulk path an admin's import takes. Sakila's store 2 is created if the
database lacks it. Other benches import `scale_into(settings, factor)`.
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAKILA = ROOT / "data" / "sakila"
PAIR_STEP = 7919          # a prime: walks every (given, surname) pair once, spread out
FIRST_BORN = date(1940, 1, 1)
BIRTH_DAYS = (date(2005, 12, 31) - FIRST_BORN).days


def read(name: str) -> list[dict[str, str]]:
    with (SAKILA / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def title_rows(factor: int) -> Iterator[tuple[int, list[Any]]]:
    """(Sakila film id, CSV row) for `factor` new titles per film."""
    films = read("film")
    genre_of = {r["category_id"]: r["name"] for r in read("category")}
    genres = {r["film_id"]: genre_of[r["category_id"]] for r in read("film_category")}
    firsts = sorted({f["title"].split()[0].title() for f in films})
    lasts = sorted({f["title"].split()[-1].title() for f in films})
    taken: set[str] = set()
    n = 0
    for round_ in range(factor):
        for film in films:
            pair = n * PAIR_STEP
            name = f"{firsts[pair % len(firsts)]} {lasts[(pair // len(firsts)) % len(lasts)]}"
            if name in taken:
                name = f"{name} {round_ + 2}"
            taken.add(name)
            n += 1
            yield int(film["film_id"]), [
                name, film["rental_rate"], film["rental_duration"], film["replacement_cost"],
                film["release_year"], film["rating"], genres.get(film["film_id"], "Unsorted"),
                film["length"], film["description"]]


def customer_rows(factor: int, start: int = 0) -> Iterator[list[Any]]:
    customers = read("customer")
    cities = {r["city_id"]: r["city"] for r in read("city")}
    address = {r["address_id"]: r for r in read("address")}
    firsts = sorted({c["first_name"].title() for c in customers})
    lasts = sorted({c["last_name"].title() for c in customers})
    pairs = len(firsts) * len(lasts)
    for n in range(factor * len(customers)):
        c = customers[n % len(customers)]
        where = address.get(c["address_id"], {})
        k = (n * PAIR_STEP) % pairs
        given, surname = firsts[k % len(firsts)], lasts[k // len(firsts)]
        serial = start + n
        born = FIRST_BORN + timedelta(days=(serial * 7919) % BIRTH_DAYS)
        yield [given, surname, born.isoformat(), f"07{serial:09d}",
               f"{given.lower()}.{surname.lower()}.{serial}@example.com",
               where.get("address", ""), cities.get(where.get("city_id", ""), ""),
               where.get("postal_code", ""), c["store_id"]]


def write(path: Path, header: list[str], rows: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        for row in rows:
            out.writerow(row)
            count += 1
    return count


def import_csv(db_name: str, kind: str, path: Path) -> float:
    """Seconds for `python main.py import KIND PATH`; exits the bench if it fails."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "import", kind, str(path),
                           "--db-name", db_name], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"import {kind} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def ensure_stores(settings: Any) -> None:
    """Sakila's two stores: the second made when the database has only its first."""
    from datetime import datetime, timezone
    from db.database import Database
    from db.stores import get_store, insert_store
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            if get_store(tx, 2) is None:
                insert_store(tx, "Second Street", "", "", "UTC", datetime.now(timezone.utc))
    finally:
        db.close()


def title_ids(settings: Any) -> dict[str, int]:
    from db.database import Database
    db = Database.for_app(settings.db, role="admin")
    try:
        return {r["title"]: r["id"] for r in db.run(
            lambda tx: tx.all("SELECT id, title FROM titles"))}
    finally:
        db.close()


def scale_into(settings: Any, factor: int, say: Any = print) -> dict[str, int]:
    """Sakila ×`factor` imported into the database of `settings`; the rows written."""
    ensure_stores(settings)
    db_name = settings.db.name
    counts: dict[str, int] = {}
    copies_of: dict[str, list[str]] = defaultdict(list)   # film id -> store of each copy
    for row in read("inventory"):
        copies_of[row["film_id"]].append(row["store_id"])
    with tempfile.TemporaryDirectory(prefix="vsbench-scale-") as tmp:
        work = Path(tmp)
        film_of: dict[str, int] = {}

        def titles() -> Iterator[list[Any]]:
            for film_id, row in title_rows(factor):
                film_of[row[0]] = film_id
                yield row
        counts["titles"] = write(work / "titles.csv", [
            "title", "rental_rate", "rental_days", "replacement_cost", "release_year",
            "rating", "genre", "length_min", "description"], titles())
        seconds = import_csv(db_name, "titles", work / "titles.csv")
        say(f"scale ×{factor}: {counts['titles']:,} titles imported in {seconds:.1f} s")
        ids = title_ids(settings)
        counts["copies"] = write(work / "copies.csv", ["title_id", "format", "store_id"], (
            [ids[name], "DVD", store] for name, film in film_of.items()
            for store in copies_of[str(film)]))
        seconds = import_csv(db_name, "copies", work / "copies.csv")
        say(f"scale ×{factor}: {counts['copies']:,} copies imported in {seconds:.1f} s")
        counts["customers"] = write(work / "customers.csv", [
            "first_name", "last_name", "date_of_birth", "phone", "email", "address_line1",
            "city", "postal_code", "store_id"], customer_rows(factor))
        seconds = import_csv(db_name, "customers", work / "customers.csv")
        say(f"scale ×{factor}: {counts['customers']:,} customers imported in {seconds:.1f} s")
    from db.database import Database
    db = Database.for_app(settings.db, role="admin")
    try:
        db.run(lambda tx: tx.all("ANALYZE TABLE titles, copies, customers"))
    finally:
        db.close()
    return counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--factor", type=int, default=100)
    p.add_argument("--db-name", required=True, metavar="NAME",
                   help="an existing store database (python main.py create-db)")
    args = p.parse_args()
    from db.settings import load_settings
    scale_into(load_settings({"db.name": args.db_name}), args.factor)


if __name__ == "__main__":
    main()
