"""Every error a clerk or a protocol client can be told about, in one module.

Each StoreError carries the protocol error code the server replies with; the terminal shows
its message as one line (ui/messages.py), the server turns it into an error reply
(store/server.py). Anything that is not a StoreError is a bug: logged with its traceback,
reported as INTERNAL.
"""
from __future__ import annotations

from typing import Any

from db import errors as dberr


class StoreError(Exception):
    code = "STORE_ERROR"

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class BadJson(StoreError):
    code = "BAD_JSON"


class BadRequest(StoreError):
    code = "BAD_REQUEST"


class TooLarge(StoreError):
    code = "TOO_LARGE"


class UnknownOp(StoreError):
    code = "UNKNOWN_OP"


class Unauthenticated(StoreError):
    code = "UNAUTHENTICATED"


class Forbidden(StoreError):
    code = "FORBIDDEN"


class OtpRequired(StoreError):
    """The password was right and the account has two-factor login: send the code too.
    Not a failed login."""
    code = "OTP_REQUIRED"


class AccountLocked(StoreError):
    """Too many failed logins in a row; details.until says when the lock ends."""
    code = "ACCOUNT_LOCKED"


class RateLimited(StoreError):
    """Too many attempts from one place; details.retry_after_s says when to try again."""
    code = "RATE_LIMITED"


class Locked(StoreError):
    """Someone else holds the lock; details names the holder, terminal and since when."""
    code = "LOCKED"


class ValidationError(StoreError):
    """Input that breaks a rule; the message says which and how to fix it."""
    code = "VALIDATION"


class NotFound(StoreError):
    code = "NOT_FOUND"


class Refused(StoreError):
    """The store's rules say no (a customer over the hire limit, a copy held for someone
    else, ...): the message says why; details.reason names the rule for programs, and
    details.override says whether a manager may override it."""
    code = "REFUSED"


class Internal(StoreError):
    code = "INTERNAL"


class ServerUnavailable(StoreError):
    """The store server cannot be reached (raised on the terminal's side)."""
    code = "SERVER_UNAVAILABLE"


class Timeout(StoreError):
    code = "TIMEOUT"


class DatabaseUnavailable(StoreError):
    code = "DB_UNAVAILABLE"


class DatabaseMissing(StoreError):
    code = "DB_MISSING"


class DatabaseExists(StoreError):
    code = "DB_EXISTS"


class DatabaseRefused(StoreError):
    """The database refused the account, or the account may not do this."""
    code = "DB_REFUSED"


class DatabaseReadOnly(StoreError):
    """The database accepts no changes just now; nothing was written."""
    code = "DB_READ_ONLY"


class DatabaseFull(StoreError):
    """The database has no room for the change; nothing was written."""
    code = "DB_FULL"


class OutcomeUnknown(StoreError):
    """The link to the database broke while saving: check before doing it again."""
    code = "OUTCOME_UNKNOWN"


class KeyReused(StoreError):
    """A request key (store/once.py) came back with another staff member, op or arguments
    than it was first written with: refused, nothing done."""
    code = "KEY_REUSED"


class BackupFailed(StoreError):
    """A backup or restore tool (mariadb-dump, the mariadb client) is missing or failed;
    the message has what it said."""
    code = "BACKUP_FAILED"


class TlsRequired(StoreError):
    """A plain client at a store server that speaks only TLS (the server then closes)."""
    code = "TLS_REQUIRED"


class TlsUnsupported(StoreError):
    """A TLS client at a plain store server (the server then closes)."""
    code = "TLS_UNSUPPORTED"


class Busy(StoreError):
    """Too many at once (connections, or a conflict that outlasted its retries)."""
    code = "BUSY"


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


BY_CODE: dict[str, type[StoreError]] = {c.code: c for c in _all_subclasses(StoreError)}


def from_reply(error: dict[str, Any]) -> StoreError:
    """The StoreError for an error reply received from the server."""
    cls = BY_CODE.get(str(error.get("code")), StoreError)
    details = error.get("details")
    return cls(str(error.get("message", "")), details if isinstance(details, dict) else None)


def from_db_error(err: dberr.DbError) -> StoreError:
    """A StoreError a clerk can act on, for a failure of the data layer."""
    table: list[tuple[type, type[StoreError], str]] = [
        (dberr.CommitUnknown, OutcomeUnknown, "{e}. Look it up before doing it again."),
        (dberr.PoolExhausted, Busy, "The database is busy: {e}. Try again in a moment."),
        (dberr.DbUnavailable, DatabaseUnavailable,
         "The database cannot be reached ({e}). Check that it is running (`make up` on a "
         "development machine) and that VIDEOSTORE_DB_HOST/PORT point at it."),
        (dberr.DatabaseMissing, DatabaseMissing,
         "The database does not exist yet ({e}). Create it with `python main.py create-db`."),
        (dberr.DatabaseExists, DatabaseExists, "{e}"),
        (dberr.AccessDenied, DatabaseRefused,
         "The database refused the login ({e}). Check db.user/db.password "
         "(VIDEOSTORE_DB_USER / VIDEOSTORE_DB_PASSWORD)."),
        (dberr.PermissionDenied, DatabaseRefused, "Not allowed by the database: {e}"),
        (dberr.ReadOnly, DatabaseReadOnly,
         "The database is read-only just now, so nothing was saved. Ask whoever looks after "
         "it to make it writable again, then try again."),
        (dberr.StorageFull, DatabaseFull,
         "The database is out of space ({e}), so nothing was saved. Free space on the "
         "database server, then try again."),
        (dberr.Conflict, Busy, "Someone else was changing the same thing; try again."),
        (dberr.InvalidData, ValidationError, "A value does not fit: {e}"),
        (dberr.InvalidName, ValidationError, "The {e}."),
        (dberr.DuplicateKey, ValidationError, "That is there already (it must be unique)."),
        (dberr.ForeignKeyViolation, NotFound, "That refers to something that does not exist."),
    ]
    for db_cls, store_cls, text in table:
        if isinstance(err, db_cls):
            return store_cls(text.format(e=err))
    # Not for the clerk's eyes (it may name tables and constraints): the caller logs it.
    return Internal("the database refused the request; it has been logged")
