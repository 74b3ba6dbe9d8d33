"""A chain of two shops on one database (docs/scaling.md): each shop runs its own store
server (`server.store_id`), and clerks in both hire and take back copies at the same time
through the real client and managers. What one shop's server knows (sessions, locks) stays
its own; the database, shared by both, ends up holding exactly what each side was told."""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from db.catalogue import insert_copies, insert_title
from db.customers import insert_customer
from db.database import Database
from db.settings import Settings
from store import codes
from store.errors import Locked, Refused
from tests.circulation import Shop
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff
from tests.helpers import RunningServer, start_server

STORES = (1, 2)
CLERKS = {1: ("a1", "a2", "a3"), 2: ("b1", "b2", "b3")}
COPIES_PER_TITLE = 3        # in each store
CUSTOMERS_PER_STORE = 4
ROUNDS = 10                 # hire-then-return rounds per clerk, before the late returns
KEEP_OUT_TRIES = 20         # then tries to hire one copy that stays out until it is late
LATE_DAYS = {1: 5, 2: 9}    # each shop's own test clock moves on by this much
PHASE_TIMEOUT_S = 120.0
TITLES = [("Alien", "2.99", 3), ("Toy Story", "1.99", 2), ("Heat", "3.49", 3),
          ("Jaws", "2.49", 3)]


@dataclass
class Chain:
    settings: Settings
    shops: dict[int, Shop]                       # store id -> its shop (and its server)
    copies: dict[int, list[int]]                 # store id -> its copies
    customers: dict[int, list[int]]              # home store id -> customers

    def server(self, store_id: int) -> RunningServer:
        return self.shops[store_id].server

    def scalar(self, sql: str, params: tuple = ()) -> object:
        return self.shops[1].scalar(sql, params)


def build_chain(settings: Settings) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Two stores' titles (shared: the catalogue is the chain's), copies and customers,
    and three clerks in each store, made straight in the database."""
    copies: dict[int, list[int]] = {1: [], 2: []}
    customers: dict[int, list[int]] = {1: [], 2: []}
    now = datetime.now(timezone.utc)
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            tx.execute("INSERT INTO stores (name, created_at) VALUES ('Second Street', %s)",
                       (now,))
            for title, rate, days in TITLES:
                title_id = insert_title(tx, title, 1990, "PG", "Drama", 100, Decimal(rate),
                                        days, Decimal("19.99"), "", now)
                for n in range(1, 2 * COPIES_PER_TITLE + 1):
                    store = STORES[(n - 1) // COPIES_PER_TITLE]
                    insert_copies(tx, [(title_id, store, "DVD", codes.copy_barcode(title_id, n),
                                        n, now)])
                    copies[store].append(tx.scalar(
                        "SELECT id FROM copies WHERE title_id = %s AND copy_number = %s",
                        (title_id, n)))
            for seq in range(1, 2 * CUSTOMERS_PER_STORE + 1):
                store = STORES[(seq - 1) // CUSTOMERS_PER_STORE]
                customers[store].append(insert_customer(
                    tx, store, codes.card_number(seq), f"Cust{seq}", f"Store{store}",
                    f"555020{seq:02d}", None, "", "", "", date(1980, 1, 1), now))
    finally:
        db.close()
    for store in STORES:
        for username in CLERKS[store]:
            make_staff(settings, username, "clerk", store)
    return copies, customers


@pytest.fixture
def chain(fresh_db: Settings, tmp_path: Path) -> Iterator[Chain]:
    """Two shops on one fresh database, each with its own store server (test clock on)
    serving only its own staff."""
    copies, customers = build_chain(fresh_db)
    servers: dict[int, RunningServer] = {}
    try:
        for store in STORES:
            servers[store] = start_server(tmp_path, fresh_db.db.name, "--test-clock",
                                          env={"VIDEOSTORE_SERVER_STORE_ID": str(store)})
        yield Chain(fresh_db, {s: Shop(fresh_db, servers[s]) for s in STORES}, copies,
                    customers)
    finally:
        for srv in servers.values():
            srv.stop()
    for srv in servers.values():
        assert "Traceback" not in srv.log(), srv.log()


# --- isolation --------------------------------------------------------------------------

def test_a_shops_server_takes_only_its_own_staff_and_its_own_sessions(chain):
    one, two = chain.server(1), chain.server(2)
    with one.client() as c:
        assert c.error("login", {"username": "b1", "password": STAFF_PASSWORD,
                                 "terminal": "till-x"}) == "FORBIDDEN"
        # A wrong password is never told apart from a wrong shop's account.
        assert c.error("login", {"username": "b1", "password": "wrong-password",
                                 "terminal": "till-x"}) == "UNAUTHENTICATED"
        c.login("a1", STAFF_PASSWORD)                  # and the connection still works
    with two.client() as c:
        token = c.login("b1", STAFF_PASSWORD, "till-b")["token"]
    with one.client() as c:                            # store 2's session, at store 1's server
        assert c.error("resume", {"token": token}) == "FORBIDDEN"
        assert c.error("whoami") == "UNAUTHENTICATED"
    with two.client() as c:                            # at its own shop's server it resumes
        assert c.result("resume", {"token": token})["user"]["username"] == "b1"
    for srv in (one, two):                             # the chain's admin works anywhere
        with srv.client() as c:
            assert c.login("admin", ADMIN_PASSWORD)["user"]["role"] == "admin"


def test_locks_are_each_shops_own_and_the_database_still_serialises_a_shared_customer(chain):
    traveller = chain.customers[1][0]                  # store 1's customer, in both shops
    with chain.server(1).client() as a, chain.server(2).client() as b, \
            chain.server(1).client() as admin1, chain.server(2).client() as admin2:
        a.login("a1", STAFF_PASSWORD)
        b.login("b1", STAFF_PASSWORD)
        admin1.login("admin", ADMIN_PASSWORD)
        admin2.login("admin", ADMIN_PASSWORD)
        a.result("lock.acquire", {"resources": [f"customer:{traveller}",
                                                f"copy:{chain.copies[1][0]}"]})
        # Store 2's server knows nothing of store 1's locks: its clerk is not told "in use".
        b.result("lock.acquire", {"resource": f"customer:{traveller}"})

        def listed(client):
            return sorted((x["resource"], x["username"])
                          for x in client.result("lock.list")["locks"])
        assert listed(admin1) == sorted([(f"customer:{traveller}", "a1"),
                                         (f"copy:{chain.copies[1][0]}", "a1")])
        assert listed(admin2) == [(f"customer:{traveller}", "b1")]
        counts = {1: admin1.result("status"), 2: admin2.result("status")}
        assert (counts[1]["locks"], counts[1]["sessions"]) == (2, 2)
        assert (counts[2]["locks"], counts[2]["sessions"]) == (1, 2)


def test_a_clerk_cannot_hire_out_another_shops_copy(chain):
    other = chain.copies[2][0]
    with chain.shops[1].desk("a1") as desk:
        with pytest.raises(Refused) as refused:
            desk.hires.hire(chain.customers[1][0], [str(other)], pay_now=True)
    assert refused.value.details["reason"] == "other_store"
    assert chain.scalar("SELECT COUNT(*) FROM hires") == 0
    assert chain.scalar("SELECT status FROM copies WHERE id = %s", (other,)) == "available"


# --- both shops at work at once ---------------------------------------------------------

@dataclass
class Told:
    """What the managers acknowledged to one shop's clerks."""
    hires: int = 0
    charged: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    refused: int = 0
    late_returns: int = 0
    guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, hires: int, charged: Decimal, paid: Decimal) -> None:
        with self.guard:
            self.hires += hires
            self.charged += charged
            self.paid += paid


def clerk_at_work(chain: Chain, store: int, username: str, told: Told,
                  between: threading.Barrier, errors: list[BaseException]) -> None:
    """ROUNDS of: hire one or two of the shop's copies to any of the chain's customers
    (the same copies as the shop's other clerks: some are refused or locked), take them
    back. Then one hire stays out until every clock has moved on, and comes back late."""
    rng = random.Random(f"{store}-{username}")
    everyone = chain.customers[1] + chain.customers[2]
    out: list[str] = []
    try:
        with chain.shops[store].desk(username) as desk:
            def hire(count: int, pay_now: bool) -> list[str]:
                """The copies hired, or none if refused or locked."""
                copies = [str(c) for c in rng.sample(chain.copies[store], count)]
                try:
                    hired = desk.hires.hire(rng.choice(everyone), copies, pay_now=pay_now)
                except (Refused, Locked):
                    with told.guard:
                        told.refused += 1
                    return []
                told.add(len(hired.hires), hired.total, hired.paid)
                return copies

            def give_back(copies: list[str]) -> None:
                """Take the copies back; while another till holds one of them (trying to
                hire it, in vain), try again, as the clerk would."""
                deadline = time.monotonic() + PHASE_TIMEOUT_S
                while True:
                    try:
                        back = desk.returns.return_copies(copies, pay_now=True)
                        break
                    except Locked:
                        assert time.monotonic() < deadline, f"{copies} locked for good"
                        time.sleep(0.01)
                told.add(0, back.total, back.paid)

            for round_no in range(ROUNDS):
                copies = hire(rng.choice((1, 2)), pay_now=round_no % 3 != 0)
                if copies:
                    give_back(copies)
            for _ in range(KEEP_OUT_TRIES):
                out = hire(1, pay_now=True)
                if out:
                    break
            between.wait(PHASE_TIMEOUT_S)   # every shop's clock moves on
            between.wait(PHASE_TIMEOUT_S)
            if out:
                give_back(out)
                with told.guard:
                    told.late_returns += len(out)
    except BaseException as e:  # reported by the test, with the others'
        errors.append(e)
        between.abort()


def test_two_shops_hire_and_return_at_once_and_the_database_holds_what_each_was_told(chain):
    told = {store: Told() for store in STORES}
    errors: list[BaseException] = []
    clerks = [(store, name) for store in STORES for name in CLERKS[store]]
    between = threading.Barrier(len(clerks) + 1)
    threads = [threading.Thread(target=clerk_at_work, name=name,
                                args=(chain, store, name, told[store], between, errors))
               for store, name in clerks]
    for t in threads:
        t.start()
    try:
        between.wait(PHASE_TIMEOUT_S)
        for store in STORES:
            assert chain.shops[store].server.ask(
                "clock.advance", {"seconds": LATE_DAYS[store] * 86400})["ok"]
        between.wait(PHASE_TIMEOUT_S)
    except threading.BrokenBarrierError:
        pass  # a clerk failed: its error is below
    for t in threads:
        t.join(PHASE_TIMEOUT_S)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)

    for store in STORES:
        mine = told[store]
        assert mine.hires > ROUNDS and mine.late_returns > 0, mine  # both shops really worked
        assert chain.scalar("SELECT COUNT(*) FROM hires WHERE store_id = %s",
                            (store,)) == mine.hires
        assert chain.scalar("SELECT COALESCE(SUM(amount), 0) FROM charges WHERE store_id = %s",
                            (store,)) == mine.charged
        assert chain.scalar("SELECT COALESCE(SUM(amount), 0) FROM payments "
                            "WHERE store_id = %s", (store,)) == mine.paid
        # Late fees charged by each shop's own clock: store 2's moved further on.
        assert chain.scalar("SELECT COUNT(*) FROM charges WHERE store_id = %s "
                            "AND kind = 'late_fee'", (store,)) == mine.late_returns
    # Each shop hired only its own copies, by its own clerks; everything came back.
    assert chain.scalar(
        "SELECT COUNT(*) FROM hires h JOIN copies c ON c.id = h.copy_id "
        "JOIN staff s ON s.id = h.hired_by "
        "WHERE c.store_id <> h.store_id OR s.store_id <> h.store_id") == 0
    assert chain.scalar("SELECT COUNT(*) FROM hires WHERE returned_at IS NULL") == 0
    assert chain.scalar("SELECT COUNT(*) FROM copies WHERE status <> 'available'") == 0
    # Customers hired in both shops: the chain's, not one shop's.
    assert chain.scalar("SELECT COUNT(*) FROM hires h JOIN customers c "
                        "ON c.id = h.customer_id WHERE c.store_id <> h.store_id") > 0
