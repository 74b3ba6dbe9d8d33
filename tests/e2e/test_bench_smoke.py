"""Each benchmark runs at a tiny size, so it cannot rot; and so does the runner that makes
docs/benchmarks.md of them (bench/run_all.py). Nothing about speed is asserted."""
import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def run_bench(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def figures_of(path: Path) -> dict[str, dict]:
    """The figures a bench wrote with --json, by name; each has its size and, where it has
    a baseline, the ratio to it."""
    written = json.loads(path.read_text())
    assert written["machine"]["cores"] and written["machine"]["mariadb"]
    assert written["machine"]["c_extension"] in (True, False)
    rows = {r["figure"]: r for r in written["figures"]}
    for r in rows.values():
        assert r["size"] and r["unit"] is not None
        if r["baseline"]:
            assert abs(r["ratio"] - r["value"] / r["baseline"]) < 1e-9
    return rows


def test_the_server_bench_runs_and_prints_its_figures_ratios_and_idle_connections_rss(
        private_mariadb, tmp_path):
    out = run_bench("bench/server_bench.py", "--connections", "2", "--processes", "1",
                    "--seconds", "0.2", "--runs", "1", "--idle", "6", "--accept", "9",
                    "--sessions", "2", "--json", str(tmp_path / "f.json"))
    for figure in ("bare threaded line server", "redis-server PING, saturated",
                   "store server time, saturated", "store server time, paced",
                   "redis-server SET NX PX + DEL, paced",
                   "store server lock.acquire + lock.release, saturated"):
        assert figure in out, out
    assert out.count("ratio to redis") == 2
    rows = figures_of(tmp_path / "f.json")
    assert rows["store server time, saturated"]["baseline_is"] == "redis-server PING"
    assert rows["store server lock.acquire + lock.release, paced 100/s/conn, p99"]["targets"]
    # Idle authenticated connections: the server's RSS and redis-server's, same run.
    assert "redis-server idle connections" in out and "store server idle connections" in out
    rss = rows["store server RSS, 6 idle authenticated connections"]
    assert rss["unit"] == "MB" and rss["baseline_is"] == "redis-server"
    assert 1 < rss["value"] < rows["store server peak RSS (VmHWM) at 6 connections, logins' "
                                   "password checks included"]["value"]
    assert rss["targets"] == [{"of": "value", "op": "<=", "limit": 100.0}]
    # Every connection resumed a real session and answered whoami at the end.
    assert rows["connections accepted and answering, of 9"]["value"] == 9
    assert rows["connection errors, opening 9"]["value"] == 0
    assert rows["store server RSS, 9 idle authenticated connections"]["size"] == \
        "9 connections, 2 sessions"


def test_the_hire_bench_runs_and_prints_its_figures_and_ratios(private_mariadb, tmp_path):
    out = run_bench("bench/hire_bench.py", "--clerks", "2", "--copies", "10", "--seconds", "0.5",
                    "--customers", "300", "--titles", "300", "--searches", "5",
                    "--json", str(tmp_path / "f.json"))
    for figure in ("bare SQL hire + return", "managers hire + return", "ratio to bare",
                   "double hires (both ways, all runs)", "customers search", "titles search"):
        assert figure in out, out
    assert out.count("ratio of p95") == 4   # customer and title search, both completions
    rows = figures_of(tmp_path / "f.json")
    assert rows["double hires (both ways, all runs)"]["value"] == 0
    assert rows["customer search, p95"]["size"] == "350 customers"   # 300 + 2 clerks' 25
    assert rows["hire + return, 2 clerks"]["baseline_is"] == "bare SQL"


def test_the_import_bench_runs_and_prints_its_figures_and_ratios(private_mariadb, tmp_path):
    out = run_bench("bench/import_bench.py", "--rows", "300", "--json", str(tmp_path / "f.json"))
    for figure in ("bare LOAD DATA customers", "import customers", "import copies",
                   "import customers peak RSS", "import copies peak RSS"):
        assert figure in out, out
    assert out.count("ratio to bare") == 2
    assert set(figures_of(tmp_path / "f.json")) == {
        "import customers", "import customers, peak RSS", "import copies",
        "import copies, peak RSS"}


def test_the_terminal_bench_runs_and_prints_its_figures_and_ratios(private_mariadb, tmp_path):
    out = run_bench("bench/terminal_bench.py", "--runs", "1", "--scale", "1", "--queries", "5",
                    "--json", str(tmp_path / "f.json"))
    for figure in ("bare PromptSession to its prompt", "python main.py to the login prompt",
                   "login: password Enter to the menu", "primary-key SELECT (floor)",
                   "customer search", "title search", "copy lookup", "customer page"):
        assert figure in out, out
    assert out.count("ratio to bare") == 1 and out.count("ratio of p95 to floor") == 4
    rows = figures_of(tmp_path / "f.json")
    assert rows["copy lookup, p95"]["size"] == "Sakila ×1"


def test_the_runner_writes_its_tables_between_the_markers_and_keeps_the_rest(
        private_mariadb, tmp_path):
    from bench.run_all import BEGIN, END
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nWritten by hand.\n\n{BEGIN}\nstale figures\n{END}\n\n"
                   "## Notes\n\nAlso by hand.\n")
    out = run_bench("bench/run_all.py", "--quick", "--runs", "1", "--only", "server,import",
                    "--growth-connections", "1,2", "--out", str(doc))
    text = doc.read_text()
    assert "written:" in out and "stale figures" not in text
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n\n" + BEGIN)
    assert text.endswith(END + "\n\n## Notes\n\nAlso by hand.\n")
    assert "mysql-connector-python" in text and "C extension" in text and "MariaDB" in text
    assert "| store server time, saturated | 2 connections |" in text
    assert "| store server RSS, 20 idle authenticated connections | 20 connections, " \
        "2 sessions |" in text and "≤ 100 MB ✔" in text
    assert "| import customers | 300 rows |" in text
    assert "| figure | 1 conn. | 2 conn. |" in text   # the server's growth table
