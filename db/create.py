"""create-db's database half: the database, its tables and its two accounts.

Connects as a server-wide superuser (db.root_user), then:
  1. refuses if the database exists, unless `reset` (which drops it and its accounts first);
  2. creates it (utf8mb4), applies schema.sql and the migrations;
  3. creates the application's account, with SELECT/INSERT/UPDATE/DELETE on the store's
     tables and nothing else (audit_log and its seals: SELECT/INSERT only; schema_version:
     SELECT only),
     and the admin's account, with all privileges on this database only (and the right
     to grant them, for migrations);
  4. saves any password it generated to <secrets_dir>/<name>.toml (mode 0600).
If any step fails, what it made is dropped again, so a retry starts clean.

Identifiers (database and account names) cannot be query parameters, so they are checked
against strict patterns before being quoted into DDL; passwords are always parameters.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db import schema
from db.database import ConnectParams, connect
from db.errors import AccessDenied, DatabaseExists, InvalidName
from db.settings import Settings, save_credentials

DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,27}\Z")
ACCOUNT = re.compile(r"^[A-Za-z0-9_]{1,32}\Z")
ACCOUNT_HOST = re.compile(r"^[A-Za-z0-9.%_:-]{1,60}\Z")

# Table privileges of the application's account; every other table gets the default.
APP_TABLE_PRIVILEGES = {"audit_log": "SELECT, INSERT", "audit_seals": "SELECT, INSERT",
                        # a stored reply is never changed, only purged (store/once.py)
                        "request_keys": "SELECT, INSERT, DELETE",
                        "schema_version": "SELECT"}
APP_DEFAULT_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


@dataclass
class CreatedDatabase:
    name: str
    app_user: str
    admin_user: str
    schema_version: int
    admin_params: ConnectParams
    credentials_file: Path | None
    actions: list[str] = field(default_factory=list)


def check_identifiers(settings: Settings) -> None:
    s = settings.db
    if not DB_NAME.match(s.name):
        raise InvalidName(f"database name {s.name!r} is not allowed: use 1-28 letters, digits "
                      f"or _, starting with a letter")
    for account in (s.app_user, s.admin_account):
        if not ACCOUNT.match(account):
            raise InvalidName(f"account name {account!r} is not allowed: use 1-32 letters, "
                          f"digits or _")
    if not ACCOUNT_HOST.match(s.account_host):
        raise InvalidName(f"account host {s.account_host!r} is not allowed")


def database_exists(settings: Settings) -> bool:
    conn = _root_connection(settings)
    try:
        return _exists(conn, settings.db.name)
    finally:
        conn.close()


def create_database(settings: Settings, reset: bool = False) -> CreatedDatabase:
    check_identifiers(settings)
    s = settings.db
    conn = _root_connection(settings)
    actions: list[str] = []
    try:
        if _exists(conn, s.name):
            if not reset:
                raise DatabaseExists(
                    f"database {s.name} already exists on {s.host}:{s.port}; nothing was "
                    f"changed. Use --reset to drop and rebuild it (its data is lost).")
            drop_database(settings, conn)
            actions.append(f"dropped the existing database {s.name} and its accounts")
        try:
            created = _create(conn, settings, actions)
        except BaseException:
            drop_database(settings, conn)
            raise
    finally:
        conn.close()
    return created


def drop_database(settings: Settings, conn: Any = None) -> None:
    """Drop the database and its two accounts, if they exist."""
    own = conn is None
    conn = conn or _root_connection(settings)
    try:
        s = settings.db
        _exec(conn, f"DROP DATABASE IF EXISTS `{s.name}`")
        for account in (s.app_user, s.admin_account):
            _exec(conn, f"DROP USER IF EXISTS '{account}'@'{s.account_host}'")
    finally:
        if own:
            conn.close()


def grant_app_privileges(conn: Any, settings: Settings) -> None:
    """(Re)grant the application's table privileges; run again after a migration adds one."""
    s = settings.db
    cur = conn.cursor()
    cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                "AND TABLE_TYPE = 'BASE TABLE'", (s.name,))
    tables = [row[0] for row in cur.fetchall()]
    cur.close()
    for table in tables:
        privileges = APP_TABLE_PRIVILEGES.get(table, APP_DEFAULT_PRIVILEGES)
        _exec(conn, f"GRANT {privileges} ON `{s.name}`.`{table}` "
                    f"TO '{s.app_user}'@'{s.account_host}'")


def _create(conn: Any, settings: Settings, actions: list[str]) -> CreatedDatabase:
    s = settings.db
    _exec(conn, f"CREATE DATABASE `{s.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    _exec(conn, f"USE `{s.name}`")
    schema.apply_schema(conn)
    applied = schema.migrate(conn)
    version = schema.current_version(conn)
    actions.append(f"created database {s.name} on {s.host}:{s.port} at schema version "
                   f"{version} ({len(applied)} migrations after schema.sql)")

    generated: dict[str, str] = {}
    app_password = s.password or generated.setdefault("password", _new_password())
    admin_password = s.admin_password or generated.setdefault("admin_password", _new_password())
    for account, password in ((s.app_user, app_password), (s.admin_account, admin_password)):
        _exec(conn, f"DROP USER IF EXISTS '{account}'@'{s.account_host}'")
        _exec(conn, f"CREATE USER '{account}'@'{s.account_host}' IDENTIFIED BY %s", (password,))
    # WITH GRANT OPTION on this database only, so `migrate` (run as admin) can grant the
    # application's account its privileges on a table a migration adds.
    _exec(conn, f"GRANT ALL PRIVILEGES ON `{s.name}`.* TO '{s.admin_account}'@'{s.account_host}' "
                f"WITH GRANT OPTION")
    grant_app_privileges(conn, settings)
    actions.append(f"created account {s.app_user} (read/write rows only) and "
                   f"{s.admin_account} (all privileges on {s.name} only)")

    saved = None
    if generated:
        saved = save_credentials(settings, s.name, {
            "user": s.app_user, "admin_user": s.admin_account, **generated})
        actions.append(f"saved the generated account passwords to {saved} (mode 0600)")
    admin_params = ConnectParams(s.host, s.port, s.admin_account, admin_password, s.name,
                                 s.connect_timeout_s, s.ssl_ca)
    return CreatedDatabase(s.name, s.app_user, s.admin_account, version, admin_params, saved,
                           actions)


def _root_connection(settings: Settings) -> Any:
    try:
        return connect(ConnectParams.from_settings(settings.db, "root"), autocommit=True)
    except AccessDenied as e:
        raise AccessDenied(
            f"create-db needs a superuser account on {settings.db.host}:{settings.db.port} "
            f"and was refused as {settings.db.root_user!r} ({e}). Set db.root_user and "
            f"db.root_password (or VIDEOSTORE_DB_ROOT_USER / VIDEOSTORE_DB_ROOT_PASSWORD)."
        ) from None


def _exists(conn: Any, name: str) -> bool:
    cur = conn.cursor()
    cur.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,))
    found = cur.fetchone() is not None
    cur.close()
    return found


def _exec(conn: Any, sql: str, params: tuple = ()) -> None:
    from db.database import driver
    from db.errors import translate
    cur = conn.cursor()
    try:
        cur.execute(sql, params)
    except driver().Error as e:
        raise translate(e) from None
    finally:
        cur.close()


def _new_password() -> str:
    return secrets.token_urlsafe(24)


def upgrade_database(settings: Settings,
                     directory: Path = schema.MIGRATIONS_DIR) -> list[schema.Migration]:
    """Apply the migrations the database has not had yet, as the admin account, and grant
    the application's account its privileges on any table they added."""
    check_identifiers(settings)
    conn = connect(ConnectParams.from_settings(settings.db, "admin"), autocommit=True)
    try:
        applied = schema.migrate(conn, directory)
        if applied:
            grant_app_privileges(conn, settings)
        return applied
    finally:
        conn.close()
