"""create-db against the real private MariaDB."""
import pytest

from db.create import drop_database
from db.database import Database
from db.errors import DuplicateKey
from db.schema import latest_version
from store.errors import DatabaseExists, ValidationError
from store.setup import create_store_database, database_exists
from store.passwords import verify_password
from tests.conftest import ADMIN_PASSWORD, new_db_name, run_main, settings_for

TABLES = {"stores", "staff", "customers", "titles", "copies", "hires", "charges", "payments",
          "holds", "sessions", "audit_log", "settings", "schema_version",
          "messages", "message_reads",  # from migration 0002
          "receipts",                   # from migration 0003
          "import_keys", "import_stages",  # from migration 0005
          "audit_seals",                   # from migration 0006
          "request_keys"}                  # from migration 0007


def admin_db(settings):
    return Database.for_app(settings.db, role="admin")


def test_schema_applies_from_scratch_with_every_table_utf8mb4_innodb(fresh_db):
    db = admin_db(fresh_db)
    with db.transaction() as tx:
        rows = tx.all("SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
                      "WHERE TABLE_SCHEMA = %s", (fresh_db.db.name,))
        version = tx.scalar("SELECT MAX(version) FROM schema_version")
        fulltext = tx.all("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE "
                          "TABLE_SCHEMA = %s AND TABLE_NAME = 'titles' AND INDEX_TYPE = 'FULLTEXT'",
                          (fresh_db.db.name,))
        fks = tx.scalar("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS "
                        "WHERE CONSTRAINT_SCHEMA = %s", (fresh_db.db.name,))
    db.close()
    assert {r["TABLE_NAME"] for r in rows} == TABLES
    assert {r["ENGINE"] for r in rows} == {"InnoDB"}
    assert {r["TABLE_COLLATION"] for r in rows} == {"utf8mb4_unicode_ci"}
    assert version == latest_version()
    assert {r["INDEX_NAME"] for r in fulltext} == {"ft_titles_title", "ft_titles_title_description"}
    assert fks >= 25


def test_the_first_store_and_admin_exist_with_a_slow_hash(fresh_db):
    db = admin_db(fresh_db)
    with db.transaction() as tx:
        store = tx.one("SELECT id, name FROM stores")
        admin = tx.one("SELECT username, role, store_id, password_hash FROM staff")
    db.close()
    assert store == {"id": 1, "name": "Test Store"}
    assert (admin["username"], admin["role"], admin["store_id"]) == ("admin", "admin", 1)
    assert admin["password_hash"].startswith("scrypt$")
    assert verify_password(ADMIN_PASSWORD, admin["password_hash"])


def test_one_copy_can_have_only_one_open_hire(fresh_db):
    db = admin_db(fresh_db)
    with db.transaction() as tx:
        tx.execute("INSERT INTO titles (title, rental_rate, rental_days, replacement_cost, "
                   "created_at, updated_at) VALUES ('T', 1, 3, 10, UTC_TIMESTAMP(), UTC_TIMESTAMP())")
        tx.execute("INSERT INTO copies (title_id, store_id, barcode, copy_number, created_at, "
                   "updated_at) VALUES (1, 1, 'B1', 1, UTC_TIMESTAMP(), UTC_TIMESTAMP())")
        tx.execute("INSERT INTO customers (store_id, card_number, first_name, last_name, "
                   "created_at, updated_at) VALUES (1, 'C1', 'A', 'B', UTC_TIMESTAMP(), UTC_TIMESTAMP())")
    hire = ("INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, due_at, "
            "rate_charged) VALUES (1, 1, 1, 1, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 3 DAY, 1)")
    with db.transaction() as tx:
        tx.execute(hire)
    with pytest.raises(DuplicateKey) as e:
        with db.transaction() as tx:
            tx.execute(hire)
    assert e.value.key == "uq_hires_open_copy"
    with db.transaction() as tx:
        tx.execute("UPDATE hires SET returned_at = UTC_TIMESTAMP() + INTERVAL 1 DAY")
        tx.execute(hire)  # returned: the copy may be hired again
        assert tx.scalar("SELECT COUNT(*) FROM hires WHERE returned_at IS NULL") == 1
    db.close()


def test_create_db_refuses_an_existing_database_and_leaves_it_untouched(fresh_db):
    db = admin_db(fresh_db)
    with db.transaction() as tx:
        tx.execute("UPDATE stores SET name = 'Kept' WHERE id = 1")
    with pytest.raises(DatabaseExists, match="--reset"):
        create_store_database(settings_for(fresh_db.db.name), "admin", ADMIN_PASSWORD)
    with db.transaction() as tx:
        assert tx.scalar("SELECT name FROM stores WHERE id = 1") == "Kept"
    db.close()


def test_create_db_with_reset_rebuilds_the_database(fresh_db):
    db = admin_db(fresh_db)
    with db.transaction() as tx:
        tx.execute("UPDATE stores SET name = 'Old' WHERE id = 1")
    db.close()
    report = create_store_database(settings_for(fresh_db.db.name), "boss", ADMIN_PASSWORD,
                                   store_name="New", reset=True)
    assert any("dropped the existing database" in a for a in report.actions)
    db = admin_db(settings_for(fresh_db.db.name))  # new passwords were saved
    with db.transaction() as tx:
        assert tx.scalar("SELECT name FROM stores") == "New"
        assert [r["username"] for r in tx.all("SELECT username FROM staff")] == ["boss"]
    db.close()


def test_create_db_with_a_weak_password_changes_nothing(private_mariadb):
    name = new_db_name("weak")
    with pytest.raises(ValidationError, match="at least 8"):
        create_store_database(settings_for(name), "admin", "short")
    assert not database_exists(settings_for(name))


def test_create_db_command_twice_refuses_the_second_time_then_reset_works(private_mariadb):
    name = new_db_name("cli")
    env = {"VIDEOSTORE_DB_NAME": name, "VIDEOSTORE_ADMIN_PASSWORD": ADMIN_PASSWORD}
    try:
        first = run_main("create-db", env=env)
        assert first.returncode == 0, first.stderr
        assert f"Database {name} is ready." in first.stdout
        assert ADMIN_PASSWORD not in first.stdout + first.stderr
        second = run_main("create-db", env=env)
        assert second.returncode == 1
        assert "already exists" in second.stderr and "--reset" in second.stderr
        assert "Traceback" not in second.stderr
        again = run_main("create-db", "--if-missing", env=env)
        assert again.returncode == 0 and "nothing changed" in again.stdout
        reset = run_main("create-db", "--reset", "--store-name", "Rebuilt", env=env)
        assert reset.returncode == 0, reset.stderr
        assert "dropped the existing database" in reset.stdout
    finally:
        drop_database(settings_for(name))


def test_create_db_without_a_password_and_no_terminal_says_how_to_give_one(private_mariadb):
    name = new_db_name("nopw")
    done = run_main("create-db", env={"VIDEOSTORE_DB_NAME": name})
    assert done.returncode == 1
    assert "VIDEOSTORE_ADMIN_PASSWORD" in done.stderr and "Traceback" not in done.stderr


def test_create_db_demo_adds_titles_copies_customers_and_two_clerks(demo_db):
    db = Database.for_app(demo_db.db)
    with db.transaction() as tx:
        counts = {t: tx.scalar(f"SELECT COUNT(*) FROM {t}")
                  for t in ("titles", "copies", "customers", "staff")}
        clerks = tx.scalar("SELECT COUNT(*) FROM staff WHERE role = 'clerk' AND username "
                           "IN ('clerk1', 'clerk2') AND store_id = 1")
    db.close()
    assert counts["titles"] >= 24 and counts["copies"] > counts["titles"]
    assert counts["customers"] >= 24 and clerks == 2  # (other tests add staff to this db)


def test_an_invalid_database_name_is_refused_before_any_sql(private_mariadb):
    done = run_main("create-db", "--db-name", "x`; DROP DATABASE mysql; --",
                    env={"VIDEOSTORE_ADMIN_PASSWORD": ADMIN_PASSWORD})
    assert done.returncode == 1 and "not allowed" in done.stderr
