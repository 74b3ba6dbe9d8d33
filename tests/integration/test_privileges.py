"""The application's database account may read and write rows, and nothing else."""
import pytest

from db.database import Database
from db.errors import AccessDenied, PermissionDenied


@pytest.fixture
def app_db(fresh_db):
    db = Database.for_app(fresh_db.db)
    yield db
    db.close()


def test_the_application_account_reads_and_writes_rows(app_db):
    with app_db.transaction() as tx:
        tx.execute("INSERT INTO settings (name, value, updated_at) VALUES ('x', '1', UTC_TIMESTAMP())")
        tx.execute("UPDATE settings SET value = '2' WHERE name = 'x'")
        assert tx.scalar("SELECT value FROM settings WHERE name = 'x'") == "2"
        assert tx.execute("DELETE FROM settings WHERE name = 'x'") == 1


@pytest.mark.parametrize("statement", [
    "DROP TABLE hires",
    "DROP TABLE audit_log",
    "DROP DATABASE {db}",
    "ALTER TABLE customers ADD COLUMN nickname VARCHAR(10)",
    "CREATE TABLE sneaky (id INT)",
    "TRUNCATE TABLE payments",
    "ALTER TABLE audit_log DROP COLUMN reason",
    "GRANT SELECT ON {db}.customers TO '{user}'@'%'",
    "GRANT UPDATE ON {db}.audit_log TO '{user}'@'%'",
    "CREATE USER 'sneaky'@'%' IDENTIFIED BY 'sneaky-pw-1'",
    "SELECT COUNT(*) FROM mysql.user",
    "SELECT COUNT(*) FROM mysql.db",
    "UPDATE audit_log SET reason = 'tampered'",
    "DELETE FROM audit_log",
    "UPDATE audit_seals SET hash = 'x'",
    "DELETE FROM audit_seals",
    "UPDATE schema_version SET version = 99",
    "UPDATE request_keys SET reply = '{{}}'",   # a stored reply is never rewritten
])
def test_the_application_account_cannot_change_structure_grant_or_rewrite_history(app_db, fresh_db, statement):
    sql = statement.format(db=fresh_db.db.name, user=fresh_db.db.app_user)
    with pytest.raises((PermissionDenied, AccessDenied)):  # the latter for a whole database
        with app_db.transaction() as tx:
            tx.execute(sql)


def test_the_application_account_may_append_to_the_audit_log_and_its_seals(app_db):
    with app_db.transaction() as tx:
        tx.execute("INSERT INTO audit_log (at, action, table_name) VALUES (UTC_TIMESTAMP(6), 'test', 'x')")
        assert tx.scalar("SELECT COUNT(*) FROM audit_log") == 1
        tx.execute("INSERT INTO audit_seals (seq, audit_id, hash, field_tags, sealed_at) "
                   "VALUES (1, 1, 'h', 't', UTC_TIMESTAMP(6))")
        assert tx.scalar("SELECT COUNT(*) FROM audit_seals") == 1
