"""Each benchmark runs at a tiny size, so it cannot rot. Nothing about speed is asserted."""
import subprocess
import sys

from tests.helpers import ROOT


def test_the_server_bench_runs_and_prints_its_figures_and_ratios(private_mariadb):
    done = subprocess.run([sys.executable, "bench/server_bench.py", "--connections", "2",
                           "--processes", "1", "--seconds", "0.2", "--runs", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    for figure in ("bare threaded line server", "redis-server PING, saturated",
                   "store server time, saturated", "store server time, paced",
                   "redis-server SET NX PX + DEL, paced",
                   "store server lock.acquire + lock.release, saturated"):
        assert figure in done.stdout, done.stdout
    assert done.stdout.count("ratio to redis") == 2
