"""Staff sessions on the real server and database: login, lockout, resume, expiry, roles."""
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from db.database import Database
from store import roles
from tests.conftest import (ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username)
from tests.helpers import start_server

ALL_OPS = sorted(roles.OP_ROLES)


def when(wire):
    return datetime.fromisoformat(wire["utc"].replace("Z", "+00:00"))


def admin_query(settings, sql, params=()):
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            return tx.all(sql, params)
    finally:
        db.close()


def test_login_gives_a_token_the_user_and_an_idle_expiry_and_is_recorded(server, demo_db, people):
    with server.client() as c:
        result = c.login("admin", ADMIN_PASSWORD, terminal="till-7")
        assert len(result["token"]) >= 43
        assert result["user"] == {"id": 1, "username": "admin", "role": "admin", "store_id": 1}
        left = when(result["expires_at"]) - datetime.now(timezone.utc)
        assert timedelta(hours=7, minutes=59) < left <= timedelta(hours=8)
        assert c.result("whoami")["user"]["username"] == "admin"
    row = admin_query(demo_db, "SELECT terminal, client_addr, token_hash, ended_at, end_reason "
                      "FROM sessions WHERE id = %s", (result["session_id"],))[0]
    assert row["terminal"] == "till-7" and row["client_addr"].startswith("127.0.0.1:")
    assert result["token"] not in row["token_hash"]
    assert (row["ended_at"], row["end_reason"]) == (None, None)  # closing is not logging out
    last = admin_query(demo_db, "SELECT last_login FROM staff WHERE username = 'admin'")[0]
    assert last["last_login"] is not None


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(server, people):
    with server.client() as c:
        wrong = c.ask("login", {"username": "clk1", "password": "not-the-password"})
        unknown = c.ask("login", {"username": "nobody-here", "password": "not-the-password"})
    assert wrong["error"] == unknown["error"]
    assert wrong["error"]["code"] == "UNAUTHENTICATED"


def test_five_failures_in_a_row_lock_an_account_for_fifteen_minutes(server, demo_db):
    name = unique_username("lockme")
    make_staff(demo_db, name)
    with server.client() as c:
        for _ in range(5):
            assert c.error("login", {"username": name, "password": "wrong-password"}) == "UNAUTHENTICATED"
        reply = c.ask("login", {"username": name, "password": STAFF_PASSWORD})
        assert reply["error"]["code"] == "ACCOUNT_LOCKED"
        until = when(reply["error"]["details"]["until"])
        assert timedelta(minutes=14) < until - datetime.now(timezone.utc) <= timedelta(minutes=15)
        server.ask("clock.advance", {"seconds": 15 * 60 + 1})
        assert c.login(name, STAFF_PASSWORD)["user"]["username"] == name


def test_a_success_resets_the_count_of_failures(server, demo_db):
    name = unique_username("resets")
    make_staff(demo_db, name)
    with server.client() as c:
        for _ in range(4):
            c.error("login", {"username": name, "password": "wrong-password"})
        c.login(name, STAFF_PASSWORD)
        for _ in range(4):
            c.error("login", {"username": name, "password": "wrong-password"})
        c.login(name, STAFF_PASSWORD)  # 4 + 4 failures, never 5 in a row


def test_unknown_usernames_lock_too_so_a_lock_reveals_nothing(server):
    with server.client() as c:
        for _ in range(5):
            c.error("login", {"username": "ghost-user", "password": "wrong-password"})
        assert c.error("login", {"username": "ghost-user", "password": "x" * 9}) == "ACCOUNT_LOCKED"


def test_an_admin_can_unlock_a_locked_account(server, demo_db, people):
    name = unique_username("unlockme")
    make_staff(demo_db, name)
    with server.client() as c, server.client() as admin:
        for _ in range(5):
            c.error("login", {"username": name, "password": "wrong-password"})
        assert c.error("login", {"username": name, "password": STAFF_PASSWORD}) == "ACCOUNT_LOCKED"
        admin.login("admin", ADMIN_PASSWORD)
        admin.result("staff.unlock", {"username": name})
        c.login(name, STAFF_PASSWORD)


def test_failed_logins_from_one_address_are_rate_limited(server, demo_db):
    names = [unique_username("rate") for _ in range(4)]
    for name in names:
        make_staff(demo_db, name)
    with server.client() as c:
        for name in names:  # 20 failures, over four accounts
            for _ in range(5):
                c.error("login", {"username": name, "password": "wrong-password"})
        reply = c.ask("login", {"username": "clk1", "password": STAFF_PASSWORD})
    assert reply["error"]["code"] == "RATE_LIMITED"
    assert 0 < reply["error"]["details"]["retry_after_s"] <= 300


@pytest.mark.parametrize("op", [op for op in ALL_OPS if roles.OP_ROLES[op] != roles.PUBLIC])
def test_every_op_but_the_public_ones_needs_a_session(server, op, reliability):
    with server.client() as c:
        assert c.error(op) == "UNAUTHENTICATED"
        assert c.ask("ping")["ok"]
    reliability.add("roles", "ops refused without a session")


def test_the_public_ops_are_exactly_the_documented_ones():
    public = {op for op, needed in roles.OP_ROLES.items() if needed == roles.PUBLIC}
    assert public == {"hello", "ping", "time", "login", "resume", "bye", "clock.advance"}


def test_every_op_the_server_has_has_a_role_rule(server):
    with server.client() as c:
        listed = c.ask("no.such.op")["error"]["details"]["ops"]
    assert sorted(listed) == ALL_OPS


# Ops that end the session: tried last, each on a connection of its own.
ENDING = {"logout", "bye"}


@pytest.mark.parametrize("username", ["clk1", "mgr1", "admin"])
def test_every_op_is_refused_or_admitted_by_role(server, people, username, reliability):
    """Every op of the server's own dispatch table (as it lists them), not a hand list,
    so an op added later is tried with every role too; one without a role rule fails here
    (KeyError) if the dispatcher's own guard ever lets it through."""
    with server.client() as c:
        served = c.ask("no.such.op")["error"]["details"]["ops"]
        login = c.login(username, people[username])
    role, token = login["user"]["role"], login["token"]
    checked = []
    for op in sorted(served, key=lambda op: (op in ENDING, op)):
        with server.client() as c:
            if op in ENDING:  # a session of its own, as it ends it
                c.login(username, people[username])
            else:
                c.result("resume", {"token": token})
            reply = c.ask(op, {})
        forbidden = not reply["ok"] and reply["error"]["code"] == "FORBIDDEN"
        needed = roles.OP_ROLES[op]
        if roles.allowed(role, needed):
            assert not forbidden, (op, role, reply)
        else:
            assert forbidden and reply["error"]["details"]["needs"] == needed, (op, role, reply)
        checked.append(op)
    reliability.add("roles", "ops x roles checked", len(checked))
    assert sorted(checked) == sorted(served) == ALL_OPS


def test_resume_binds_a_new_connection_to_the_live_session(server, people):
    with server.client() as first:
        token = first.login("clk1", STAFF_PASSWORD)["token"]
    with server.client() as second:
        assert second.result("resume", {"token": token})["user"]["username"] == "clk1"
        assert second.result("whoami")["user"]["role"] == "clerk"
        assert second.result("logout")["logged_out"] is True
        assert second.error("whoami") == "UNAUTHENTICATED"
    with server.client() as third:
        assert third.error("resume", {"token": token}) == "UNAUTHENTICATED"
        assert third.error("resume", {"token": "made-up-token"}) == "UNAUTHENTICATED"


def test_a_session_outlives_a_server_restart(demo_db, people, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name)
    with srv.client() as c:
        token = c.login("clk1", STAFF_PASSWORD)["token"]
    srv.kill()
    srv = start_server(tmp_path, demo_db.db.name, port=srv.port)
    try:
        with srv.client() as c:
            assert c.result("resume", {"token": token})["user"]["username"] == "clk1"
    finally:
        srv.stop()


def test_a_session_expires_after_its_idle_time_of_real_inactivity(demo_db, people, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name, "--test-clock",
                       env={"VIDEOSTORE_SERVER_SESSION_IDLE_S": "3"})
    try:
        with srv.client() as c:
            session_id = c.login("clk1", STAFF_PASSWORD)["session_id"]
            for _ in range(8):  # activity every half second keeps it alive past 3 s
                time.sleep(0.5)
                assert c.result("whoami")
            time.sleep(3.5)  # then idle for longer than that (a request would be activity)
            reply = c.ask("whoami")
            assert reply["error"]["code"] == "UNAUTHENTICATED"
            assert "expired" in reply["error"]["message"]
    finally:
        srv.stop()
    row = admin_query(demo_db, "SELECT end_reason FROM sessions WHERE id = %s", (session_id,))[0]
    assert row["end_reason"] == "expired"


def test_the_default_idle_time_is_eight_hours(server, people):
    with server.client() as c:
        result = c.login("clk1", STAFF_PASSWORD)
        started = datetime.now(timezone.utc)
        expires = datetime.fromisoformat(result["expires_at"]["utc"].replace("Z", "+00:00"))
        assert abs((expires - started) - timedelta(hours=8)) < timedelta(minutes=1)


def test_moving_the_test_clock_forward_logs_no_one_out(server, people):
    with server.client() as c:
        c.login("clk1", STAFF_PASSWORD)
        server.ask("clock.advance", {"seconds": 10 * 86400})  # ten days on, for a late fee
        assert c.result("whoami")["user"]["username"] == "clk1"


def test_bye_ends_the_session(server, demo_db, people):
    with server.client() as c:
        result = c.login("clk1", STAFF_PASSWORD)
        assert c.result("bye") == {"bye": True}
    row = admin_query(demo_db, "SELECT end_reason FROM sessions WHERE id = %s",
                      (result["session_id"],))[0]
    assert row["end_reason"] == "bye"
    with server.client() as c:
        assert c.error("resume", {"token": result["token"]}) == "UNAUTHENTICATED"


def parallel_logins(server, attempts):
    """Log in with each (username, password) at once, each on a connection of its own;
    the error codes (None for a success)."""
    results = [None] * len(attempts)
    clients = [server.client() for _ in attempts]
    start = threading.Barrier(len(attempts))

    def attempt(i):
        start.wait()
        reply = clients[i].ask("login", {"username": attempts[i][0], "password": attempts[i][1]})
        results[i] = None if reply["ok"] else reply["error"]["code"]
    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(attempts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c in clients:
        c.close()
    return results


def test_parallel_wrong_passwords_all_count_toward_the_lockout(server, demo_db):
    name = unique_username("par")
    make_staff(demo_db, name)
    codes = parallel_logins(server, [(name, f"wrong-{i}") for i in range(10)])
    assert set(codes) <= {"UNAUTHENTICATED", "ACCOUNT_LOCKED"}
    with server.client() as c:  # ten failures, however they raced: the account is locked
        assert c.error("login", {"username": name, "password": STAFF_PASSWORD}) == "ACCOUNT_LOCKED"


def test_parallel_failures_from_one_address_cannot_pass_its_limit(server):
    codes = parallel_logins(server, [(f"nobody{i}", "wrong-password") for i in range(30)])
    assert codes.count("UNAUTHENTICATED") <= 20  # the limit per address in 5 minutes
    assert codes.count("RATE_LIMITED") >= 10


def test_a_locked_unknown_name_keeps_one_end_time_as_a_real_account_does(server):
    with server.client() as c:
        for _ in range(5):
            assert c.error("login", {"username": "ghost", "password": "wrong-password"}) \
                == "UNAUTHENTICATED"
        first = c.ask("login", {"username": "ghost", "password": "wrong-password"})["error"]
        again = c.ask("login", {"username": "ghost", "password": "wrong-password"})["error"]
    assert first["code"] == again["code"] == "ACCOUNT_LOCKED"
    assert first["details"]["until"] == again["details"]["until"]


def test_an_idle_session_is_ended_and_recorded_even_if_it_never_comes_back(demo_db, people,
                                                                             tmp_path):
    srv = start_server(tmp_path, demo_db.db.name,
                       env={"VIDEOSTORE_SERVER_SESSION_IDLE_S": "2"})
    try:
        with srv.client() as c:
            session_id = c.login("clk1", STAFF_PASSWORD)["session_id"]
        deadline = time.monotonic() + 20  # idle 2 s, swept every 1 s: ended well within
        while not admin_query(demo_db, "SELECT ended_at FROM sessions WHERE id = %s",
                              (session_id,))[0]["ended_at"]:
            assert time.monotonic() < deadline, "the idle session was never ended"
            time.sleep(0.2)
        row = admin_query(demo_db, "SELECT end_reason FROM sessions WHERE id = %s",
                          (session_id,))[0]
        assert row["end_reason"] == "expired"
        with srv.client() as c:
            c.login("admin", ADMIN_PASSWORD)
            assert c.result("status")["sessions"] == 1  # the admin's own, not clk1's
    finally:
        srv.stop()


@pytest.mark.parametrize("terminal", ["till\n2", "till\x1b[2J", "till\t"])
def test_a_terminal_name_is_printable_on_one_line(server, people, terminal):
    with server.client() as c:
        assert c.error("login", {"username": "clk1", "password": STAFF_PASSWORD,
                                 "terminal": terminal}) == "BAD_REQUEST"
