"""Backups and restores of the store's database, and the rules that keep a restore safe.

A backup is mariadb-dump's output (db/dump.py) behind a header of our own, which says what
it is, the schema version, and the time of the newest data in it. That time is read just
before the dump's snapshot begins, so a clerk's write that lands in between is in the
backup yet newer than its header: restoring it then asks for --force when it need not,
never the other way round.

A restore is refused, with nothing changed, when the file is not a whole Videostore backup,
when it is of a newer schema than this code knows, and (unless forced) when the database
holds data newer than the backup, which the restore would lose. A backup of an older schema
is loaded and then migrated. Loading is DDL, which cannot be rolled back: the checks come
first so that a failure half way is down to the server or the disk, and running the same
restore again repairs it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

from db import create, dump, schema
from db.database import ConnectParams, connect
from db.errors import AccessDenied, DatabaseMissing as DbMissing, DbError
from db.settings import Settings
from store.errors import (BackupFailed, DatabaseMissing, DatabaseRefused, Internal, Refused,
                          StoreError, ValidationError, from_db_error)

log = logging.getLogger(__name__)
T = TypeVar("T")

MARK = "Videostore backup"
FORMAT = 1
NO_DATA = "none"


@dataclass(frozen=True)
class BackupHeader:
    """What a backup file says about itself, in the comment lines at its top."""
    database: str
    schema_version: int
    newest_data: datetime | None   # UTC; None: the database held no data at all
    taken_at: datetime | None
    format: int = FORMAT


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    tables: int
    header: BackupHeader


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    database: str
    tables: int
    header: BackupHeader
    overwrote_newer: datetime | None = None   # with --force: the newer data's time
    dropped: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)


def backup(settings: Settings, path: Path) -> BackupReport:
    """Dump the configured database to `path`: written whole or not at all."""
    _check_target(path)
    params = _admin_params(settings)
    conn = _admin_connection(settings, params, "back up")
    try:
        version = _db(lambda: dump.schema_version(conn))
        newest = _db(lambda: dump.newest_data_time(conn, settings.db.name))
    finally:
        conn.close()
    header = BackupHeader(settings.db.name, version, _utc(newest), datetime.now(timezone.utc))
    written = _db(lambda: dump.dump(params, path, header_text(header)))
    return BackupReport(path, written.size, len(written.tables), header)


def restore(settings: Settings, path: Path, force: bool = False) -> RestoreReport:
    """Load a backup into the configured database, after the checks in the module's
    docstring; then migrate it if it is older, and grant the application's account its
    table privileges again."""
    header, scanned = read_backup(path)
    if header.schema_version > schema.latest_version():
        raise Refused(
            f"{path} is a backup of schema version {header.schema_version}, and this "
            f"Videostore knows versions up to {schema.latest_version()}: update Videostore, "
            f"then restore. Nothing was changed.", {"reason": "newer_schema", "override": False})
    params = _admin_params(settings)
    conn = _admin_connection(settings, params, "restore")
    try:
        current = _utc(_db(lambda: dump.newest_data_time(conn, settings.db.name)))
        existing = _db(lambda: dump.base_tables(conn, settings.db.name))
    finally:
        conn.close()
    newer = current is not None and (header.newest_data is None or current > header.newest_data)
    if newer and not force:
        here, there = when_pair(current, header.newest_data)
        raise Refused(
            f"database {settings.db.name} holds data from {here}, newer than the newest in "
            f"{path} ({there}); restoring would lose it. Nothing was changed. To restore "
            f"anyway, run restore again with --force.",
            {"reason": "newer_data", "override": True})
    dropped = [t for t in existing if t not in set(scanned.tables)]
    _db(lambda: dump.load(params, path, dropped))
    conn = _admin_connection(settings, params, "restore")
    try:
        applied = _db(lambda: dump.finish_restore(conn, settings))
    finally:
        conn.close()
    return RestoreReport(path, settings.db.name, len(scanned.tables), header,
                         current if newer else None, dropped,
                         [f"applied migration {m.version}: {m.description}" for m in applied])


def read_backup(path: Path) -> tuple[BackupHeader, dump.DumpFile]:
    """The header of a whole Videostore backup, or a ValidationError saying what is wrong."""
    if not path.is_file():
        raise ValidationError(f"{path}: no such file." if not path.exists()
                              else f"{path} is not a file.")
    try:
        scanned = dump.scan(path)
    except OSError as e:
        raise ValidationError(f"{path} cannot be read: {e.strerror or e}.") from None
    header = parse_header(scanned.header)
    if header is None:
        raise ValidationError(f"{path} is not a Videostore backup (it lacks the header "
                              f"`backup` writes). Nothing was changed.")
    if header.format > FORMAT:
        raise ValidationError(f"{path} is a backup of a newer format ({header.format}) than "
                              f"this Videostore reads: update Videostore. Nothing was changed.")
    if not scanned.complete or not scanned.tables:
        raise ValidationError(f"{path} is incomplete: it does not end with the dump's "
                              f"completion line (the backup was cut short, or the file was "
                              f"truncated). Nothing was changed.")
    return header, scanned


def header_text(header: BackupHeader) -> str:
    """The comment lines a backup starts with (SQL comments: the client skips them)."""
    fields = {
        "format": str(header.format),
        "database": header.database,
        "schema-version": str(header.schema_version),
        "newest-data": _iso(header.newest_data),
        "taken-at": _iso(header.taken_at),
        "restore-with": "python main.py restore FILE",
    }
    return f"-- {MARK}\n" + "".join(f"-- {k}: {v}\n" for k, v in fields.items()) + "\n"


def parse_header(lines: list[str]) -> BackupHeader | None:
    """The header from a file's leading comment lines; None if they are not ours or are
    damaged."""
    if not lines or lines[0].strip() != MARK:
        return None
    fields: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(": ")
        if sep:
            fields[key.strip()] = value.strip()
    try:
        return BackupHeader(fields["database"], int(fields["schema-version"]),
                            _parse_iso(fields["newest-data"]),
                            _parse_iso(fields.get("taken-at", NO_DATA)), int(fields["format"]))
    except (KeyError, ValueError):
        return None


def when_text(moment: datetime | None, precise: bool = False) -> str:
    """A UTC time as people read it: "2024-05-01 14:02:07 UTC"; "no data" for None."""
    if moment is None:
        return "no data"
    return moment.strftime("%Y-%m-%d %H:%M:%S" + (".%f" if precise else "") + " UTC")


def when_pair(a: datetime | None, b: datetime | None) -> tuple[str, str]:
    """Two times to the second, or to the microsecond when seconds cannot tell them apart."""
    precise = when_text(a) == when_text(b) and a != b
    return when_text(a, precise), when_text(b, precise)


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ValidationError(f"{path} is a directory: name the backup file to write.")
    if not path.parent.is_dir():
        raise ValidationError(f"{path.parent} is not a directory: nowhere to write {path.name}.")
    if path.exists():
        try:
            ours = parse_header(dump.scan(path).header) is not None
        except OSError:
            ours = False
        if not ours:
            raise ValidationError(f"{path} exists and is not a Videostore backup: choose "
                                  f"another file name (only an old backup is replaced).")


def _admin_params(settings: Settings) -> ConnectParams:
    _db(lambda: create.check_identifiers(settings))
    return ConnectParams.from_settings(settings.db, "admin")


def _admin_connection(settings: Settings, params: ConnectParams, doing: str) -> Any:
    """A connection as the database's admin account, or a StoreError that says whether the
    database is missing or the account was refused."""
    s = settings.db
    try:
        return connect(params, autocommit=True)
    except DbMissing:
        missing = True
    except AccessDenied as e:
        missing = _known_missing(settings)
        if not missing:
            raise DatabaseRefused(
                f"cannot {doing} database {s.name}: its admin account {s.admin_account} was "
                f"refused on {s.host}:{s.port} ({e}). Check that the database exists "
                f"(create-db makes it and the account) and that db.admin_password "
                f"(VIDEOSTORE_DB_ADMIN_PASSWORD, or {settings.credentials_file()}) is the "
                f"account's password.") from None
    except DbError as e:
        raise _store_error(e) from None
    what = ("there is nothing to back up" if doing == "back up" else
            "create it with `python main.py create-db`, then restore with --force (a new "
            "database is newer than any backup)")
    raise DatabaseMissing(f"database {s.name} does not exist on {s.host}:{s.port}: {what}. "
                          f"Check --db-name or VIDEOSTORE_DB_NAME.")


def _known_missing(settings: Settings) -> bool:
    """Whether the superuser, when one is configured, sees no such database."""
    if not settings.db.root_password:
        return False
    try:
        return not create.database_exists(settings)
    except DbError:
        return False


def _db(work: Callable[[], T]) -> T:
    """Run a data-layer call; its failures as StoreErrors."""
    try:
        return work()
    except DbError as e:
        raise _store_error(e) from None
    except OSError as e:
        raise BackupFailed(f"{e.filename or 'file'}: {e.strerror or e}") from None


def _store_error(err: DbError) -> StoreError:
    if isinstance(err, dump.ToolMissing):
        return BackupFailed(f"{err}: install Debian's mariadb-client "
                            f"(sudo apt-get install mariadb-client).")
    if isinstance(err, dump.ToolFailed):
        return BackupFailed(str(err))
    error = from_db_error(err)
    if isinstance(error, Internal):
        log.error("database error: %s", err, exc_info=True)
    return error


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=timezone.utc)


def _iso(moment: datetime | None) -> str:
    return NO_DATA if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_iso(text: str) -> datetime | None:
    if text == NO_DATA:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
