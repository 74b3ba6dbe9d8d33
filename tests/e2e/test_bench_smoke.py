"""Each benchmark runs at a tiny size, so it cannot rot. Nothing about speed is asserted."""
import subprocess
import sys

from tests.helpers import ROOT


def run_bench(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_server_bench_runs_and_prints_its_figures_and_ratios(private_mariadb):
    out = run_bench("bench/server_bench.py", "--connections", "2", "--processes", "1",
                    "--seconds", "0.2", "--runs", "1")
    for figure in ("bare threaded line server", "redis-server PING, saturated",
                   "store server time, saturated", "store server time, paced",
                   "redis-server SET NX PX + DEL, paced",
                   "store server lock.acquire + lock.release, saturated"):
        assert figure in out, out
    assert out.count("ratio to redis") == 2


def test_the_hire_bench_runs_and_prints_its_figures_and_ratios(private_mariadb):
    out = run_bench("bench/hire_bench.py", "--clerks", "2", "--copies", "10", "--seconds", "0.5",
                    "--customers", "300", "--titles", "300", "--searches", "5")
    for figure in ("bare SQL hire + return", "managers hire + return", "ratio to bare",
                   "double hires (both ways, all runs)", "customers search", "titles search"):
        assert figure in out, out
    assert out.count("ratio of p95") == 2


def test_the_import_bench_runs_and_prints_its_figures_and_ratios(private_mariadb):
    out = run_bench("bench/import_bench.py", "--rows", "300")
    for figure in ("bare LOAD DATA customers", "import customers", "import copies",
                   "import customers peak RSS", "import copies peak RSS"):
        assert figure in out, out
    assert out.count("ratio to bare") == 2


def test_the_terminal_bench_runs_and_prints_its_figures_and_ratios(private_mariadb):
    out = run_bench("bench/terminal_bench.py", "--runs", "1", "--scale", "1", "--queries", "5")
    for figure in ("bare PromptSession to its prompt", "python main.py to the login prompt",
                   "login: password Enter to the menu", "primary-key SELECT (floor)",
                   "customer search", "title search", "copy lookup", "customer page"):
        assert figure in out, out
    assert out.count("ratio to bare") == 1 and out.count("ratio of p95 to floor") == 4
