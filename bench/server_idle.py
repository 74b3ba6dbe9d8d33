"""Idle authenticated connections: what they cost the store server in memory, and whether
it takes `--accept` (5,000) of them without an error — against redis-server holding the
same number of idle connections in the same run. Used by bench/server_bench.py.

How the connections log in: a login costs a scrypt check (a third of a second and 64 MiB,
two at a time), so 1,000 logins would take minutes. A terminal logs in once and, after a
reconnect, `resume`s its session with its token — what 1,000 terminals all do when the
store server restarts. So the bench logs in `sessions` times for real and each connection
resumes one of those sessions (round robin): every connection is bound to a live session
and passes the same checks as a clerk's.

The shop's settings the bench changes, as a shop with that many terminals behind one
address would (environment variables read by server.py): `server.max_per_address` up to
the number of connections (every connection here comes from 127.0.0.1).
"""
from __future__ import annotations

import json
import resource
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

BATCH = 200          # connections opened before their first replies are read
CONNECT_TIMEOUT_S = 30.0


def raise_own_file_limit() -> int:
    """This process holds every connection (and redis-server inherits the limit): the soft
    RLIMIT_NOFILE up to the hard one; the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def memory_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in MB (10^6 B)."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[key].split()[0]) * 1024 / 1e6
            for name, key in (("rss", "VmRSS"), ("hwm", "VmHWM"))}


def _reply_line(sock: socket.socket) -> bytes:
    """One reply line (b"" if the server closed the connection)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    return data


class IdleClients:
    """Connections that each said `hello(i)` and got a good answer, held open, idle.
    `errors` counts every connection that was refused, reset or answered with an error."""

    def __init__(self, port: int, hello: Callable[[int], bytes], ok: Callable[[bytes], bool]):
        self.port, self.hello, self.ok = port, hello, ok
        self.socks: list[socket.socket] = []
        self.errors = 0
        self.first_error = ""

    def open_until(self, count: int) -> None:
        while len(self.socks) < count:
            batch = []
            for _ in range(min(BATCH, count - len(self.socks) - len(batch))):
                try:
                    sock = socket.create_connection(("127.0.0.1", self.port),
                                                    timeout=CONNECT_TIMEOUT_S)
                    sock.sendall(self.hello(len(self.socks) + len(batch)))
                    batch.append(sock)
                except OSError as e:
                    self._failed(f"connect: {e}")
                    if not batch:
                        return  # cannot open any more: do not spin
            held = len(self.socks)
            for sock in batch:
                self._keep_if_answered(sock)
            if len(self.socks) == held:
                return  # a whole batch refused: the server takes no more

    def check_all(self, request: bytes) -> int:
        """Send `request` on every held connection; how many answered it well (the rest
        are counted as errors and closed)."""
        for sock in self.socks:
            try:
                sock.sendall(request)
            except OSError:
                pass  # counted when its reply does not come
        held, self.socks = self.socks, []
        for sock in held:
            self._keep_if_answered(sock)
        return len(self.socks)

    def close(self) -> None:
        for sock in self.socks:
            sock.close()
        self.socks = []

    def _keep_if_answered(self, sock: socket.socket) -> None:
        try:
            reply = _reply_line(sock)
        except OSError as e:
            reply = f"{e}".encode()
        if self.ok(reply):
            self.socks.append(sock)
        else:
            self._failed(reply.decode(errors="replace").strip() or "closed by the server")
            sock.close()

    def _failed(self, why: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or why[:200]


def store_ok(reply: bytes) -> bool:
    try:
        return json.loads(reply).get("ok") is True
    except ValueError:
        return False


def redis_ok(reply: bytes) -> bool:
    return reply.startswith((b"+", b":", b"$"))


def log_in_many(login: Callable[[], str], sessions: int) -> list[str]:
    """`sessions` real logins, two at a time (the server checks two passwords at once)."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda _: login(), range(sessions)))


def hold(port: int, pid: int, hello: Callable[[int], bytes], ok: Callable[[bytes], bool],
         check: bytes, idle: int, accept: int) -> dict[str, float | str]:
    """Open `idle` connections and read the server's memory; then on to `accept` and check
    each one still answers. The figures: memory before, at `idle` and at `accept` (MB),
    the peak, how many of `accept` answered, and the errors."""
    clients = IdleClients(port, hello, ok)
    before = memory_mb(pid)
    try:
        clients.open_until(idle)
        at_idle = memory_mb(pid)
        clients.open_until(accept)
        answering = clients.check_all(check)
        at_accept = memory_mb(pid)
    finally:
        clients.close()
    return {"rss_before": before["rss"], "rss_idle": at_idle["rss"],
            "hwm_idle": at_idle["hwm"], "rss_accept": at_accept["rss"],
            "per_conn_kb": (at_idle["rss"] - before["rss"]) * 1000 / max(idle, 1),
            "answering": answering, "errors": clients.errors,
            "first_error": clients.first_error}
