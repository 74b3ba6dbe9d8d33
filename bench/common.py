"""What every benchmark starts with: a store database of its own on the private MariaDB,
and one line saying what machine the figures come from; and what every benchmark ends
with when asked (`--json FILE`): its figures in a form bench/run_all.py can take medians
of and write into docs/benchmarks.md."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable


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


def machine(settings: Any) -> dict[str, Any]:
    """What the figures depend on: cores, Python, MariaDB, the connector and whether its C
    extension was loaded, the redis-server of the server bench's baseline."""
    from db.database import Database, driver_info
    db = Database.for_app(settings.db, role="admin")
    try:
        mariadb = db.run(lambda tx: tx.scalar("SELECT VERSION()"))
    finally:
        db.close()
    redis = shutil.which("redis-server")
    return {"cores": os.cpu_count(), "python": sys.version.split()[0], "mariadb": mariadb,
            **driver_info(),
            "redis": subprocess.run([redis, "--version"], capture_output=True,
                                    text=True).stdout.split(" v=")[-1].split()[0]
            if redis else None}


def at_least(limit: float, of: str = "ratio") -> dict[str, Any]:
    """A target: the figure's `of` ("ratio" or "value") must be >= limit."""
    return {"of": of, "op": ">=", "limit": limit}


def at_most(limit: float, of: str = "value") -> dict[str, Any]:
    return {"of": of, "op": "<=", "limit": limit}


class Figures:
    """The figures one run of a bench measured, written as JSON by `--json FILE`: a list of
    {figure, value, unit, baseline, ratio, targets, size} and the machine. The ratio is
    always value / baseline, both in `unit`; a target names which of the two it bounds."""

    def __init__(self, path: str | None):
        self.path = Path(path) if path else None
        self.rows: list[dict[str, Any]] = []
        self.machine: dict[str, Any] = {}

    def add(self, figure: str, value: float, unit: str, *, baseline: float | None = None,
            baseline_is: str = "", targets: list[dict[str, Any]] | None = None,
            size: str = "") -> None:
        self.rows.append({
            "figure": figure, "value": value, "unit": unit, "baseline": baseline,
            "baseline_is": baseline_is,
            "ratio": value / baseline if baseline else None, "targets": targets or [],
            "size": size})

    def note_machine(self, settings: Any) -> None:
        if self.path:
            self.machine = machine(settings)

    def write(self) -> None:
        if self.path:
            self.path.write_text(json.dumps({"machine": self.machine, "figures": self.rows},
                                            indent=1))


def timed(call: Callable[[], Any]) -> float:
    """Milliseconds `call()` took."""
    t0 = time.perf_counter()
    call()
    return (time.perf_counter() - t0) * 1000


def percentiles(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {"p50": statistics.median(ms), "p95": ms[max(0, int(len(ms) * 0.95) - 1)]}
