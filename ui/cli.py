"""The command-line subcommands that are not the interactive terminal: create-db, migrate.
They print what they did, and a StoreError as one line on stderr with exit code 1."""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from store.config import Settings
from store.errors import StoreError, ValidationError
from store.passwords import check_password
from store.setup import (Login, create_store_database, database_exists,
                         upgrade_store_database)
from ui.messages import command_failed, error_line

ADMIN_PASSWORD_ENV = "VIDEOSTORE_ADMIN_PASSWORD"


def create_db(settings: Settings, admin_user: str, store_name: str, reset: bool, demo: bool,
              if_missing: bool) -> int:
    try:
        if if_missing and not reset and database_exists(settings):
            print(f"Database {settings.db.name} already exists on {settings.db.host}:"
                  f"{settings.db.port}; nothing changed.")
            return 0
        password = admin_password(demo)
        report = create_store_database(settings, admin_user, password, store_name,
                                       reset=reset, with_demo=demo)
    except StoreError as e:
        return command_failed("create-db", e)
    except (KeyboardInterrupt, EOFError):
        print("\ncreate-db: cancelled; nothing was changed.", file=sys.stderr)
        return 1
    for line in report.actions:
        print(f"  {line}")
    if report.demo_logins:
        path = save_demo_logins(settings, report.demo_logins)
        print(demo_logins_text(report.demo_logins))
        print(f"  (also saved to {path})")
    print(f"Database {report.database} is ready.")
    return 0


def migrate(settings: Settings) -> int:
    try:
        lines = upgrade_store_database(settings)
    except StoreError as e:
        return command_failed("migrate", e)
    for line in lines:
        print(f"  {line}")
    print(f"Database {settings.db.name} is up to date." if lines else
          f"Database {settings.db.name} was already up to date.")
    return 0


def admin_password(demo: bool) -> str | None:
    """From the environment, else asked twice at the terminal; None lets a demo set-up
    generate one. Never echoed, never kept in any history."""
    from_env = os.environ.get(ADMIN_PASSWORD_ENV)
    if from_env:
        return from_env
    if demo:
        return None
    if not sys.stdin.isatty():
        raise ValidationError(f"No admin password: set {ADMIN_PASSWORD_ENV}, or run "
                              f"create-db at a terminal to be asked for one.")
    while True:
        first = getpass.getpass("Password for the first admin: ")
        try:
            check_password(first)
        except ValidationError as e:
            print(error_line(e))
            continue
        if getpass.getpass("The same password again: ") == first:
            return first
        print("The two passwords differ; try again.")


def demo_logins_text(logins: list[Login]) -> str:
    rows = "\n".join(f"    {x.username:<10} {x.role:<8} {x.password}" for x in logins)
    return f"Demo logins (username, role, password):\n{rows}"


def save_demo_logins(settings: Settings, logins: list[Login]) -> Path:
    path = settings.var_dir / "demo-logins.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(demo_logins_text(logins) + "\n")
    return path
