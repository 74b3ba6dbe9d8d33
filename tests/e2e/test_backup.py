"""backup and restore through the real main.py, mariadb-dump and mariadb client, against
the private MariaDB. "Nothing changed" is checked with CHECKSUM TABLE over every table."""
from __future__ import annotations

import os
import stat
import threading
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from db.catalogue import insert_copies, insert_title
from db.create import drop_database
from db.customers import insert_customer
from db.database import Database
from db.errors import PermissionDenied
from db.settings import Settings
from tests.conftest import create_test_db, new_db_name, run_main


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def db_args(settings: Settings) -> list[str]:
    return ["--db-name", settings.db.name]


def checksums(settings: Settings) -> dict[str, int]:
    """Every table's CHECKSUM TABLE, read as the admin account."""
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            tables = [r["TABLE_NAME"] for r in tx.all(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                "AND TABLE_TYPE = 'BASE TABLE'", (settings.db.name,))]
            rows = tx.all("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
    finally:
        db.close()
    return {r["Table"].split(".", 1)[1]: r["Checksum"] for r in rows}


def add_customer(settings: Settings, card: str) -> int:
    """A customer written by the application's account, as the counter would."""
    db = Database.for_app(settings.db)
    try:
        with db.transaction() as tx:
            return insert_customer(tx, 1, card, "Ada", "Lovelace", None, None, "1 Analytical St",
                                   "London", "N1", None, now())
    finally:
        db.close()


def card_numbers(settings: Settings) -> set[str]:
    db = Database.for_app(settings.db)
    try:
        with db.transaction() as tx:
            return {r["card_number"] for r in tx.all("SELECT card_number FROM customers")}
    finally:
        db.close()


def add_shop_data(settings: Settings) -> None:
    """A title with two copies, a customer, an open hire (its generated column too), a
    charge and a payment, and an audit row: a little of every kind of row."""
    customer = add_customer(settings, "BK-0001")
    db = Database.for_app(settings.db)
    try:
        with db.transaction() as tx:
            at = now()
            title = insert_title(tx, "Backup Über Alles", 1999, "PG", "Drama", 101,
                                 Decimal("2.99"), 3, Decimal("19.99"), "Ünïcode ✓", at)
            insert_copies(tx, [(title, 1, "DVD", f"BKC{title}01", 1, at),
                               (title, 1, "VHS", f"BKC{title}02", 2, at)])
            copy = tx.scalar("SELECT MIN(id) FROM copies WHERE title_id = %s", (title,))
            hire = tx.insert(
                "INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, due_at, "
                "rate_charged) VALUES (%s, %s, 1, 1, %s, %s + INTERVAL 3 DAY, 2.99)",
                (copy, customer, at, at))
            tx.execute("UPDATE copies SET status = 'hired' WHERE id = %s", (copy,))
            tx.execute("INSERT INTO charges (customer_id, hire_id, store_id, staff_id, kind, "
                       "amount, created_at) VALUES (%s, %s, 1, 1, 'rental', 2.99, %s)",
                       (customer, hire, at))
            tx.execute("INSERT INTO payments (customer_id, hire_id, store_id, staff_id, kind, "
                       "amount, paid_at) VALUES (%s, %s, 1, 1, 'rental', 2.99, %s)",
                       (customer, hire, at))
            tx.execute("INSERT INTO audit_log (at, staff_id, store_id, action, table_name, "
                       "row_id, new_values) VALUES (%s, 1, 1, 'hire.create', 'hires', %s, "
                       "'{\"rate\": \"2.99\"}')", (at, hire))
    finally:
        db.close()


def backup_ok(settings: Settings, path: Path) -> str:
    done = run_main("backup", str(path), *db_args(settings))
    assert done.returncode == 0, done.stderr
    return done.stdout


def refused(settings: Settings, *args: str) -> str:
    """Run restore (or backup) expecting a refusal: exit 1, one line on stderr, no traceback."""
    done = run_main(*args, *db_args(settings))
    assert done.returncode == 1, done.stdout
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    return done.stderr


def test_a_restore_with_force_brings_back_the_state_at_the_backup(fresh_db, tmp_path):
    add_shop_data(fresh_db)
    before = checksums(fresh_db)
    path = tmp_path / "shop.sql"

    out = backup_ok(fresh_db, path)
    assert f"Backed up database {fresh_db.db.name} (schema version" in out
    assert "tables" in out and "KB" in out and "newest data 20" in out
    assert path.read_text(encoding="utf-8").startswith("-- Videostore backup\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["shop.sql"]   # no temporary file left

    add_customer(fresh_db, "BK-LATER")
    done = run_main("restore", str(path), "--force", *db_args(fresh_db))
    assert done.returncode == 0, done.stderr
    assert f"Restored database {fresh_db.db.name} from {path}" in done.stdout
    assert "--force: data up to" in done.stdout
    assert checksums(fresh_db) == before
    assert card_numbers(fresh_db) == {"BK-0001"}


def test_a_restore_over_newer_data_is_refused_without_force_and_changes_nothing(
        fresh_db, tmp_path):
    path = tmp_path / "shop.sql"
    backup_ok(fresh_db, path)
    add_customer(fresh_db, "BK-NEWER")
    before = checksums(fresh_db)

    error = refused(fresh_db, "restore", str(path))
    assert "holds data from 20" in error and "newer than the newest in" in error
    assert error.count(" UTC") == 2 and "--force" in error and "Nothing was changed" in error
    assert checksums(fresh_db) == before


def test_a_backup_restores_over_the_same_data_without_force(fresh_db, tmp_path):
    add_shop_data(fresh_db)
    path = tmp_path / "shop.sql"
    backup_ok(fresh_db, path)
    before = checksums(fresh_db)
    done = run_main("restore", str(path), *db_args(fresh_db))
    assert done.returncode == 0, done.stderr
    assert checksums(fresh_db) == before


def test_a_truncated_or_foreign_file_is_refused_and_changes_nothing(fresh_db, tmp_path):
    add_shop_data(fresh_db)
    good = tmp_path / "good.sql"
    backup_ok(fresh_db, good)
    whole = good.read_bytes()
    (tmp_path / "truncated.sql").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "cut-at-the-end.sql").write_bytes(whole[: whole.rindex(b"-- Dump completed")])
    (tmp_path / "foreign.sql").write_text("DROP TABLE customers;\n-- Dump completed\n")
    (tmp_path / "empty.sql").write_bytes(b"")
    (tmp_path / "bad-header.sql").write_bytes(
        whole.replace(b"-- schema-version: ", b"-- schema-version: x", 1))
    add_customer(fresh_db, "BK-NEWER")   # so only the file checks stand in the way of --force
    before = checksums(fresh_db)

    expected = {"truncated.sql": "is incomplete", "cut-at-the-end.sql": "is incomplete",
                "foreign.sql": "is not a Videostore backup", "empty.sql": "is not a Videostore",
                "bad-header.sql": "is not a Videostore backup", "missing.sql": "no such file"}
    for name, words in expected.items():
        error = refused(fresh_db, "restore", str(tmp_path / name), "--force")
        assert words in error and name in error, error
    assert "Nothing was changed" in refused(fresh_db, "restore", str(tmp_path / "foreign.sql"))
    assert checksums(fresh_db) == before


def test_a_backup_of_a_newer_schema_is_refused(fresh_db, tmp_path):
    path = tmp_path / "future.sql"
    backup_ok(fresh_db, path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("-- schema-version: ", "-- schema-version: 9", 1),
                    encoding="utf-8")
    before = checksums(fresh_db)
    error = refused(fresh_db, "restore", str(path), "--force")
    assert "schema version 9" in error and "update Videostore" in error
    assert checksums(fresh_db) == before


def test_the_application_account_reads_and_writes_after_a_restore(fresh_db, tmp_path):
    add_shop_data(fresh_db)
    path = tmp_path / "shop.sql"
    backup_ok(fresh_db, path)
    add_customer(fresh_db, "BK-LATER")
    assert run_main("restore", str(path), "--force", *db_args(fresh_db)).returncode == 0

    add_customer(fresh_db, "BK-AFTER")
    assert card_numbers(fresh_db) == {"BK-0001", "BK-AFTER"}
    db = Database.for_app(fresh_db.db)   # still no more than its rows: audit_log append-only
    try:
        with pytest.raises(PermissionDenied):
            with db.transaction() as tx:
                tx.execute("UPDATE audit_log SET reason = 'edited'")
    finally:
        db.close()


def test_a_table_the_backup_lacks_is_dropped_by_the_restore(fresh_db, tmp_path):
    path = tmp_path / "shop.sql"
    backup_ok(fresh_db, path)
    before = checksums(fresh_db)
    db = Database.for_app(fresh_db.db, role="admin")
    with db.transaction() as tx:
        tx.execute("CREATE TABLE scratch (id INT PRIMARY KEY) ENGINE=InnoDB")
    db.close()
    done = run_main("restore", str(path), *db_args(fresh_db))
    assert done.returncode == 0, done.stderr
    assert "dropped tables the backup does not have: scratch" in done.stdout
    assert checksums(fresh_db) == before


def test_a_backup_restores_into_another_database_name(fresh_db, tmp_path):
    add_shop_data(fresh_db)
    path = tmp_path / "shop.sql"
    backup_ok(fresh_db, path)
    other, _ = create_test_db(new_db_name("bk"))
    try:
        done = run_main("restore", str(path), "--force", *db_args(other))
        assert done.returncode == 0, done.stderr
        assert f"a backup of {fresh_db.db.name}" in done.stdout
        assert checksums(other) == checksums(fresh_db)
        add_customer(other, "BK-OTHER")
    finally:
        drop_database(other)


def test_a_backup_taken_while_clerks_work_is_consistent(fresh_db, tmp_path):
    """Each write is a customer and its audit row in one transaction; audit_log is dumped
    before customers, so a dump without one snapshot would hold customers whose audit row
    is missing."""
    stop = threading.Event()
    written: list[int] = []

    def clerk() -> None:
        db = Database.for_app(fresh_db.db)
        try:
            while not stop.is_set():
                with db.transaction() as tx:
                    at = now()
                    customer = insert_customer(tx, 1, f"BKW{len(written):05d}", "Busy",
                                               "Clerk", None, None, "", "", "", None, at)
                    tx.execute("INSERT INTO audit_log (at, staff_id, store_id, action, "
                               "table_name, row_id) VALUES (%s, 1, 1, 'customer.register', "
                               "'customers', %s)", (at, customer))
                written.append(customer)
        finally:
            db.close()

    worker = threading.Thread(target=clerk)
    worker.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        backup_ok(fresh_db, tmp_path / "busy.sql")
    finally:
        stop.set()
        worker.join()
    other, _ = create_test_db(new_db_name("bk"))
    try:
        done = run_main("restore", str(tmp_path / "busy.sql"), "--force", *db_args(other))
        assert done.returncode == 0, done.stderr
        db = Database.for_app(other.db)
        with db.transaction() as tx:
            customers = {r["id"] for r in tx.all("SELECT id FROM customers")}
            audited = {r["row_id"] for r in tx.all(
                "SELECT row_id FROM audit_log WHERE table_name = 'customers'")}
        db.close()
        assert len(customers) >= 20 and customers == audited
    finally:
        drop_database(other)


def test_a_backup_of_a_missing_database_says_so_and_writes_nothing(private_mariadb, tmp_path):
    path = tmp_path / "none.sql"
    done = run_main("backup", str(path), "--db-name", "vst_no_such_db")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Database vst_no_such_db does not exist" in done.stderr
    assert "nothing to back up" in done.stderr
    assert not path.exists()


def test_a_failed_dump_leaves_the_previous_backup_as_it_was(fresh_db, tmp_path):
    path = tmp_path / "shop.sql"
    backup_ok(fresh_db, path)
    previous = path.read_bytes()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, tail in (("mariadb-dump", "exit 2"), ("mysqldump", "exit 2")):
        tool = bin_dir / name   # a dump that dies half way, after writing part of a table
        tool.write_text(f"#!/bin/sh\necho 'CREATE TABLE `customers` ('\n"
                        f"echo 'mariadb-dump: Error 2013: Lost connection' >&2\n{tail}\n")
        tool.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = run_main("backup", str(path), *db_args(fresh_db), env=env)
    assert done.returncode == 1 and "Lost connection" in done.stderr
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "shop.sql"]

    for name in ("mariadb-dump", "mysqldump"):   # exits 0, yet stops short of its last line
        (bin_dir / name).write_text("#!/bin/sh\necho 'CREATE TABLE `customers` ('\nexit 0\n")
    done = run_main("backup", str(path), *db_args(fresh_db), env=env)
    assert done.returncode == 1 and "completion line" in done.stderr
    assert path.read_bytes() == previous


def test_backup_will_not_overwrite_a_file_that_is_not_a_backup(fresh_db, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n")
    error = refused(fresh_db, "backup", str(path))
    assert "is not a Videostore backup" in error
    assert path.read_text() == "my notes\n"
    assert "is not a directory" in refused(fresh_db, "backup", str(tmp_path / "no" / "x.sql"))
