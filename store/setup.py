"""create-db: a new store database with its first store and first admin, ready to log in.

The database half (database, tables, accounts) is db/create.py; this adds what the
business needs on day one. If anything fails, the half-made database is dropped again:
create-db either finishes or leaves nothing behind.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone

from db import create
from db.database import Database, Tx
from db.errors import DbError
from db.settings import Settings
from db.staff import insert_staff
from db.stores import insert_store
from store import demo
from store.errors import ValidationError, from_db_error
from store.passwords import check_password, check_username, hash_password


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    password: str


@dataclass
class SetupReport:
    database: str
    actions: list[str] = field(default_factory=list)
    demo_logins: list[Login] = field(default_factory=list)


def database_exists(settings: Settings) -> bool:
    try:
        return create.database_exists(settings)
    except DbError as e:
        raise from_db_error(e) from None


def create_store_database(settings: Settings, admin_username: str, admin_password: str | None,
                          store_name: str = "Main Street", reset: bool = False,
                          with_demo: bool = False) -> SetupReport:
    """Make the database of `settings.db.name` with one store and its admin. With
    `with_demo` and no admin password, the admin gets a generated one, reported in
    `demo_logins` with the demo clerks'."""
    username = check_username(admin_username)
    store_name = store_name.strip()
    if not 1 <= len(store_name) <= 100:
        raise ValidationError("A store name has 1 to 100 characters.")
    report = SetupReport(settings.db.name)
    if admin_password is None:
        if not with_demo:
            raise ValidationError("An admin password is needed.")
        admin_password = generate_password()
        report.demo_logins.append(Login(username, "admin", admin_password))
    check_password(admin_password)
    admin_hash = hash_password(admin_password)  # slow on purpose: outside any transaction

    try:
        created = create.create_database(settings, reset=reset)
    except DbError as e:
        raise from_db_error(e) from None
    report.actions.extend(created.actions)
    database = Database(created.admin_params, pool_size=2)
    try:
        now = datetime.now(timezone.utc)
        store_id = database.run(lambda tx: _first_store(tx, store_name, username, admin_hash, now))
        report.actions.append(f"created store {store_id} {store_name!r} and admin {username!r}")
        if with_demo:
            clerks = [Login(name, "clerk", generate_password()) for name in demo.CLERKS]
            counts = demo.load(database, store_id, [(c.username, c.password) for c in clerks])
            report.demo_logins.extend(clerks)
            report.actions.append(f"added the demo store: {counts}")
    except BaseException as e:
        create.drop_database(settings)
        if isinstance(e, DbError):
            raise from_db_error(e) from None
        raise
    finally:
        database.close()
    return report


def _first_store(tx: Tx, store_name: str, username: str, admin_hash: str, now: datetime) -> int:
    store_id = insert_store(tx, store_name, "", "", "UTC", now)
    insert_staff(tx, store_id, username, "Administrator", admin_hash, "admin", now)
    return store_id


def generate_password() -> str:
    """A random password that is easy to read out: 3 groups of 4 letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))



def upgrade_store_database(settings: Settings) -> list[str]:
    """Bring the database up to this code's schema version; what was applied, one line each."""
    try:
        applied = create.upgrade_database(settings)
    except DbError as e:
        raise from_db_error(e) from None
    return [f"applied migration {m.version}: {m.description}" for m in applied]
