"""The admin's data in and out — imports and exports run as the database's admin account
(the clerk's account may not make the staging tables a bulk import needs), on a database
whose schema is up to date. Each entry point turns a data-layer failure into a StoreError.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator, TextIO

from db.database import Database
from db.errors import DbError
from db.schema import latest_version, version_in
from db.settings import Settings
from store.csv_export import export_file, export_rows
from store.csv_import import CsvImport, ImportResult
from store.csv_import import Progress as ImportProgress
from store.errors import StoreError, ValidationError, from_db_error
from store.sakila import SakilaFiles, SakilaImport, SakilaReport

Progress = Callable[[str], None]


@contextmanager
def admin_database(settings: Settings, local_files: Path | None = None) -> Iterator[Database]:
    """The database as its admin account, checked to be at this code's schema version;
    `local_files`: the one directory LOAD DATA LOCAL may read from."""
    database = Database.for_app(settings.db, role="admin", local_files=local_files)
    try:
        with database.transaction() as tx:
            version = version_in(tx)
        if version < latest_version():
            raise ValidationError(f"Database {settings.db.name} is at schema version "
                                  f"{version}, this code needs {latest_version()}: run "
                                  f"`python main.py migrate` first.")
        yield database
    except DbError as e:
        raise from_db_error(e) from None
    finally:
        database.close()


def sakila_import(settings: Settings, directory: Path, now: datetime,
                  progress: Progress) -> SakilaReport:
    """Sakila's CSVs in `directory` into the database; see store/sakila.py."""
    files = SakilaFiles(directory)  # checked before connecting
    with admin_database(settings) as database:
        return SakilaImport(database, files, now, progress).run()


def csv_import(settings: Settings, kind: str, path: Path, store_id: int, now: datetime,
               today: date, skip_bad: bool, rejects: Path | None,
               progress: Callable[[ImportProgress], None]) -> ImportResult:
    """A CSV file of `kind` into the database; see store/csv_import.py."""
    if not path.is_file():
        raise ValidationError(f"{path}: no such file.")
    with tempfile.TemporaryDirectory(prefix="videostore-import-") as staging, \
            admin_database(settings, local_files=Path(staging)) as database:
        importer = CsvImport(database, now, today, store_id, progress)
        return importer.run(kind, path, Path(staging), skip_bad, rejects)


def csv_export(settings: Settings, kind: str, path: Path | None, store_id: int | None,
               out: TextIO | None = None) -> int:
    """`kind` rows to the CSV file `path` (or to `out`); how many."""
    with admin_database(settings) as database:
        if path is None:
            assert out is not None
            return export_rows(database, kind, out, store_id)
        return export_file(database, kind, path, store_id)


__all__ = ["Progress", "StoreError", "admin_database", "csv_export", "csv_import",
           "sakila_import"]
