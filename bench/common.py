"""What every benchmark starts with: a store database of its own on the private MariaDB,
and one line saying what machine the figures come from."""
from __future__ import annotations

import os
import secrets
import sys
from typing import Any


def bench_database(prefix: str) -> Any:
    """A new store database named `prefix`_<pid>; its settings (with the saved passwords).
    The caller drops it (db.create.drop_database) when done."""
    from db.settings import load_settings
    from store.setup import create_store_database
    db_name = f"{prefix}_{os.getpid()}"
    create_store_database(load_settings({"db.name": db_name}), "admin",
                          secrets.token_urlsafe(12), store_name="Bench")
    return load_settings({"db.name": db_name})


def machine_line() -> str:
    import mysql.connector
    return (f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
            f"mysql-connector {mysql.connector.__version__} (C extension: "
            f"{mysql.connector.HAVE_CEXT})")
