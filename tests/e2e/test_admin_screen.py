"""The Admin screen (menu key 6) of the real `python main.py`, in tmux, against a real store
server: what a manager or admin sees, and what the other terminals then notice."""
import re
import time

import pytest

from store import totp

from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username
from tests.e2e.test_terminal import MENU, log_in, open_terminal

ADMIN_PROMPT = "admin>"  # (tmux drops the trailing space)


@pytest.fixture
def env(demo_db, server, people):
    return {"VIDEOSTORE_DB_NAME": demo_db.db.name, "VIDEOSTORE_SERVER": server.address,
            "VIDEOSTORE_TERMINAL_NAME": "till-6"}


@pytest.fixture
def term(env):
    t = open_terminal(env)
    yield t
    t.close()


def open_admin(term, username, password=STAFF_PASSWORD):
    log_in(term, username, password)
    term.wait_for(MENU)
    term.send("6")
    term.wait_for(ADMIN_PROMPT)


def choose(term, key, title):
    """One key of the Admin sub-menu, on a cleared screen (Ctrl-L) so that what follows
    can be counted; waits for the entry's title."""
    term.send("C-l")
    wait_until(term, lambda screen: screen.lstrip().startswith(ADMIN_PROMPT), "a clear screen")
    term.send(key)
    term.wait_for(f"── Admin: {title} ──")


def done(term, title):
    """Wait for the sub-menu's prompt after the entry `title`; the text in between."""
    return wait_below(term, f"── Admin: {title} ──", ADMIN_PROMPT)


def wait_until(term, check, what, timeout_s=15.0):
    deadline = time.monotonic() + timeout_s
    while True:
        screen = term.screen()
        if check(screen):
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout_s} s. The screen showed:\n"
                                 f"{screen}")
        time.sleep(0.05)


def answer(term, prompt, text, nth=1):
    """Wait for the `nth` showing of `prompt`, type `text` and Enter."""
    term.wait_for_count(prompt, nth)
    if text:
        term.type(text)
    term.send("Enter")


def wait_below(term, marker, text, timeout_s=15.0):
    """Wait until `text` shows below the last `marker` on the screen (earlier output may
    have scrolled away); the screen from that marker on."""
    def below(screen):
        return screen.rpartition(marker)[2] if marker in screen else ""
    return below(wait_until(term, lambda screen: text in below(screen),
                            f"{text!r} below {marker!r}", timeout_s))


def line_with(screen, text):
    """The last line of the screen that holds `text` (a table's row is under its form)."""
    return [x for x in screen.splitlines() if text in x][-1]


def test_an_admin_adds_a_clerk_who_can_then_log_in_and_the_password_never_shows(term, server):
    name = unique_username("ana")
    secret = "Typed-Secret-77"
    open_admin(term, "admin", ADMIN_PASSWORD)
    choose(term, "a", "Add staff")
    answer(term, "Username of the new account:", name)
    answer(term, "Full name:", "Ana Lopez")
    term.wait_for("Role (clerk/manager/admin) [clerk]:")
    term.type("cle")
    term.send("Tab")  # completes the role
    term.wait_for("[clerk]: clerk")
    term.send("Enter")
    answer(term, "Store [1]:", "")
    term.wait_for(f"Password for {name}:")
    term.type(secret)
    term.wait_for("*" * len(secret))
    term.send("Enter")
    answer(term, "The same password again:", secret)
    said = done(term, "Add staff")
    assert f"Added clerk {name} at store 1." in said
    assert secret not in term.screen()
    with server.client() as c:
        user = c.login(name, secret)["user"]
        assert (user["role"], user["store_id"]) == ("clerk", 1)
    choose(term, "l", "Staff list")
    row = line_with(done(term, "Staff list"), name)
    assert "Ana Lopez" in row and "clerk" in row


def test_a_manager_cannot_add_a_manager_and_the_screen_carries_on(term, server):
    name = unique_username("boss")
    open_admin(term, "mgr1")
    choose(term, "a", "Add staff")
    answer(term, "Username of the new account:", name)
    answer(term, "Full name:", "Would Be Boss")
    answer(term, "Role (clerk/manager/admin) [clerk]:", "manager")
    said = done(term, "Add staff")
    assert "A manager may add clerks of store 1 only; nothing added." in said
    assert "Password for" not in said  # not asked for a password that cannot be used
    # The server's refusal is told too: a clerk of another store is not mgr1's to unlock.
    choose(term, "u", "Unlock")
    answer(term, "Username to unlock:", "clk2")
    assert "Managers manage the clerks of their own store only" in done(term, "Unlock")
    choose(term, "l", "Staff list")  # still usable: the store's staff, and only them
    table = done(term, "Staff list")
    assert "clk1" in table and "mgr1" in table and "clk2" not in table
    with server.client() as admin:
        admin.login("admin", ADMIN_PASSWORD)
        assert name not in [s["username"] for s in admin.result("staff.list")["staff"]]
    term.send("Escape")
    wait_below(term, ADMIN_PROMPT, MENU)  # back at the main menu


def test_a_manager_resets_a_clerks_password_hidden_twice_and_history_free(term, server,
                                                                           demo_db):
    name = unique_username("reset")
    make_staff(demo_db, name, "clerk", 1)
    with server.client() as theirs:
        theirs.login(name, STAFF_PASSWORD, terminal="till-7")
        open_admin(term, "mgr1")
        choose(term, "p", "Reset password")
        answer(term, "Username whose password to set:", name)
        answer(term, f"New password for {name}:", "short")
        term.wait_for("A password needs at least 8 characters.")
        term.wait_for_count(f"New password for {name}:", 2)
        term.send("Up")  # no history: nothing comes back
        term.type("Fresh-Pass-123")
        term.send("Enter")
        answer(term, "The same password again:", "Fresh-Pass-124")
        term.wait_for("The two passwords differ")
        answer(term, f"New password for {name}:", "Fresh-Pass-123", nth=3)
        answer(term, "The same password again:", "Fresh-Pass-123", nth=2)
        assert f"New password set for {name}; 1 session ended." in done(term, "Reset password")
        screen = term.screen()
        assert "Fresh-Pass" not in screen and "short" not in screen.replace("at least", "")
        assert theirs.error("whoami") == "UNAUTHENTICATED"
    with server.client() as again:
        assert again.login(name, "Fresh-Pass-123")["user"]["username"] == name


def test_a_clerk_sees_only_their_own_two_factor_set_up_and_it_works(term, server, demo_db):
    name = unique_username("tfa")
    make_staff(demo_db, name, "clerk")  # not a shared account: this one gets a second factor
    log_in(term, name)
    term.wait_for(MENU)
    term.send("6")
    screen = term.wait_for(ADMIN_PROMPT)
    assert f"Admin needs a manager or admin for staff, sessions and locks; you are logged in " \
           f"as {name} (clerk)." in screen
    assert "f Two-factor login (yours)" in screen and "Staff list" not in screen
    term.type("l")  # an entry a clerk is not shown is no key: it only says what to choose
    term.send("Enter")
    term.wait_for("Choose f (F1 for help; Esc goes back).")
    choose(term, "f", "Two-factor login (yours)")
    screen = term.wait_for("Link: otpauth://totp/")
    secret = re.search(r"Key:  ([A-Z2-7 ]+)\n", screen).group(1).replace(" ", "")
    answer(term, "Code:", totp.code_at(secret, time.time()))
    term.wait_for("Two-factor login is on")
    with server.client() as c:  # from now on the password alone is not enough
        assert c.error("login", {"username": name, "password": STAFF_PASSWORD}) == "OTP_REQUIRED"


def test_a_terminal_without_a_login_is_told_admin_needs_one(term):
    term.wait_for("Username:")
    term.send("Enter")
    term.wait_for(MENU)
    term.send("6")
    wait_below(term, "Admin needs a login as a manager or admin", MENU)
    assert ADMIN_PROMPT not in term.screen()


def test_deactivating_asks_first_naming_the_account(term, server, demo_db):
    name = unique_username("gone")
    make_staff(demo_db, name, "clerk", 1)
    open_admin(term, "mgr1")
    choose(term, "d", "Deactivate")
    answer(term, "Username to deactivate:", name)
    answer(term, f"Deactivate {name} (clerk at store 1)?", "n")
    assert f"Nothing changed: {name} stays active." in done(term, "Deactivate")
    choose(term, "d", "Deactivate")
    answer(term, "Username to deactivate:", name)
    answer(term, f"Deactivate {name} (clerk at store 1)?", "y")
    assert f"Deactivated {name}; 0 sessions ended." in done(term, "Deactivate")
    with server.client() as c:
        assert c.error("login", {"username": name, "password": STAFF_PASSWORD}) == \
            "UNAUTHENTICATED"


def test_ending_a_session_from_the_screen_sends_that_terminal_back(term, server, demo_db):
    name = unique_username("ended")
    make_staff(demo_db, name, "clerk", 1)
    with server.client() as other:
        session_id = other.login(name, STAFF_PASSWORD, terminal="till-9")["session_id"]
        open_admin(term, "admin", ADMIN_PASSWORD)
        choose(term, "s", "Sessions")
        table = term.wait_for("End a session? Its number (empty: none):")
        assert line_with(table, "till-9").split()[:2] == [str(session_id), name]
        answer(term, "End a session? Its number (empty: none):", str(session_id))
        answer(term, f"End session {session_id} ({name} at till-9)?", "y")
        assert (f"Ended session {session_id} ({name} at till-9); 0 locks released."
                in done(term, "Sessions"))
        reply = other.ask("whoami")
        assert reply["error"]["code"] == "UNAUTHENTICATED"
        assert [e["data"]["reason"] for e in other.events if e["event"] == "session.ended"] \
            in ([], ["ended_by_admin"])


def test_the_locks_table_names_the_holder_of_a_lock(term, server):
    with server.client() as holder:
        holder.login("clk1", STAFF_PASSWORD, terminal="till-5")
        holder.result("lock.acquire", {"resource": "copy:4411", "ttl_s": 300})
        open_admin(term, "mgr1")
        choose(term, "k", "Locks")
        table = done(term, "Locks")
        assert "Resource" in table and "Expires" in table
        assert line_with(table, "copy:4411").split()[:4] == ["copy:4411", "clk1", "till-5", "1"]


def test_a_notice_sent_from_the_screen_reaches_a_logged_in_clerk(term, server):
    with server.client() as clerk:
        clerk.login("clk1", STAFF_PASSWORD, terminal="till-4")
        clerk.result("subscribe", {"topics": ["notice"]})
        open_admin(term, "mgr1")
        choose(term, "n", "Send notice")
        answer(term, "Notice:", "Stocktake at six tonight")
        answer(term, "To whom? A username (empty: everyone at store 1):", "")
        assert "Notice sent to everyone at store 1" in done(term, "Send notice")
        event = clerk.next_event()
        assert event["event"] == "notice"
        assert (event["data"]["from"], event["data"]["text"]) == ("mgr1",
                                                                  "Stocktake at six tonight")
        choose(term, "n", "Send notice")
        answer(term, "Notice:", "Please see me at the till")
        answer(term, "To whom? A username (empty: everyone at store 1):", "clk1")
        assert "Notice sent to clk1: shown now on 1 terminal" in done(term, "Send notice")
        event = clerk.next_event()
        assert (event["data"]["text"], event["data"]["to"]) == ("Please see me at the till",
                                                                "you")


def test_the_sub_menu_keys_help_cancel_status_and_back(term):
    open_admin(term, "admin", ADMIN_PASSWORD)
    term.send("?")
    wait_below(term, "── Help: Admin ──", ADMIN_PROMPT)
    choose(term, "t", "Server status")
    status = done(term, "Server status")
    assert "(test clock)" in status and "database: ok" in status
    term.send("F1")
    wait_below(term, "database: ok", "── Help: Admin ──")
    choose(term, "a", "Add staff")
    term.wait_for("Username of the new account:")
    term.send("Escape")  # cancels the entry, not the screen
    assert "Cancelled." in done(term, "Add staff")
    term.type("zz")
    term.send("Enter")
    wait_below(term, "Choose l, a, p, d, u, s, k, n, t", ADMIN_PROMPT)
    term.send("C-c")
    wait_below(term, ADMIN_PROMPT, MENU)
    term.send("6")
    wait_below(term, "── Admin ──", ADMIN_PROMPT)
    term.send("Enter")  # an empty choice goes back too
    wait_below(term, ADMIN_PROMPT, MENU)
    term.send("q")
    assert term.exit_status() == 0
    assert "Traceback" not in term.screen()
