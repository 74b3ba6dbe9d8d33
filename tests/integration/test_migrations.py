"""Numbered migrations after schema.sql, as `python main.py migrate` runs them."""
import pytest

from db.create import upgrade_database
from db.database import Database
from db.errors import DbError
from db.schema import latest_version

NEXT = latest_version() + 1  # the test's migrations come after the project's own


def test_migrations_apply_once_in_order_and_the_app_account_may_use_new_tables(fresh_db, tmp_path):
    (tmp_path / f"{NEXT:04d}_add_notes.sql").write_text(
        "CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200) NOT NULL);\n")
    (tmp_path / f"{NEXT + 1:04d}_add_note_author.sql").write_text(
        "ALTER TABLE notes ADD COLUMN author VARCHAR(64) NOT NULL DEFAULT '';\n")
    applied = upgrade_database(fresh_db, tmp_path)
    assert [(m.version, m.description) for m in applied] == [(NEXT, "add notes"),
                                                             (NEXT + 1, "add note author")]
    assert upgrade_database(fresh_db, tmp_path) == []  # already up to date
    db = Database.for_app(fresh_db.db)
    with db.transaction() as tx:
        tx.execute("INSERT INTO notes (body, author) VALUES (%s, %s)", ("call Ana", "admin"))
        assert tx.scalar("SELECT MAX(version) FROM schema_version") == NEXT + 1
    db.close()


def test_a_failing_migration_names_its_file_and_is_not_recorded(fresh_db, tmp_path):
    (tmp_path / f"{NEXT:04d}_broken.sql").write_text("CREATE TABLE oops (id INT PRIMARY KEY;\n")
    with pytest.raises(DbError, match=f"{NEXT:04d}_broken.sql"):
        upgrade_database(fresh_db, tmp_path)
    db = Database.for_app(fresh_db.db)
    with db.transaction() as tx:
        assert tx.scalar("SELECT MAX(version) FROM schema_version") == NEXT - 1
    db.close()


def test_a_badly_named_migration_file_is_refused(fresh_db, tmp_path):
    (tmp_path / "2_no_padding.sql").write_text("SELECT 1;\n")
    with pytest.raises(DbError, match="NNNN_description.sql"):
        upgrade_database(fresh_db, tmp_path)


def test_the_projects_own_migrations_bring_a_new_database_to_the_latest_version(fresh_db):
    db = Database.for_app(fresh_db.db)
    with db.transaction() as tx:
        assert tx.scalar("SELECT MAX(version) FROM schema_version") == latest_version()
        assert tx.scalar("SELECT COUNT(*) FROM messages") == 0  # 0002 applied
    db.close()
