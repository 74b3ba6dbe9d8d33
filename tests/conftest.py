"""Fixtures: the real private MariaDB, real store databases, real store servers.

The whole session runs with an isolated environment: HOME, XDG dirs and Videostore's var/
dir point into a temporary directory, and no VIDEOSTORE_* variable of the developer's
leaks in. Only the private MariaDB (and its superuser, from var/videostore.toml) is shared
with the checkout; every test database gets its own name and is dropped afterwards.
"""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

from db.create import drop_database
from db.database import Database
from db.settings import Settings, load_settings
from dev import mariadb
from store.passwords import hash_password
from store.setup import SetupReport, create_store_database
from tests.helpers import ROOT, RunningServer, start_server

if TYPE_CHECKING:
    from tests.circulation import Shop
    from tests.commit_cutter import CommitCutter
    from tests.figures import Figures

# The reliability figures' recorder: the `reliability` fixture and the hooks that print and
# write what the tests recorded (docs/reliability.md).
pytest_plugins = ("tests.figures",)

ADMIN_PASSWORD = "test-admin-pw-1"
STAFF_PASSWORD = "staff-pw-1234"
CHEAP_COST = 2 ** 10  # scrypt cost for accounts tests make in bulk (see make_staff)
_names = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    for key in [k for k in os.environ if k.startswith("VIDEOSTORE_")]:
        del os.environ[key]
    os.environ.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "VIDEOSTORE_PATHS_VAR_DIR": str(home / "var"),
        # TLS turned on for the checkout (make tls) stays out: tests turn it on themselves.
        "VIDEOSTORE_SERVER_TLS_CERT": "", "VIDEOSTORE_SERVER_TLS_KEY": "",
        "VIDEOSTORE_SERVER_TLS_CA": "",
    })
    yield home
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def private_mariadb(isolated_env: Path) -> Iterator[None]:
    """The checkout's private MariaDB, started if need be (and then stopped at the end)."""
    started_here = not mariadb.is_running()
    mariadb.start()
    yield
    if started_here:
        mariadb.stop()


def new_db_name(label: str) -> str:
    return f"vst{os.getpid()}_{label}{next(_names)}"[:28]


def settings_for(db_name: str, **flags: object) -> Settings:
    return load_settings({"db.name": db_name, **{k.replace("__", "."): v
                                                 for k, v in flags.items()}})


def create_test_db(name: str, demo: bool = False) -> tuple[Settings, SetupReport]:
    report = create_store_database(settings_for(name), "admin", ADMIN_PASSWORD,
                                   store_name="Test Store", with_demo=demo)
    return settings_for(name), report  # reloaded: now with the saved account passwords


@pytest.fixture
def fresh_db(private_mariadb: None) -> Iterator[Settings]:
    """A new, empty store database (one store, one admin) for one test."""
    name = new_db_name("t")
    settings, _ = create_test_db(name)
    yield settings
    drop_database(settings)


@pytest.fixture(scope="session")
def demo_db(private_mariadb: None) -> Iterator[Settings]:
    """One demo store database shared by the tests that only read it."""
    name = new_db_name("demo")
    settings, _ = create_test_db(name, demo=True)
    yield settings
    drop_database(settings)


SAKILA_DIR = ROOT / "data" / "sakila"


@pytest.fixture(scope="session")
def sakila_db(private_mariadb: None) -> Iterator[Settings]:
    """One database with Sakila imported as `python main.py import sakila` does it, shared
    by the tests that only read it."""
    name = new_db_name("sakila")
    settings, _ = create_test_db(name)
    done = run_main("import", "sakila", str(SAKILA_DIR), "--db-name", name)
    assert done.returncode == 0, done.stderr
    yield settings
    drop_database(settings)


def make_staff(settings: Settings, username: str, role: str = "clerk", store_id: int = 1,
               password: str = STAFF_PASSWORD) -> int:
    """A staff account made directly in the database, with a cheap scrypt cost so tests
    can make many; the login path is the same (it reads the cost from the hash)."""
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            return tx.insert(
                "INSERT INTO staff (store_id, username, password_hash, role, created_at, "
                "updated_at) VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
                (store_id, username, hash_password(password, n=CHEAP_COST), role))
    finally:
        db.close()


@pytest.fixture(scope="session")
def people(demo_db: Settings) -> dict[str, str]:
    """A second store, and a manager and a clerk in each store (password STAFF_PASSWORD);
    the first admin is `admin` (ADMIN_PASSWORD). Tests that change an account make their
    own instead of changing these."""
    db = Database.for_app(demo_db.db, role="admin")
    with db.transaction() as tx:
        tx.execute("INSERT INTO stores (name, created_at) VALUES ('Second Street', UTC_TIMESTAMP(6))")
    db.close()
    for username, role, store in (("mgr1", "manager", 1), ("clk1", "clerk", 1),
                                  ("mgr2", "manager", 2), ("clk2", "clerk", 2)):
        make_staff(demo_db, username, role, store)
    return {"admin": ADMIN_PASSWORD, "mgr1": STAFF_PASSWORD, "clk1": STAFF_PASSWORD,
            "mgr2": STAFF_PASSWORD, "clk2": STAFF_PASSWORD}


def unique_username(label: str) -> str:
    return f"{label}{next(_names)}"


@pytest.fixture
def server(demo_db: Settings, tmp_path: Path) -> Iterator[RunningServer]:
    """A real store server on a free port, over the demo database, with a test clock."""
    srv = start_server(tmp_path, demo_db.db.name, "--test-clock")
    yield srv
    srv.stop()


@pytest.fixture
def plain_server(demo_db: Settings, tmp_path: Path) -> Iterator[RunningServer]:
    """A real store server as a shop runs it: no test clock."""
    srv = start_server(tmp_path, demo_db.db.name)
    yield srv
    srv.stop()


def run_main(*args: str, env: dict[str, str] | None = None,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` as a user runs it, with stdin not a terminal."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          env={**os.environ, **(env or {})}, input=stdin or "",
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def shop(fresh_db: Settings, tmp_path: Path) -> Iterator["Shop"]:
    """A fresh two-store shop (tests/circulation.py) and its store server, test clock on."""
    from tests.circulation import build_shop  # it imports this module's helpers
    srv = start_server(tmp_path, fresh_db.db.name, "--test-clock")
    try:
        yield build_shop(fresh_db, srv)
    finally:
        srv.stop()


@pytest.fixture
def cutter(shop: "Shop", reliability: "Figures") -> Iterator["CommitCutter"]:
    """A relay in front of the shop's MariaDB that can cut a COMMIT's answer
    (tests/commit_cutter.py); how many it cut goes into the reliability figures."""
    from tests.commit_cutter import CommitCutter
    relay = CommitCutter(shop.settings.db.host, shop.settings.db.port)
    yield relay
    relay.close()
    reliability.add("exactly-once", "COMMIT answers cut", relay.cuts)
