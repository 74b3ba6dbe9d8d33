"""Contention, Jepsen-style: clerk processes hire, return, renew, take payments and place
holds at once on four copies and three customers, through the real managers, client and
store server; afterwards the database is checked against everything they were told
(tests/history/checker.py). `make soak` runs the same, bigger (bench/soak.py)."""
from __future__ import annotations

from pathlib import Path

from db.settings import Settings
from tests.figures import Figures
from tests.helpers import start_server
from tests.history import checker, runner

PROCESSES, OPS, SEED = 4, 60, 8
LOSE = 0.05   # replies thrown away: the checker must allow both outcomes of those


def test_clerk_processes_at_once_leave_the_database_as_their_history_says(fresh_db: Settings,
                                                                           tmp_path: Path,
                                                                           reliability: Figures):
    server = start_server(tmp_path, fresh_db.db.name)
    try:
        shop = runner.build_shop(fresh_db, server.host, server.port, PROCESSES)
        events = runner.run(shop, PROCESSES, OPS, SEED, LOSE, tmp_path)
    finally:
        server.stop()
    report = checker.check(events, runner.read_db(fresh_db), shop.world)
    errors = runner.errors(events)
    print("\ncontention:", *report.lines(), f"errors: {errors}", sep="\n  ")
    reliability.record_all("contention", report.figures(errors))
    assert report.ok, "\n".join(report.lines())
    assert not [e for e in errors if e.startswith("crash")], errors
    counts = report.counts
    assert counts["attempted"] == PROCESSES * OPS
    # The run really contended: hires acknowledged and refused, locks taken by several.
    assert counts["hires"] > 0 and counts["returns"] > 0 and counts["fail"] > 0, counts
    assert counts["unknown"] > 0 and counts["grants"] > PROCESSES, counts
    assert "Traceback" not in server.log(), server.log()
