"""Staff administration through the real server: admins manage all, managers their clerks."""
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username
from tests.e2e.test_sessions import admin_query


def test_an_admin_adds_staff_who_can_then_log_in(server, demo_db, people):
    name = unique_username("newclerk")
    with server.client() as admin, server.client() as c:
        admin.login("admin", ADMIN_PASSWORD)
        added = admin.result("staff.add", {"username": name.upper(), "password": "fresh-pass-1",
                                           "role": "clerk", "store_id": 2})
        assert added == {"id": added["id"], "username": name, "role": "clerk", "store_id": 2}
        assert c.login(name, "fresh-pass-1")["user"]["store_id"] == 2
    audit = admin_query(demo_db, "SELECT action, staff_id FROM audit_log WHERE row_id = %s "
                        "AND table_name = 'staff'", (added["id"],))
    assert audit == [{"action": "staff.add", "staff_id": 1}]


def test_staff_add_refuses_bad_input_clearly(server, people):
    with server.client() as admin:
        admin.login("admin", ADMIN_PASSWORD)
        cases = [
            ({"username": "clk1", "password": "long-enough-1", "role": "clerk", "store_id": 1}, "VALIDATION", "taken"),
            ({"username": unique_username("w"), "password": "short", "role": "clerk", "store_id": 1}, "VALIDATION", "at least"),
            ({"username": unique_username("r"), "password": "long-enough-1", "role": "owner", "store_id": 1}, "BAD_REQUEST", "role"),
            ({"username": unique_username("s"), "password": "long-enough-1", "role": "clerk", "store_id": 99}, "VALIDATION", "no store 99"),
            ({"username": "bad name!", "password": "long-enough-1", "role": "clerk", "store_id": 1}, "VALIDATION", "username"),
            ({"username": unique_username("t"), "password": "long-enough-1", "role": "clerk", "store_id": "1"}, "BAD_REQUEST", "store_id"),
        ]
        for args, code, words in cases:
            reply = admin.ask("staff.add", args)
            assert reply["error"]["code"] == code and words in reply["error"]["message"], (args, reply)


def test_managers_manage_only_the_clerks_of_their_own_store(server, demo_db, people):
    mine, theirs = unique_username("mine"), unique_username("theirs")
    make_staff(demo_db, mine, "clerk", 1)
    make_staff(demo_db, theirs, "clerk", 2)
    with server.client() as mgr:
        mgr.login("mgr1", STAFF_PASSWORD)
        new = unique_username("hired")
        assert mgr.result("staff.add", {"username": new, "password": "long-enough-1",
                                        "role": "clerk", "store_id": 1})["username"] == new
        assert mgr.error("staff.add", {"username": unique_username("m"), "password": "long-enough-1",
                                       "role": "manager", "store_id": 1}) == "FORBIDDEN"
        assert mgr.error("staff.add", {"username": unique_username("o"), "password": "long-enough-1",
                                       "role": "clerk", "store_id": 2}) == "FORBIDDEN"
        assert mgr.result("staff.reset_password", {"username": mine, "password": "another-pass-1"})
        assert mgr.error("staff.reset_password", {"username": theirs, "password": "another-pass-1"}) == "FORBIDDEN"
        assert mgr.error("staff.deactivate", {"username": "mgr2"}) == "FORBIDDEN"
        assert mgr.error("staff.list", {"store_id": 2}) == "FORBIDDEN"
        listed = mgr.result("staff.list")["staff"]
        assert {s["store_id"] for s in listed} == {1}
        assert all("password_hash" not in s and "totp_secret" not in s for s in listed)


def test_resetting_a_password_ends_the_sessions_of_that_account(server, demo_db, people):
    name = unique_username("reset")
    make_staff(demo_db, name)
    with server.client() as c, server.client() as admin:
        c.login(name, STAFF_PASSWORD)
        c.result("lock.acquire", {"resource": "copy:777"})
        admin.login("admin", ADMIN_PASSWORD)
        assert admin.result("staff.reset_password", {"username": name, "password": "new-pass-123"})["sessions_ended"] == 1
        assert c.error("whoami") == "UNAUTHENTICATED"
        assert c.error("login", {"username": name, "password": STAFF_PASSWORD}) == "UNAUTHENTICATED"
        c.login(name, "new-pass-123")
        c.result("lock.acquire", {"resource": "copy:777"})  # the old session's lock was freed


def test_a_deactivated_account_cannot_log_in_and_its_sessions_end(server, demo_db, people):
    name = unique_username("leaver")
    make_staff(demo_db, name)
    with server.client() as c, server.client() as admin:
        c.login(name, STAFF_PASSWORD)
        admin.login("admin", ADMIN_PASSWORD)
        assert admin.result("staff.deactivate", {"username": name})["active"] is False
        assert c.error("whoami") == "UNAUTHENTICATED"
        assert c.error("login", {"username": name, "password": STAFF_PASSWORD}) == "UNAUTHENTICATED"
        assert admin.error("staff.deactivate", {"username": "admin"}) == "VALIDATION"
        assert admin.error("staff.unlock", {"username": "no-such-person"}) == "NOT_FOUND"


def test_sessions_are_listed_by_store_and_can_be_ended(server, demo_db, people):
    with server.client() as clerk1, server.client() as clerk2, \
            server.client() as mgr, server.client() as admin:
        s1 = clerk1.login("clk1", STAFF_PASSWORD, terminal="till-1")["session_id"]
        s2 = clerk2.login("clk2", STAFF_PASSWORD, terminal="till-9")["session_id"]
        mgr.login("mgr1", STAFF_PASSWORD)
        admin.login("admin", ADMIN_PASSWORD)
        seen_by_mgr = {s["session_id"] for s in mgr.result("session.list")["sessions"]}
        assert s1 in seen_by_mgr and s2 not in seen_by_mgr
        everyone = {s["session_id"]: s for s in admin.result("session.list")["sessions"]}
        assert everyone[s2]["terminal"] == "till-9" and everyone[s2]["store_id"] == 2
        assert mgr.error("session.end", {"session_id": s2}) == "FORBIDDEN"
        assert mgr.result("session.end", {"session_id": s1})["ended"] is True
        assert clerk1.error("whoami") == "UNAUTHENTICATED"
        assert clerk2.result("whoami")
