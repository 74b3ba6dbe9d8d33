"""A shop's own TLS certificates for the store server, made with the openssl command.

    python -m dev.tls make DIR [--name NAME ...] [--force] [--enable]

Makes, in DIR (mode 0700):
    ca.pem, ca.key          the shop's CA (10 years): give ca.pem to every terminal
    server.pem, server.key  the store server's certificate (2 years), signed by that CA

The server's certificate names (subjectAltName) 127.0.0.1, ::1, localhost, this machine's
host name and fully qualified name, and every --name (a host name or an IP address): a
terminal checks that it names the server.host it connects to. Existing files are kept
(say --force to make new ones). --enable also turns TLS on for this checkout: the three
settings go into var/videostore.toml (when it has no [server] section yet; otherwise they
are printed to add by hand).

Why the openssl command and not Python's `cryptography`: it is on every Debian machine
(dev/system-packages.sh installs it where missing), and a shop's administrator can read,
repeat or replace these steps with the same tool.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from db.settings import PROJECT_ROOT

CA_DAYS = 3650
SERVER_DAYS = 825  # what browsers and most TLS clients accept for a leaf certificate
FILES = ("ca.pem", "ca.key", "server.pem", "server.key")
LOCAL_CONFIG = PROJECT_ROOT / "var" / "videostore.toml"


class TlsSetupError(Exception):
    """openssl is missing or failed; the message says what it said."""


def server_names(extra: list[str]) -> list[str]:
    """subjectAltName entries: loopback, this machine's names, and `extra`."""
    names = ["127.0.0.1", "::1", "localhost", socket.gethostname(), socket.getfqdn(), *extra]
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return seen


def _san(names: list[str]) -> str:
    entries = []
    for name in names:
        try:
            ipaddress.ip_address(name)
            entries.append(f"IP:{name}")
        except ValueError:
            entries.append(f"DNS:{name}")
    return ",".join(entries)


def _openssl(*args: str) -> None:
    try:
        done = subprocess.run(["openssl", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise TlsSetupError("the openssl command is missing: sudo apt-get install openssl") from None
    if done.returncode != 0:
        raise TlsSetupError(f"openssl {args[0]} failed: {done.stderr.strip()}")


def make(directory: Path, names: list[str], force: bool = False) -> str:
    """Make the CA and server certificate in `directory`; what was done, in one line."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    paths = {name: directory / name for name in FILES}
    if not force and all(p.exists() for p in paths.values()):
        return f"TLS certificates already in {directory} (--force makes new ones)"
    key_args = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *key_args, "-keyout", str(paths["ca.key"]),
             "-out", str(paths["ca.pem"]), "-days", str(CA_DAYS),
             "-subj", "/CN=Videostore shop CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    with tempfile.TemporaryDirectory() as tmp:
        csr, ext = Path(tmp) / "server.csr", Path(tmp) / "server.ext"
        ext.write_text(f"subjectAltName={_san(names)}\nbasicConstraints=CA:FALSE\n"
                       "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
        _openssl("req", "-new", *key_args, "-keyout", str(paths["server.key"]),
                 "-out", str(csr), "-subj", "/CN=Videostore store server")
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(paths["ca.pem"]),
                 "-CAkey", str(paths["ca.key"]), "-CAcreateserial", "-out",
                 str(paths["server.pem"]), "-days", str(SERVER_DAYS), "-extfile", str(ext))
    for name in ("ca.key", "server.key"):
        os.chmod(paths[name], 0o600)
    (directory / "ca.srl").unlink(missing_ok=True)
    return f"TLS certificates made in {directory} for {', '.join(names)}"


def settings_text(directory: Path) -> str:
    d = directory.resolve()
    return (f'[server]\ntls_cert = "{d / "server.pem"}"\ntls_key = "{d / "server.key"}"\n'
            f'tls_ca = "{d / "ca.pem"}"\n')


def enable(directory: Path) -> str:
    """Put the TLS settings in var/videostore.toml, if it has no [server] section yet."""
    text = LOCAL_CONFIG.read_text() if LOCAL_CONFIG.exists() else ""
    if "tls_cert = " in text:
        return f"TLS already on in {LOCAL_CONFIG}"
    if "[server]" in text:
        return (f"{LOCAL_CONFIG} has a [server] section: add these lines to it by hand:\n"
                + settings_text(directory).split("\n", 1)[1])
    LOCAL_CONFIG.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(LOCAL_CONFIG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write("\n# TLS for this checkout, written by `python -m dev.tls make --enable`.\n"
                + settings_text(directory))
    return (f"TLS on in {LOCAL_CONFIG}; restart the store server (make stop, then make run) "
            f"for it to take effect")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m dev.tls",
                                description="Make a shop's CA and store server certificate.")
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="make ca.pem/ca.key and server.pem/server.key in DIR")
    m.add_argument("directory", metavar="DIR", type=Path)
    m.add_argument("--name", action="append", default=[], metavar="NAME",
                   help="another host name or IP address terminals use for the server")
    m.add_argument("--force", action="store_true", help="replace existing files")
    m.add_argument("--enable", action="store_true",
                   help="turn TLS on for this checkout (var/videostore.toml)")
    args = p.parse_args(argv)
    try:
        print(make(args.directory, server_names(args.name), force=args.force))
    except (TlsSetupError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.enable:
        print(enable(args.directory))
    else:
        print("To use them, put in the server's and terminals' config "
              "(db/defaults.toml lists the files):\n" + settings_text(args.directory)
              + "(a terminal needs only tls_ca; the key stays on the server)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
