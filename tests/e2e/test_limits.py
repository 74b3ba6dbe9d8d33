"""Server limits, so one client never affects another: connections, idle, request rate."""
import resource
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import STAFF_PASSWORD
from tests.helpers import start_server


@pytest.fixture
def limited(demo_db, tmp_path):
    def start(**limits):
        env = {f"VIDEOSTORE_SERVER_{k.upper()}": str(v) for k, v in limits.items()}
        srv = start_server(tmp_path, demo_db.db.name, env=env)
        started.append(srv)
        return srv
    started = []
    yield start
    for srv in started:
        srv.stop()


def test_connections_beyond_the_maximum_are_told_busy(limited):
    srv = limited(max_connections=3)
    held = [srv.client() for _ in range(3)]
    for c in held:
        assert c.ask("ping")["ok"]
    with srv.client() as extra:
        reply = extra.recv()
        assert reply["error"]["code"] == "BUSY" and extra.recv() is None
    held.pop().close()
    deadline = time.monotonic() + 10
    while True:  # the server frees the slot once it has seen the close
        with srv.client() as again:
            again.send("ping")
            reply = again.recv()
            if reply and reply.get("ok"):
                break
        assert time.monotonic() < deadline, "the freed slot never came back"
        time.sleep(0.05)
    for c in held:
        c.close()
    assert "refusing" in srv.log()


def test_a_connection_that_never_logs_in_is_closed_when_idle(limited, people):
    srv = limited(unauth_idle_s=0.5)
    with srv.client() as idle, srv.client() as clerk:
        clerk.login("clk1", STAFF_PASSWORD)
        started = time.monotonic()
        reply = idle.recv()
        assert reply["error"]["code"] == "TIMEOUT" and idle.recv() is None
        assert time.monotonic() - started >= 0.4
        time.sleep(1.0)  # longer than the idle limit: a logged-in connection may idle
        assert clerk.result("whoami")["user"]["username"] == "clk1"


def test_a_connection_over_its_request_rate_is_refused_without_harm(limited):
    srv = limited(requests_per_s=5, request_burst=5)
    with srv.client() as fast, srv.client() as other:
        for _ in range(30):
            fast.send("ping")
        replies = [fast.recv() for _ in range(30)]
        refused = [r for r in replies if not r["ok"]]
        assert len(refused) >= 15
        assert {r["error"]["code"] for r in refused} == {"RATE_LIMITED"}
        assert [r["id"] for r in replies] == list(range(1, 31))  # every request answered, in order
        assert other.ask("ping")["ok"]  # other connections are not affected
        time.sleep(0.5)
        assert fast.ask("ping")["ok"]  # and the fast one recovers


def test_empty_lines_do_not_keep_a_connection_without_a_session_open(limited):
    srv = limited(unauth_idle_s=1)
    with srv.client() as idle:
        replies = []
        reader = threading.Thread(target=lambda: replies.append(idle.recv()))
        reader.start()
        deadline = time.monotonic() + 6
        while reader.is_alive() and time.monotonic() < deadline:
            try:
                idle.send_raw(b"\n")  # an empty line: no request, so no activity
            except OSError:
                break  # closed under us: the reader has (or gets) the answer
            reader.join(0.3)
        reader.join(5)
        assert replies and replies[0]["error"]["code"] == "TIMEOUT"


def test_one_address_cannot_take_every_connection(limited):
    srv = limited(max_per_address=3)
    held = [srv.client() for _ in range(3)]
    for c in held:
        assert c.ask("ping")["ok"]
    with srv.client() as extra:
        reply = extra.recv()
        assert reply["error"]["code"] == "BUSY"
        assert "from your address" in reply["error"]["message"]
    for c in held:
        c.close()
    assert "connections from that address already" in srv.log()


@contextmanager
def soft_file_limit(soft: int):
    """Our own soft RLIMIT_NOFILE lowered, so a server started inside inherits it."""
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, before[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, before)


def open_files_limit(pid: int) -> tuple[int, int]:
    """The soft and hard 'Max open files' of a running process."""
    line = next(x for x in Path(f"/proc/{pid}/limits").read_text().splitlines()
                if x.startswith("Max open files"))
    soft, hard = line.split()[3:5]
    return int(soft), int(hard)


def test_the_server_raises_its_file_limit_to_what_max_connections_needs(limited):
    with soft_file_limit(256):
        srv = limited(max_connections=600, max_per_address=600)
    assert open_files_limit(srv.proc.pid)[0] == 700   # 600 clients and 100 besides
    assert "open file limit 700 (server.max_connections 600 needs 700)" in srv.log()
    held = [srv.client() for _ in range(600)]   # beyond the 256 it was started with
    try:
        for c in held:
            assert c.ask("ping")["ok"]
    finally:
        for c in held:
            c.close()


def test_a_hard_file_limit_below_max_connections_is_warned_of_at_start(limited):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    srv = limited(max_connections=hard)
    assert open_files_limit(srv.proc.pid) == (hard, hard)
    assert (f"open file limit {hard}: fewer than the {hard + 100} that "
            f"server.max_connections = {hard} needs") in srv.log()
    assert srv.ask("ping")["ok"]
