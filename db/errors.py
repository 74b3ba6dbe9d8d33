"""What can go wrong in the data layer, as exceptions that name no business rule.

The driver's errors are translated here, in one place, so the layers above never import
mysql.connector. store/ turns these into StoreErrors a clerk can read.
"""
from __future__ import annotations

import re


class DbError(Exception):
    """Base of every failure the data layer reports."""


class DbUnavailable(DbError):
    """The database server cannot be reached, or the connection was lost."""


class CommitUnknown(DbUnavailable):
    """The connection was lost during COMMIT: the transaction may or may not have been
    written. Never retried blindly."""


class PoolExhausted(DbUnavailable):
    """Every pooled connection stayed busy for the whole wait."""


class DatabaseMissing(DbError):
    """The configured database does not exist (create-db has not been run)."""


class DatabaseExists(DbError):
    """create-db was asked to make a database that is already there."""


class AccessDenied(DbError):
    """The server refused the account or password."""


class PermissionDenied(DbError):
    """The account may not run this statement (least privilege at work)."""


class ReadOnly(DbError):
    """The database server accepts no changes just now (read_only, a replica)."""


class StorageFull(DbError):
    """The database server has no room left for the change (disk or tablespace full)."""


class Conflict(DbError):
    """A deadlock or lock-wait timeout: the transaction was rolled back and may be retried."""


class DuplicateKey(DbError):
    """A unique key refused the row; `key` names the key (e.g. uq_copies_barcode)."""

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.key = key


class ForeignKeyViolation(DbError):
    """A row refers to one that does not exist, or is still referred to."""


class InvalidName(DbError):
    """A name that may not be used: a database, account or host name (checked before any
    SQL), a migration file named out of order."""


class InvalidData(DbError):
    """A value does not fit its column (too long, out of range, fails a CHECK)."""


# MySQL / MariaDB error numbers (server and client).
_UNAVAILABLE = {2002, 2003, 2005, 2006, 2013, 2055, 1053, 1927, 4031}
_CONFLICT = {1205, 1213}
_INVALID = {1048, 1264, 1265, 1292, 1366, 1406, 3819, 4025}
_FOREIGN_KEY = {1216, 1217, 1451, 1452}
_PERMISSION = {1142, 1143, 1227, 1370}
_ACCESS = {1044, 1045, 1698}
# 1290: "running with the --read-only option"; 1792: a read-only transaction.
_READ_ONLY = {1290, 1792}
# 1114: "the table is full" (InnoDB could not extend its tablespace); 1021: disk full.
# Other writes that failed for want of space (1030, 3) say "No space left on device".
_FULL = {1114, 1021}


def translate(err: Exception) -> DbError:
    """The DbError for a driver error (anything with an `errno`)."""
    errno = getattr(err, "errno", None)
    msg = getattr(err, "msg", None) or str(err)
    if errno == 1062:
        match = re.search(r"for key '(?:[^'.]*\.)?([^']+)'", msg)
        return DuplicateKey(msg, match.group(1) if match else "")
    if errno == 1049:
        return DatabaseMissing(msg)
    if errno in _UNAVAILABLE:
        return DbUnavailable(msg)
    if errno in (None, -1) and type(err).__name__ in ("OperationalError", "InterfaceError"):
        return DbUnavailable(msg)  # e.g. "MySQL Connection not available."
    if errno in _FULL or "No space left on device" in msg:
        return StorageFull(msg)
    for codes, cls in ((_CONFLICT, Conflict), (_READ_ONLY, ReadOnly), (_INVALID, InvalidData),
                       (_FOREIGN_KEY, ForeignKeyViolation), (_PERMISSION, PermissionDenied),
                       (_ACCESS, AccessDenied)):
        if errno in codes:
            return cls(msg)
    return DbError(msg)
