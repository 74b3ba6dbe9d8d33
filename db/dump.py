"""Backups as files: mariadb-dump out, the mariadb client back in, and the time of the
newest data in a database (what a backup is judged by).

The tools get the account and its password from a temporary option file (mode 0600,
deleted afterwards), never from the command line, where `ps` shows it to every user of the
machine. That file is given with --defaults-file, not --defaults-extra-file: an extra file
is read before the user's ~/.my.cnf, whose [client] user or password would then win and
quietly dump or load as some other account.

A dump file is the caller's header (comment lines), then the tool's output, which ends with
the tool's "-- Dump completed" line: a file without it was cut short.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from db import schema
from db.create import grant_app_privileges
from db.database import ConnectParams
from db.errors import DbError, translate
from db.settings import Settings

DUMP_TOOLS = ("mariadb-dump", "mysqldump")
CLIENT_TOOLS = ("mariadb", "mysql")
COMPLETED = b"-- Dump completed"
CREATE_TABLE = b"CREATE TABLE `"
# A consistent snapshot without locking the tables (InnoDB), for an account with privileges
# on this one database only (no tablespaces: those need PROCESS); no CREATE DATABASE or USE
# (one database named without --databases), so a backup loads into whatever name is
# configured; binary columns as hex, so no byte depends on the client's character set.
DUMP_FLAGS = ["--single-transaction", "--no-tablespaces", "--hex-blob", "--triggers"]
# MySQL's mysqldump would otherwise write SET @@GLOBAL.GTID_PURGED, which only a superuser
# may load.
MYSQL_DUMP_FLAGS = ["--set-gtid-purged=OFF"]

# The columns that say when a row was last written by the store's business: creations,
# edits, hires and returns, money, holds, notices, receipts, finished imports (whose rows
# may carry the source's own, older times), and audit_log.at (every audited change: staff,
# settings, copies marked, ...). Columns a database lacks are skipped. Left out on
# purpose: due_at and expires_at (times in the future, not when anything was written),
# staff.updated_at, last_login and locked_until, and the sessions table (logins and
# heartbeats, not data a restore would lose), and schema_version (checked on its own).
NEWEST_DATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("audit_log", "at"),
    ("stores", "created_at"),
    ("staff", "created_at"),
    ("customers", "created_at"), ("customers", "updated_at"),
    ("titles", "created_at"), ("titles", "updated_at"),
    ("copies", "created_at"), ("copies", "updated_at"),
    ("hires", "hired_at"), ("hires", "returned_at"),
    ("charges", "created_at"),
    ("payments", "paid_at"),
    ("holds", "placed_at"), ("holds", "ready_at"), ("holds", "closed_at"),
    ("settings", "updated_at"),
    ("messages", "sent_at"),
    ("receipts", "created_at"),
    ("import_stages", "finished_at"),
)


class ToolMissing(DbError):
    """Neither of the tools for the job is installed."""


class ToolFailed(DbError):
    """A dump or load tool ended with an error; the message has its last words."""


@dataclass(frozen=True)
class DumpFile:
    """What a scan of a dump file found."""
    header: list[str]     # the leading comment lines, "-- " stripped
    tables: list[str]     # the tables it creates, in order
    complete: bool        # it ends with the tool's "-- Dump completed" line
    size: int             # bytes


def find_tool(names: tuple[str, ...]) -> str:
    for name in names:
        for candidate in (shutil.which(name), f"/usr/bin/{name}", f"/usr/local/bin/{name}"):
            if candidate and os.access(candidate, os.X_OK):
                return candidate
    raise ToolMissing(f"{' or '.join(names)} is not installed")


def tool_version(tool: str) -> str:
    """The tool's own version line, e.g. "mariadb-dump  Ver 10.19 Distrib 10.11.6-MariaDB"."""
    out = subprocess.run([tool, "--no-defaults", "--version"], capture_output=True,
                         text=True, timeout=30)
    return " ".join(out.stdout.split()) or Path(tool).name


def _is_mysql(version: str) -> bool:
    return "mariadb" not in version.lower()


@contextmanager
def option_file(params: ConnectParams, mysql: bool = False) -> Iterator[str]:
    """A [client] option file with the account, its password and where to connect; made
    mode 0600 before anything is written, deleted when the block ends."""
    lines = ["[client]", f"user={_quote(params.user)}", f"password={_quote(params.password)}",
             f"host={_quote(params.host)}", f"port={params.port}", "protocol=TCP",
             "default-character-set=utf8mb4"]
    if params.ssl_ca:
        lines.append(f"ssl-ca={_quote(params.ssl_ca)}")
        lines.append("ssl-mode=VERIFY_CA" if mysql else "ssl-verify-server-cert")
    fd, name = tempfile.mkstemp(prefix="videostore-", suffix=".cnf")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        yield name
    finally:
        os.unlink(name)


def _quote(value: str) -> str:
    """A value for an option file: double-quoted, with \\ and " escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def dump(params: ConnectParams, path: Path, header: str) -> DumpFile:
    """Write `header`, then a dump of the database, to a temporary file beside `path`, and
    rename it to `path` only once the dump is complete: a failed dump leaves no file.
    The file is made mode 0600 (it holds password hashes and customers' details)."""
    tool = find_tool(DUMP_TOOLS)
    mysql = _is_mysql(tool_version(tool))
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header.encode("utf-8"))
            out.flush()
            with option_file(params, mysql) as options:
                args = [tool, f"--defaults-file={options}", *DUMP_FLAGS,
                        *(MYSQL_DUMP_FLAGS if mysql else []), str(params.database)]
                done = subprocess.run(args, stdout=out, stderr=subprocess.PIPE, text=True)
            if done.returncode != 0:
                raise ToolFailed(f"running {Path(tool).name} failed: "
                                 f"{_last_words(done.stderr)}")
            out.flush()
            os.fsync(out.fileno())
        scanned = scan(tmp)
        if not scanned.complete:
            raise ToolFailed(f"running {Path(tool).name} failed: it ended without its "
                             f"completion line")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return scanned


def scan(path: Path) -> DumpFile:
    """Read a dump file through once: its header, the tables it creates, whether it ends
    with the completion line. Raises OSError when it cannot be read."""
    header: list[str] = []
    tables: list[str] = []
    last = b""
    in_header = True
    with path.open("rb") as f:
        for line in f:
            if in_header:
                if line.startswith(b"-- "):
                    header.append(line[3:].decode("utf-8", "replace").rstrip("\r\n"))
                else:
                    in_header = False
            if line.startswith(CREATE_TABLE):
                name, _, _ = line[len(CREATE_TABLE):].partition(b"`")
                tables.append(name.decode("utf-8", "replace"))
            if line.strip():
                last = line
        size = f.tell()
    return DumpFile(header, tables, last.startswith(COMPLETED), size)


def load(params: ConnectParams, path: Path, drop_tables: list[str]) -> None:
    """Drop `drop_tables`, then run the dump file through the mysql/mariadb client into
    the database, stopping at the first error. DDL cannot be rolled back: a load that fails
    half way leaves the database part-loaded (load the file again)."""
    client = find_tool(CLIENT_TOOLS)
    mysql = _is_mysql(tool_version(client))
    preamble = "SET FOREIGN_KEY_CHECKS = 0;\n" + "".join(
        f"DROP TABLE IF EXISTS {_ident(t)};\n" for t in drop_tables)
    with option_file(params, mysql) as options, tempfile.TemporaryFile() as errors:
        args = [client, f"--defaults-file={options}", "--batch",
                *([] if mysql or not _has_sandbox(client) else ["--sandbox"]),
                f"--database={params.database}"]
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=errors)
        try:
            _feed(proc.stdin, preamble.encode("utf-8"), path)
        finally:
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace")
            raise ToolFailed(f"running {Path(client).name} failed: {_last_words(said)}")


def _feed(stdin: BinaryIO | None, preamble: bytes, path: Path) -> None:
    """Write the preamble and the file to the client; a client that stopped early (an
    error) closes the pipe, and its exit code tells the rest."""
    assert stdin is not None
    try:
        stdin.write(preamble)
        with path.open("rb") as f:
            shutil.copyfileobj(f, stdin, 1 << 20)
    except BrokenPipeError:
        pass
    finally:
        try:
            stdin.close()
        except BrokenPipeError:
            pass


def _has_sandbox(client: str) -> bool:
    """MariaDB's client since 10.5.25/10.11.8 can refuse its shell and file commands."""
    out = subprocess.run([client, "--no-defaults", "--help"], capture_output=True, text=True,
                         timeout=30)
    return "--sandbox" in out.stdout


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _last_words(stderr: str) -> str:
    """The tool's last few lines of complaint, on one line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = " ".join(lines[-3:]) or "no message"
    return text if len(text) <= 500 else text[:497] + "..."


def base_tables(conn: Any, database: str) -> list[str]:
    rows = _rows(conn, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA "
                       "= %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", (database,))
    return [str(row[0]) for row in rows]


def newest_data_time(conn: Any, database: str) -> datetime | None:
    """The latest of NEWEST_DATA_COLUMNS that this database has (UTC, naive), or None when
    they are all empty. Columns of tables it lacks (an older schema) are skipped."""
    present = {(str(t), str(c)) for t, c in _rows(
        conn, "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
              "WHERE TABLE_SCHEMA = %s", (database,))}
    parts = [f"SELECT MAX({_ident(c)}) AS t FROM {_ident(t)}"
             for t, c in NEWEST_DATA_COLUMNS if (t, c) in present]
    if not parts:
        return None
    (newest,) = _rows(conn, f"SELECT MAX(t) FROM ({' UNION ALL '.join(parts)}) AS newest")[0]
    return newest


def _rows(conn: Any, sql: str, params: tuple = ()) -> list[tuple]:
    from db.database import driver
    cur = conn.cursor()
    try:
        cur.execute(sql, params)
        return list(cur.fetchall())
    except driver().Error as e:
        raise translate(e) from None
    finally:
        cur.close()


def schema_version(conn: Any) -> int:
    (version,) = _rows(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version")[0]
    return int(version)


def finish_restore(conn: Any, settings: Settings) -> list[schema.Migration]:
    """After a load: the migrations an older backup lacks, then the application's account's
    table privileges granted again (tables a load or a migration made new included)."""
    from db.database import driver
    try:
        applied = schema.migrate(conn)
    except driver().Error as e:
        raise translate(e) from None
    grant_app_privileges(conn, settings)
    return applied
