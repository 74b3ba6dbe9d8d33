"""The store server: the shop's clock, sessions, locks and events, over TCP.

    python server.py [--host H] [--port P] [--test-clock] [--config FILE] [--db-name NAME]
                     [--tls-cert FILE --tls-key FILE]
"""
from __future__ import annotations

import argparse
import errno
import logging
import sys

from db.settings import ConfigError, load_settings
from store.logs import setup_logging
from store.server_app import build_server, raise_open_file_limit, serve_until_signalled

log = logging.getLogger("server")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Videostore's store server (protocol v1, JSON "
                                "lines over TCP; see docs/protocol.md).")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1; "
                   "VIDEOSTORE_SERVER=host:port)")
    p.add_argument("--port", type=int, help="port to listen on (default 5555; 0 picks a free one)")
    p.add_argument("--db-name", help="the store database (default videostore; VIDEOSTORE_DB_NAME)")
    p.add_argument("--config", help="a TOML file read over the others (VIDEOSTORE_CONFIG)")
    p.add_argument("--tls-cert", metavar="FILE", help="speak only TLS, with this PEM "
                   "certificate (and --tls-key); server.tls_cert")
    p.add_argument("--tls-key", metavar="FILE", help="the certificate's PEM private key; "
                   "server.tls_key")
    p.add_argument("--test-clock", action="store_true",
                   help="accept clock.advance so tests can move time forward; never in a shop")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings({"server.host": args.host, "server.port": args.port,
                                  "server.tls_cert": args.tls_cert, "server.tls_key": args.tls_key,
                                  "db.name": args.db_name}, config_file=args.config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    setup_logging(settings.log_dir / "server.log", to_stderr=True)
    for warning in settings.warnings:
        log.warning(warning)
    raise_open_file_limit(settings.server.max_connections)
    try:
        server = build_server(settings, test_clock=args.test_clock)
    except OSError as e:
        where = f"{settings.server.host}:{settings.server.port}"
        reason = "is already in use (another store server?)" if e.errno == errno.EADDRINUSE else f"failed: {e.strerror}"
        print(f"error: listening on {where} {reason}. Choose another with --port.", file=sys.stderr)
        return 1
    except ConfigError as e:
        print(f"error: TLS: {e}", file=sys.stderr)
        return 2
    if args.test_clock:
        log.warning("test clock on: any client may move time forward")
    host, port = server.address
    print(f"listening on {host}:{port}", flush=True)
    serve_until_signalled(server, settings.server.shutdown_grace_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
