"""Apply schema.sql to an empty database, then the numbered migrations after it.

A migration is db/migrations/NNNN_what_it_does.sql; NNNN is the schema version it brings
the database to (schema.sql itself is version 1, so the first migration is 0002_...).
Each applied migration adds its row to schema_version. DDL commits as it goes in MySQL, so
a migration that fails half way is reported with the statement that failed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.errors import InvalidName

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = PROJECT_ROOT / "schema.sql"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql\Z")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    path: Path


def split_statements(sql: str) -> list[str]:
    """The statements of a SQL script: split at ';' outside quotes, `-- ` and `#` comments
    dropped. Enough for schema files; not a general SQL parser (no DELIMITER)."""
    statements, current = [], []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            end = _closing_quote(sql, i)
            current.append(sql[i:end])
            i = end
            continue
        if ch == "#" or sql.startswith("-- ", i) or sql.startswith("--\n", i):
            i = sql.find("\n", i)
            i = n if i < 0 else i
            continue
        if ch == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def _closing_quote(sql: str, start: int) -> int:
    """The index just past the quote that closes the one at `start`."""
    quote, i = sql[start], start + 1
    while i < len(sql):
        if sql[i] == "\\":
            i += 2
            continue
        if sql[i] == quote:
            if sql.startswith(quote * 2, i):  # a doubled quote stands for itself
                i += 2
                continue
            return i + 1
        i += 1
    return len(sql)


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise InvalidName(f"migration file {path.name} is not named NNNN_description.sql")
        found.append(Migration(int(match.group(1)), match.group(2).replace("_", " "), path))
    return found


def current_version(conn: Any) -> int:
    cur = conn.cursor()
    cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
    (version,) = cur.fetchone()
    cur.close()
    return int(version)


def version_in(tx: Any) -> int:
    """The database's schema version, read in a transaction (db.database.Tx)."""
    return int(tx.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"))


def latest_version(directory: Path = MIGRATIONS_DIR) -> int:
    return max([1] + [m.version for m in migrations(directory)])


def apply_schema(conn: Any, schema_file: Path = SCHEMA_FILE) -> None:
    """Create every table of schema.sql on an autocommit connection to an empty database."""
    _run_script(conn, schema_file.read_text(encoding="utf-8"), schema_file.name)


def migrate(conn: Any, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply the migrations newer than the database; returns those applied."""
    done = []
    for migration in migrations(directory):
        if migration.version <= current_version(conn):
            continue
        _run_script(conn, migration.path.read_text(encoding="utf-8"), migration.path.name)
        cur = conn.cursor()
        cur.execute("INSERT INTO schema_version (version, description, applied_at) "
                    "VALUES (%s, %s, UTC_TIMESTAMP(6))", (migration.version, migration.description))
        cur.close()
        done.append(migration)
    return done


def _run_script(conn: Any, sql: str, name: str) -> None:
    from db.database import driver
    from db.errors import translate
    cur = conn.cursor()
    try:
        for statement in split_statements(sql):
            try:
                cur.execute(statement)
            except driver().Error as e:
                err = translate(e)
                err.args = (f"{name}: {err} in: {statement.splitlines()[0]}",)
                raise err from None
    finally:
        cur.close()
