"""The contention run: N clerk processes, each logged in as a staff member of its own at a
terminal of its own (the real client, lease keeper and managers), doing M random
operations — hire, return, renew, pay, hold — on a few copies and customers of a shop made
for it, recording each operation's invocation and outcome, and every lock the store server
granted or was told to release, to a history file per process (one JSON event a line,
written as it happens: a process that dies leaves its open invocations, unknown).

`lose` is the share of replies thrown away after the fact, as if lost on the wire: the
operation happened (or was refused), but the history only knows it was tried. The checker
(tests/history/checker.py) must accept either outcome for those.
"""
from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import random
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from store.client import StoreClient
from store.errors import Forbidden, Locked, NotFound, Refused, StoreError, ValidationError
from tests.history.checker import Db, World

TITLES = [("Alien", "2.99"), ("Heat", "3.49")]   # two copies each
COPIES_PER_TITLE = 2
CUSTOMERS = 3
AMOUNTS = ("1.00", "2.50", "4.99")
WEIGHTS = {"hire": 30, "return": 25, "renew": 12, "pay": 23, "hold": 10}
# Refusals that mean nothing was written; any other error leaves the outcome unknown.
DEFINITE = (Locked, Refused, NotFound, ValidationError, Forbidden)
START_TIMEOUT_S = 120.0
LOCKED_TRIES = 20


@dataclass(frozen=True)
class HistoryShop:
    db_name: str
    host: str
    port: int
    copies: list[int]
    customers: list[int]
    titles: list[int]
    clerks: list[str]
    world: World


def build_shop(settings: Any, host: str, port: int, clerks: int) -> HistoryShop:
    """Two titles of two copies, three customers and `clerks` clerk accounts, made straight
    in the database."""
    from db.catalogue import insert_copies, insert_title
    from db.customers import insert_customer
    from db.database import Database
    from store import codes
    from tests.conftest import make_staff
    now = datetime.now(timezone.utc)
    rates, titles_of, title_ids, customers = {}, {}, [], []
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            for name, rate in TITLES:
                title_id = insert_title(tx, name, 1990, "PG", "Drama", 100, Decimal(rate), 3,
                                        Decimal("19.99"), "", now)
                title_ids.append(title_id)
                insert_copies(tx, [(title_id, 1, "DVD", codes.copy_barcode(title_id, n), n, now)
                                   for n in range(1, COPIES_PER_TITLE + 1)])
                for row in tx.all("SELECT id FROM copies WHERE title_id = %s", (title_id,)):
                    rates[row["id"]], titles_of[row["id"]] = Decimal(rate), title_id
            for seq in range(1, CUSTOMERS + 1):
                customers.append(insert_customer(
                    tx, 1, codes.card_number(seq), f"Hist{seq}", "Customer", f"555030{seq:02d}",
                    None, "", "", "", date(1980, 1, 1), now))
    finally:
        db.close()
    usernames = [f"hist{p}" for p in range(clerks)]
    staff = {p: make_staff(settings, name, "clerk", 1) for p, name in enumerate(usernames)}
    return HistoryShop(settings.db.name, host, port, sorted(rates), customers, title_ids,
                       usernames, World(staff, rates, titles_of))


class Recorder:
    """One process's history file: events appended and flushed as they happen."""

    def __init__(self, process: int, path: Path):
        self.process = process
        self._file = path.open("a", encoding="utf-8")
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()  # the lease renewer records from its own thread

    def invoke(self, op: str, args: dict[str, Any]) -> int:
        n = next(self._numbers)
        self._write({"type": "invoke", "n": n, "op": op, "args": args})
        return n

    def complete(self, n: int, op: str, kind: str, result: dict[str, Any] | None = None,
                 error: str = "") -> None:
        self._write({"type": kind, "n": n, "op": op, "result": result or {}, "error": error})

    def _write(self, event: dict[str, Any]) -> None:
        with self._lock:
            event.update(process=self.process, time=time.monotonic())
            self._file.write(json.dumps(event) + "\n")
            self._file.flush()

    def close(self) -> None:
        self._file.close()


class RecordingClient(StoreClient):
    """The terminal's client, noting each lock the server granted (from its reply) and each
    release sent."""
    recorder: Recorder

    def request(self, op: str, args: dict[str, Any] | None = None,
                timeout_s: float | None = None) -> dict[str, Any]:
        if op != "lock.acquire":
            return super().request(op, args, timeout_s)
        args = args or {}
        n = self.recorder.invoke(op, {"resources": args.get("resources") or [args["resource"]],
                                      "ttl_s": args.get("ttl_s", 30)})
        try:
            result = super().request(op, args, timeout_s)
        except DEFINITE as e:
            self.recorder.complete(n, op, "fail", error=e.code)
            raise
        except StoreError as e:
            self.recorder.complete(n, op, "unknown", error=e.code)
            raise
        self.recorder.complete(n, op, "ok")
        return result

    def send_nowait(self, op: str, args: dict[str, Any] | None = None) -> bool:
        if op != "lock.release":
            return super().send_nowait(op, args)
        n = self.recorder.invoke(op, {"resources": list((args or {})["resources"])})
        sent = super().send_nowait(op, args)
        self.recorder.complete(n, op, "ok" if sent else "unknown")
        return sent


def choose(rng: random.Random, shop: HistoryShop, desk: Any) -> tuple[str, dict[str, Any],
                                                                         Callable[[], dict]]:
    """A random operation: its name, arguments and the call that does it (its result as
    the history keeps it)."""
    op = rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
    customer = rng.choice(shop.customers)
    if op == "hire":
        copies = rng.sample(shop.copies, rng.choice((1, 1, 1, 2)))
        pay_now = rng.random() < 0.5

        def hire() -> dict[str, Any]:
            r = desk.hires.hire(customer, [str(c) for c in copies], pay_now=pay_now)
            return {"customer_id": r.customer_id, "paid": str(r.paid), "total": str(r.total),
                    "hires": [{"hire_id": h.hire_id, "copy_id": h.copy_id, "rate": str(h.rate)}
                              for h in r.hires]}
        return op, {"customer": customer, "copies": copies, "pay_now": pay_now}, hire
    if op == "return":
        copy = rng.choice(shop.copies)

        def take_back() -> dict[str, Any]:
            r = desk.returns.return_copies([str(copy)], pay_now=rng.random() < 0.5)
            return {"customer_id": r.customer_id, "paid": str(r.paid),
                    "hires": [{"hire_id": x.hire_id, "copy_id": x.copy_id,
                               "charged": str(sum(x.charges.values(), Decimal("0.00")))}
                              for x in r.returned]}
        return op, {"copies": [copy]}, take_back
    if op == "renew":
        copy = rng.choice(shop.copies)

        def renew() -> dict[str, Any]:
            r = desk.hires.renew(str(copy))
            return {"hire_id": r.hires[0].hire_id, "customer_id": r.customer_id,
                    "rate": str(r.total)}
        return op, {"copy": copy}, renew
    if op == "pay":
        amount = rng.choice(AMOUNTS)

        def pay() -> dict[str, Any]:
            r = desk.payments.take(customer, Decimal(amount))
            return {"amount": str(r.amount), "balance": str(r.balance)}
        return op, {"customer": customer, "amount": amount}, pay
    title = rng.choice(shop.titles)
    return op, {"customer": customer, "title": title}, \
        lambda: {"hold_id": desk.holds.place(customer, title)["hold_id"]}


def busy_retry(call: Callable[[], dict], rng: random.Random) -> dict[str, Any]:
    """The call, tried again while another till holds its customer or copy — as a clerk
    would, a moment later — up to LOCKED_TRIES times."""
    for _ in range(LOCKED_TRIES - 1):
        try:
            return call()
        except Locked:
            time.sleep(rng.uniform(0.001, 0.01))
    return call()


def clerk(process: int, shop: HistoryShop, ops: int, seed: int, lose: float, path: Path,
          ready: Any) -> None:
    """One clerk process: log in, wait for the others, do `ops` random operations."""
    from db.database import Database
    from db.settings import load_settings
    from store.counter import Counter
    from store.leases import LeaseKeeper
    from store.services import open_desk
    from store.shop import ShopSettings
    from store.stores import Stores
    from tests.conftest import STAFF_PASSWORD
    recorder = Recorder(process, path)
    database = Database.for_app(load_settings({"db.name": shop.db_name}).db)
    client = RecordingClient(shop.host, shop.port, timeout_s=10.0)
    client.recorder = recorder
    client.start()
    leases = LeaseKeeper(client)
    try:
        assert client.wait_connected(START_TIMEOUT_S), f"no store server at {client.address}"
        client.login(shop.clerks[process], STAFF_PASSWORD, f"hist-till-{process}")
        counter = Counter(client, leases)
        desk = open_desk(database, counter, ShopSettings(database, counter), Stores(database))
        rng, lost = random.Random(f"{seed}-{process}"), random.Random(f"{seed}-lost-{process}")
        ready.wait(START_TIMEOUT_S)
        for _ in range(ops):
            name, args, call = choose(rng, shop, desk)
            n = recorder.invoke(name, args)
            kind, result, error = "ok", {}, ""
            try:
                result = busy_retry(call, rng)
            except DEFINITE as e:
                kind, error = "fail", e.code
            except StoreError as e:           # lost link, timeout, commit unknown
                kind, error = "unknown", e.code
            except Exception as e:            # a defect: counted, and the run goes on
                kind, error = "unknown", f"crash: {type(e).__name__}: {e}"
            if lost.random() < lose:
                kind, result, error = "unknown", {}, "reply lost (thrown away by the run)"
            recorder.complete(n, name, kind, result, error)
    finally:
        leases.close()
        client.close()
        database.close()
        recorder.close()


def run(shop: HistoryShop, processes: int, ops: int, seed: int, lose: float,
        out: Path) -> list[dict[str, Any]]:
    """Every process's history, merged; AssertionError if a process failed to finish."""
    ctx = mp.get_context("spawn")  # a clean interpreter per clerk, as a terminal is
    ready = ctx.Barrier(processes + 1)
    paths = [out / f"history-{p}.jsonl" for p in range(processes)]
    procs = [ctx.Process(target=clerk, name=f"clerk-{p}",
                         args=(p, shop, ops, seed, lose, paths[p], ready))
             for p in range(processes)]
    for proc in procs:
        proc.start()
    try:
        ready.wait(START_TIMEOUT_S)
    finally:
        for proc in procs:
            proc.join(START_TIMEOUT_S + ops * 5)
            if proc.is_alive():
                proc.kill()
    codes = [proc.exitcode for proc in procs]
    assert codes == [0] * processes, f"clerk processes ended with {codes}"
    return [json.loads(line) for path in paths
            for line in path.read_text(encoding="utf-8").splitlines()]


def read_db(settings: Any) -> Db:
    from db.database import Database
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            return Db(
                tx.all("SELECT id, copy_id, customer_id, hired_by, hired_at, returned_at, "
                       "returned_by, rate_charged, renewals FROM hires"),
                tx.all("SELECT customer_id, hire_id, staff_id, kind, amount FROM charges"),
                tx.all("SELECT customer_id, hire_id, staff_id, kind, amount FROM payments"),
                tx.all("SELECT id, customer_id, title_id, placed_by, status FROM holds"),
                tx.all("SELECT id, status FROM copies"))
    finally:
        db.close()


def errors(events: list[dict[str, Any]]) -> dict[str, int]:
    """How often each error ended an operation (LOCKED, REFUSED, ..., or an exception)."""
    found: dict[str, int] = {}
    for e in events:
        if e["type"] != "invoke" and e.get("error"):
            key = e["error"].split(":")[0]
            found[key] = found.get(key, 0) + 1
    return found
