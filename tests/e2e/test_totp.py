"""Two-factor login (TOTP) through the real server and database: enrolment, the code at
login, lockout, one use per code, admins made to enrol, resets, and the secret kept out
of every answer and log. Codes are computed from the server's own (test) clock."""
import json

from db.database import Database
from store import totp
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username
from tests.e2e.test_sessions import admin_query
from tests.helpers import start_server


def server_time(c):
    return c.result("time")["epoch_ms"] / 1000


def code_now(c, secret, offset_s=0):
    """The code the authenticator app shows now by the server's clock."""
    return totp.code_at(secret, server_time(c) + offset_s)


def next_step(srv):
    """Move the test clock to a later TOTP step, so a fresh code is not a used one."""
    srv.ask("clock.advance", {"seconds": totp.STEP_S})


def enrol(c, password=STAFF_PASSWORD):
    """Set up two-factor for the session on `c`; the secret."""
    secret = c.result("totp.enroll")["secret"]
    assert c.result("totp.confirm", {"code": code_now(c, secret)}) == {"totp": True}
    return secret


def enrolled_staff(srv, settings, role="clerk", store_id=1):
    """A new account with two-factor set up; (username, secret)."""
    name = unique_username("tfa")
    make_staff(settings, name, role, store_id)
    with srv.client() as c:
        c.login(name, STAFF_PASSWORD)
        secret = enrol(c)
    next_step(srv)
    return name, secret


def login_args(name, otp=None, password=STAFF_PASSWORD):
    args = {"username": name, "password": password, "terminal": "till-1"}
    if otp is not None:
        args["otp"] = otp
    return args


def set_shop_setting(settings, name, value):
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            tx.execute("UPDATE settings SET value = %s WHERE name = %s", (value, name))
    finally:
        db.close()


def test_enrolment_gives_a_secret_and_uri_once_and_then_login_needs_the_code(server, demo_db):
    name = unique_username("tfa")
    staff_id = make_staff(demo_db, name)
    with server.client() as c:
        assert c.login(name, STAFF_PASSWORD)["must_enroll_totp"] is False
        setup = c.result("totp.enroll")
        assert setup["uri"] == (f"otpauth://totp/Videostore:{name}?secret={setup['secret']}"
                                f"&issuer=Videostore")
        with server.client() as other:  # not stored until confirmed
            assert other.login(name, STAFF_PASSWORD)["user"]["username"] == name
        assert c.result("totp.confirm", {"code": code_now(c, setup["secret"])}) == {"totp": True}
    row = admin_query(demo_db, "SELECT totp_secret FROM staff WHERE id = %s", (staff_id,))[0]
    assert row["totp_secret"] == setup["secret"]
    audit = admin_query(demo_db, "SELECT action, staff_id, new_values FROM audit_log "
                        "WHERE row_id = %s AND table_name = 'staff'", (staff_id,))
    assert [(a["action"], a["staff_id"]) for a in audit] == [("staff.totp_enroll", staff_id)]
    assert setup["secret"] not in json.dumps(audit, default=str)
    next_step(server)
    with server.client() as c:
        asked = c.ask("login", login_args(name))["error"]
        assert asked["code"] == "OTP_REQUIRED" and "6-digit code" in asked["message"]
        assert c.error("whoami") == "UNAUTHENTICATED"  # no session yet
        spaced = code_now(c, setup["secret"])
        result = c.result("login", login_args(name, f"{spaced[:3]} {spaced[3:]}"))
        assert result["user"]["username"] == name and result["must_enroll_totp"] is False
        assert c.result("whoami")["user"]["username"] == name


def test_the_password_is_checked_before_the_code_is_asked_for(server, demo_db):
    name, secret = enrolled_staff(server, demo_db)
    with server.client() as c:
        wrong = c.ask("login", login_args(name, password="wrong-password"))["error"]
        unknown = c.ask("login", login_args("nobody-has-this-name"))["error"]
        assert wrong == unknown
        assert wrong == {"code": "UNAUTHENTICATED", "message": "wrong username or password",
                         "details": {}}
        # a right code does not rescue a wrong password
        assert c.error("login", login_args(name, code_now(c, secret), "wrong-password")) == \
            "UNAUTHENTICATED"


def test_asking_for_the_code_is_no_failure_but_a_wrong_code_is_and_five_lock(server, demo_db):
    name, secret = enrolled_staff(server, demo_db)
    with server.client() as c:
        for _ in range(6):
            assert c.error("login", login_args(name)) == "OTP_REQUIRED"
            assert c.error("login", login_args(name, "  ")) == "OTP_REQUIRED"
        right = code_now(c, secret)
        wrong = f"{(int(right) + 1) % 10 ** 6:06d}"
        for bad in (wrong, "000000" if right != "000000" else "111111", "12345", "abcdef", wrong):
            reply = c.ask("login", login_args(name, bad))["error"]
            assert reply["code"] == "UNAUTHENTICATED" and "code" in reply["message"], reply
            assert "password" not in reply["message"]
        reply = c.ask("login", login_args(name, right))["error"]
        assert reply["code"] == "ACCOUNT_LOCKED"
    failed = admin_query(demo_db, "SELECT locked_until FROM staff WHERE username = %s", (name,))
    assert failed[0]["locked_until"] is not None


def test_a_code_logs_in_once_and_a_later_step_gives_a_fresh_one(server, demo_db):
    name, secret = enrolled_staff(server, demo_db)
    with server.client() as c, server.client() as other:
        code = code_now(c, secret)
        assert c.result("login", login_args(name, code))["user"]["username"] == name
        reply = other.ask("login", login_args(name, code))["error"]
        assert reply["code"] == "UNAUTHENTICATED" and "already used" in reply["message"]
        next_step(server)
        assert other.result("login", login_args(name, code_now(other, secret)))


def test_the_code_that_confirmed_enrolment_cannot_log_in(server, demo_db):
    name = unique_username("tfa")
    make_staff(demo_db, name)
    with server.client() as c:
        c.login(name, STAFF_PASSWORD)
        secret = c.result("totp.enroll")["secret"]
        code = code_now(c, secret)
        c.result("totp.confirm", {"code": code})
        assert c.error("login", login_args(name, code)) == "UNAUTHENTICATED"


def test_confirm_needs_an_enrolment_waiting_and_the_right_code(server, demo_db):
    name = unique_username("tfa")
    make_staff(demo_db, name)
    with server.client() as c:
        c.login(name, STAFF_PASSWORD)
        reply = c.ask("totp.confirm", {"code": "123456"})["error"]
        assert reply["code"] == "VALIDATION" and "totp.enroll" in reply["message"]
        assert c.error("totp.confirm", {}) == "BAD_REQUEST"
        first = c.result("totp.enroll")["secret"]
        second = c.result("totp.enroll")["secret"]  # a new one replaces the waiting one
        assert first != second
        assert c.error("totp.confirm", {"code": code_now(c, first)}) == "VALIDATION"
        with server.client() as other:  # still no second factor
            assert other.login(name, STAFF_PASSWORD)
        c.result("totp.enroll")
        reply = c.ask("totp.confirm", {"code": "000000x"})["error"]
        assert reply["code"] == "VALIDATION" and "does not match" in reply["message"]
        enrol(c)
        reply = c.ask("totp.enroll")["error"]
        assert reply["code"] == "VALIDATION" and "already set up" in reply["message"]


def test_admins_must_enrol_before_anything_else_when_the_shop_requires_it(fresh_db, tmp_path):
    set_shop_setting(fresh_db, "require_totp_admins", "1")
    manager = unique_username("mgr")
    make_staff(fresh_db, manager, "manager", 1)
    srv = start_server(tmp_path, fresh_db.db.name, "--test-clock")
    try:
        with srv.client() as c, srv.client() as again:
            result = c.login("admin", ADMIN_PASSWORD)
            assert result["must_enroll_totp"] is True
            assert c.result("whoami")["must_enroll_totp"] is True
            for op, args in (("staff.list", {}), ("lock.acquire", {"resource": "copy:1"}),
                             ("subscribe", {"topics": ["inventory"]}), ("status", {}),
                             ("session.list", {})):
                reply = c.ask(op, args)["error"]
                assert reply["code"] == "FORBIDDEN" and "two-factor" in reply["message"], op
                assert reply["details"] == {"must_enroll_totp": True}
            assert c.result("ping") == {"pong": True}  # ops without a session still work
            resumed = again.result("resume", {"token": result["token"]})
            assert resumed["must_enroll_totp"] is True
            assert again.error("staff.list") == "FORBIDDEN"
            assert c.login(manager, STAFF_PASSWORD)["must_enroll_totp"] is False  # admins only
            assert c.result("status")
            c.login("admin", ADMIN_PASSWORD)
            secret = enrol(c)
            assert c.result("whoami")["must_enroll_totp"] is False
            assert c.result("staff.list")["staff"]
            assert again.result("staff.list")["staff"]  # its other session too
            assert again.result("logout")["logged_out"]
        next_step(srv)
        with srv.client() as c:
            assert c.error("login", login_args("admin", password=ADMIN_PASSWORD)) == "OTP_REQUIRED"
            result = c.result("login", login_args("admin", code_now(c, secret), ADMIN_PASSWORD))
            assert result["must_enroll_totp"] is False
    finally:
        srv.stop()


def test_an_admin_who_must_enrol_still_must_after_a_server_restart(fresh_db, tmp_path):
    set_shop_setting(fresh_db, "require_totp_admins", "1")
    srv = start_server(tmp_path, fresh_db.db.name)
    with srv.client() as c:
        token = c.login("admin", ADMIN_PASSWORD)["token"]
    srv.kill()
    srv = start_server(tmp_path, fresh_db.db.name, port=srv.port)
    try:
        with srv.client() as c:
            assert c.result("resume", {"token": token})["must_enroll_totp"] is True
            assert c.error("staff.list") == "FORBIDDEN"
        set_shop_setting(fresh_db, "require_totp_admins", "0")
        with srv.client() as c:  # the rule is read at each login
            assert c.login("admin", ADMIN_PASSWORD)["must_enroll_totp"] is False
            assert c.result("staff.list")["staff"]
    finally:
        srv.stop()


def test_admins_reset_anyones_two_factor_and_managers_their_own_stores_clerks(
        server, demo_db, people):
    mine, my_secret = enrolled_staff(server, demo_db, "clerk", 1)
    theirs, _ = enrolled_staff(server, demo_db, "clerk", 2)
    boss, _ = enrolled_staff(server, demo_db, "manager", 1)
    with server.client() as mgr, server.client() as admin, server.client() as clerk:
        mgr.login("mgr1", STAFF_PASSWORD)
        assert mgr.error("staff.totp_reset", {"username": theirs}) == "FORBIDDEN"
        assert mgr.error("staff.totp_reset", {"username": boss}) == "FORBIDDEN"
        assert mgr.error("staff.totp_reset", {"username": "no-such-one"}) == "NOT_FOUND"
        assert mgr.result("staff.totp_reset", {"username": mine}) == {"username": mine,
                                                                      "totp": False}
        assert not {s["username"]: s["totp"] for s in mgr.result("staff.list")["staff"]}[mine]
        clerk.login("clk1", STAFF_PASSWORD)
        assert clerk.error("staff.totp_reset", {"username": mine}) == "FORBIDDEN"
        admin.login("admin", ADMIN_PASSWORD)
        listed = {s["username"]: s["totp"] for s in admin.result("staff.list")["staff"]}
        assert listed[theirs] is True and listed[boss] is True and listed[mine] is False
        for name in (theirs, boss):
            assert admin.result("staff.totp_reset", {"username": name})["totp"] is False
    with server.client() as c:
        for name in (mine, theirs, boss):  # the password alone again
            assert c.login(name, STAFF_PASSWORD)["must_enroll_totp"] is False
    audit = admin_query(demo_db, "SELECT a.staff_id FROM audit_log a JOIN staff s "
                        "ON s.id = a.row_id WHERE a.action = 'staff.totp_reset' "
                        "AND s.username = %s", (mine,))
    assert len(audit) == 1


def test_the_secret_is_never_in_staff_list_whoami_or_the_server_log(server, demo_db, people):
    name = unique_username("tfa")
    make_staff(demo_db, name)
    with server.client() as c, server.client() as admin:
        c.login(name, STAFF_PASSWORD)
        pending = c.result("totp.enroll")["secret"]
        secret = enrol(c)
        assert c.error("totp.confirm", {"code": "999999"}) == "VALIDATION"
        admin.login("admin", ADMIN_PASSWORD)
        replies = [admin.ask("staff.list"), admin.ask("staff.list", {"store_id": 1}),
                   c.ask("whoami"), admin.ask("session.list")]
    text = json.dumps(replies)
    assert secret not in text and pending not in text and "totp_secret" not in text
    entry = next(s for s in replies[0]["result"]["staff"] if s["username"] == name)
    assert entry["totp"] is True
    server.stop()
    log = server.log()
    assert secret not in log and pending not in log
