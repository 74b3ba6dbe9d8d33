"""`python main.py audit verify` as an admin runs it: a clean log passes with exit code 0;
a row changed or deleted behind the application's back is named, with exit code 1."""
import time
from datetime import datetime, timezone

from db.audit import insert_audit
from db.database import Database
from store.audit import SEAL_EVERY_S
from tests.conftest import run_main
from tests.helpers import start_server


def add_rows(settings, count):
    db = Database.for_app(settings.db)
    try:
        with db.transaction() as tx:
            now = datetime.now(timezone.utc)
            return [insert_audit(tx, now, None, 1, "payment.payment", "payments", n,
                                 {"balance": "3.00"}, {"balance": "0.00"}) for n in range(count)]
    finally:
        db.close()


def as_admin(settings, sql, params):
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            tx.execute(sql, params)
    finally:
        db.close()


def verify(settings):
    return run_main("audit", "verify", "--db-name", settings.db.name)


def test_a_clean_log_verifies_with_exit_code_0(fresh_db):
    add_rows(fresh_db, 3)
    done = verify(fresh_db)
    assert done.returncode == 0, done.stderr
    assert f"Audit log of {fresh_db.db.name}: checked 3 audit rows (3 sealed just now): " \
           "the chain is intact." in done.stdout


def test_a_tampered_row_is_named_and_exits_1(fresh_db):
    ids = add_rows(fresh_db, 3)
    assert verify(fresh_db).returncode == 0
    as_admin(fresh_db, "UPDATE audit_log SET new_values = %s WHERE id = %s",
             ('{"balance": "9.99"}', ids[1]))
    done = verify(fresh_db)
    assert done.returncode == 1
    assert "the chain is BROKEN" in done.stdout
    assert (f"First broken link: seal 2 (audit row {ids[1]}): the row was changed after it "
            f"was sealed: new_values differs") in done.stdout


def test_a_deleted_row_is_reported_and_exits_1(fresh_db):
    ids = add_rows(fresh_db, 2)
    assert verify(fresh_db).returncode == 0
    as_admin(fresh_db, "DELETE FROM audit_log WHERE id = %s", (ids[0],))
    done = verify(fresh_db)
    assert done.returncode == 1
    assert f"seal 1 (audit row {ids[0]}): the audit row is missing: it was deleted" in done.stdout


def test_a_database_that_does_not_exist_is_one_line_and_exit_1(private_mariadb):
    done = run_main("audit", "verify", "--db-name", "no_such_db_here")
    assert done.returncode == 1
    assert done.stderr.startswith("audit verify: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def sealed_count(settings):
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            return tx.scalar("SELECT COUNT(*) FROM audit_seals")
    finally:
        db.close()


def test_the_store_server_seals_new_rows_every_few_seconds(fresh_db, tmp_path):
    srv = start_server(tmp_path, fresh_db.db.name)
    try:
        add_rows(fresh_db, 4)
        deadline = time.monotonic() + 3 * SEAL_EVERY_S
        while sealed_count(fresh_db) < 4:
            assert time.monotonic() < deadline, f"not sealed; server log: {srv.log()}"
            time.sleep(0.2)
    finally:
        srv.stop()
    done = verify(fresh_db)
    assert done.returncode == 0 and "checked 4 audit rows: the chain is intact" in done.stdout
