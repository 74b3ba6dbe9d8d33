"""The private MariaDB that development, demos and tests run against.

    python3 -m dev.mariadb start | stop | status

Standard library only: it runs before the virtualenv exists.

The instance lives entirely under var/ in the checkout: data in var/mariadb/data, its socket
and pid file beside it, its log in var/log/mariadb.log. It listens on 127.0.0.1 only, on
VIDEOSTORE_DB_PORT (default 3406, so a system MySQL on 3306 is never in the way). No system
service is started or touched. `start` is idempotent: a running instance is reused.

On first start it makes one superuser, `videostore_root`@`127.0.0.1`, with a random password,
and writes host, port and that account to var/videostore.toml (mode 0600, git-ignored), which
the settings loader reads. create-db uses that account to make each store database and its
own least-privilege accounts. The only other account is the unix-socket root that
mariadb-install-db makes; no account without a password is reachable over TCP.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BASE = VAR / "mariadb"
DATADIR = BASE / "data"
SOCKET = BASE / "mariadb.sock"
PIDFILE = BASE / "mariadb.pid"
LOG = VAR / "log" / "mariadb.log"
LOCAL_CONFIG = VAR / "videostore.toml"
ROOT_USER = "videostore_root"
DEFAULT_PORT = 3406
READY_TIMEOUT_S = 60.0


class DevDbError(RuntimeError):
    """A problem the developer can fix; the message says how."""


def port() -> int:
    return int(os.environ.get("VIDEOSTORE_DB_PORT", DEFAULT_PORT))


def _binary(*names: str) -> str | None:
    for name in names:
        for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
            if candidate and os.access(candidate, os.X_OK):
                return candidate
    return None


def binaries() -> dict[str, str]:
    """The server, installer and client binaries; a clear error when not installed."""
    found = {
        "server": _binary("mariadbd", "mysqld"),
        "install": _binary("mariadb-install-db", "mysql_install_db"),
        "client": _binary("mariadb", "mysql"),
    }
    missing = [k for k, v in found.items() if v is None]
    if missing:
        raise DevDbError(
            "MariaDB is not installed. Run `make setup` (as root it installs Debian's "
            "mariadb-server and mariadb-client), or: "
            "sudo apt-get install -y mariadb-server mariadb-client"
        )
    return found  # type: ignore[return-value]


def _read_pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def _port_open(p: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", p), timeout=0.5):
            return True
    except OSError:
        return False


def _client(sql: str) -> str:
    """Run SQL as the unix-socket superuser that mariadb-install-db made for this OS user."""
    user = _os_user()
    cmd = [binaries()["client"], "--no-defaults", f"--socket={SOCKET}", f"--user={user}",
           "--batch", "--skip-column-names", "-e", sql]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise DevDbError(f"mariadb client failed: {done.stderr.strip()}")
    return done.stdout


def _os_user() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def _initialise() -> None:
    DATADIR.parent.mkdir(parents=True, exist_ok=True)
    cmd = [binaries()["install"], "--no-defaults", f"--datadir={DATADIR}",
           f"--user={_os_user()}", "--skip-test-db"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(DATADIR, ignore_errors=True)
        raise DevDbError(f"mariadb-install-db failed:\n{done.stdout}\n{done.stderr}")


def _launch(p: int) -> None:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    if _port_open(p):
        raise DevDbError(
            f"Port {p} on 127.0.0.1 is already taken by another program. "
            f"Choose another with VIDEOSTORE_DB_PORT=NNNN."
        )
    cmd = [binaries()["server"], "--no-defaults", f"--datadir={DATADIR}",
           f"--socket={SOCKET}", f"--pid-file={PIDFILE}", f"--port={p}",
           "--bind-address=127.0.0.1", f"--user={_os_user()}", "--skip-log-bin",
           "--skip-name-resolve", "--character-set-server=utf8mb4",
           "--collation-server=utf8mb4_unicode_ci", "--default-time-zone=+00:00",
           "--max-connections=2000", "--innodb-buffer-pool-size=256M",
           f"--log-error={LOG}"]
    # Its own session, so a Ctrl-C in the shell that started it does not stop it.
    subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if SOCKET.exists() and _port_open(p) and _read_pid():
            return
        time.sleep(0.05)
    raise DevDbError(f"MariaDB did not become ready within {READY_TIMEOUT_S:.0f} s; see {LOG}")


def _ensure_root_account(p: int, fresh: bool) -> None:
    """Create the TCP superuser once and record it in var/videostore.toml."""
    if not fresh and LOCAL_CONFIG.exists() and f"port = {p}\n" in LOCAL_CONFIG.read_text():
        return
    password = secrets.token_urlsafe(24)
    _client(
        f"CREATE OR REPLACE USER '{ROOT_USER}'@'127.0.0.1' IDENTIFIED BY '{password}';"
        f"GRANT ALL PRIVILEGES ON *.* TO '{ROOT_USER}'@'127.0.0.1' WITH GRANT OPTION;"
    )
    VAR.mkdir(exist_ok=True)
    fd = os.open(LOCAL_CONFIG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(
            "# Written by dev/mariadb.py for the private MariaDB of this checkout.\n"
            "# Git-ignored; holds a secret. Delete var/ to start over.\n"
            "[db]\n"
            'host = "127.0.0.1"\n'
            f"port = {p}\n"
            f'root_user = "{ROOT_USER}"\n'
            f'root_password = "{password}"\n'
        )


def start() -> str:
    """Start the private instance (or reuse it) and return a one-line description."""
    p = port()
    binaries()
    fresh = not (DATADIR / "mysql").is_dir()
    if fresh:
        _initialise()
    pid = _read_pid()
    if pid is None:
        _launch(p)
        how = "started"
    else:
        how = "already running"
    _ensure_root_account(p, fresh)
    return f"private MariaDB {how} on 127.0.0.1:{p} (pid {_read_pid()}, data in {DATADIR})"


def stop() -> str:
    pid = _read_pid()
    if pid is None:
        return "private MariaDB is not running"
    os.kill(pid, 15)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _read_pid() is not None:
        time.sleep(0.05)
    if _read_pid() is not None:
        raise DevDbError(f"MariaDB (pid {pid}) did not stop within 60 s")
    return f"private MariaDB stopped (was pid {pid})"


def is_running() -> bool:
    return _read_pid() is not None and _port_open(port())


def status() -> str:
    pid = _read_pid()
    if pid is None:
        return "private MariaDB is not running"
    return f"private MariaDB running on 127.0.0.1:{port()} (pid {pid})"


def main(argv: list[str]) -> int:
    actions = {"start": start, "stop": stop, "status": status}
    if len(argv) != 1 or argv[0] not in actions:
        print("usage: python3 -m dev.mariadb start|stop|status", file=sys.stderr)
        return 2
    try:
        print(actions[argv[0]]())
    except DevDbError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
