"""The contention history check at soak size (`make soak`): clerk processes hire, return,
renew, take payments and place holds at once on four copies and three customers, through
the real managers, client and store server; then the database is checked against their
recorded history (tests/history/checker.py; CI runs it small: tests/e2e/test_history.py).

    python bench/soak.py [--clerks 8] [--ops 2000] [--seed 1] [--lose 0.05]

Needs the private MariaDB running (`make up` or `make test` starts it); makes a database of
its own, starts a store server over it and drops both at the end. Prints the counts and
every violation; exit code 1 if there is one.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clerks", type=int, default=8, help="clerk processes")
    p.add_argument("--ops", type=int, default=2000, help="operations per clerk")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lose", type=float, default=0.05,
                   help="share of replies thrown away (the checker must allow both outcomes)")
    args = p.parse_args()

    from bench.common import bench_database, machine_line
    from db.create import drop_database
    from tests.helpers import start_server
    from tests.history import checker, runner
    settings = bench_database("vsoak")
    print(f"{machine_line()}; {args.clerks} clerks x {args.ops} operations, seed {args.seed}, "
          f"{args.lose:.0%} of replies thrown away", flush=True)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="vsoak-") as tmp:
            # A clerk retrying a locked customer asks faster than a person: lift the
            # per-connection rate limit, as the server bench does.
            server = start_server(Path(tmp), settings.db.name, env={
                "VIDEOSTORE_SERVER_REQUESTS_PER_S": "1000000",
                "VIDEOSTORE_SERVER_REQUEST_BURST": "1000000"})
            try:
                shop = runner.build_shop(settings, server.host, server.port, args.clerks)
                events = runner.run(shop, args.clerks, args.ops, args.seed, args.lose,
                                    Path(tmp))
            finally:
                server.stop()
            report = checker.check(events, runner.read_db(settings), shop.world)
    finally:
        drop_database(settings)
    seconds = time.monotonic() - started
    print(*report.lines(), sep="\n")
    print(f"errors: {runner.errors(events)}; {seconds:.0f} s", flush=True)
    write_figures(report, runner.errors(events), args, seconds)
    return 0 if report.ok else 1


def write_figures(report, errors: dict[str, int], args: argparse.Namespace,
                  seconds: float) -> None:
    """var/soak-figures.json, the suite's shape (tests/figures.py), for `make reliability`."""
    from tests import figures
    run = f"bench/soak.py --clerks {args.clerks} --ops {args.ops} --seed {args.seed}"
    found = figures.Figures()
    found.current = run
    found.record_all("contention", {"clerk processes": args.clerks,
                                    "operations each": args.ops,
                                    **report.figures(errors), "seconds": round(seconds)})
    found.ended(run, "passed" if report.ok else "failed")
    figures.write(figures.SOAK_FILE, found.document({}, partial=False, invocation=run))
    print(f"figures written to {figures.SOAK_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
