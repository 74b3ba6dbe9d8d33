"""The terminal's StoreClient against a real server that goes away and comes back."""
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest

from store.client import LinkState, StoreClient
from store.errors import ServerUnavailable, StoreError
from tests.helpers import start_server


@pytest.fixture
def states():
    return []


def make_client(port, states):
    client = StoreClient("127.0.0.1", port, timeout_s=2.0, on_state=states.append)
    client.start()
    return client


def wait_for_state(client, wanted, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while client.state is not wanted:
        assert time.monotonic() < deadline, f"state stayed {client.state}, wanted {wanted}"
        time.sleep(0.01)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_client_connects_and_knows_the_server_clock(server, states):
    client = make_client(server.port, states)
    try:
        assert client.wait_connected(5)
        assert states[:3] == [LinkState.CONNECTING, LinkState.AUTHENTICATING, LinkState.CONNECTED]
        assert client.request("ping") == {"pong": True}
        server.ask("clock.advance", {"seconds": 86400})
        utc = client.request("time")["utc"]
        assert datetime.fromisoformat(utc.replace("Z", "+00:00")) - datetime.now(timezone.utc) > timedelta(hours=23)
    finally:
        client.close()
    assert client.state is LinkState.DISCONNECTED


def test_an_error_reply_is_raised_as_its_store_error(server, states):
    client = make_client(server.port, states)
    try:
        assert client.wait_connected(5)
        with pytest.raises(StoreError) as e:
            client.request("no.such.op")
        assert e.value.code == "UNKNOWN_OP"
        assert client.request("ping") == {"pong": True}
    finally:
        client.close()


def test_with_no_server_requests_fail_at_once_with_the_address(states):
    port = free_port()
    client = make_client(port, states)
    try:
        wait_for_state(client, LinkState.DOWN)
        started = time.monotonic()
        with pytest.raises(ServerUnavailable, match=f"127.0.0.1:{port}"):
            client.request("time")
        assert time.monotonic() - started < 0.5
        assert client.server_now() is None
    finally:
        client.close()


def test_the_client_reconnects_after_the_server_is_killed_and_restarted(demo_db, tmp_path, states):
    srv = start_server(tmp_path, demo_db.db.name)
    port = srv.port
    client = make_client(port, states)
    try:
        assert client.wait_connected(5)
        srv.kill()
        wait_for_state(client, LinkState.DOWN)
        with pytest.raises(ServerUnavailable):
            client.request("ping")
        srv = start_server(tmp_path, demo_db.db.name, port=port)
        back = time.monotonic()
        assert client.wait_connected(5)
        assert time.monotonic() - back < 2.5  # backoff is capped near 2 s
        assert client.request("ping") == {"pong": True}
        assert LinkState.RECONNECTING in states and states[-1] is LinkState.CONNECTED
    finally:
        client.close()
        srv.stop()
