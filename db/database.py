"""Connections, the pool and the one way to write: `transaction()`.

    db = Database.for_app(settings.db)
    with db.transaction() as tx:
        tx.execute("UPDATE copies SET status = %s WHERE id = %s", ("hired", 7))
    # committed here; an exception inside the block rolls the whole of it back

    result = db.run(lambda tx: ...)   # the same, retried on deadlock or lost connection

Parameterised SQL only: every value goes through `params`, never into the SQL string.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from db.errors import CommitUnknown, Conflict, DbError, DbUnavailable, translate
from db.pool import Pool
from db.settings import DbSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Portable between MariaDB 10.6+ and MySQL 8 (MySQL's default utf8mb4_0900_ai_ci is
# unknown to MariaDB, and the connector would otherwise ask for it).
CHARSET, COLLATION = "utf8mb4", "utf8mb4_unicode_ci"
SQL_MODE = "TRADITIONAL,ONLY_FULL_GROUP_BY"
RETRY_ATTEMPTS = 4
_first_connection = threading.Event()
_first_connection_lock = threading.Lock()


@dataclass(frozen=True)
class ConnectParams:
    host: str
    port: int
    user: str
    password: str
    database: str | None
    connect_timeout_s: float
    ssl_ca: str = ""
    local_files: str = ""   # the one directory LOAD DATA LOCAL INFILE may read; "" for none

    @classmethod
    def from_settings(cls, s: DbSettings, role: str = "app") -> "ConnectParams":
        """Parameters for one of the three accounts: app, admin or root (no database)."""
        user, password, database = {
            "app": (s.app_user, s.password, s.name),
            "admin": (s.admin_account, s.admin_password, s.name),
            "root": (s.root_user, s.root_password, None),
        }[role]
        return cls(s.host, s.port, user, password, database, s.connect_timeout_s, s.ssl_ca)

    def with_database(self, database: str | None) -> "ConnectParams":
        return replace(self, database=database)

    def __repr__(self) -> str:  # never show the password in a log or traceback
        return f"ConnectParams({self.user}@{self.host}:{self.port}/{self.database or ''})"


def driver() -> Any:
    """The connector module; imported on first use to keep the terminal's start fast."""
    import mysql.connector
    return mysql.connector


def driver_info() -> dict[str, Any]:
    mc = driver()
    return {"connector": mc.__version__, "c_extension": bool(mc.HAVE_CEXT)}


def connect(params: ConnectParams, autocommit: bool = False) -> Any:
    """One new connection, with the C extension when it is available."""
    mc = driver()
    kwargs: dict[str, Any] = dict(
        host=params.host, port=params.port, user=params.user, password=params.password,
        charset=CHARSET, collation=COLLATION, use_pure=not mc.HAVE_CEXT,
        autocommit=autocommit, connection_timeout=max(1, round(params.connect_timeout_s)),
        time_zone="+00:00", sql_mode=SQL_MODE, allow_local_infile=False,
    )
    if params.database:
        kwargs["database"] = params.database
    if params.ssl_ca:
        kwargs.update(ssl_ca=params.ssl_ca, ssl_verify_cert=True)
    if params.local_files:
        kwargs["allow_local_infile_in_path"] = params.local_files
    try:
        if _first_connection.is_set():
            return mc.connect(**kwargs)
        # The client library loads its authentication plugin on the first connection, and
        # not safely from several threads at once: a burst of first connections (a store
        # server's first logins) failed now and then with "Authentication plugin
        # 'mysql_native_password' cannot be loaded: not initialized". One at a time until
        # one has succeeded; never after.
        with _first_connection_lock:
            conn = mc.connect(**kwargs)
            _first_connection.set()
            return conn
    except mc.Error as e:
        raise translate(e) from None


class Tx:
    """The statements of one transaction. Rows come back as dicts."""

    def __init__(self, conn: Any):
        self._conn = conn
        self.broken = False
        # One cursor per connection, made once: the connector's cursor() asks the server
        # whether it is still there (a round trip) every time it is called.
        self._cur = getattr(conn, "_videostore_cursor", None)
        if self._cur is None:
            try:
                self._cur = conn.cursor(buffered=True, dictionary=True)
            except driver().Error as e:
                self.broken = True
                raise translate(e) from None
            conn._videostore_cursor = self._cur

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return self._call(self._cur.execute, sql, params)

    def _call(self, method: Callable[..., Any], sql: str, params: Any) -> int:
        """A cursor call with the driver's errors translated; a lost connection marks
        the transaction broken so its connection is not reused."""
        try:
            method(sql, params)
        except driver().Error as e:
            err = translate(e)
            self.broken = self.broken or isinstance(err, DbUnavailable)
            raise err from None
        return self._cur.rowcount

    def insert(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        """Run an INSERT; returns the new row's AUTO_INCREMENT id."""
        self.execute(sql, params)
        return int(self._cur.lastrowid)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """One statement for many rows (the driver batches INSERTs)."""
        return self._call(self._cur.executemany, sql, rows)

    def one(self, sql: str, params: Sequence[Any] | dict = ()) -> dict[str, Any] | None:
        self.execute(sql, params)
        return self._cur.fetchone()

    def all(self, sql: str, params: Sequence[Any] | dict = ()) -> list[dict[str, Any]]:
        self.execute(sql, params)
        return self._cur.fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | dict = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))


class Database:
    """A pool of connections to one database as one account."""

    def __init__(self, params: ConnectParams, pool_size: int = 8, pool_timeout_s: float = 5.0):
        self.params = params
        self._pool = Pool(lambda: connect(params), pool_size, pool_timeout_s)

    @classmethod
    def for_app(cls, s: DbSettings, role: str = "app",
                local_files: Path | None = None) -> "Database":
        params = ConnectParams.from_settings(s, role)
        if local_files is not None:
            params = replace(params, local_files=str(local_files))
        return cls(params, s.pool_size, s.pool_timeout_s)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Commit the whole block, or roll the whole of it back and re-raise."""
        conn = self._pool.acquire()
        broken = True  # until the block ends cleanly: a connection in doubt is not reused
        try:
            tx = Tx(conn)
            try:
                yield tx
            except BaseException:
                broken = tx.broken or not _rollback(conn)
                raise
            _commit(conn)
            broken = tx.broken
        finally:
            self._pool.release(conn, broken=broken)

    def run(self, work: Callable[[Tx], T], attempts: int = RETRY_ATTEMPTS) -> T:
        """`work(tx)` in one transaction, run again after a deadlock, a lock-wait timeout
        or a connection lost before COMMIT (each of those rolled everything back)."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as tx:
                    return work(tx)
            except CommitUnknown:
                raise
            except (Conflict, DbUnavailable) as e:
                if attempt == attempts:
                    raise
                log.info("retrying transaction after %s (attempt %d)", type(e).__name__, attempt)
                time.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)
        raise AssertionError("unreachable")

    def ping(self) -> None:
        """Raise a DbError unless the database answers."""
        with self.transaction() as tx:
            tx.scalar("SELECT 1")

    def close(self) -> None:
        self._pool.close()


def _commit(conn: Any) -> None:
    try:
        conn.commit()
    except _driver_errors() as e:
        err = translate(e)
        if isinstance(err, DbUnavailable):
            raise CommitUnknown(
                "the connection to the database was lost while saving; the change may or "
                "may not have been written") from None
        raise err from None


def _driver_errors() -> tuple[type[Exception], ...]:
    """What the connector raises. Its C extension's commit() lets the library's own error
    through unwrapped (connector 9.7: MySQLInterfaceError, errno 2013 for a connection lost
    during COMMIT), which would otherwise escape as a bug instead of CommitUnknown."""
    mc = driver()
    if not mc.HAVE_CEXT:
        return (mc.Error,)
    from _mysql_connector import MySQLInterfaceError
    return (mc.Error, MySQLInterfaceError)


def _rollback(conn: Any) -> bool:
    """Roll back; False when the connection is gone (the server rolled back for us)."""
    try:
        conn.rollback()
        return True
    except Exception:
        return False


__all__ = ["ConnectParams", "Database", "DbError", "Tx", "connect", "driver_info"]
