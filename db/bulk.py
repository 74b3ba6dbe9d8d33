"""Bulk writes: rows go to a tab-separated file, `LOAD DATA LOCAL INFILE` takes it into a
temporary staging table, set-based queries check the staged rows against each other and
against the tables, and one INSERT ... SELECT writes them. One statement per step instead
of one per row: the database does the work at its own speed (LOAD DATA ~650k rows/s here,
against ~15k rows/s for single-row INSERTs).

The staging table is TEMPORARY: private to the connection, gone when it closes, and each
query below names it once (MySQL cannot open a temporary table twice in one statement;
window functions find duplicates within it instead of a self-join).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from db.database import Tx

# The staged columns of each kind, after `line` (the row's line in the source file) and
# `id` (reserved by the importer). Types as in schema.sql.
STAGED: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (("store_id", "INT UNSIGNED"), ("card_number", "VARCHAR(20)"),
                  ("first_name", "VARCHAR(50)"), ("last_name", "VARCHAR(50)"),
                  ("phone", "VARCHAR(32) NULL"), ("email", "VARCHAR(254) NULL"),
                  ("address_line1", "VARCHAR(100)"), ("address_line2", "VARCHAR(100)"),
                  ("city", "VARCHAR(60)"), ("postal_code", "VARCHAR(16)"),
                  ("country", "VARCHAR(60)"), ("date_of_birth", "DATE NULL")),
    "titles": (("title", "VARCHAR(255)"), ("release_year", "SMALLINT UNSIGNED NULL"),
               ("rating", "VARCHAR(5)"), ("genre", "VARCHAR(40)"),
               ("length_min", "SMALLINT UNSIGNED NULL"), ("rental_rate", "DECIMAL(8,2)"),
               ("rental_days", "TINYINT UNSIGNED"), ("replacement_cost", "DECIMAL(8,2)"),
               ("description", "TEXT")),
    "copies": (("title_id", "INT UNSIGNED"), ("store_id", "INT UNSIGNED"),
               ("format", "VARCHAR(10)"), ("barcode", "VARCHAR(32)"),
               ("copy_number", "INT UNSIGNED")),
}
_STAGE = {kind: f"stage_{kind}" for kind in STAGED}   # table names never come from input
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})


def tsv_value(value: Any) -> str:
    """One value as LOAD DATA reads it back: NULL as \\N, special characters escaped."""
    if type(value) is str:         # most values: the common case first
        return value.translate(_ESCAPES)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value).translate(_ESCAPES)


def write_tsv_row(out: TextIO, values: Sequence[Any]) -> None:
    # The usual row has nothing to escape: join it as it is and check the line once rather
    # than each value. A tab, backslash or line break inside a text shows as one tab or
    # backslash more than the row's own (a None is "\\N": one backslash each).
    line = "\t".join([v if type(v) is str else str(v) if type(v) is int else tsv_value(v)
                      for v in values])
    if (line.count("\t") != len(values) - 1 or line.count("\\") != values.count(None)
            or "\n" in line or "\r" in line or "\0" in line):
        line = "\t".join(map(tsv_value, values))
    out.write(line)
    out.write("\n")


def create_staging(tx: Tx, kind: str) -> None:
    columns = ", ".join(f"{name} {sqltype}" for name, sqltype in STAGED[kind])
    tx.execute(f"DROP TEMPORARY TABLE IF EXISTS {_STAGE[kind]}")
    tx.execute(f"CREATE TEMPORARY TABLE {_STAGE[kind]} (line INT UNSIGNED NOT NULL, "
               f"id INT UNSIGNED NOT NULL, {columns}, PRIMARY KEY (line)) ENGINE=InnoDB "
               f"DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")


def load_staging(tx: Tx, kind: str, path: Path) -> tuple[int, int]:
    """The TSV file (line, id, then the STAGED columns) into the staging table: (rows
    loaded, warnings). The connection must allow LOAD DATA LOCAL from the file's directory
    (ConnectParams.local_files)."""
    return _load(tx, _STAGE[kind], ["line", "id"] + [name for name, _ in STAGED[kind]], path)


def load_rows(tx: Tx, kind: str, path: Path, now: datetime) -> tuple[int, int]:
    """The TSV file (id, then the STAGED columns) straight into the kind's own table,
    stamped `now`: (rows written, warnings). LOAD DATA LOCAL cannot stop the file half way,
    so a row the table refuses (a unique key or foreign key broken) is skipped with a
    warning, not an error: the caller compares the counts."""
    names = ["id"] + [name for name, _ in STAGED[kind]]
    return _load(tx, kind, names, path, "SET created_at = %s, updated_at = %s", (now, now))


def _load(tx: Tx, table: str, names: list[str], path: Path, tail: str = "",
          params: tuple[Any, ...] = ()) -> tuple[int, int]:
    rows = tx.execute(
        f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} CHARACTER SET utf8mb4 "
        f"FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
        f"({', '.join(names)}) {tail}", (str(path), *params))
    return rows, int(tx.scalar("SELECT @@warning_count"))


def drop_staging(tx: Tx, kind: str) -> None:
    tx.execute(f"DROP TEMPORARY TABLE IF EXISTS {_STAGE[kind]}")


def drop_lines(tx: Tx, kind: str, lines: list[int]) -> None:
    """Take rows out of the staging table (the ones a check refused, with --skip-bad)."""
    for start in range(0, len(lines), 1000):
        chunk = lines[start:start + 1000]
        tx.execute(f"DELETE FROM {_STAGE[kind]} WHERE line IN "
                   f"({', '.join(['%s'] * len(chunk))})", chunk)


# --- set-based checks: each returns (line, what is wrong) -------------------------------

_LABELS = {"phone": "Phone", "card_number": "Card"}


def taken_by_customers(tx: Tx, column: str) -> list[tuple[int, str]]:
    """Staged customers whose phone or card number (`column`) an existing customer has."""
    label = _LABELS[column]     # also the list of columns allowed here
    rows = tx.all(f"SELECT s.line, s.{column} AS value, c.id, c.first_name, c.last_name "
                  f"FROM stage_customers s JOIN customers c ON c.{column} = s.{column} "
                  f"ORDER BY s.line")
    return [(r["line"], f"{label} {r['value']} is already customer {r['id']}'s, "
                        f"{r['first_name']} {r['last_name']}.") for r in rows]


def titles_in_catalogue(tx: Tx) -> list[tuple[int, str]]:
    rows = tx.all("SELECT s.line, t.id, t.title, t.release_year FROM stage_titles s "
                  "JOIN titles t ON t.title = s.title AND t.release_year <=> s.release_year "
                  "ORDER BY s.line")
    return [(r["line"], f"{r['title']}{_year(r['release_year'])} is already in the catalogue "
                        f"as title {r['id']}.") for r in rows]


# What makes two staged rows the same, by kind, and how to name it in the message.
REPEATS: dict[str, tuple[tuple[tuple[str, ...], Callable[[dict[str, Any]], str]], ...]] = {
    "customers": ((("phone",), lambda r: f"Phone {r['phone']}"),
                  (("card_number",), lambda r: f"Card {r['card_number']}")),
    "titles": ((("title", "release_year"),
                lambda r: f"{r['title']}{_year(r['release_year'])}"),),
    "copies": (),
}


def repeated_in_file(tx: Tx, kind: str) -> list[tuple[int, str]]:
    """Staged rows that repeat an earlier line of the file (a window function: the staging
    table may be named only once in a statement)."""
    found = []
    for columns, name in REPEATS[kind]:
        cols = ", ".join(columns)
        rows = tx.all(f"SELECT line, {cols}, first_line FROM (SELECT line, {cols}, MIN(line) "
                      f"OVER (PARTITION BY {cols}) AS first_line FROM {_STAGE[kind]} "
                      f"WHERE {columns[0]} IS NOT NULL) x WHERE line > first_line")
        found += [(r["line"], f"{name(r)} is also on line {r['first_line']} of the file.")
                  for r in rows]
    return found


def copies_of_missing_titles(tx: Tx) -> list[tuple[int, str]]:
    rows = tx.all("SELECT s.line, s.title_id FROM stage_copies s LEFT JOIN titles t "
                  "ON t.id = s.title_id WHERE t.id IS NULL ORDER BY s.line")
    return [(r["line"], f"Title {r['title_id']} does not exist.") for r in rows]


def _year(year: int | None) -> str:
    return f" ({year})" if year else ""


# --- the writes ---------------------------------------------------------------------------

def insert_staged(tx: Tx, kind: str, now: datetime) -> int:
    """Every staged row into its table, stamped `now`; the number written."""
    names = [name for name, _ in STAGED[kind]]
    columns = ", ".join(["id"] + names + ["created_at", "updated_at"])
    return tx.execute(f"INSERT INTO {kind} ({columns}) SELECT id, {', '.join(names)}, %s, %s "
                      f"FROM {_STAGE[kind]} ORDER BY line", (now, now))


def store_ids(tx: Tx) -> set[int]:
    return {int(r["id"]) for r in tx.all("SELECT id FROM stores")}


# --- export: every row, a page at a time in id order (memory flat in table size) --------

EXPORTED: dict[str, str] = {
    "customers": "SELECT id, card_number, store_id, first_name, last_name, phone, email, "
                 "address_line1, address_line2, city, postal_code, country, date_of_birth, "
                 "active, created_at FROM customers",
    "titles": "SELECT id, title, release_year, rating, genre, length_min, rental_rate, "
              "rental_days, replacement_cost, description, created_at FROM titles",
    "copies": "SELECT id, title_id, store_id, format, barcode, copy_number, status, "
              "created_at FROM copies",
}


def export_columns(kind: str) -> list[str]:
    """The header of an export (for a file with no rows)."""
    select = EXPORTED[kind]
    return [c.strip() for c in select[len("SELECT "):select.index(" FROM ")].split(",")]


def export_page(tx: Tx, kind: str, after_id: int, limit: int,
                store_id: int | None) -> list[dict[str, Any]]:
    """Up to `limit` rows with ids after `after_id` (of one store's, where rows have one)."""
    where, params = "WHERE id > %s", [after_id]
    if store_id is not None and kind != "titles":
        where += " AND store_id = %s"
        params.append(store_id)
    return tx.all(f"{EXPORTED[kind]} {where} ORDER BY id LIMIT %s", (*params, limit))
