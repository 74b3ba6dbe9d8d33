"""Two-factor login at the real terminal (`python main.py` in tmux): the code prompt after
the password, and an admin setting it up at login when the shop requires it."""
import re

from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username
from tests.e2e.test_terminal import MENU, open_terminal
from tests.e2e.test_totp import code_now, enrolled_staff, next_step, set_shop_setting
from tests.helpers import start_server


def type_line(term, text):
    term.type(text)
    term.send("Enter")


def test_a_two_factor_account_is_asked_for_the_code_after_its_password(
        server, demo_db, people):
    name, secret = enrolled_staff(server, demo_db)
    term = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name,
                          "VIDEOSTORE_SERVER": server.address,
                          "VIDEOSTORE_TERMINAL_NAME": "till-5"})
    try:
        term.wait_for("Username:")
        type_line(term, name)
        term.wait_for("Password:")
        type_line(term, STAFF_PASSWORD)
        term.wait_for("Code:")
        with server.client() as c:
            right = code_now(c, secret)
        type_line(term, "000000" if right != "000000" else "111111")
        term.wait_for("Wrong code")
        term.wait_for_count("Username:", 2)
        term.send("Up")  # nothing typed comes back: no history
        assert "000000" not in term.screen().split("Username:")[-1]
        assert "111111" not in term.screen().split("Username:")[-1]
        term.send("C-u")
        type_line(term, name)
        term.wait_for_count("Password:", 2)
        type_line(term, STAFF_PASSWORD)
        term.wait_for_count("Code:", 2)
        with server.client() as c:
            code = code_now(c, secret)
        type_line(term, f"{code[:3]} {code[3:]}")
        term.wait_for(f"Logged in as {name} (clerk).")
        term.wait_for(MENU)
        assert STAFF_PASSWORD not in term.screen()
    finally:
        term.close()


def admin_at_login_with_two_factor_required(fresh_db, tmp_path):
    """A server over a shop that requires two-factor of admins, and a terminal where the
    admin has just typed a right password."""
    set_shop_setting(fresh_db, "require_totp_admins", "1")
    srv = start_server(tmp_path, fresh_db.db.name, "--test-clock")
    term = open_terminal({"VIDEOSTORE_DB_NAME": fresh_db.db.name,
                          "VIDEOSTORE_SERVER": srv.address,
                          "VIDEOSTORE_TERMINAL_NAME": "till-9"})
    term.wait_for("Username:")
    type_line(term, "admin")
    term.wait_for("Password:")
    type_line(term, ADMIN_PASSWORD)
    return srv, term


def test_an_admin_sets_up_two_factor_at_login_when_the_shop_requires_it(fresh_db, tmp_path):
    srv, term = admin_at_login_with_two_factor_required(fresh_db, tmp_path)
    try:
        term.wait_for("requires two-factor login for admins")
        screen = term.wait_for("Code:")
        secret = re.search(r"Key:\s+([A-Z2-7 ]+)\n", screen).group(1).replace(" ", "")
        assert f"otpauth://totp/Videostore:admin?secret={secret}&issuer=Videostore" in screen
        type_line(term, "12345")
        term.wait_for("does not match")
        with srv.client() as c:
            type_line(term, code_now(c, secret))
        term.wait_for("Two-factor login is on")
        term.wait_for("Logged in as admin (admin).")
        term.wait_for(MENU)
        term.send("q")
        assert term.exit_status() == 0
        next_step(srv)
        with srv.client() as c:  # stored: the next login needs a code
            reply = c.ask("login", {"username": "admin", "password": ADMIN_PASSWORD})
            assert reply["error"]["code"] == "OTP_REQUIRED"
    finally:
        term.close()
        srv.stop()


def test_an_admin_who_gives_up_setting_it_up_is_logged_out(fresh_db, tmp_path):
    clerk = unique_username("clk")
    make_staff(fresh_db, clerk)
    srv, term = admin_at_login_with_two_factor_required(fresh_db, tmp_path)
    try:
        term.wait_for("Code:")
        term.send("Enter")  # an empty code gives up
        term.wait_for("You are logged out: admins must set up two-factor login")
        term.wait_for_count("Username:", 2)
        type_line(term, clerk)  # clerks are not asked
        term.wait_for_count("Password:", 2)
        type_line(term, STAFF_PASSWORD)
        term.wait_for(f"Logged in as {clerk} (clerk).")
    finally:
        term.close()
        srv.stop()
