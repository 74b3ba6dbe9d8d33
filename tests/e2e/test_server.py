"""The real store server, started as `python server.py`, spoken to over real sockets."""
import json
import socket
import struct
import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.helpers import start_server


def utc_of(reply):
    return datetime.fromisoformat(reply["result"]["utc"].replace("Z", "+00:00"))


def test_time_is_the_server_clock_in_iso_utc_and_epoch_ms(server):
    reply = server.ask("time")
    assert reply["ok"] is True
    moment = utc_of(reply)
    assert abs(moment - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert abs(reply["result"]["epoch_ms"] / 1000 - moment.timestamp()) < 0.002


def test_hello_and_ping_answer_and_replies_carry_the_request_id(server):
    with server.client() as c:
        hello = c.ask("hello")
        assert hello["result"]["server"] == "videostore" and hello["result"]["protocol"] == 1
        c.send_raw(b'{"id": "abc", "op": "ping"}\n')
        assert c.recv() == {"id": "abc", "ok": True, "result": {"pong": True}}


def test_status_reports_connections_sessions_and_a_reachable_database(server):
    with server.client() as a, server.client() as b:
        b.ask("ping")
        a.login("admin", ADMIN_PASSWORD)
        status = a.result("status")
    assert status["connections"] >= 2 and status["sessions"] >= 1
    assert status["database"] == "ok"
    assert status["test_clock"] is True


def test_fifty_concurrent_connections_all_get_time_and_ping(server):
    clients = [server.client() for _ in range(50)]
    replies, errors = [], []
    start = threading.Barrier(50, timeout=20)

    def talk(c):
        try:
            start.wait()
            replies.append((c.ask("time")["ok"], c.ask("ping")["result"]))
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=talk, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with server.client() as admin:
        admin.login("admin", ADMIN_PASSWORD)
        connections = admin.result("status")["connections"]
    for c in clients:
        c.close()
    assert errors == []
    assert replies == [(True, {"pong": True})] * 50
    assert connections >= 51


def test_bad_json_is_answered_and_the_connection_keeps_working(server):
    with server.client() as c:
        c.send_raw(b"this is not json\n")
        bad = c.recv()
        assert bad["ok"] is False and bad["error"]["code"] == "BAD_JSON"
        c.send_raw(b'{"id": 9, "op": 12}\n')
        assert c.recv()["error"]["code"] == "BAD_REQUEST"
        c.send_raw(b"\xff\xfe\xfd\n")
        assert c.recv()["error"]["code"] == "BAD_JSON"
        assert c.ask("ping")["result"] == {"pong": True}


def test_an_unknown_op_is_unknown_op_with_the_list_of_ops(server):
    with server.client() as c:
        reply = c.ask("hire.everything")
        assert reply["error"]["code"] == "UNKNOWN_OP"
        assert "time" in reply["error"]["details"]["ops"]
        assert c.ask("ping")["ok"]


def test_an_over_long_line_is_refused_then_the_connection_closed(server):
    with server.client() as c:
        c.send_raw(b'{"id":1,"op":"ping","args":{"x":"' + b"a" * 70000 + b'"}}\n')
        reply = c.recv()
        assert reply["error"]["code"] == "TOO_LARGE"
        assert c.recv() is None  # closed by the server
    assert server.ask("ping")["ok"]  # and the server is fine


def test_a_line_of_exactly_the_limit_is_accepted(server):
    with server.client() as c:
        head, tail = b'{"id":1,"op":"ping","args":{"x":"', b'"}}'
        c.send_raw(head + b"a" * (65536 - len(head) - len(tail)) + tail + b"\n")
        assert c.recv()["ok"] is True


def test_an_abrupt_disconnect_harms_no_one(server):
    rude = socket.create_connection((server.host, server.port))
    rude.sendall(b'{"id":1,"op":"ti')
    rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    rude.close()  # RST, mid-line
    with server.client() as c:
        assert c.ask("time")["ok"]
        assert c.ask("ping")["ok"]


def test_bye_answers_then_closes(server):
    with server.client() as c:
        assert c.ask("bye")["result"] == {"bye": True}
        assert c.recv() is None


def test_clock_advance_moves_the_test_clock_forward(server):
    before = utc_of(server.ask("time"))
    moved = server.ask("clock.advance", {"seconds": 10 * 86400})
    assert moved["ok"], moved
    after = utc_of(server.ask("time"))
    assert timedelta(days=10) <= after - before < timedelta(days=10, minutes=1)
    refused = server.ask("clock.advance", {"seconds": -60})
    assert refused["error"]["code"] == "BAD_REQUEST"


def test_clock_advance_is_forbidden_without_test_clock(plain_server):
    reply = plain_server.ask("clock.advance", {"seconds": 3600})
    assert reply["ok"] is False and reply["error"]["code"] == "FORBIDDEN"
    assert plain_server.ask("hello")["result"]["test_clock"] is False


def test_sigterm_shuts_down_promptly_with_idle_clients_connected(demo_db, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name)
    idle = [srv.client() for _ in range(5)]
    for c in idle:
        c.ask("ping")  # accepted and answered: from here on each one is just idle
    srv.signal()
    assert srv.proc.wait(10) == 0
    assert all(c.recv() is None for c in idle)  # each idle client saw the connection end
    for c in idle:
        c.close()
    assert "stopped; 5 client connections closed" in srv.log()


def test_a_second_server_on_a_taken_port_says_so_clearly(server, demo_db, tmp_path):
    with pytest.raises(AssertionError) as e:
        start_server(tmp_path, demo_db.db.name, port=server.port)
    assert "already in use" in str(e.value) and "Traceback" not in str(e.value)


def test_the_server_reports_an_unreachable_database_and_still_tells_the_time(tmp_path, demo_db):
    import os
    os.environ["VIDEOSTORE_DB_PORT"] = "1"
    try:
        srv = start_server(tmp_path, demo_db.db.name)
    finally:
        del os.environ["VIDEOSTORE_DB_PORT"]
    try:
        assert srv.ask("time")["ok"]
        with srv.client() as c:
            assert c.error("login", {"username": "admin", "password": ADMIN_PASSWORD}) == "DB_UNAVAILABLE"
            assert c.ask("ping")["ok"]  # and the connection carries on
    finally:
        srv.stop()


def test_pipelined_requests_are_answered_in_order_even_around_a_slow_one(server, people):
    with server.client() as c:
        lines = [{"id": 1, "op": "ping"},
                 {"id": 2, "op": "login", "args": {"username": "clk1", "password": "wrong-pw"}},
                 {"id": 3, "op": "time"},
                 {"id": 4, "op": "login", "args": {"username": "clk1",
                                                   "password": STAFF_PASSWORD}},
                 {"id": 5, "op": "whoami"}, {"id": 6, "op": "nonsense"}]
        c.send_raw(b"".join(json.dumps(x).encode() + b"\n" for x in lines))
        replies = [c.recv() for _ in lines]
        assert [r["id"] for r in replies] == [1, 2, 3, 4, 5, 6]
        assert [r["ok"] for r in replies] == [True, False, True, True, True, False]
        assert replies[4]["result"]["user"]["username"] == "clk1"  # after the login, in order


def test_a_client_that_sends_without_reading_harms_no_one_and_loses_nothing(server):
    flood = server.client(receive_buffer=4096)
    count = 150000  # about 7 MB of replies: past the 4 MiB after which the server stops reading
    batch = b"".join(b'{"id":%d,"op":"ping"}\n' % i for i in range(1, count + 1))
    sender = threading.Thread(target=flood.send_raw, args=(batch,))  # blocks: nobody reads
    sender.start()
    try:
        with server.client() as other:  # meanwhile others are answered at once
            for _ in range(20):
                assert other.ask("time")["ok"]
        ids = [flood.recv()["id"] for _ in range(count)]  # now read: every reply, in order
        assert ids == list(range(1, count + 1))
    finally:
        sender.join(30)
        flood.close()


def test_a_client_that_stops_sending_still_gets_its_answers(server):
    with socket.create_connection((server.host, server.port)) as s:
        s.sendall(b'{"id":1,"op":"ping"}\n{"id":2,"op":"time"}\n')
        s.shutdown(socket.SHUT_WR)  # says it will send no more, as `nc -N` does
        lines = s.makefile("rb").read().splitlines()
    assert [json.loads(x)["id"] for x in lines] == [1, 2]


def test_the_test_clock_stops_a_century_ahead_and_keeps_working(server):
    refusals = 0
    for _ in range(12):
        reply = server.ask("clock.advance", {"seconds": 10 * 366 * 86400})
        refusals += not reply["ok"]
    assert refusals >= 2  # 100 years, then BAD_REQUEST
    assert server.ask("time")["ok"] and server.ask("hello")["ok"]
