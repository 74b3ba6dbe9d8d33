"""Test helpers: a real store server in a subprocess, and a raw line-protocol client."""
from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 20.0


def read_line(stream: Any, timeout_s: float) -> str:
    """One line from a subprocess pipe, or AssertionError after `timeout_s`."""
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        if not sel.select(timeout_s):
            raise AssertionError(f"no output within {timeout_s} s")
    return stream.readline().decode()


@dataclass
class RunningServer:
    proc: subprocess.Popen
    host: str
    port: int
    stderr_file: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def client(self, receive_buffer: int | None = None) -> "LineClient":
        return LineClient(self.host, self.port, receive_buffer=receive_buffer)

    def ask(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request on a fresh connection; the reply."""
        with self.client() as c:
            return c.ask(op, args)

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.proc.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL: gone at once, telling no one, forgetting its locks."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode

    def log(self) -> str:
        return self.stderr_file.read_text(errors="replace")


def start_server(tmp: Path, db_name: str, *args: str, port: int = 0,
                 env: dict[str, str] | None = None) -> RunningServer:
    """`python server.py --port 0 ...`: waits for its 'listening on' line. `env` adds
    environment variables (e.g. VIDEOSTORE_SERVER_MAX_CONNECTIONS)."""
    stderr_file = tmp / f"server-{os.getpid()}-{len(list(tmp.glob('server-*')))}.err"
    with stderr_file.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "server.py"), "--port", str(port), "--db-name", db_name,
             *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})})
    try:
        line = read_line(proc.stdout, START_TIMEOUT_S)
    except AssertionError:
        proc.kill()
        raise AssertionError(f"server did not start: {stderr_file.read_text()}") from None
    if not line.startswith("listening on "):
        proc.kill()
        raise AssertionError(f"server said {line!r}; stderr: {stderr_file.read_text()}")
    host, _, bound = line.split()[-1].rpartition(":")
    return RunningServer(proc, host, int(bound), stderr_file)


class LineClient:
    """A bare protocol client over a real socket: what `nc` would do, scriptable."""

    def __init__(self, host: str, port: int, timeout_s: float = 10.0,
                 receive_buffer: int | None = None, tls: Any = None):
        """`receive_buffer` fixes SO_RCVBUF before connecting (which turns off the kernel's
        autotuning, up to 32 MB here): a small one makes a slow reader really slow. `tls`,
        an ssl.SSLContext: speak TLS (Python's own client, not ours)."""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout_s)
        self.sock.connect((host, port))
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        self.stream = self.sock.makefile("rb")
        self._ids = 0
        self.events: list[dict[str, Any]] = []  # pushed events read while awaiting a reply

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, op: str, args: dict[str, Any] | None = None) -> int:
        self._ids += 1
        self.send_raw(json.dumps({"id": self._ids, "op": op, "args": args or {}}).encode() + b"\n")
        return self._ids

    def recv(self) -> dict[str, Any] | None:
        """The next line as JSON; None when the server closed the connection."""
        line = self.stream.readline()
        return json.loads(line) if line else None

    def ask(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request and return its reply; events that come first are kept in
        `events` for next_event()."""
        request_id = self.send(op, args)
        while True:
            reply = self.recv()
            assert reply is not None, f"connection closed instead of answering {op}"
            if "event" not in reply:
                break
            self.events.append(reply)
        assert reply.get("id") == request_id, reply
        return reply

    def next_event(self) -> dict[str, Any]:
        """The next pushed event (waiting up to the socket timeout)."""
        if self.events:
            return self.events.pop(0)
        line = self.recv()
        assert line is not None and "event" in line, f"expected an event, got {line}"
        return line

    def login(self, username: str, password: str, terminal: str = "till-1") -> dict[str, Any]:
        """Log in; the result (token, user, ...). Fails the test if refused."""
        reply = self.ask("login", {"username": username, "password": password,
                                   "terminal": terminal})
        assert reply["ok"], reply
        return reply["result"]

    def error(self, op: str, args: dict[str, Any] | None = None) -> str:
        """The error code of a request that must fail."""
        reply = self.ask(op, args)
        assert not reply["ok"], reply
        return reply["error"]["code"]

    def result(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """The result of a request that must succeed."""
        reply = self.ask(op, args)
        assert reply["ok"], reply
        return reply["result"]

    def close(self) -> None:
        self.stream.close()
        self.sock.close()

    def __enter__(self) -> "LineClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def counter_for(server: RunningServer, username: str, password: str,
                terminal: str = "till-1") -> Iterator[Any]:
    """A store.counter.Counter as a terminal has it: the terminal's own client, logged in
    as `username` on the real `server`, with its lease keeper. For manager tests."""
    from store.client import StoreClient
    from store.counter import Counter
    from store.leases import LeaseKeeper
    client = StoreClient(server.host, server.port, timeout_s=10.0)
    client.start()
    leases = LeaseKeeper(client)
    try:
        assert client.wait_connected(10), f"no store server at {server.address}"
        client.login(username, password, terminal)
        yield Counter(client, leases)
    finally:
        leases.close()
        client.close()
