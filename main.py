"""Videostore's clerk terminal, and the admin's commands.

    python main.py                 the clerk terminal (menu, toolbar, server clock)
    python main.py create-db       make the store database, its accounts and first admin
    python main.py migrate         bring an existing database up to this code's schema
    python main.py import sakila DIR | customers|titles|copies FILE.csv
    python main.py export customers|titles|copies FILE.csv
    python main.py report NAME     a report as a table, CSV or JSON (report list: all names)
    python main.py backup FILE     a consistent dump while clerks work; restore FILE
    python main.py audit verify    check the audit log's hash chain (exit 1 if broken)
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from store.config import ConfigError, Settings, load_settings

ENV_HELP = """environment (flags win over these, these over config files):
  VIDEOSTORE_DB_HOST, VIDEOSTORE_DB_PORT, VIDEOSTORE_DB_NAME
  VIDEOSTORE_DB_USER, VIDEOSTORE_DB_PASSWORD        the application's database account
  VIDEOSTORE_DB_ROOT_USER, VIDEOSTORE_DB_ROOT_PASSWORD   superuser, for create-db only
  VIDEOSTORE_SERVER=host:port                       the store server
  VIDEOSTORE_SERVER_TLS_CA=FILE                     speak TLS to it, trusting this CA
  VIDEOSTORE_CONFIG=FILE                            a TOML file read over the others
  VIDEOSTORE_ADMIN_PASSWORD                         create-db: the first admin's password
  NO_COLOR=1 or TERM=dumb                           the terminal shows no colour (nor when
                                                    its output is not a terminal)
config files: db/defaults.toml lists every setting; see README.md, Configuration."""


def _common(parser: argparse.ArgumentParser, suppress: bool,
            store_help: str = "the store this terminal serves (default 1)") -> None:
    """Options accepted before and after the subcommand (`store_help`: what --store means
    to this one; argparse.SUPPRESS where it means nothing)."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", default=default, metavar="FILE",
                        help="a TOML file read over the other config files")
    parser.add_argument("--db-name", default=default, metavar="NAME",
                        help="the store database (default videostore)")
    parser.add_argument("--server", default=default, metavar="HOST:PORT",
                        help="the store server (default 127.0.0.1:5555)")
    parser.add_argument("--store", type=int, default=default, metavar="N",
                        help=store_help)
    parser.add_argument("--tls-ca", default=default, metavar="FILE",
                        help="speak TLS to the store server, trusting this CA file "
                        "(server.tls_ca; `python -m dev.tls make DIR` makes one)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="main.py", description="Videostore: the clerk terminal (no COMMAND), and the "
        "admin's commands (COMMAND --help for each).",
        epilog=ENV_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(p, suppress=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    c = sub.add_parser("create-db", help="create the store database, its two accounts, the "
                       "first store and the first admin")
    _common(c, suppress=True, store_help=argparse.SUPPRESS)
    c.add_argument("--admin-user", default="admin", metavar="NAME",
                   help="the first admin's username (default admin); the password is asked, "
                   "or taken from VIDEOSTORE_ADMIN_PASSWORD")
    c.add_argument("--store-name", default="Main Street", metavar="NAME",
                   help="the first store's name (default 'Main Street')")
    c.add_argument("--demo", action="store_true", help="add a small demo store: titles, "
                   "copies, customers and two clerks (logins are printed)")
    c.add_argument("--reset", action="store_true",
                   help="drop and rebuild the database if it exists: ALL ITS DATA IS LOST")
    c.add_argument("--if-missing", action="store_true",
                   help="if the database exists, say so and change nothing (for scripts)")
    m = sub.add_parser("migrate", help="apply this code's schema migrations to the database")
    _common(m, suppress=True, store_help=argparse.SUPPRESS)
    _data_commands(sub)
    a = sub.add_parser("audit", help="audit verify: seal the audit log's new rows and check "
                       "its hash chain; says where it breaks (exit code 1)")
    _common(a, suppress=True, store_help=argparse.SUPPRESS)
    a.add_argument("action", choices=["verify"], help="verify: walk the chain as the admin "
                   "account")
    return p.parse_args(argv)


def _data_commands(sub: Any) -> None:
    """import, export, report, backup, restore: the admin's data in and out."""
    i = sub.add_parser("import", help="import Sakila's CSVs as a store, or customers, titles "
                       "or copies from a CSV file (all or nothing unless --skip-bad)")
    _common(i, suppress=True, store_help="the store of rows that name none (default: the "
            "terminal's, 1)")
    i.add_argument("kind", choices=["sakila", "customers", "titles", "copies"],
                   help="sakila (a directory of Sakila's CSVs), or what the CSV file holds")
    i.add_argument("path", metavar="PATH", help="the Sakila CSV directory, or the CSV file")
    i.add_argument("--skip-bad", action="store_true", help="write the good rows and put "
                   "the bad ones in a rejects file (default: one bad row writes nothing)")
    i.add_argument("--rejects", metavar="FILE", help="where --skip-bad writes the bad rows "
                   "(default: PATH with .rejects.csv)")
    e = sub.add_parser("export", help="write customers, titles or copies to a CSV file")
    _common(e, suppress=True, store_help="only this store's rows (default: all)")
    e.add_argument("kind", choices=["customers", "titles", "copies"], help="what to write")
    e.add_argument("path", metavar="FILE", help="the CSV file to write ('-': standard output)")
    r = sub.add_parser("report", help="one report as a table, CSV or JSON ('report list' "
                       "names them all)")
    _common(r, suppress=True, store_help="only this store (default: all stores)")
    r.add_argument("name", metavar="NAME", help="the report, or 'list'")
    r.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (default: "
                   "depends on the report, usually today)")
    r.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, included")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table (default: plain text, the same at a terminal or in a pipe; "
                   "page it with | less -S), csv (a header row) or json")
    r.add_argument("--limit", type=int, metavar="N", help="at most N rows where it applies")
    r.add_argument("--min-balance", metavar="AMOUNT", help="balances: above this "
                   "(default: the shop's blocking balance)")
    b = sub.add_parser("backup", help="dump the database to FILE, consistent while clerks work")
    _common(b, suppress=True, store_help=argparse.SUPPRESS)
    b.add_argument("path", metavar="FILE", help="the backup to write (mode 0600; written "
                   "beside itself, then renamed into place)")
    s = sub.add_parser("restore", help="load a backup FILE into the database (refuses to go "
                       "over newer data unless --force)")
    _common(s, suppress=True, store_help=argparse.SUPPRESS)
    s.add_argument("path", metavar="FILE", help="a backup written by `main.py backup`")
    s.add_argument("--force", action="store_true",
                   help="restore even though the database holds data newer than the backup")


def settings_from(args: argparse.Namespace) -> Settings:
    flags: dict[str, Any] = {"db.name": args.db_name, "terminal.store_id": args.store,
                             "server.tls_ca": args.tls_ca}
    if args.server:
        host, _, port = args.server.rpartition(":")
        flags.update({"server.host": host or None, "server.port": port or None})
    return load_settings(flags, config_file=args.config)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = settings_from(args)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.command == "create-db":
        from ui.cli import create_db
        return create_db(settings, args.admin_user, args.store_name, reset=args.reset,
                         demo=args.demo, if_missing=args.if_missing)
    if args.command == "migrate":
        from ui.cli import migrate
        return migrate(settings)
    if args.command in ("import", "export"):
        from ui import data_cli
        return data_cli.run(settings, args)
    if args.command == "report":
        from ui import report_cli
        return report_cli.run(settings, args)
    if args.command == "audit":
        from ui import audit_cli
        return audit_cli.run(settings, args)
    if args.command in ("backup", "restore"):
        from ui import backup_cli
        return backup_cli.run(settings, args)
    from store.logs import setup_logging
    from ui.app import run_terminal
    setup_logging(settings.log_dir / "terminal.log", to_stderr=False)
    return run_terminal(settings, lambda: settings_from(args))


if __name__ == "__main__":
    sys.exit(main())
