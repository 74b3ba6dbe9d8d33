"""Benchmarks run in CI at a tiny size so they cannot rot; nothing about speed is asserted."""
import subprocess
import sys

from tests.helpers import ROOT


def test_the_server_bench_runs_and_prints_its_figures_and_ratios(private_mariadb):
    done = subprocess.run([sys.executable, "bench/server_bench.py", "--connections", "2",
                           "--processes", "1", "--seconds", "0.3"], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    for figure in ("bare threaded line server", "redis-server PING", "store server time",
                   "redis-server SET NX PX + DEL", "store server lock.acquire + lock.release"):
        assert figure in done.stdout, done.stdout
    assert done.stdout.count("ratio to redis") == 2
