"""Hiring and returning through the managers against the same transactions as bare SQL, and
customer and title search at size against the bare indexed queries — all in the same run.

    python bench/hire_bench.py [--clerks 8] [--copies 100] [--seconds 10]
                               [--customers 1000000] [--titles 1000000] [--searches 300]
                               [--scale N] [--search-only] [--json FILE]

Needs the private MariaDB running (`make up` or `make test` starts it); the bench makes a
database of its own, starts a store server over it and drops it at the end.

Hire + return: `--clerks` processes, each logged in as a clerk of its own at a terminal of
its own (client, lease keeper, managers: the real path — the server's clock, the customer
and copy locks, receipts, audit), hire a random copy of `--copies` to one of its customers,
paid now, and return it, for `--seconds`. The baseline sends the very same statements in
the same transactions (through the same db/ functions: customer and copy FOR UPDATE,
balance, open hires, the hire, the copy's status, charge, payment, audit row, holds,
receipt; and the return's) from as many processes, with none of the managers' work around
them and no store server — so the ratio is what the managers and their locks cost. Copies another clerk has out are conflicts, counted, not hires. Afterwards
every copy's hires are checked: two that overlap in time are a double hire (must be 0).

Search: `--customers` customers (Sakila's names, mixed) and `--titles` titles (words of
Sakila's titles) are added; `--searches` customer finds (surname prefixes, given name +
surname prefix) through Customers.find, title finds (word prefixes) through
Videos.find_titles, and what the completers ask at each key (ui/completion.py: the title
completion's find_titles of 10 at this store, the copy completion's Shelf.copies) — each
against the bare statements it needs for the same answer (same columns, same copy counts,
the same readings of a name), for the same text, taking turns to go first (the first reads
from disk, the second from the buffer pool); p50 and p95, and the ratio of the p95s.
`--search-only` skips hire + return. `--scale N` first loads Sakila ×N (bench/scale.py: titles, copies,
customers) around the counter's own rows, so the hires and the searches meet tables of
that size (run_all.py's growth table: `--scale N --customers 0 --titles 0`).
Prints its figures; asserts nothing (a benchmark, not a test).
Targets (issues 4, 7): hire ratio >= 0.8 with 0 double hires; search and completion p95
<= 20 ms at 1M rows and <= 1.5x the bare statements.
"""
from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import queue
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import percentiles, timed  # noqa: E402  (after the path is set)
SAKILA = ROOT.parent / "shared" / "data" / "sakila"
CLERK_PASSWORD = "bench-clerk-pw-1"
PER_CLERK = 25   # customers of each clerk's own (the hire limit is never the obstacle)


# --- the shop ----------------------------------------------------------------------------

def seed_counter(settings: Any, clerks: int, copies: int) -> tuple[list[int], list[list[int]]]:
    """Titles, `copies` copies at store 1, PER_CLERK customers and an account per clerk;
    the copy ids and each clerk's customer ids."""
    from db.catalogue import insert_copies, insert_title
    from db.customers import insert_customer
    from db.database import Database
    from store import codes
    from store.passwords import hash_password
    db = Database.for_app(settings.db, role="admin")
    now = datetime.now(timezone.utc)
    try:
        with db.transaction() as tx:
            title_ids = [insert_title(tx, f"Bench Title {n}", 2000, "PG", "Drama", 90,
                                      Decimal("2.99"), 3, Decimal("19.99"), "", now)
                         for n in range(10)]
            rows = [(title_ids[n % 10], 1, "DVD", codes.copy_barcode(title_ids[n % 10], n // 10 + 1),
                     n // 10 + 1, now) for n in range(copies)]
            insert_copies(tx, rows)
            copy_ids = [r["id"] for r in tx.all("SELECT id FROM copies ORDER BY id")]
            customers = []
            for clerk in range(clerks):
                customers.append([insert_customer(
                    tx, 1, codes.card_number(clerk * PER_CLERK + k + 1), "Bench",
                    f"Customer{clerk}x{k}", None, None, "", "", "", date(1980, 1, 1), now)
                    for k in range(PER_CLERK)])
            cheap = hash_password(CLERK_PASSWORD, n=2 ** 10)
            for clerk in range(clerks):
                tx.execute("INSERT INTO staff (store_id, username, password_hash, role, "
                           "created_at, updated_at) VALUES (1, %s, %s, 'clerk', %s, %s)",
                           (f"clerk{clerk}", cheap, now, now))
    finally:
        db.close()
    return copy_ids, customers


def double_hires(settings: Any) -> int:
    """Pairs of hires of one copy that overlap in time."""
    from db.database import Database
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            return int(tx.scalar(
                "SELECT COUNT(*) FROM hires a JOIN hires b ON b.copy_id = a.copy_id "
                "AND b.id > a.id AND b.hired_at < COALESCE(a.returned_at, '9999-12-31')"))
    finally:
        db.close()


# --- the two ways of hiring -------------------------------------------------------------

def _managers(clerk: int, port: int, db_name: str) -> tuple[Callable[[int, int], bool],
                                                            Callable[[], None]]:
    """hire_and_return(customer, copy) through the real managers, and a close()."""
    from db.database import Database
    from db.settings import load_settings
    from store.client import StoreClient
    from store.counter import Counter
    from store.errors import Locked, StoreError
    from store.leases import LeaseKeeper
    from store.services import open_desk
    from store.shop import ShopSettings
    from store.stores import Stores
    settings = load_settings({"db.name": db_name})
    database = Database.for_app(settings.db)
    client = StoreClient("127.0.0.1", port, timeout_s=10)
    client.start()
    client.wait_connected(10)
    client.login(f"clerk{clerk}", CLERK_PASSWORD, f"bench-{clerk}")
    leases = LeaseKeeper(client)
    counter = Counter(client, leases)
    desk = open_desk(database, counter, ShopSettings(database, counter), Stores(database))

    def cycle(customer: int, copy: int) -> bool:
        try:
            desk.hires.hire(customer, [str(copy)], pay_now=True)
        except StoreError:
            return False  # another clerk has it out (refused) or is hiring it (locked)
        while True:  # another clerk may be trying to hire it this instant: ask again
            try:
                desk.returns.return_copies([str(copy)])
                return True
            except Locked:
                time.sleep(0.001)

    def close() -> None:
        leases.close()
        client.close()
        database.close()
    return cycle, close


def _bare(clerk: int, port: int, db_name: str) -> tuple[Callable[[int, int], bool],
                                                        Callable[[], None]]:
    """hire_and_return(customer, copy) as bare SQL: the very statements the managers send
    (through the same db/ functions, in the same order and transactions), with none of
    the managers' work around them and no store server (no locks, the local clock).
    That includes the request key each of them writes with its reply (store/once.py): it
    is part of the transaction, so it is part of the baseline too."""
    import hashlib
    import secrets

    import orjson

    from db import accounts, audit, receipts, request_keys
    from db import hires as sql
    from db import holds as holds_sql
    from db.database import Database
    from db.settings import load_settings
    settings = load_settings({"db.name": db_name})
    database = Database.for_app(settings.db)
    staff_id = clerk + 2  # the admin is 1
    body = "a receipt of about this size " * 20

    def keyed(tx: Any, op: str, args: dict[str, Any], reply: dict[str, Any],
              now: datetime) -> None:
        """The request key's row, as once.run writes it: a fresh key, the arguments'
        digest and the reply the clerk was shown (about its size: the receipt is most)."""
        digest = hashlib.sha256(orjson.dumps(args, option=orjson.OPT_SORT_KEYS)).hexdigest()
        request_keys.insert_key(tx, secrets.token_hex(16), staff_id, op, digest,
                                orjson.dumps(reply, default=str).decode(), now)

    def hire(tx: Any, customer: int, copy: int) -> bool:
        sql.lock_customer(tx, customer)
        row = sql.get_copies(tx, [copy], lock=True)[0]
        accounts.balance(tx, customer)
        sql.count_open(tx, customer)
        now = datetime.now(timezone.utc)  # once the rows are ours: no hire before a return
        if row["status"] != "available":
            return False
        hire_id = sql.insert_hire(tx, copy, customer, 1, staff_id, now,
                                  now + timedelta(days=row["rental_days"]), row["rental_rate"])
        sql.set_copy_status(tx, copy, "hired", now)
        accounts.insert_charge(tx, customer, hire_id, 1, staff_id, "rental",
                               row["rental_rate"], now)
        accounts.insert_payment(tx, customer, hire_id, 1, staff_id, "rental",
                                row["rental_rate"], now)
        audit.insert_audit(tx, now, staff_id, 1, "hire.create", "hires", hire_id, {}, {})
        holds_sql.holds_of(tx, customer)
        receipt_id = receipts.insert_receipt(tx, 1, staff_id, customer, "hire", body, now)
        receipts.set_body(tx, receipt_id, body)
        keyed(tx, "hire", {"customer_id": customer, "copies": [str(copy)], "pay_now": True},
              {"customer_id": customer, "hires": [{"hire_id": hire_id, "copy_id": copy}],
               "total": row["rental_rate"], "receipt_id": receipt_id, "receipt": body}, now)
        return True

    def take_back(tx: Any, customer: int, copy: int) -> None:
        sql.lock_customer(tx, customer)
        row = sql.get_copies(tx, [copy], lock=True)[0]
        hire = sql.open_hire_of_copy(tx, copy, for_update=True)
        now = datetime.now(timezone.utc)
        sql.close_hire(tx, hire["id"], now, staff_id, Decimal("0.00"))
        holds_sql.next_waiting(tx, row["title_id"], row["store_id"])
        sql.set_copy_status(tx, copy, "available", now)
        audit.insert_audit(tx, now, staff_id, 1, "hire.return", "hires", hire["id"], {}, {})
        accounts.balance(tx, customer)
        receipt_id = receipts.insert_receipt(tx, 1, staff_id, customer, "return", body, now)
        receipts.set_body(tx, receipt_id, body)
        keyed(tx, "return", {"copies": [str(copy)]},
              {"customer_id": customer, "returned": [{"hire_id": hire["id"], "copy_id": copy}],
               "receipt_id": receipt_id, "receipt": body}, now)

    def cycle(customer: int, copy: int) -> bool:
        if not database.run(lambda tx: hire(tx, customer, copy)):
            return False
        database.run(lambda tx: sql.customers_of_open_hires(tx, [copy]))  # whose is it?
        database.run(lambda tx: take_back(tx, customer, copy))
        return True
    return cycle, database.close


def _clerk(way: str, clerk: int, port: int, db_name: str, copies: list[int],
           customers: list[int], start_at: float, seconds: float,
           out: "mp.Queue[tuple[int, int]]") -> None:
    cycle, close = (_managers if way == "managers" else _bare)(clerk, port, db_name)
    rng = random.Random(clerk)
    hires = conflicts = 0
    time.sleep(max(0.0, start_at - time.time()))
    end = start_at + seconds
    while time.time() < end:
        if cycle(rng.choice(customers), rng.choice(copies)):
            hires += 1
        else:
            conflicts += 1
    close()
    out.put((hires, conflicts))


def hire_run(way: str, clerks: int, port: int, db_name: str, copies: list[int],
             customers: list[list[int]], seconds: float) -> dict[str, float]:
    out: "mp.Queue[tuple[int, int]]" = mp.Queue()
    start_at = time.time() + 3.0  # everyone logged in and connected first
    procs = [mp.Process(target=_clerk, args=(way, n, port, db_name, copies, customers[n],
                                              start_at, seconds, out)) for n in range(clerks)]
    for p in procs:
        p.start()
    results = []
    for _ in procs:
        try:
            results.append(out.get(timeout=seconds + 60))
        except queue.Empty:
            dead = [p.exitcode for p in procs if p.exitcode]
            raise SystemExit(f"a {way} clerk process never reported (exit codes {dead})") from None
    for p in procs:
        p.join()
    hires = sum(r[0] for r in results)
    return {"hires_s": hires / seconds, "hires": hires, "conflicts": sum(r[1] for r in results)}


# --- search at size ----------------------------------------------------------------------

def sakila(name: str, column: str) -> list[str]:
    with (SAKILA / f"{name}.csv").open(newline="") as f:
        return [row[column] for row in csv.DictReader(f)]


def fill_for_search(settings: Any, customers: int, titles: int) -> None:
    """Customers with Sakila's names mixed at random, titles of Sakila's title words."""
    from db.database import Database
    from store import codes
    firsts = [n.title() for n in sakila("customer", "first_name")]
    lasts = [n.title() for n in sakila("customer", "last_name")]
    words = sorted({w.title() for t in sakila("film", "title") for w in t.split()})
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    db = Database.for_app(settings.db, role="admin")
    batch = 20000
    try:
        for start in range(0, customers, batch):
            rows = [(1, codes.card_number(10_000_000 + n), rng.choice(firsts), rng.choice(lasts),
                     date(1950 + n % 50, 1 + n % 12, 1 + n % 28), now, now)
                    for n in range(start, min(customers, start + batch))]
            with db.transaction() as tx:
                tx.many("INSERT INTO customers (store_id, card_number, first_name, last_name, "
                        "date_of_birth, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        rows)
        for start in range(0, titles, batch):
            rows = [(f"{rng.choice(words)} {rng.choice(words)} {n}", now, now)
                    for n in range(start, min(titles, start + batch))]
            with db.transaction() as tx:
                tx.many("INSERT INTO titles (title, rating, genre, rental_rate, rental_days, "
                        "replacement_cost, created_at, updated_at) VALUES (%s, 'PG', 'Drama', "
                        "2.99, 3, 19.99, %s, %s)", rows)
        with db.transaction() as tx:
            tx.all("ANALYZE TABLE customers, titles")
    finally:
        db.close()


# (name, rows it searches): what search_run measures, each against its bare query
SEARCHED = (("customer search", "customers"), ("title search", "titles"),
            ("title completion", "titles"), ("copy completion", "copies"))


def search_run(port: int, db_name: str, searches: int) -> dict[str, dict[str, float]]:
    """Each search of SEARCHED through its manager and bare, for the same typed texts; the
    percentiles of each, by name ("customer search", "customer search bare", ...).

    The bare side sends the statements the manager needs for the same answer — the same
    columns, the copy counts a title shows, each interpretation of a customer's name —
    through the same db/ functions, in one transaction, with none of the manager's work
    around them. The two take turns going first: the first to read a text's rows from
    disk pays for it, and the second finds them in the buffer pool."""
    from db.database import Database
    from db.settings import load_settings
    from db import catalogue as title_sql
    from db import customers as customer_sql
    from store.client import StoreClient
    from store.counter import Counter
    from store.customer_rules import search_plan
    from store.customers import Customers
    from store.leases import LeaseKeeper
    from store.shelf import TITLES_TRIED, Shelf, copy_lookup
    from store.title_rules import title_search
    from store.videos import Videos
    settings = load_settings({"db.name": db_name})
    database = Database.for_app(settings.db)
    client = StoreClient("127.0.0.1", port, timeout_s=10)
    client.start()
    client.wait_connected(10)
    client.login("clerk0", CLERK_PASSWORD, "bench-search")
    counter = Counter(client, LeaseKeeper(client))
    customers, videos, shelf = Customers(database, counter), Videos(database, counter), Shelf(database)
    here = counter.actor.store_id
    rng = random.Random(11)
    lasts = [n.title() for n in sakila("customer", "last_name")]
    firsts = [n.title() for n in sakila("customer", "first_name")]
    words = sorted({w.title() for t in sakila("film", "title") for w in t.split()})
    people = [rng.choice(lasts)[:3] if n % 2 else f"{rng.choice(firsts)} {rng.choice(lasts)[:3]}"
              for n in range(searches)]
    things = [rng.choice(words)[:4] for _ in range(searches)]

    def bare_people(tx: Any, text: str) -> list[dict[str, Any]]:
        """The find's name queries for `text`, as it sends them: each reading of the
        text (surname, given name, both) in turn until 10 are found."""
        rows: list[dict[str, Any]] = []
        for name in search_plan(text).names:
            if len({r["id"] for r in rows}) >= 10:
                break
            if name.first and name.last:
                rows += customer_sql.by_full_name_prefix(tx, name.first, name.last, 10)
            elif name.last:
                rows += customer_sql.by_surname_prefix(tx, name.last, 10)
            elif name.first:
                rows += customer_sql.by_given_prefix(tx, name.first, 10)
        return rows

    def bare_titles(tx: Any, text: str, limit: int) -> list[dict[str, Any]]:
        """Titles that begin with the text, then (to fill `limit`) titles with a word that
        begins so; the same columns and copy counts the manager shows."""
        search = title_search(text)
        first = title_sql.find_titles(tx, None, search.starts, (), None, None, None, None,
                                      here, limit)
        if search.match is not None and len(first) < limit:
            first += title_sql.find_titles(tx, search.match, None, search.contains, None, None,
                                           None, None, here, limit + len(first), ordered=False)
        return first

    def bare_shelf(tx: Any, text: str) -> list[dict[str, Any]]:
        """Copies on the shelf here by the title typed, as the copy completion asks."""
        search = copy_lookup(text).title
        assert search is not None
        first = title_sql.shelf_copies_by_title_start(tx, here, search.starts, TITLES_TRIED,
                                                      10)
        if search.match is not None and len(first) < 10:
            first += title_sql.shelf_copies_by_title_word(tx, here, search.match,
                                                          search.contains, TITLES_TRIED, 20)
        return first

    def bare(work: Callable[[Any, str], Any], text: str) -> Callable[[], Any]:
        return lambda: database.run(lambda tx: work(tx, text))

    pairs: dict[str, tuple[Callable[[str], Callable[[], Any]], Callable[[str], Callable[[], Any]]]] = {
        "customer search": (lambda t: lambda: customers.find(t, 10), lambda t: bare(bare_people, t)),
        "title search": (lambda t: lambda: videos.find_titles(t, limit=20),
                         lambda t: bare(lambda tx, x: bare_titles(tx, x, 20), t)),
        "title completion": (lambda t: lambda: videos.find_titles(t, limit=10, here=here),
                             lambda t: bare(lambda tx, x: bare_titles(tx, x, 10), t)),
        "copy completion": (lambda t: lambda: shelf.copies(t, here, 10), lambda t: bare(bare_shelf, t)),
    }
    texts = {"customer search": people, "title search": things, "title completion": things,
             "copy completion": things}
    results: dict[str, list[float]] = {f"{k}{s}": [] for k in pairs for s in ("", " bare")}
    for n in range(searches):  # interleaved, same texts, taking turns to go first
        for name, (mine, floor) in pairs.items():
            text = texts[name][n]
            ways = [(name, mine(text)), (f"{name} bare", floor(text))]
            for label, call in (ways if n % 2 else ways[::-1]):
                results[label].append(timed(call))
    client.close()
    database.close()
    return {k: percentiles(v) for k, v in results.items()}


# --- the run -----------------------------------------------------------------------------

def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clerks", type=int, default=8)
    p.add_argument("--copies", type=int, default=100)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--titles", type=int, default=1_000_000)
    p.add_argument("--searches", type=int, default=300)
    p.add_argument("--scale", type=int, default=0,
                   help="load Sakila ×N first (bench/scale.py); 0: none")
    p.add_argument("--search-only", action="store_true",
                   help="skip hire + return: only the searches (and their data)")
    p.add_argument("--json", metavar="FILE", help="also write the figures there (run_all.py)")
    args = p.parse_args()

    from bench.server_bench import start_store_server
    from bench.common import Figures, at_most, bench_database
    from db.create import drop_database
    settings = bench_database("vshire")
    db_name = settings.db.name
    figures = Figures(args.json)
    figures.note_machine(settings)
    server, port = start_store_server(db_name, args.clerks + 2)
    try:
        copies, customers = seed_counter(settings, args.clerks, args.copies)
        size = f"Sakila ×{args.scale}" if args.scale else f"{args.copies} copies"
        if args.scale:   # after the counter's rows: its copy and card numbers come first
            from bench.scale import scale_into
            started = time.monotonic()
            counts = scale_into(settings, args.scale, say=lambda line: None)
            print(f"Sakila ×{args.scale}: {counts['titles']:,} titles, {counts['copies']:,} "
                  f"copies, {counts['customers']:,} customers ({time.monotonic() - started:.0f}"
                  f" s to load)", flush=True)
        if not args.search_only:
            hire_figures(args, settings, figures, port, db_name, copies, customers, size)
        started = time.monotonic()
        fill_for_search(settings, args.customers, args.titles)
        print(f"search data: {args.customers:,} customers, {args.titles:,} titles "
              f"({time.monotonic() - started:.0f} s to add)", flush=True)
        rows = table_sizes(settings)
        found = search_run(port, db_name, args.searches)
        for name, table in SEARCHED:
            mine, floor = found[name], found[f"{name} bare"]
            for pct in ("p50", "p95"):
                figures.add(f"{name}, {pct}", mine[pct], "ms", baseline=floor[pct],
                            baseline_is="bare indexed query", size=f"{rows[table]:,} {table}",
                            targets=[at_most(20.0), at_most(1.5, of="ratio")]
                            if pct == "p95" else [])
            label = {"customer search": "customers search", "title search": "titles search"}
            print(f"{label.get(name, name):<40} p50 {mine['p50']:6.2f} ms  p95 {mine['p95']:6.2f} ms"
                  f"  (bare indexed query p50 {floor['p50']:6.2f} ms  p95 {floor['p95']:6.2f} ms)"
                  f"  ratio of p95 {mine['p95'] / max(floor['p95'], 1e-9):.2f}", flush=True)
    finally:
        server.terminate()
        server.wait(10)
        drop_database(settings)
    figures.write()


def hire_figures(args: Any, settings: Any, figures: Any, port: int, db_name: str,
                 copies: list[int], customers: list[list[int]], size: str) -> None:
    """Hire + return through the managers and bare, and the double hires; into `figures`."""
    from bench.common import at_least, at_most, machine_line
    print(f"{machine_line()}; {args.clerks} clerks on {args.copies} copies, "
          f"{args.seconds:g} s a run, runs bare-managers-managers-bare twice", flush=True)
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "managers": []}
    for way in ("bare", "managers", "managers", "bare") * 2:  # drift cancels out
        runs[way].append(hire_run(way, args.clerks, port, db_name, copies, customers,
                                  args.seconds))
    bare, ours = (statistics.mean(r["hires_s"] for r in runs[w]) for w in runs)
    doubles = double_hires(settings)
    for way, label in (("bare", "bare SQL hire + return"), ("managers",
                                                            "managers hire + return")):
        rate = statistics.mean(r["hires_s"] for r in runs[way])
        conflicts = sum(r["conflicts"] for r in runs[way])
        ratio = f"  ratio to bare {ours / max(bare, 1e-9):.2f}" if way == "managers" else ""
        print(f"{label:<40} {rate:8.1f} hires/s  ({conflicts} conflicts){ratio}", flush=True)
    print(f"{'double hires (both ways, all runs)':<40} {doubles}", flush=True)
    figures.add(f"hire + return, {args.clerks} clerks", ours, "hires/s", baseline=bare,
                baseline_is="bare SQL", targets=[at_least(0.8)], size=size)
    figures.add("double hires (both ways, all runs)", doubles, "", targets=[at_most(0)],
                size=size)


def table_sizes(settings: Any) -> dict[str, int]:
    """Rows in the tables searched."""
    from db.database import Database
    db = Database.for_app(settings.db, role="admin")
    try:
        return db.run(lambda tx: {t: int(tx.scalar(f"SELECT COUNT(*) FROM {t}"))
                                  for t in ("customers", "titles", "copies")})
    finally:
        db.close()


if __name__ == "__main__":
    main()
