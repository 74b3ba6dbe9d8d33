"""TLS between terminals and the store server: real servers (`server.py --tls-cert --tls-key`)
on real sockets, certificates made by `python -m dev.tls make` as a shop makes them."""
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
import tomllib

import pytest

from db.settings import DEFAULTS_FILE, load_settings
from dev import tls as dev_tls
from store import tls as store_tls
from store.client import LinkState, StoreClient
from store.errors import ServerUnavailable
from tests.conftest import ADMIN_PASSWORD
from tests.helpers import ROOT, LineClient, start_server
from tests.tmux import Tmux


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """The shop's CA and server certificate, and another shop's CA."""
    made = {}
    for shop in ("ours", "theirs"):
        directory = tmp_path_factory.mktemp(f"tls-{shop}")
        done = subprocess.run([sys.executable, "-m", "dev.tls", "make", str(directory)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "TLS certificates made in" in done.stdout
        made[shop] = directory
    return made


def tls_args(directory):
    return "--tls-cert", str(directory / "server.pem"), "--tls-key", str(directory / "server.key")


@pytest.fixture
def tls_server(demo_db, tmp_path, certs):
    srv = start_server(tmp_path, demo_db.db.name, *tls_args(certs["ours"]))
    yield srv
    srv.stop()


def terminal_link(host, port, ca=None):
    client = StoreClient(host, port, timeout_s=3.0, tls_ca=str(ca) if ca else "")
    client.start()
    return client


def wait_for_error(client, timeout_s=10.0):
    """The link's one-line reason once an attempt has failed."""
    deadline = time.monotonic() + timeout_s
    while not client.last_error:
        assert time.monotonic() < deadline, f"no error within {timeout_s} s ({client.state})"
        time.sleep(0.01)
    return client.last_error


def python_tls(ca):
    return ssl.create_default_context(cafile=str(ca))


def assert_no_traceback(server):
    assert "Traceback" not in server.log(), server.log()


def test_a_terminal_trusting_the_shop_ca_logs_in_and_works(tls_server, certs):
    client = terminal_link("127.0.0.1", tls_server.port, certs["ours"] / "ca.pem")
    try:
        assert client.wait_connected(10), client.last_error
        client.login("admin", ADMIN_PASSWORD, "till-tls")
        who = client.request("whoami")
        assert who["user"]["username"] == "admin" and who["terminal"] == "till-tls"
        assert client.request("ping") == {"pong": True}
    finally:
        client.close()
    assert "TLS on: certificate" in tls_server.log()
    assert_no_traceback(tls_server)


def test_the_certificate_names_localhost_too(tls_server, certs):
    client = terminal_link("localhost", tls_server.port, certs["ours"] / "ca.pem")
    try:
        assert client.wait_connected(10), client.last_error
    finally:
        client.close()


def test_pipelined_requests_and_a_line_at_the_limit_cross_tls_whole_and_in_order(tls_server, certs):
    with LineClient(tls_server.host, tls_server.port, tls=python_tls(certs["ours"] / "ca.pem")) as c:
        c.send_raw(b"".join(b'{"id":%d,"op":"ping"}\n' % i for i in range(1, 301)))
        assert [c.recv()["id"] for _ in range(300)] == list(range(1, 301))
        head, tail = b'{"id":"big","op":"ping","args":{"x":"', b'"}}'
        c.send_raw(head + b"a" * (65536 - len(head) - len(tail)) + tail + b"\n")
        assert c.recv() == {"id": "big", "ok": True, "result": {"pong": True}}


def test_a_tls_client_that_sends_without_reading_harms_no_one_and_loses_nothing(tls_server,
                                                                               certs):
    """Replies pile up in the server's TLS records and its plaintext queue (back-pressure),
    then every one arrives, in order. Our own channel: Python's SSLSocket may not be used
    by the sending and the reading thread at once."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(60)
    raw.connect((tls_server.host, tls_server.port))
    flood = store_tls.connect(raw, str(certs["ours"] / "ca.pem"), tls_server.host)
    count = 150000  # about 7 MB of replies: past the 4 MiB after which the server stops reading
    batch = b"".join(b'{"id":%d,"op":"ping"}\n' % i for i in range(1, count + 1))
    sender = threading.Thread(target=flood.sendall, args=(batch,))  # blocks: nobody reads
    sender.start()
    try:
        with LineClient(tls_server.host, tls_server.port,
                        tls=python_tls(certs["ours"] / "ca.pem")) as other:
            for _ in range(20):
                assert other.ask("time")["ok"]
        stream = flood.makefile("rb")
        ids = [json.loads(stream.readline())["id"] for _ in range(count)]
        assert ids == list(range(1, count + 1))
    finally:
        sender.join(60)
        flood.close()


def test_a_plain_client_is_told_tls_is_required_and_others_go_on_being_served(tls_server, certs,
                                                                             reliability):
    stalled = socket.create_connection((tls_server.host, tls_server.port))
    stalled.sendall(b"\x16\x03\x01\x02")  # a handshake that never goes on
    try:
        with socket.create_connection((tls_server.host, tls_server.port), timeout=10) as plain:
            plain.sendall(b'{"id":1,"op":"time"}\n')
            stream = plain.makefile("rb")
            assert b'"code":"TLS_REQUIRED"' in stream.readline()
            assert stream.readline() == b""  # then closed
        with LineClient(tls_server.host, tls_server.port,
                        tls=python_tls(certs["ours"] / "ca.pem")) as c:
            assert c.ask("time")["ok"]
    finally:
        stalled.close()
    log = tls_server.log()
    assert log.count("does not speak TLS") == 1, log
    assert_no_traceback(tls_server)
    reliability.add("TLS", "plain clients refused (TLS_REQUIRED)")


def test_a_plain_terminal_at_a_tls_server_says_tls_is_required_and_keeps_trying(tls_server,
                                                                                reliability):
    states = []
    client = StoreClient("127.0.0.1", tls_server.port, timeout_s=3.0, on_state=states.append)
    client.start()
    try:
        assert "speaks only TLS" in wait_for_error(client)
        with pytest.raises(ServerUnavailable, match="speaks only TLS"):
            client.request("ping")
        deadline = time.monotonic() + 10
        while LinkState.RECONNECTING not in states:
            assert time.monotonic() < deadline, states
            time.sleep(0.01)
    finally:
        client.close()
    assert_no_traceback(tls_server)
    reliability.add("TLS", "plain terminals told the server speaks only TLS")


def test_a_terminal_with_another_shops_ca_is_refused_then_connects_once_given_ours(tls_server,
                                                                                   certs,
                                                                                   reliability):
    client = terminal_link("127.0.0.1", tls_server.port, certs["theirs"] / "ca.pem")
    try:
        error = wait_for_error(client)
        assert error.startswith("TLS: the store server's certificate is not trusted"), error
        assert "\n" not in error
        with pytest.raises(ServerUnavailable, match="certificate is not trusted"):
            client.request("ping")
        client.tls_ca = str(certs["ours"] / "ca.pem")  # the next attempt uses the fixed file
        assert client.wait_connected(10), client.last_error
    finally:
        client.close()
    assert "TLS handshake failed (TLSV1_ALERT_UNKNOWN_CA)" in tls_server.log()
    assert_no_traceback(tls_server)
    reliability.add("TLS", "certificates of another CA refused")


def test_the_clerk_terminal_says_why_tls_fails_then_works_with_the_shop_ca(demo_db, tls_server,
                                                                          certs, people):
    env = {"VIDEOSTORE_DB_NAME": demo_db.db.name, "VIDEOSTORE_SERVER": tls_server.address}
    term = Tmux(env={**env, "VIDEOSTORE_SERVER_TLS_CA": str(certs["theirs"] / "ca.pem")})
    try:
        screen = term.wait_for("certificate is not")
        assert "Traceback" not in screen
        term.wait_for("Username:")
    finally:
        term.close()
    term = Tmux("--tls-ca", str(certs["ours"] / "ca.pem"), env=env)
    try:
        term.wait_for("Username:")
        term.type("clk1")
        term.send("Enter")
        term.wait_for("Password:")
        term.type(people["clk1"])
        term.send("Enter")
        term.wait_for("Logged in as")
        term.wait_for("link: connected")
        term.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()


def test_the_certificate_must_name_the_address_the_terminal_connects_to(demo_db, tmp_path, certs,
                                                                       reliability):
    srv = start_server(tmp_path, demo_db.db.name, "--host", "127.0.0.2", *tls_args(certs["ours"]))
    client = terminal_link("127.0.0.2", srv.port, certs["ours"] / "ca.pem")
    try:
        error = wait_for_error(client)
        assert "not trusted" in error and "127.0.0.2" in error, error
    finally:
        client.close()
        srv.stop()
    reliability.add("TLS", "certificates not naming the address refused")


def test_a_tls_terminal_at_a_plain_server_fails_clearly_and_at_once(server, certs, reliability):
    started = time.monotonic()
    client = terminal_link("127.0.0.1", server.port, certs["ours"] / "ca.pem")
    try:
        error = wait_for_error(client)
        assert time.monotonic() - started < 2.0  # not left waiting for a handshake
        assert error.startswith("TLS: the store server answered in plain text"), error
    finally:
        client.close()
    assert "it speaks TLS, and this server does not" in server.log()
    assert server.ask("ping")["ok"]
    assert_no_traceback(server)
    reliability.add("TLS", "TLS terminals at a plain server told so")


def test_the_server_refuses_tls_settings_it_cannot_use(demo_db, tmp_path, certs, reliability):
    def run(*args):
        return subprocess.run([sys.executable, str(ROOT / "server.py"), "--port", "0",
                               "--db-name", demo_db.db.name, *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    alone = run("--tls-cert", str(certs["ours"] / "server.pem"))
    assert alone.returncode == 2 and "needs both" in alone.stderr, alone.stderr
    missing = run("--tls-cert", str(tmp_path / "nope.pem"), "--tls-key", str(tmp_path / "k"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr, missing.stderr
    mismatched = run("--tls-cert", str(certs["ours"] / "server.pem"),
                     "--tls-key", str(certs["theirs"] / "server.key"))
    assert mismatched.returncode == 2 and "not a PEM certificate and its key" in mismatched.stderr
    for done in (alone, missing, mismatched):
        assert "Traceback" not in done.stderr
    reliability.add("TLS", "unusable TLS settings refused at start (exit 2)", 3)


def test_tls_is_off_by_default_and_the_terminal_ca_comes_from_the_environment():
    with DEFAULTS_FILE.open("rb") as f:
        server = tomllib.load(f)["server"]
    assert (server["tls_cert"], server["tls_key"], server["tls_ca"]) == ("", "", "")
    settings = load_settings(env={"VIDEOSTORE_SERVER_TLS_CA": "/etc/videostore/ca.pem"})
    assert settings.server.tls_ca == "/etc/videostore/ca.pem"


def test_enable_writes_the_settings_once_into_the_checkout_config(tmp_path, monkeypatch):
    config = tmp_path / "videostore.toml"
    config.write_text('[db]\nport = 3406\n')
    monkeypatch.setattr(dev_tls, "LOCAL_CONFIG", config)
    assert dev_tls.enable(tmp_path / "tls").startswith("TLS on in")
    assert dev_tls.enable(tmp_path / "tls").startswith("TLS already on")
    settings = load_settings(env={"VIDEOSTORE_CONFIG": str(config)})
    assert settings.server.tls_ca == str((tmp_path / "tls" / "ca.pem").resolve())
    assert settings.server.tls_key.endswith("server.key")
