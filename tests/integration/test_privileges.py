"""The application's database account may read and write rows, and nothing else."""
import pytest

from db.database import Database
from db.errors import PermissionDenied


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
    "ALTER TABLE customers ADD COLUMN nickname VARCHAR(10)",
    "CREATE TABLE sneaky (id INT)",
    "TRUNCATE TABLE payments",
    "GRANT SELECT ON {db}.customers TO '{user}'@'%'",
    "SELECT COUNT(*) FROM mysql.user",
    "UPDATE audit_log SET reason = 'tampered'",
    "DELETE FROM audit_log",
    "UPDATE schema_version SET version = 99",
])
def test_the_application_account_cannot_change_structure_grant_or_rewrite_history(app_db, fresh_db, statement):
    sql = statement.format(db=fresh_db.db.name, user=fresh_db.db.app_user)
    with pytest.raises(PermissionDenied):
        with app_db.transaction() as tx:
            tx.execute(sql)


def test_the_application_account_may_append_to_the_audit_log(app_db):
    with app_db.transaction() as tx:
        tx.execute("INSERT INTO audit_log (at, action, table_name) VALUES (UTC_TIMESTAMP(6), 'test', 'x')")
        assert tx.scalar("SELECT COUNT(*) FROM audit_log") == 1
