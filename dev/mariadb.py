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
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BASE = VAR / "mariadb"
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


@dataclass(frozen=True)
class Instance:
    """One private MariaDB: its files under `base` (data/, socket, pid file), its port, its
    log, and the file where its TCP superuser is recorded. The checkout has one (CHECKOUT,
    below); the fault tests make a second under a temporary directory, to kill and restart
    without disturbing anyone else's. `options` are extra mariadbd flags."""
    base: Path
    port: int
    log: Path
    config: Path
    options: tuple[str, ...] = ()

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def socket(self) -> Path:
        return self.base / "mariadb.sock"

    @property
    def pidfile(self) -> Path:
        return self.base / "mariadb.pid"

    def pid(self) -> int | None:
        """The server's pid while it runs; None otherwise."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        try:  # started by this very process (a test's instance): reap it once it ended
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return None
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def client(self, sql: str) -> str:
        """Run SQL as the unix-socket superuser that mariadb-install-db made for this OS
        user."""
        cmd = [binaries()["client"], "--no-defaults", f"--socket={self.socket}",
               f"--user={_os_user()}", "--batch", "--skip-column-names", "-e", sql]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise DevDbError(f"mariadb client failed: {done.stderr.strip()}")
        return done.stdout

    def _initialise(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        cmd = [binaries()["install"], "--no-defaults", f"--datadir={self.datadir}",
               f"--user={_os_user()}", "--skip-test-db", *self.options]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            raise DevDbError(f"mariadb-install-db failed:\n{done.stdout}\n{done.stderr}")

    def _launch(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        if _port_open(self.port):
            raise DevDbError(
                f"Port {self.port} on 127.0.0.1 is already taken by another program. "
                f"Choose another with VIDEOSTORE_DB_PORT=NNNN."
            )
        cmd = [binaries()["server"], "--no-defaults", f"--datadir={self.datadir}",
               f"--socket={self.socket}", f"--pid-file={self.pidfile}", f"--port={self.port}",
               "--bind-address=127.0.0.1", f"--user={_os_user()}", "--skip-log-bin",
               "--skip-name-resolve", "--character-set-server=utf8mb4",
               "--collation-server=utf8mb4_unicode_ci", "--default-time-zone=+00:00",
               "--max-connections=2000", "--innodb-buffer-pool-size=256M",
               f"--log-error={self.log}", *self.options]
        # Its own session, so a Ctrl-C in the shell that started it does not stop it.
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.socket.exists() and _port_open(self.port) and self.pid():
                return
            time.sleep(0.05)
        raise DevDbError(
            f"MariaDB did not become ready within {READY_TIMEOUT_S:.0f} s; see {self.log}")

    def _ensure_root_account(self, fresh: bool) -> None:
        """Create the TCP superuser once and record it in `config`."""
        if not fresh and self.config.exists() and \
                f"port = {self.port}\n" in self.config.read_text():
            return
        password = secrets.token_urlsafe(24)
        self.client(
            f"CREATE OR REPLACE USER '{ROOT_USER}'@'127.0.0.1' IDENTIFIED BY '{password}';"
            f"GRANT ALL PRIVILEGES ON *.* TO '{ROOT_USER}'@'127.0.0.1' WITH GRANT OPTION;"
        )
        self.config.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(
                "# Written by dev/mariadb.py for the private MariaDB of this checkout.\n"
                "# Git-ignored; holds a secret. Delete var/ to start over.\n"
                "[db]\n"
                'host = "127.0.0.1"\n'
                f"port = {self.port}\n"
                f'root_user = "{ROOT_USER}"\n'
                f'root_password = "{password}"\n'
            )

    def start(self) -> str:
        """Start the instance (or reuse it) and return a one-line description."""
        binaries()
        fresh = not (self.datadir / "mysql").is_dir()
        if fresh:
            self._initialise()
        if self.pid() is None:
            self._launch()
            how = "started"
        else:
            how = "already running"
        self._ensure_root_account(fresh)
        return (f"private MariaDB {how} on 127.0.0.1:{self.port} (pid {self.pid()}, "
                f"data in {self.datadir})")

    def stop(self, signum: int = signal.SIGTERM) -> str:
        """Stop it and wait until it is gone: SIGTERM shuts down cleanly (open transactions
        rolled back); SIGKILL is a crash, and the next start recovers from the redo log."""
        pid = self.pid()
        if pid is None:
            return "private MariaDB is not running"
        os.kill(pid, signum)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (self.pid() is not None
                                               or _port_open(self.port)):
            time.sleep(0.05)
        if self.pid() is not None:
            raise DevDbError(f"MariaDB (pid {pid}) did not stop within 60 s")
        return f"private MariaDB stopped (was pid {pid})"

    def is_running(self) -> bool:
        return self.pid() is not None and _port_open(self.port)

    def status(self) -> str:
        pid = self.pid()
        if pid is None:
            return "private MariaDB is not running"
        return f"private MariaDB running on 127.0.0.1:{self.port} (pid {pid})"


def _port_open(p: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", p), timeout=0.5):
            return True
    except OSError:
        return False


def _os_user() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def checkout() -> Instance:
    """The checkout's own instance, under var/, on VIDEOSTORE_DB_PORT (default 3406)."""
    return Instance(BASE, port(), LOG, LOCAL_CONFIG)


def start() -> str:
    return checkout().start()


def stop() -> str:
    return checkout().stop()


def is_running() -> bool:
    return checkout().is_running()


def status() -> str:
    return checkout().status()


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
