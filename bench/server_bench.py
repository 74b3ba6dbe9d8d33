"""Store server throughput and latency, against a bare baseline measured in the same run.

    python bench/server_bench.py [--connections 50] [--processes 2] [--seconds 5]

The load comes from separate processes (so the client's GIL is not the server's), each
running persistent connections that send one request, wait for its reply, and repeat.
Baseline: a bare threaded line server (socketserver, one thread per connection, as ours)
that answers every line with a constant reply: no JSON decoding, no dispatch, no clock.
The ratio says what our protocol handling costs over that floor.
Prints one line per figure; asserts nothing (a benchmark, not a test).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import socketserver
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def _load(port: int, op: str, connections: int, seconds: float, out: "mp.Queue[list[float]]") -> None:
    """One load process: `connections` threads, each a persistent connection."""
    line = json.dumps({"id": 1, "op": op}).encode() + b"\n"
    results: list[list[float]] = []
    start = threading.Barrier(connections)

    def worker() -> None:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = sock.makefile("rb")
        latencies: list[float] = []
        start.wait()
        end = time.perf_counter() + seconds
        while (t0 := time.perf_counter()) < end:
            sock.sendall(line)
            stream.readline()
            latencies.append(time.perf_counter() - t0)
        results.append(latencies)
        sock.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put([x for r in results for x in r])


def measure(port: int, op: str, connections: int, processes: int, seconds: float) -> dict[str, float]:
    out: "mp.Queue[list[float]]" = mp.Queue()
    per = [connections // processes + (1 if i < connections % processes else 0)
           for i in range(processes)]
    procs = [mp.Process(target=_load, args=(port, op, n, seconds, out)) for n in per if n]
    for p in procs:
        p.start()
    latencies = [x for _ in procs for x in out.get()]
    for p in procs:
        p.join()
    latencies.sort()
    return {"ops_s": len(latencies) / seconds,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def start_store_server() -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "server.py"), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()  # type: ignore[union-attr]
    return proc, int(line.rsplit(":", 1)[1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--seconds", type=float, default=5.0)
    args = p.parse_args()

    ready: "mp.Queue[int]" = mp.Queue()
    bare = mp.Process(target=_bare_server, args=(ready,), daemon=True)
    bare.start()
    bare_port = ready.get()
    store, store_port = start_store_server()
    try:
        shape = (args.connections, args.processes, args.seconds)
        baseline = measure(bare_port, "ping", *shape)
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
              f"{args.connections} connections from {args.processes} processes, "
              f"{args.seconds:g} s each")
        print(f"baseline bare line server: {baseline['ops_s']:,.0f} req/s  "
              f"p50 {baseline['p50_ms']:.3f} ms  p99 {baseline['p99_ms']:.3f} ms")
        for op in ("ping", "time"):
            r = measure(store_port, op, *shape)
            print(f"store server {op:<5}: {r['ops_s']:,.0f} req/s  p50 {r['p50_ms']:.3f} ms  "
                  f"p99 {r['p99_ms']:.3f} ms  ratio to baseline {r['ops_s'] / baseline['ops_s']:.2f}")
    finally:
        store.terminate()
        store.wait(10)
        bare.terminate()


if __name__ == "__main__":
    main()
