"""Lock leases through the real server: contention, expiry, reconnects, logout, many clients."""
import threading

from tests.conftest import STAFF_PASSWORD, make_staff, unique_username


def test_a_second_session_is_told_who_holds_the_lock(server, people):
    with server.client() as ana, server.client() as ben:
        ana.login("clk1", STAFF_PASSWORD, terminal="till-2")
        ben.login("mgr1", STAFF_PASSWORD, terminal="till-5")
        granted = ana.result("lock.acquire", {"resource": "copy:4411", "ttl_s": 30})
        assert granted["granted"] is True and "expires_at" in granted
        refused = ben.ask("lock.acquire", {"resource": "copy:4411"})
        assert refused["error"]["code"] == "LOCKED"
        holder = refused["error"]["details"]
        assert (holder["username"], holder["terminal"]) == ("clk1", "till-2")
        assert holder["since"] == granted["since"]
        assert ana.result("lock.acquire", {"resource": "copy:4411"})["granted"]  # re-entrant
        assert ana.result("lock.release", {"resource": "copy:4411"}) == {"released": True}
        assert ben.result("lock.acquire", {"resource": "copy:4411"})["username"] == "mgr1"


def test_an_expired_lease_frees_the_lock(server, people):
    with server.client() as ana, server.client() as ben:
        ana.login("clk1", STAFF_PASSWORD)
        ben.login("mgr1", STAFF_PASSWORD)
        ana.result("lock.acquire", {"resource": "customer:12", "ttl_s": 30})
        server.ask("clock.advance", {"seconds": 29})
        assert ben.error("lock.acquire", {"resource": "customer:12"}) == "LOCKED"
        server.ask("clock.advance", {"seconds": 2})
        assert ben.result("lock.acquire", {"resource": "customer:12"})["username"] == "mgr1"
        assert ana.error("lock.renew", {"resource": "customer:12"}) == "NOT_FOUND"


def test_renewing_keeps_the_lease(server, people):
    with server.client() as ana, server.client() as ben:
        ana.login("clk1", STAFF_PASSWORD)
        ben.login("mgr1", STAFF_PASSWORD)
        ana.result("lock.acquire", {"resource": "title:3", "ttl_s": 10})
        for _ in range(3):
            server.ask("clock.advance", {"seconds": 8})
            ana.result("lock.renew", {"resource": "title:3", "ttl_s": 10})
        assert ben.error("lock.acquire", {"resource": "title:3"}) == "LOCKED"


def test_a_dropped_connection_keeps_its_locks_for_the_reconnect(server, people):
    with server.client() as ana:
        token = ana.login("clk1", STAFF_PASSWORD)["token"]
        ana.result("lock.acquire", {"resource": "copy:99", "ttl_s": 60})
    with server.client() as ben:  # ana's connection is gone; her lock is not
        ben.login("mgr1", STAFF_PASSWORD)
        assert ben.error("lock.acquire", {"resource": "copy:99"}) == "LOCKED"
    with server.client() as ana_again:
        resumed = ana_again.result("resume", {"token": token})
        assert [lock["resource"] for lock in resumed["locks"]] == ["copy:99"]
        assert ana_again.result("lock.renew", {"resource": "copy:99"})["renewed"]


def test_logout_and_bye_release_locks_at_once(server, people):
    with server.client() as ana, server.client() as ben:
        ana.login("clk1", STAFF_PASSWORD)
        ben.login("mgr1", STAFF_PASSWORD)
        ana.result("lock.acquire", {"resource": "copy:5"})
        ana.result("lock.acquire", {"resource": "copy:6"})
        assert ana.result("logout")["locks_released"] == 2
        ben.result("lock.acquire", {"resource": "copy:5"})
        ben.result("bye")
    with server.client() as ana:
        ana.login("clk1", STAFF_PASSWORD)
        ana.result("lock.acquire", {"resource": "copy:5"})


def test_bad_lock_requests_are_bad_requests(server, people):
    with server.client() as c:
        c.login("clk1", STAFF_PASSWORD)
        for args in ({"resource": "shelf:1"}, {"resource": "copy:1", "ttl_s": 0},
                     {"resource": "copy:1", "ttl_s": 301}, {"resource": "copy:1", "ttl_s": "30"},
                     {}):
            assert c.error("lock.acquire", args) == "BAD_REQUEST", args
        assert c.result("lock.release", {"resource": "copy:1"}) == {"released": False}


def test_lock_list_shows_clerks_their_own_and_managers_their_store(server, people):
    with server.client() as c1, server.client() as c2, server.client() as m1, server.client() as m2:
        c1.login("clk1", STAFF_PASSWORD)
        c2.login("clk2", STAFF_PASSWORD)
        m1.login("mgr1", STAFF_PASSWORD)
        m2.login("mgr2", STAFF_PASSWORD)
        c1.result("lock.acquire", {"resource": "copy:1001"})
        c2.result("lock.acquire", {"resource": "copy:2002"})
        m1.result("lock.acquire", {"resource": "copy:1003"})

        def listed(client):
            return sorted(lock["resource"] for lock in client.result("lock.list")["locks"])
        assert listed(c1) == ["copy:1001"]
        assert listed(m1) == ["copy:1001", "copy:1003"]
        assert listed(m2) == ["copy:2002"]


def test_two_hundred_clients_never_see_one_lock_granted_to_two_sessions(server, demo_db):
    names = [unique_username("many") for _ in range(200)]
    for name in names:
        make_staff(demo_db, name)
    clients = [server.client() for _ in names]
    holders: dict[str, str] = {}
    guard = threading.Lock()
    violations, grants, errors = [], [], []
    start = threading.Barrier(len(clients), timeout=60)

    def work(client, name):
        try:
            client.login(name, STAFF_PASSWORD)
            start.wait()
            for round_ in range(20):
                resource = f"copy:{1 + round_ % 5}"
                reply = client.ask("lock.acquire", {"resource": resource, "ttl_s": 60})
                if not reply["ok"]:
                    assert reply["error"]["code"] == "LOCKED", reply
                    continue
                with guard:
                    if holders.get(resource) not in (None, name):
                        violations.append((resource, holders[resource], name))
                    holders[resource] = name
                    grants.append(resource)
                with guard:  # give it up: forget it here before the server frees it
                    del holders[resource]
                assert client.result("lock.release", {"resource": resource})["released"]
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(c, n)) for c, n in zip(clients, names, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for c in clients:
        c.close()
    assert errors == []
    assert violations == []
    assert len(grants) >= 5  # the test did exercise the locks


def test_several_locks_are_taken_all_or_none_with_the_servers_time(server, people):
    with server.client() as a, server.client() as b:
        a.login("clk1", STAFF_PASSWORD, "till-1")
        b.login("mgr1", STAFF_PASSWORD, "till-2")
        b.result("lock.acquire", {"resource": "copy:77"})
        reply = a.ask("lock.acquire", {"resources": ["customer:7", "copy:77"]})
        assert reply["error"]["code"] == "LOCKED" and reply["error"]["details"]["username"] == "mgr1"
        assert a.result("lock.list")["locks"] == []  # none: not even customer:7
        b.result("lock.release", {"resource": "copy:77"})
        grant = a.result("lock.acquire", {"resources": ["customer:7", "copy:77"]})
        assert [x["resource"] for x in grant["locks"]] == ["customer:7", "copy:77"]
        assert abs(grant["now"]["epoch_ms"] - b.result("time")["epoch_ms"]) < 5000
        assert a.error("lock.acquire", {"resources": ["copy:1", "copy:1"]}) == "BAD_REQUEST"
        assert a.error("lock.acquire", {"resources": []}) == "BAD_REQUEST"


def test_a_release_can_tell_the_other_tills_what_changed(server, people):
    with server.client() as a, server.client() as b:
        a.login("clk1", STAFF_PASSWORD, "till-1")
        b.login("mgr1", STAFF_PASSWORD, "till-2")
        b.result("subscribe", {"topics": ["inventory"]})
        a.result("lock.acquire", {"resources": ["customer:8", "copy:88"]})
        assert a.error("lock.release", {"resources": ["customer:8", "copy:88"], "announce": [
            {"event": "session.ended", "data": {}}]}) == "BAD_REQUEST"
        assert len(a.result("lock.list")["locks"]) == 2  # a refused release frees nothing
        done = a.result("lock.release", {"resources": ["customer:8", "copy:88"], "announce": [
            {"event": "copy.hired", "data": {"copy_id": 88, "customer_id": 8}}]})
        assert done == {"released": 2}
        assert b.next_event() == {"event": "copy.hired", "data": {
            "copy_id": 88, "customer_id": 8, "by": {"username": "clk1", "terminal": "till-1"}}}
