"""Store server throughput and latency, against redis-server measured in the same run.

    python bench/server_bench.py [--connections 50] [--processes 2] [--seconds 3] [--runs 3]
                                 [--paced-rate 100] [--idle 1000] [--accept 5000]
                                 [--sessions 20] [--json FILE]

Needs the private MariaDB running (`make up` or `make test` starts it): the bench makes a
database of its own, starts a store server over it and drops it at the end. It starts
redis-server itself on a free port (no persistence, no service) as the baseline.

Persistent connections from separate load processes (so the client's GIL is not the
server's), the same harness for both servers. Workloads:
  clock:     store server `time`                      vs redis PING
  lock pair: `lock.acquire` + `lock.release` (one      vs SET key 1 NX PX 30000 + DEL key
             resource per connection, all through
             real sessions)
Two ways of loading:
  saturated  one request in flight per connection, the next sent as soon as the reply is
             in (closed loop): the most each server answers; its latency is mostly
             queueing (50 connections / throughput).
  paced      each connection sends `--paced-rate` cycles a second on a fixed schedule (open
             loop, 50 x 100 = 5,000 a second by default: far above a shop's real load):
             the latency a clerk's request sees on a busy server.
Runs are interleaved (redis, ours, redis, ours, ...) `--runs` times; the figures quoted are
the medians. Each server's CPU per request is read from /proc. A bare threaded line server
answering a constant is shown as a floor: what thread-per-connection Python reaches.
Then idle connections (bench/server_idle.py): `--idle` authenticated connections held open
and the server's resident memory read from /proc, then on to `--accept`, each checked to
still answer; redis-server holding as many idle connections is the baseline.
Prints one line per figure; asserts nothing (a benchmark, not a test).
Targets (issues 3 and 7): ratio to redis >= 0.5; p99 <= 2 ms at 50 connections; 1,000
idle authenticated connections in <= 100 MB RSS; 5,000 accepted without an error.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import shutil
import socket
import socketserver
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.common import Figures

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TICKS = os.sysconf("SC_CLK_TCK")


# --- what each target's requests look like --------------------------------------------------

def resp(*words: str) -> bytes:
    """A redis command in RESP."""
    return b"".join([f"*{len(words)}\r\n".encode()]
                    + [f"${len(w)}\r\n{w}\r\n".encode() for w in words])


def ours(op: str, args: dict | None = None) -> bytes:
    return json.dumps({"id": 1, "op": op, "args": args or {}}).encode() + b"\n"


def cycle_for(target: str, workload: str, index: int) -> list[bytes]:
    """The requests of one measured cycle on connection `index`."""
    if target == "redis":
        if workload == "clock":
            return [resp("PING")]
        key = f"lock:copy:{index + 1}"
        return [resp("SET", key, "1", "NX", "PX", "30000"), resp("DEL", key)]
    if target == "bare":
        return [ours("ping")]
    if workload == "clock":
        return [ours("time")]
    resource = {"resource": f"copy:{index + 1}", "ttl_s": 30}
    return [ours("lock.acquire", resource), ours("lock.release", resource)]


# --- the load --------------------------------------------------------------------------------

def _load(port: int, target: str, workload: str, first: int, connections: int,
          setup: bytes, seconds: float, rate: float, out: "mp.Queue[list[float]]") -> None:
    """One load process: `connections` threads, each a persistent connection. `rate` > 0
    paces each connection to that many cycles a second; 0 sends back to back."""
    results: list[list[float]] = []
    start = threading.Barrier(connections)

    def worker(index: int) -> None:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = sock.makefile("rb")
        if setup:
            sock.sendall(setup)
            stream.readline()
        requests = cycle_for(target, workload, index)
        latencies: list[float] = []
        start.wait()
        now = time.perf_counter()
        end = now + seconds
        # Paced connections start spread over one interval, so they do not all send at once.
        due = now + (index % connections) / max(connections, 1) / rate if rate else now
        while (t0 := time.perf_counter()) < end:
            if rate:
                if t0 < due:
                    time.sleep(due - t0)
                t0 = time.perf_counter()
                due += 1 / rate
            for request in requests:
                sock.sendall(request)
                stream.readline()
            latencies.append(time.perf_counter() - t0)
        results.append(latencies)
        sock.close()

    threads = [threading.Thread(target=worker, args=(first + i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put([x for r in results for x in r])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_wait_seconds(pid: int) -> float:
    """How long the process's threads have waited, runnable, for a CPU (the kernel's
    run-queue delay, /proc/PID/task/*/schedstat): on a shared machine, what a latency
    tail is mostly made of. 0 where the kernel does not keep it."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended while we looked
    return total / 1e9


def measure(port: int, pid: int | None, target: str, workload: str, connections: int,
            processes: int, seconds: float, setup: bytes = b"",
            rate: float = 0.0) -> dict[str, float]:
    out: "mp.Queue[list[float]]" = mp.Queue()
    per = [connections // processes + (1 if i < connections % processes else 0)
           for i in range(processes)]
    firsts = [sum(per[:i]) for i in range(processes)]
    procs = [mp.Process(target=_load, args=(port, target, workload, f, n, setup, seconds,
                                            rate, out))
             for f, n in zip(firsts, per, strict=True) if n]
    cpu0 = cpu_seconds(pid) if pid else 0.0
    wait0 = cpu_wait_seconds(pid) if pid else 0.0
    for p in procs:
        p.start()
    latencies = sorted(x for _ in procs for x in out.get())
    for p in procs:
        p.join()
    cpu = cpu_seconds(pid) - cpu0 if pid else 0.0
    waited = cpu_wait_seconds(pid) - wait0 if pid else 0.0
    requests = len(latencies) * len(cycle_for(target, workload, 0))
    return {"per_s": len(latencies) / seconds,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
            "cpu_us": cpu / max(requests, 1) * 1e6,
            "wait_ms_per_s": waited * 1000 / seconds}


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


# --- the servers -----------------------------------------------------------------------------

class _Bare(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for _ in iter(self.rfile.readline, b""):
            self.wfile.write(b'{"id":1,"ok":true,"result":{}}\n')


class _BareServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


def _bare_server(ready: "mp.Queue[int]") -> None:
    server = _BareServer(("127.0.0.1", 0), _Bare)
    ready.put(server.server_address[1])
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis() -> tuple[subprocess.Popen, int]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(binary, os.X_OK):
        raise SystemExit("redis-server is not installed: run `make setup` (Debian's "
                         "redis-server is the baseline of this bench)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--daemonize", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(resp("PING"))
                if s.recv(16).startswith(b"+PONG"):
                    return proc, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def start_store_server(db_name: str, connections: int = 0) -> tuple[subprocess.Popen, int]:
    # Closed-loop load sends far more than a terminal would: lift the per-connection rate.
    # Every connection comes from 127.0.0.1: let one address hold all of them, as a shop
    # with its terminals behind one address would.
    env = {**os.environ, "VIDEOSTORE_SERVER_REQUESTS_PER_S": "1000000",
           "VIDEOSTORE_SERVER_REQUEST_BURST": "1000000",
           "VIDEOSTORE_SERVER_MAX_PER_ADDRESS": str(max(500, connections))}
    proc = subprocess.Popen([sys.executable, str(ROOT / "server.py"), "--port", "0",
                             "--db-name", db_name], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()  # type: ignore[union-attr]
    if not line.startswith("listening on"):
        raise SystemExit(f"the store server did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


def session_token(port: int, password: str) -> str:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(ours("login", {"username": "admin", "password": password, "terminal": "bench"}))
        reply = json.loads(s.makefile("rb").readline())
    return reply["result"]["token"]


def idle_figures(figures: "Figures", args: argparse.Namespace, store: subprocess.Popen,
                 store_port: int, redis: subprocess.Popen, redis_port: int,
                 password: str) -> None:
    """Idle connections held by redis-server, then by the store server (bench/server_idle.py)."""
    from bench.common import at_least, at_most
    from bench.server_idle import hold, log_in_many, redis_ok, store_ok
    shape = (args.idle, args.accept)
    theirs = hold(redis_port, redis.pid, lambda _: resp("PING"), redis_ok, resp("PING"), *shape)
    tokens = log_in_many(lambda: session_token(store_port, password), args.sessions)
    mine = hold(store_port, store.pid,
                lambda i: ours("resume", {"token": tokens[i % len(tokens)]}), store_ok,
                ours("whoami"), *shape)
    size = f"{args.idle:,} connections, {args.sessions} sessions"
    for who, r in (("redis-server", theirs), ("store server", mine)):
        print(f"{who + ' idle connections':<56} RSS {r['rss_before']:6.1f} MB before, "
              f"{r['rss_idle']:6.1f} MB at {args.idle:,} ({r['per_conn_kb']:.1f} kB each), "
              f"{r['rss_accept']:6.1f} MB at {args.accept:,}; peak {r['hwm_idle']:6.1f} MB; "
              f"{r['answering']:,} of {args.accept:,} answering, {r['errors']} errors"
              + (f" (first: {r['first_error']})" if r["errors"] else ""), flush=True)
    figures.add(f"store server RSS, {args.idle:,} idle authenticated connections",
                mine["rss_idle"], "MB", baseline=theirs["rss_idle"], baseline_is="redis-server",
                targets=[at_most(100.0)], size=size)
    figures.add("store server RSS per idle connection", mine["per_conn_kb"], "kB",
                baseline=theirs["per_conn_kb"], baseline_is="redis-server", size=size)
    figures.add(f"store server peak RSS (VmHWM) at {args.idle:,} connections, logins' "
                "password checks included", mine["hwm_idle"], "MB",
                baseline=theirs["hwm_idle"], baseline_is="redis-server", size=size)
    size = f"{args.accept:,} connections, {args.sessions} sessions"
    figures.add(f"store server RSS, {args.accept:,} idle authenticated connections",
                mine["rss_accept"], "MB", baseline=theirs["rss_accept"],
                baseline_is="redis-server", size=size)
    figures.add(f"connections accepted and answering, of {args.accept:,}", mine["answering"],
                "", baseline=theirs["answering"], baseline_is="redis-server",
                targets=[at_least(args.accept, of="value")], size=size)
    figures.add(f"connection errors, opening {args.accept:,}", mine["errors"], "",
                targets=[at_most(0)], size=size)


def report(label: str, r: dict[str, float], unit: str,
           baseline: dict[str, float] | None = None) -> None:
    ratio = f"  ratio to redis {r['per_s'] / baseline['per_s']:.2f}" if baseline else ""
    cpu = f"  cpu {r['cpu_us']:5.1f} us/req" if r.get("cpu_us") else ""
    wait = (f"  waited for a CPU {r['wait_ms_per_s']:4.0f} ms/s" if r.get("wait_ms_per_s")
            else "")
    print(f"{label:<56} {r['per_s']:>9,.0f} {unit}/s  p50 {r['p50_ms']:6.3f} ms  "
          f"p99 {r['p99_ms']:6.3f} ms{cpu}{wait}{ratio}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--paced-rate", type=float, default=100.0,
                   help="cycles a second per connection in the paced figures")
    p.add_argument("--idle", type=int, default=1000,
                   help="idle authenticated connections whose memory is read (0: none)")
    p.add_argument("--accept", type=int, default=5000,
                   help="connections then opened in all, each checked to answer")
    p.add_argument("--sessions", type=int, default=20,
                   help="real logins the idle connections resume (round robin)")
    p.add_argument("--json", metavar="FILE", help="also write the figures there (run_all.py)")
    args = p.parse_args()
    args.accept = max(args.accept, args.idle)
    shape = (args.connections, args.processes, args.seconds)
    from bench.common import Figures, at_least, at_most
    from bench.server_idle import raise_own_file_limit
    if args.idle and raise_own_file_limit() < 2 * args.accept + 100:
        raise SystemExit(f"the open file limit is too low for {args.accept:,} connections "
                         "(and redis-server's as many): raise it (ulimit -Hn)")
    figures, size = Figures(args.json), f"{args.connections} connections"

    from db.create import drop_database
    from db.settings import load_settings
    from store.setup import create_store_database
    db_name = f"vsbench_{os.getpid()}"
    settings = load_settings({"db.name": db_name})
    password = secrets.token_urlsafe(12)
    create_store_database(settings, "admin", password, store_name="Bench")

    ready: "mp.Queue[int]" = mp.Queue()
    bare = mp.Process(target=_bare_server, args=(ready,), daemon=True)
    bare.start()
    redis, redis_port = start_redis()
    store, store_port = start_store_server(db_name, args.accept)
    try:
        figures.note_machine(load_settings({"db.name": db_name}))   # with the saved passwords
        resume = ours("resume", {"token": session_token(store_port, password)})
        import mysql.connector
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
              f"mysql-connector {mysql.connector.__version__}; {args.connections} connections "
              f"from {args.processes} processes, {args.seconds:g} s per figure, medians of "
              f"{args.runs} interleaved runs", flush=True)
        floor = measure(ready.get(), bare.pid, "bare", "clock", *shape)
        report("floor: bare threaded line server", floor, "req")
        figures.add("floor: bare threaded line server (constant reply)", floor["per_s"],
                    "req/s", size=size)
        for workload, unit, redis_label, ours_label in (
                ("clock", "req", "redis-server PING", "store server time"),
                ("lock", "pair", "redis-server SET NX PX + DEL",
                 "store server lock.acquire + lock.release")):
            for paced, rate in (("saturated", 0.0), (f"paced {args.paced_rate:g}/s/conn",
                                                     args.paced_rate)):
                theirs, mine = [], []
                for _ in range(args.runs):
                    theirs.append(measure(redis_port, redis.pid, "redis", workload, *shape,
                                          rate=rate))
                    mine.append(measure(store_port, store.pid, "ours", workload, *shape,
                                        setup=resume, rate=rate))
                baseline, result = median_of(theirs), median_of(mine)
                report(f"{redis_label}, {paced}", baseline, unit)
                report(f"{ours_label}, {paced}", result, unit, baseline if not rate else None)
                if rate:
                    figures.add(f"{ours_label}, {paced}, p99", result["p99_ms"], "ms",
                                baseline=baseline["p99_ms"], baseline_is=redis_label,
                                targets=[at_most(2.0)], size=size)
                    # What a noisy run's tail is made of: the server runnable, not run.
                    figures.add(f"{ours_label}, {paced}, server waiting for a CPU",
                                result["wait_ms_per_s"], "ms/s",
                                baseline=baseline["wait_ms_per_s"], baseline_is=redis_label,
                                size=size)
                    continue
                figures.add(f"{ours_label}, saturated", result["per_s"], f"{unit}/s",
                            baseline=baseline["per_s"], baseline_is=redis_label,
                            targets=[at_least(0.5)], size=size)
                figures.add(f"{ours_label}, saturated, p99", result["p99_ms"], "ms",
                            baseline=baseline["p99_ms"], baseline_is=redis_label, size=size)
                figures.add(f"{ours_label}, saturated, server CPU per request",
                            result["cpu_us"], "µs", baseline=baseline["cpu_us"],
                            baseline_is=redis_label, size=size)
        if args.idle:
            idle_figures(figures, args, store, store_port, redis, redis_port, password)
    finally:
        for proc in (store, redis):
            proc.terminate()
            proc.wait(10)
        bare.terminate()
        drop_database(settings)
    figures.write()


if __name__ == "__main__":
    main()
