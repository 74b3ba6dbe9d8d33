"""Faults injected for real, each while a hire is half-way through its transaction.

The database's faults (killed, restarted, read-only, full) are injected into a second
private MariaDB of this module's own (dev/mariadb.py's Instance under a temporary
directory, on its own port), never into the one the rest of the suite shares. Its InnoDB
keeps every table in one system tablespace with a hard maximum size, so "the disk is full"
is InnoDB really failing to extend its data file — the same error a full disk gives it.
A real store server runs over it. The store server's and a terminal's faults (kill -9)
use the shared MariaDB, each test with a database of its own.

A hire is caught "mid-hire" by holding a lock on the end of the receipts table, which it
writes last: it then waits there with its hire row, the copy, the charge, the payment and
the audit row written inside its open transaction (the test checks that it has). Every
wait is for a condition, with a deadline.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from db.database import ConnectParams, connect
from db.settings import Settings
from dev.mariadb import Instance
from store.client import LinkState
from store.errors import DatabaseFull, DatabaseReadOnly, DatabaseUnavailable, StoreError
from store.setup import create_store_database
from tests.circulation import Shop, build_shop
from tests.conftest import (ADMIN_PASSWORD, STAFF_PASSWORD, new_db_name, run_main,
                            settings_for)
from tests.e2e.test_leases import logged_in
from tests.figures import Figures
from tests.helpers import ROOT, RunningServer, start_server
from ui.messages import error_line

# A small system tablespace that cannot grow past 64 MB, every table in it.
FAULT_OPTIONS = ("--innodb-file-per-table=0",
                 "--innodb-data-file-path=ibdata1:12M:autoextend:max:64M",
                 "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M")
WAIT_S = 30.0
HIRE_STEPS = 5  # rows a one-copy paid hire has changed when it reaches its receipt
ABSENT = {"hires": 0, "status": "available", "charges": 0, "payments": 0, "audit": 0,
          "receipts": 0}
WHOLE = {"hires": 1, "status": "hired", "charges": 1, "payments": 1, "audit": 1,
         "receipts": 1}
# InnoDB refreshes its information_schema.INNODB_TRX snapshot only when it has not been
# read for 0.1 s: polled more often, it shows the same old transactions for ever.
TRX_POLL_S = 0.15
injected: dict[str, int] = {}  # fault -> times injected and survived, printed at the end


def until(condition: Callable[[], Any], what: str, timeout_s: float = WAIT_S,
          every_s: float = 0.02) -> Any:
    """Poll `condition` every `every_s` until it is true; its value, or fail naming
    `what`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s:.0f} s"
        time.sleep(every_s)


def survived(reliability: Figures, fault: str) -> None:
    injected[fault] = injected.get(fault, 0) + 1
    reliability.add("faults", "survived")
    reliability.add("faults", fault)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sql(settings: Settings, statement: str, params: tuple = (), role: str = "root") -> Any:
    """One statement on a connection of its own (autocommit); the first column of the first
    row, or None."""
    conn = connect(ConnectParams.from_settings(settings.db, role).with_database(
        settings.db.name), autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute(statement, params)
        row = cur.fetchone() if cur.with_rows else None
        return None if row is None else row[0]
    finally:
        conn.close()


def written(settings: Settings, copy_id: int, receipts_before: int) -> dict[str, Any]:
    """What there is of a hire of `copy_id`: each part a hire writes."""
    of_hire = "JOIN hires h ON h.id = x.hire_id WHERE h.copy_id = %s"
    return {
        "hires": sql(settings, "SELECT COUNT(*) FROM hires WHERE copy_id = %s", (copy_id,)),
        "status": sql(settings, "SELECT status FROM copies WHERE id = %s", (copy_id,)),
        "charges": sql(settings, f"SELECT COUNT(*) FROM charges x {of_hire}", (copy_id,)),
        "payments": sql(settings, f"SELECT COUNT(*) FROM payments x {of_hire}", (copy_id,)),
        "audit": sql(settings, "SELECT COUNT(*) FROM audit_log WHERE action = 'hire.create' "
                               "AND JSON_VALUE(new_values, '$.copy_id') = %s", (copy_id,)),
        "receipts": sql(settings, "SELECT COUNT(*) FROM receipts") - receipts_before,
    }


@contextmanager
def receipts_held(settings: Settings) -> Iterator[None]:
    """A lock on every receipt and the gap after the last: a hire waits at its receipt,
    the last thing it writes. Given back (or lost with its server) at the end."""
    conn = connect(ConnectParams.from_settings(settings.db, "admin"))
    try:
        cur = conn.cursor()
        cur.execute("SELECT id FROM receipts FOR UPDATE")
        cur.fetchall()
        yield
    finally:
        try:
            conn.rollback()
            conn.close()
        except Exception:
            pass  # the database was killed under it: its lock went with it


def hire_waiting_at_its_receipt(settings: Settings, ended: Callable[[], object]) -> int:
    """Wait until a hire in this database waits for the receipts lock; the rows its open
    transaction has changed by then. `ended` says whether (and how) the hire ended
    instead, which fails the test at once."""
    query = ("SELECT t.trx_rows_modified FROM information_schema.INNODB_TRX t "
             "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
             "WHERE p.DB = %s AND t.trx_state = 'LOCK WAIT' "
             "AND t.trx_query LIKE 'INSERT INTO receipts%%'")
    rows = until(lambda: ended() or sql(settings, query, (settings.db.name,)),
                 "the hire never reached its receipt", every_s=TRX_POLL_S)
    assert isinstance(rows, int), f"the hire ended before its receipt: {rows!r}"
    return rows


def open_transactions(settings: Settings) -> int:
    return sql(settings, "SELECT COUNT(*) FROM information_schema.INNODB_TRX t "
                         "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
                         "WHERE p.DB = %s", (settings.db.name,))


# --- the second MariaDB, its store database and store server -------------------------------

@pytest.fixture(scope="module")
def fault_mariadb(private_mariadb: None,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    base = tmp_path_factory.mktemp("fault-mariadb")
    instance = Instance(base, free_port(), base / "mariadb.log", base / "root.toml",
                        FAULT_OPTIONS)
    instance.start()
    yield instance
    instance.stop()
    print(f"\nfaults injected and survived: {injected}")


@pytest.fixture(scope="module")
def fault_shop(fault_mariadb: Instance,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The circulation tests' shop in a store database on the second MariaDB, with a real
    store server (test clock on) over it."""
    root = tomllib.loads(fault_mariadb.config.read_text())["db"]
    name = new_db_name("fault")
    settings = settings_for(name, db__port=fault_mariadb.port, db__root_user=root["root_user"],
                            db__root_password=root["root_password"])
    create_store_database(settings, "admin", ADMIN_PASSWORD, store_name="Test Store")
    settings = settings_for(name, db__port=fault_mariadb.port,
                            db__root_user=root["root_user"],
                            db__root_password=root["root_password"])
    server = start_server(tmp_path_factory.mktemp("fault-server"), name, "--test-clock",
                          env={"VIDEOSTORE_DB_PORT": str(fault_mariadb.port)})
    try:
        yield build_shop(settings, server)
        assert server.proc.poll() is None, "the store server died: " + server.log()
        assert "Traceback" not in server.log()
    finally:
        server.stop()


def hire_in_background(desk: Any, customer_id: int, copy_id: int) -> Future:
    pool = ThreadPoolExecutor(1)
    future = pool.submit(desk.hires.hire, customer_id, [str(copy_id)], True)
    pool.shutdown(wait=False)
    return future


def failure_of(future: Future) -> StoreError:
    error = future.exception(timeout=WAIT_S)
    assert isinstance(error, StoreError), f"the hire ended with {error!r}"
    line = error_line(error)
    assert "Traceback" not in line and "\n" not in line
    return error


# --- the database killed, restarted, read-only, full ---------------------------------------

@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "restart"])
def test_mariadb_going_down_mid_hire_leaves_no_trace_says_so_and_the_retry_is_whole(
        fault_shop, fault_mariadb, how, reliability):
    settings = fault_shop.settings
    customer = fault_shop.customers["mary"]
    copy = fault_shop.copies["Alien@1"][0 if how == signal.SIGKILL else 1]
    receipts = sql(settings, "SELECT COUNT(*) FROM receipts")
    with fault_shop.desk() as desk:
        with receipts_held(settings):
            hiring = hire_in_background(desk, customer, copy)
            assert hire_waiting_at_its_receipt(
                settings, lambda: hiring.done() and (hiring.exception() or "done")) >= HIRE_STEPS
            fault_mariadb.stop(how)
            reliability.add("faults", "injected")
        error = failure_of(hiring)
        assert isinstance(error, DatabaseUnavailable), error
        assert error_line(error).startswith("The database cannot be reached")
        # The store server outlives its database and says what is wrong.
        with fault_shop.server.client() as c:
            assert c.error("login", {"username": "clk1", "password": STAFF_PASSWORD}) \
                == "DB_UNAVAILABLE"
        assert fault_shop.server.proc.poll() is None
        fault_mariadb.start()
        assert written(settings, copy, receipts) == ABSENT
        desk.hires.hire(customer, [str(copy)], pay_now=True)  # the clerk tries again
        assert written(settings, copy, receipts) == WHOLE
    if how == signal.SIGKILL:  # and what was committed survives a crash
        fault_mariadb.stop(signal.SIGKILL)
        fault_mariadb.start()
        assert written(settings, copy, receipts) == WHOLE
    with fault_shop.server.client() as c:  # the store server is back on its database
        c.login("clk1", STAFF_PASSWORD)
    survived(reliability, "MariaDB " + ("killed (kill -9)" if how == signal.SIGKILL
                                        else "restarted") + " mid-hire")


def test_a_read_only_database_refuses_the_hire_clearly_and_nothing_is_written(
        fault_shop, fault_mariadb, reliability):
    settings = fault_shop.settings
    customer, copy = fault_shop.customers["bob"], fault_shop.copies["Jaws@1"][0]
    receipts = sql(settings, "SELECT COUNT(*) FROM receipts")
    with fault_shop.desk() as desk:
        sql(settings, "SET GLOBAL read_only = 1")
        reliability.add("faults", "injected")
        try:
            with pytest.raises(DatabaseReadOnly) as refused:
                desk.hires.hire(customer, [str(copy)], pay_now=True)
            assert "read-only" in error_line(refused.value)
            assert "nothing was saved" in error_line(refused.value)
            with fault_shop.server.client() as c:  # a login writes a session: refused too
                assert c.error("login", {"username": "clk1", "password": STAFF_PASSWORD}) \
                    == "DB_READ_ONLY"
            with pytest.raises(Exception, match="SUPER|READ_ONLY ADMIN|denied"):
                sql(settings, "SET GLOBAL read_only = 0", role="app")  # not the app's to undo
        finally:
            sql(settings, "SET GLOBAL read_only = 0")
        assert written(settings, copy, receipts) == ABSENT
        desk.hires.hire(customer, [str(copy)], pay_now=True)
        assert written(settings, copy, receipts) == WHOLE
    survived(reliability, "database read-only during a hire")


def fill_the_tablespace(settings: Settings) -> int:
    """Rows into a table of the fault instance until InnoDB cannot extend its data file,
    in ever smaller pieces until not even a small row finds a free page; how many went
    in. (A row that fits a page already there still goes in, as on a real full disk.)"""
    conn = connect(ConnectParams.from_settings(settings.db, "root"), autocommit=True)
    cur = conn.cursor()
    cur.execute("CREATE DATABASE filler")
    cur.execute("USE filler")  # where the sequence engine's seq_1_to_N tables are
    cur.execute("CREATE TABLE pad (id INT AUTO_INCREMENT PRIMARY KEY, "
                "pad VARCHAR(8000) NOT NULL) ENGINE=InnoDB")
    rows = 0
    try:
        for batch, size in ((100, 8000), (10, 8000), (1, 8000), (1, 1000), (1, 100)):
            try:
                while rows < 100_000:
                    cur.execute(f"INSERT INTO pad (pad) SELECT REPEAT('x', {size}) "
                                f"FROM seq_1_to_{batch}")
                    rows += batch
            except Exception as e:
                assert getattr(e, "errno", None) == 1114, e  # "The table 'pad' is full"
    finally:
        conn.close()
    assert rows < 100_000, "the tablespace never filled"
    return rows


def test_a_full_database_refuses_an_import_clearly_writes_none_of_it_and_a_hire_is_whole_or_absent(
        fault_shop, fault_mariadb, tmp_path, reliability):
    settings = fault_shop.settings
    customer, copy = fault_shop.customers["bob"], fault_shop.copies["Jaws@1"][1]
    people = tmp_path / "customers.csv"
    people.write_text("first_name,last_name,phone,date_of_birth\n" + "".join(
        f"Fill,Person,555-{n:05d},1980-01-02\n" for n in range(3000)))
    receipts = sql(settings, "SELECT COUNT(*) FROM receipts")
    customers = sql(settings, "SELECT COUNT(*) FROM customers")
    env = {"VIDEOSTORE_DB_PORT": str(fault_mariadb.port)}
    with fault_shop.desk() as desk:
        try:
            assert fill_the_tablespace(settings) > 0
            reliability.add("faults", "injected")
            refused = run_main("import", "customers", str(people), "--db-name",
                               settings.db.name, env=env)
            assert refused.returncode == 1, refused.stderr
            assert "out of space" in refused.stderr and "nothing was saved" in refused.stderr
            assert "Traceback" not in refused.stderr + refused.stdout
            assert sql(settings, "SELECT COUNT(*) FROM customers") == customers
            # A hire whose rows fit in pages already there still goes in, as on a real
            # full disk; one that needs a new page is refused. Whole or absent, never half.
            try:
                desk.hires.hire(customer, [str(copy)], pay_now=True)
            except DatabaseFull as e:
                assert "out of space" in error_line(e)
                assert written(settings, copy, receipts) == ABSENT
            else:
                assert written(settings, copy, receipts) == WHOLE
        finally:
            sql(settings, "DROP DATABASE IF EXISTS filler")
        # Room again: the same import goes in — once InnoDB has taken the dropped filler's
        # pages back, which it does in the background (seconds on a busy machine).
        deadline = time.monotonic() + 60
        while True:
            done = run_main("import", "customers", str(people), "--db-name",
                            settings.db.name, env=env)
            if done.returncode == 0 or "out of space" not in done.stderr \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert done.returncode == 0, done.stderr
        assert sql(settings, "SELECT COUNT(*) FROM customers") == customers + 3000
        if written(settings, copy, receipts) == ABSENT:
            desk.hires.hire(customer, [str(copy)], pay_now=True)
        assert written(settings, copy, receipts) == WHOLE
    survived(reliability, "database full during an import and a hire")


# --- the store server and a terminal killed ------------------------------------------------

def test_after_kill_9_of_the_store_server_tills_rejoin_within_2_s_with_session_and_locks(
        shop, tmp_path, reliability):
    clerk, keeper, _ = logged_in(shop.server.port)
    gone = shop.server.client()  # a till that never comes back
    srv: RunningServer | None = None
    try:
        gone.login("mgr1", STAFF_PASSWORD, "till-gone")
        keeper.acquire("copy:1")
        gone.result("lock.acquire", {"resource": "copy:2"})
        user = clerk.user
        shop.server.kill()
        reliability.add("faults", "injected")
        gone.close()
        until(lambda: clerk.state is not LinkState.CONNECTED, "the till never saw the server go")
        srv = start_server(tmp_path, shop.settings.db.name, "--test-clock",
                           port=shop.server.port)
        back = time.monotonic()
        assert clerk.wait_connected(WAIT_S)
        rejoined_s = time.monotonic() - back
        print(f"\nthe till rejoined {rejoined_s:.2f} s after the store server was back")
        # The client's backoff is capped at 2 s; the rest is the connect and the resume.
        assert rejoined_s <= 2.5
        assert clerk.user == user  # the same session: not asked to log in again
        until(lambda: [x["resource"] for x in clerk.request("lock.list")["locks"]]
              == ["copy:1"], "the till never took its lock again")
        with srv.client() as other:
            other.login("clk1b", STAFF_PASSWORD, "till-other")
            assert other.error("lock.acquire", {"resource": "copy:1"}) == "LOCKED"
            # The till that never came back holds nothing any more.
            assert other.result("lock.acquire", {"resource": "copy:2"})["granted"]
        survived(reliability, "store server killed (kill -9) mid-session")
    finally:
        keeper.close()
        clerk.close()
        if srv:
            srv.stop()


def test_a_terminal_killed_mid_hire_leaves_no_trace_and_its_locks_expire(shop, reliability):
    settings = shop.settings
    customer, copy = shop.customers["mary"], shop.copies["Heat@1"][0]
    receipts = sql(settings, "SELECT COUNT(*) FROM receipts")
    with receipts_held(settings):
        till = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.test_faults", settings.db.name,
             str(shop.server.port), str(customer), str(copy)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        try:
            assert hire_waiting_at_its_receipt(
                settings, lambda: till.poll() is not None and till.stderr.read()) >= HIRE_STEPS
        finally:
            till.send_signal(signal.SIGKILL)
            reliability.add("faults", "injected")
            till.wait(WAIT_S)
    # The database rolls back what the dead till's connection had written.
    until(lambda: open_transactions(settings) == 0, "the dead till's transaction lingered",
          every_s=TRX_POLL_S)
    assert written(settings, copy, receipts) == ABSENT
    with shop.server.client() as other:
        other.login("mgr1", STAFF_PASSWORD, "till-other")
        for resource in (f"customer:{customer}", f"copy:{copy}"):
            reply = other.ask("lock.acquire", {"resource": resource})
            assert reply["error"]["details"]["username"] == "clk1b", reply
        shop.advance(31 / 86400)  # past the lease's 30 s: nobody renewed it
        for resource in (f"customer:{customer}", f"copy:{copy}"):
            assert other.result("lock.acquire", {"resource": resource})["granted"]
            other.result("lock.release", {"resource": resource})
    with shop.desk() as desk:
        desk.hires.hire(customer, [str(copy)], pay_now=True)
    assert written(settings, copy, receipts) == WHOLE
    survived(reliability, "terminal killed (kill -9) mid-hire")


def _hire_as_a_till(db_name: str, port: int, customer: int, copy: int) -> None:
    """What the killed till runs: clk1b's hire through the terminal's own managers."""
    server = RunningServer(None, "127.0.0.1", port, Path(os.devnull))  # type: ignore[arg-type]
    with Shop(settings_for(db_name), server).desk("clk1b") as desk:
        desk.hires.hire(customer, [str(copy)], pay_now=True)


if __name__ == "__main__":
    _hire_as_a_till(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
