"""transaction(): whole or nothing, retried where that is safe, with a pool that waits."""
import threading
import time

import pytest

from db.database import ConnectParams, Database, connect
from db.errors import DbUnavailable, DuplicateKey, PoolExhausted


@pytest.fixture
def app_db(fresh_db):
    db = Database.for_app(fresh_db.db)
    yield db
    db.close()


def count_settings(db, name):
    with db.transaction() as tx:
        return tx.scalar("SELECT COUNT(*) FROM settings WHERE name = %s", (name,))


def insert_setting(tx, name):
    tx.execute("INSERT INTO settings (name, value, updated_at) VALUES (%s, 'v', UTC_TIMESTAMP())",
               (name,))


def test_the_connector_c_extension_is_loaded(app_db):
    with app_db.transaction() as tx:
        assert type(tx._conn).__name__ == "CMySQLConnection"


def test_a_transaction_that_raises_leaves_no_row_behind(app_db):
    with pytest.raises(RuntimeError):
        with app_db.transaction() as tx:
            insert_setting(tx, "half_done_1")
            insert_setting(tx, "half_done_2")
            raise RuntimeError("the clerk's terminal crashed half way")
    assert count_settings(app_db, "half_done_1") == 0
    assert count_settings(app_db, "half_done_2") == 0


def test_a_transaction_that_fails_on_its_second_statement_rolls_back_the_first(app_db):
    with pytest.raises(DuplicateKey):
        with app_db.transaction() as tx:
            insert_setting(tx, "first_of_two")
            insert_setting(tx, "first_of_two")  # duplicate primary key
    assert count_settings(app_db, "first_of_two") == 0


def test_a_clean_block_commits_everything(app_db):
    with app_db.transaction() as tx:
        insert_setting(tx, "whole_1")
        insert_setting(tx, "whole_2")
    assert count_settings(app_db, "whole_1") + count_settings(app_db, "whole_2") == 2


def test_sql_values_are_parameters_never_sql(app_db):
    evil = "x'); DROP TABLE settings; --"
    with app_db.transaction() as tx:
        insert_setting(tx, evil)
    with app_db.transaction() as tx:
        assert tx.scalar("SELECT name FROM settings WHERE name = %s", (evil,)) == evil
        assert tx.scalar("SELECT COUNT(*) FROM settings") > 1


def test_a_deadlock_is_retried_until_both_transactions_succeed(app_db):
    with app_db.transaction() as tx:
        insert_setting(tx, "row_a")
        insert_setting(tx, "row_b")
    both_hold_first_row = threading.Barrier(2, timeout=10)
    attempts = {"ab": 0, "ba": 0}

    def crosswise(first, second, key):
        def work(tx):
            attempts[key] += 1
            tx.execute("UPDATE settings SET value = %s WHERE name = %s", (key, first))
            if attempts[key] == 1:
                both_hold_first_row.wait()
            tx.execute("UPDATE settings SET value = %s WHERE name = %s", (key, second))
        return lambda: app_db.run(work)

    errors = []
    threads = [threading.Thread(target=lambda f=f: _catch(f, errors))
               for f in (crosswise("row_a", "row_b", "ab"), crosswise("row_b", "row_a", "ba"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert attempts["ab"] + attempts["ba"] == 3  # exactly one of them was rolled back and retried
    with app_db.transaction() as tx:
        values = {tx.scalar("SELECT value FROM settings WHERE name = %s", (n,)) for n in ("row_a", "row_b")}
    assert len(values) == 1  # one transaction's writes, whole, came last


def _catch(fn, errors):
    try:
        fn()
    except Exception as e:  # reported by the assertion in the test
        errors.append(e)


def test_a_connection_lost_before_commit_is_retried_on_a_new_one(fresh_db):
    db = Database(ConnectParams.from_settings(fresh_db.db), pool_size=1)
    with db.transaction() as tx:
        victim = tx.scalar("SELECT CONNECTION_ID()")
    killer = connect(ConnectParams.from_settings(fresh_db.db, "root"), autocommit=True)
    killer.cursor().execute(f"KILL CONNECTION {int(victim)}")
    killer.close()
    ids = []

    def work(tx):
        ids.append(tx.scalar("SELECT CONNECTION_ID()"))
        insert_setting(tx, "after_kill")
    db.run(work)
    assert ids and ids[-1] != victim
    assert count_settings(db, "after_kill") == 1
    db.close()


def test_an_exhausted_pool_waits_for_its_timeout_then_fails_clearly(fresh_db):
    db = Database(ConnectParams.from_settings(fresh_db.db), pool_size=1, pool_timeout_s=0.5)
    with db.transaction():
        started = time.monotonic()
        with pytest.raises(PoolExhausted, match="no free database connection"):
            with db.transaction():
                pass
        assert time.monotonic() - started >= 0.5
    db.close()


def test_a_waiting_request_gets_the_connection_when_it_is_released(fresh_db):
    db = Database(ConnectParams.from_settings(fresh_db.db), pool_size=1, pool_timeout_s=10)
    holder_in = threading.Event()
    results = []

    def waiter():
        holder_in.wait()
        with db.transaction() as tx:
            results.append(tx.scalar("SELECT 42"))

    t = threading.Thread(target=waiter)
    t.start()
    with db.transaction():
        holder_in.set()
        time.sleep(0.3)  # the waiter is now queued on the pool, not failing
    t.join(10)
    assert results == [42]
    db.close()


def test_an_unreachable_database_is_reported_as_unavailable(fresh_db):
    params = ConnectParams.from_settings(fresh_db.db)
    db = Database(ConnectParams(params.host, 1, params.user, params.password, params.database, 2))
    with pytest.raises(DbUnavailable):
        db.ping()
