"""Run the store server in the background for `make up` / `make run`, and stop it.

    python -m dev.storeserver start | stop | status

Idempotent: a server this checkout started and that still answers is reused. Its pid is in
var/run/server.pid, its output in var/log/server.out (and its log in var/log/server.log).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from db.settings import load_settings

if TYPE_CHECKING:
    import ssl

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 15.0


def _paths() -> tuple[Path, Path, str, int]:
    settings = load_settings()
    run_dir = settings.var_dir / "run"
    return (run_dir / "server.pid", settings.log_dir / "server.out",
            settings.server.host, settings.server.port)


def _tls() -> "ssl.SSLContext | None":
    """How to knock at a server started with TLS on (server.tls_cert set): trusting the
    shop's CA when this checkout has it, else any certificate, for this liveness check only
    (the terminal checks properly)."""
    server = load_settings().server
    if not server.tls_cert:
        return None
    import ssl
    if server.tls_ca:
        return ssl.create_default_context(cafile=server.tls_ca)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _pid(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _answers(host: str, port: int) -> bool:
    try:
        tls = _tls()
        with socket.create_connection((host, port), timeout=1.0) as raw:
            s = tls.wrap_socket(raw, server_hostname=host) if tls else raw
            s.sendall(b'{"id":1,"op":"ping"}\n')
            return b'"pong":true' in s.makefile("rb").readline()
    except OSError:
        return False


def start() -> str:
    pidfile, out, host, port = _paths()
    pid = _pid(pidfile)
    if pid and _answers(host, port):
        return f"store server already running on {host}:{port} (pid {pid})"
    if _answers(host, port):
        return f"a store server not started here already answers on {host}:{port}; using it"
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("ab") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "server.py")], cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
    pidfile.write_text(str(proc.pid))
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: the store server exited (code {proc.returncode}); "
                             f"see {out}")
        if _answers(host, port):
            return f"store server started on {host}:{port} (pid {proc.pid}, output in {out})"
        time.sleep(0.05)
    raise SystemExit(f"error: the store server did not answer within {READY_TIMEOUT_S:.0f} s; "
                     f"see {out}")


def stop() -> str:
    pidfile, _, _, _ = _paths()
    pid = _pid(pidfile)
    if pid is None:
        return "store server is not running"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _pid(pidfile):
        time.sleep(0.05)
    if _pid(pidfile):
        raise SystemExit(f"error: store server (pid {pid}) did not stop within 15 s")
    pidfile.unlink(missing_ok=True)
    return f"store server stopped (was pid {pid})"


def status() -> str:
    pidfile, _, host, port = _paths()
    pid = _pid(pidfile)
    return (f"store server running on {host}:{port} (pid {pid})" if pid
            else "store server is not running")


if __name__ == "__main__":
    actions = {"start": start, "stop": stop, "status": status}
    if len(sys.argv) != 2 or sys.argv[1] not in actions:
        raise SystemExit("usage: python -m dev.storeserver start|stop|status")
    print(actions[sys.argv[1]]())
