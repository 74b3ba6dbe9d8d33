"""The terminal's LeaseKeeper against a real store server: renewal while the clerk works,
expiry when they walk away, and locks taken again after the server restarts."""
import threading
import time

import pytest

from store.client import StoreClient
from store.leases import LeaseKeeper
from tests.conftest import STAFF_PASSWORD
from tests.helpers import start_server


class FakeTime:
    """A monotonic clock the test moves: how long the clerk has been away."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clerk(server, people):
    """clk1 logged in through the terminal's own client, with a keeper on a fake clock."""
    client, keeper, idle = logged_in(server.port)
    yield keeper, idle
    keeper.close()
    client.close()


def logged_in(port, username="clk1"):
    client = StoreClient("127.0.0.1", port, timeout_s=5.0)
    client.start()
    assert client.wait_connected(5)
    client.login(username, STAFF_PASSWORD, "till-7")
    idle = FakeTime()
    # Renewals on their own clock only after an hour: the tests renew when they choose.
    keeper = LeaseKeeper(client, ttl_s=30, renew_every_s=3600, clock=idle)
    client.on_resumed = lambda answer: keeper.recheck(answer.get("locks", []))
    return client, keeper, idle


def other_till(server, username="mgr1"):
    c = server.client()
    c.login(username, STAFF_PASSWORD, "till-9")
    return c


def test_an_active_clerks_lock_outlives_its_ttl(server, clerk):
    keeper, _ = clerk
    keeper.acquire("copy:501")
    server.ask("clock.advance", {"seconds": 20})
    assert keeper.renew_now() == []
    server.ask("clock.advance", {"seconds": 20})  # 40 s after taking it: past the first TTL
    with other_till(server) as mgr:
        reply = mgr.ask("lock.acquire", {"resource": "copy:501"})
        assert reply["error"]["code"] == "LOCKED"
        assert reply["error"]["details"]["username"] == "clk1"
        assert reply["error"]["details"]["terminal"] == "till-7"


def test_a_clerk_who_walks_away_stops_blocking_the_copy(server, clerk):
    keeper, idle = clerk
    keeper.acquire("copy:502")
    idle.now += 121  # two minutes without a key
    assert keeper.renew_now() == []  # nothing renewed ...
    server.ask("clock.advance", {"seconds": 31})
    with other_till(server) as mgr:  # ... so the lease ran out and the copy is free
        assert mgr.result("lock.acquire", {"resource": "copy:502"})["username"] == "mgr1"


def test_a_lease_that_ran_out_is_reported_lost(server, clerk):
    keeper, _ = clerk
    lost = []
    keeper.on_lost = lambda resource, why: lost.append((resource, why))
    keeper.acquire("copy:503")
    server.ask("clock.advance", {"seconds": 31})
    assert keeper.renew_now() == ["copy:503"]
    assert lost == [("copy:503", "it expired")]
    assert keeper.held() == []


def test_holding_takes_all_or_none_and_gives_them_back(server, clerk):
    keeper, _ = clerk
    with other_till(server) as mgr:
        mgr.result("lock.acquire", {"resource": "copy:505"})
        with pytest.raises(Exception) as refused:
            with keeper.holding("customer:5", "copy:505"):
                pass
        assert refused.value.code == "LOCKED"
        assert keeper.held() == []  # customer:5 was given back when copy:505 was refused
        assert mgr.result("lock.acquire", {"resource": "customer:5"})["granted"]
        mgr.result("lock.release", {"resource": "customer:5"})
        mgr.result("lock.release", {"resource": "copy:505"})
        with keeper.holding("customer:5", "copy:505"):
            assert keeper.held() == ["copy:505", "customer:5"]
            assert mgr.error("lock.acquire", {"resource": "customer:5"}) == "LOCKED"
        assert keeper.held() == []
        # The release is sent without waiting for its answer; a request after it on the
        # same connection is answered only once the server has done the release.
        keeper.client.request("ping")
        assert mgr.result("lock.acquire", {"resource": "customer:5"})["granted"]


def test_a_lock_another_till_took_during_an_outage_is_reported_with_its_holder(server, clerk):
    keeper, _ = clerk
    told = threading.Event()
    lost = []
    keeper.on_lost = lambda resource, why: (lost.append((resource, why)), told.set())
    keeper.acquire("copy:504")
    server.ask("clock.advance", {"seconds": 31})  # the lease runs out while we are away ...
    with other_till(server) as mgr:
        mgr.result("lock.acquire", {"resource": "copy:504"})  # ... and mgr1 takes the copy
        keeper.recheck([])  # what a resume answer without copy:504 makes the keeper do
        assert told.wait(10), "the keeper never said the lock was lost"
    assert lost == [("copy:504", "while the store server was out of reach it went to mgr1")]
    assert keeper.held() == []


def test_after_a_server_restart_the_terminal_takes_its_locks_again(demo_db, people, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name)
    port = srv.port
    client, keeper, _ = logged_in(port)
    try:
        keeper.acquire("copy:506")
        srv.kill()  # the server forgets every lock
        srv = start_server(tmp_path, demo_db.db.name, port=port)
        assert client.wait_connected(10)
        deadline = time.monotonic() + 10
        while [x["resource"] for x in client.request("lock.list")["locks"]] != ["copy:506"]:
            assert time.monotonic() < deadline, "the lock was never taken again"
            time.sleep(0.05)
        assert keeper.held() == ["copy:506"]
        with other_till(srv) as mgr:
            assert mgr.error("lock.acquire", {"resource": "copy:506"}) == "LOCKED"
    finally:
        keeper.close()
        client.close()
        srv.stop()
