"""The clerk's terminal, the real `python main.py`, in a real pseudo-terminal."""

import pytest

from db.create import drop_database
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, new_db_name, settings_for
from tests.helpers import start_server
from tests.tmux import Tmux

MENU = "1 Customers  2 Videos  3 Hire out  4 Return  5 Reports  6 Admin  q Quit"


@pytest.fixture
def terminal_env(demo_db, server, people):
    return {"VIDEOSTORE_DB_NAME": demo_db.db.name, "VIDEOSTORE_SERVER": server.address,
            "VIDEOSTORE_TERMINAL_NAME": "till-3"}


def open_terminal(env):
    return Tmux(env=env)


def log_in(term, username, password=STAFF_PASSWORD):
    logins = term.screen().count("Logged in as")
    term.wait_for("Username:")
    term.type(username)
    term.send("Enter")
    term.wait_for("Password:")
    term.type(password)
    term.send("Enter")
    term.wait_for_count("Logged in as", logins + 1)


def read_only(term):
    term.wait_for("Username:")
    term.send("Enter")
    term.wait_for("Working read-only")


def read_only_then_quit(term):
    """On without a login to the main menu, then q: the terminal ends cleanly."""
    read_only(term)
    term.wait_for(MENU)
    term.send("q")
    assert term.exit_status() == 0


def test_the_menu_opens_after_login_with_clerk_store_clock_and_link_then_q_quits(terminal_env):
    term = open_terminal(terminal_env)
    try:
        log_in(term, "clk1")
        term.wait_for(MENU)
        term.wait_for("link: connected")
        bottom = term.bottom_line()
        assert "Test Store (store 1)" in bottom and "clk1 (clerk)" in bottom
        assert "UTC" in bottom
        term.send("q")
        assert term.exit_status() == 0
        assert "Bye." in term.screen()
    finally:
        term.close()


def test_number_keys_open_screens_without_enter_and_f1_shows_help(terminal_env):
    term = open_terminal(terminal_env)
    try:
        log_in(term, "clk1")
        term.wait_for(MENU)
        term.send("2")
        term.wait_for("Scan a copy's barcode or type its number")
        term.send("Escape")  # back one level: the main menu
        term.wait_for_count(MENU, 2)
        term.send("6")
        term.wait_for("Admin needs a manager or admin")  # clk1 is a clerk
        term.send("Escape")
        term.send("F1")
        term.wait_for("Help: main menu")
        term.type("zz")
        term.send("Enter")
        term.wait_for("Choose 1-6 or q")
        term.wait_for_count(MENU, 5)  # start, 2, 6, F1, zz: each ends with a fresh menu
        term.type("x")
        term.send("C-c")  # clears the line, never quits
        term.wait_for_count(MENU, 6)
        term.send("C-d")
        assert term.exit_status() == 0
        assert "Traceback" not in term.screen()
    finally:
        term.close()


def test_the_toolbar_shows_the_test_clock_moved_forward(terminal_env, server):
    server.ask("clock.advance", {"seconds": 400 * 86400})
    term = open_terminal(terminal_env)
    try:
        term.wait_for("link: connected")
        read_only(term)
        from datetime import datetime, timedelta, timezone
        ahead = datetime.now(timezone.utc) + timedelta(days=400)
        term.wait_for(ahead.strftime("%d %b"))
        term.send("q")
    finally:
        term.close()


def test_with_the_server_down_the_terminal_starts_and_says_so(demo_db, tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    term = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name,
                          "VIDEOSTORE_SERVER": f"127.0.0.1:{port}"})
    srv = None
    try:
        term.wait_for(f"The store server at 127.0.0.1:{port} is not answering")
        term.wait_for("Username:")
        term.type("clk1")
        term.send("Enter")
        term.type("whatever-1")
        term.send("Enter")
        term.wait_for("is not connected")  # a login needs the server: said, and asked again
        read_only(term)
        term.wait_for(MENU)
        term.wait_for("link: down")
        srv = start_server(tmp_path, demo_db.db.name, port=port)
        term.wait_for("link: connected", timeout_s=10)
        term.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()
        if srv:
            srv.stop()


def test_with_the_database_down_the_terminal_says_what_to_do(demo_db, server):
    term = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name, "VIDEOSTORE_DB_PORT": "1",
                          "VIDEOSTORE_SERVER": server.address})
    try:
        screen = term.wait_for("The database cannot be reached")
        assert "make up" in screen.replace("\n", "")  # the line wraps at 120 columns
        read_only(term)
        term.wait_for(MENU)
        term.wait_for("database unavailable")
        term.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()


def test_a_database_older_than_the_program_is_said_at_start_with_what_to_run(fresh_db, server):
    from db.database import Database
    from db.schema import latest_version
    admin = Database.for_app(fresh_db.db, role="admin")
    with admin.transaction() as tx:   # as if the newest migration had not been run yet
        tx.execute("DELETE FROM schema_version WHERE version = %s", (latest_version(),))
    admin.close()
    term = open_terminal({"VIDEOSTORE_DB_NAME": fresh_db.db.name,
                          "VIDEOSTORE_SERVER": server.address})
    try:
        # Said before the login; its line wraps at 120 columns, anywhere (even at a space,
        # which the capture drops), so the texts are compared without their spaces.
        screen = "".join(term.wait_for("Username:").split())
        said = (f"schema version {latest_version() - 1}; this program needs {latest_version()}."
                f" Until an admin runs `python main.py migrate`")
        assert "".join(said.split()) in screen
        read_only_then_quit(term)
    finally:
        term.close()


def test_a_missing_database_is_offered_for_creation_and_then_used(private_mariadb, server):
    name = new_db_name("offer")
    term = open_terminal({"VIDEOSTORE_DB_NAME": name, "VIDEOSTORE_SERVER": server.address,
                          "VIDEOSTORE_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        term.wait_for(f"Database {name} is not set up")
        term.wait_for(f"Create the database {name} now?")
        term.send("y")
        term.wait_for(f"Database {name} is ready.")
        read_only(term)
        term.wait_for("Main Street (store 1)")
        term.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()
        drop_database(settings_for(name))


def test_create_db_asks_the_admin_password_hidden_and_twice(private_mariadb):
    name = new_db_name("ask")
    term = Tmux("create-db", env={"VIDEOSTORE_DB_NAME": name})
    try:
        term.wait_for("Password for the first admin:")
        term.type("short")
        term.send("Enter")
        term.wait_for("at least 8 characters")
        term.wait_for_count("Password for the first admin:", 2)
        term.type("typed-secret-1")
        term.send("Enter")
        term.wait_for("The same password again:")
        term.type("typed-secret-2")
        term.send("Enter")
        term.wait_for("The two passwords differ")
        term.wait_for_count("Password for the first admin:", 3)
        term.type("typed-secret-1")
        term.send("Enter")
        term.wait_for_count("The same password again:", 2)
        term.type("typed-secret-1")
        term.send("Enter")
        screen = term.wait_for(f"Database {name} is ready.")
        assert term.exit_status() == 0
        assert "typed-secret" not in screen and "short" not in screen.replace("at least", "")
    finally:
        term.close()
        drop_database(settings_for(name))


def test_an_existing_database_without_a_password_here_says_which_to_set(demo_db, server, tmp_path):
    term = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name,
                          "VIDEOSTORE_PATHS_VAR_DIR": str(tmp_path),  # no saved passwords
                          "VIDEOSTORE_SERVER": server.address})
    try:
        term.wait_for(f"Database {demo_db.db.name} exists")
        assert "VIDEOSTORE_DB_PASSWORD" in term.wait_for("Username:").replace("\n", "")
        read_only_then_quit(term)
    finally:
        term.close()


def test_a_failed_login_is_said_and_the_password_is_never_shown_or_recalled(terminal_env):
    term = open_terminal(terminal_env)
    try:
        term.wait_for("Username:")
        term.type("clk1")
        term.send("Enter")
        term.type("typed-wrong-pw")
        term.send("Enter")
        term.wait_for("Wrong username or password")
        term.wait_for_count("Username:", 2)
        term.send("Up")  # no history: nothing comes back
        term.send("Up")
        screen = term.screen()
        assert "typed-wrong-pw" not in screen
        assert screen.count("clk1") == 1
        term.send("C-u")
        log_in(term, "clk1")
        term.wait_for("clk1 (clerk)")
    finally:
        term.close()


def test_a_history_that_cannot_be_kept_is_one_warning_and_up_still_recalls(terminal_env,
                                                                            tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    term = open_terminal({**terminal_env, "XDG_DATA_HOME": str(blocker)})
    try:
        log_in(term, "clk1")
        term.wait_for(MENU)
        assert term.screen().count("Warning: the history in") == 1
        term.type("/help")
        term.send("Enter")
        term.wait_for("── Help: quick commands ──")
        term.wait_for_count(MENU, 2)
        term.send("Up")                      # kept in memory for this session
        term.wait_for("videostore> /help")
        term.send("C-u", "q")
        assert term.exit_status() == 0
        assert "Traceback" not in term.screen()
    finally:
        term.close()


def test_a_clerk_of_the_second_store_works_in_that_store(terminal_env):
    term = open_terminal(terminal_env)
    try:
        log_in(term, "clk2")
        term.wait_for("Second Street (store 2)")
        assert "clk2 (clerk)" in term.bottom_line()
    finally:
        term.close()


def test_read_only_without_a_login(terminal_env):
    term = open_terminal(terminal_env)
    try:
        read_only(term)
        term.wait_for(MENU)
        assert "not logged in (read-only)" in term.bottom_line()
    finally:
        term.close()


def test_after_a_server_kill_and_restart_the_terminal_is_back_without_a_new_login(
        demo_db, people, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name, "--test-clock")
    term = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name,
                          "VIDEOSTORE_SERVER": srv.address, "VIDEOSTORE_TERMINAL_NAME": "till-8"})
    try:
        log_in(term, "clk1")
        term.wait_for("link: connected")
        srv.kill()
        term.wait_for("link: down")
        srv = start_server(tmp_path, demo_db.db.name, "--test-clock", port=srv.port)
        term.wait_for("link: connected", timeout_s=10)
        assert "clk1 (clerk)" in term.bottom_line()
        with srv.client() as admin:
            admin.login("admin", ADMIN_PASSWORD)
            mine = [s for s in admin.result("session.list")["sessions"]
                    if s["terminal"] == "till-8"]
        assert len(mine) == 1 and mine[0]["username"] == "clk1"
        assert "Username:" not in term.screen().split("Logged in as")[-1]  # not asked again
    finally:
        term.close()
        srv.stop()


def test_a_session_ended_by_an_admin_sends_the_terminal_back_to_login_at_once(
        terminal_env, server):
    term = open_terminal(terminal_env)
    try:
        log_in(term, "clk1")
        term.wait_for(MENU)
        with server.client() as admin:
            admin.login("admin", ADMIN_PASSWORD)
            target = [s for s in admin.result("session.list")["sessions"]
                      if s["terminal"] == "till-3" and s["username"] == "clk1"][-1]
            admin.result("session.end", {"session_id": target["session_id"]})
        term.wait_for("You are logged out: the session was ended (ended_by_admin)")
        term.wait_for_count("Username:", 2)
        assert "not logged in (read-only)" in term.bottom_line()
        log_in(term, "clk1")
        term.wait_for("clk1 (clerk)")
    finally:
        term.close()


def test_a_notice_appears_without_disturbing_what_the_clerk_is_typing(terminal_env, server):
    term = open_terminal(terminal_env)
    try:
        log_in(term, "clk1")
        term.wait_for(MENU)
        term.type("hel")  # half-typed at the menu prompt
        with server.client() as mgr:
            mgr.login("mgr1", STAFF_PASSWORD)
            mgr.result("notice.send", {"text": "Till 2 is out of receipt paper"})
        term.wait_for("Notice from mgr1: Till 2 is out of receipt paper")
        term.wait_for("1 new event")
        prompt_line = [x for x in term.screen().splitlines() if "videostore>" in x][-1]
        assert prompt_line.rstrip().endswith("videostore> hel")
        term.type("p")
        term.send("Enter")
        term.wait_for("Help: main menu")  # the line was kept whole: "help" was submitted
    finally:
        term.close()


def test_notices_sent_while_away_are_shown_at_login(terminal_env, server, demo_db):
    from tests.conftest import make_staff, unique_username
    name = unique_username("away")
    make_staff(demo_db, name, "clerk", 1)
    with server.client() as mgr:
        mgr.login("mgr1", STAFF_PASSWORD)
        mgr.result("notice.send", {"text": "Stocktake on Sunday", "to": name})
    term = open_terminal(terminal_env)
    try:
        log_in(term, name)
        term.wait_for("Notice from mgr1 (to you): Stocktake on Sunday")
        term.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()
    with server.client() as again:  # shown once: now read
        again.login(name, STAFF_PASSWORD)
        assert again.result("notice.unread")["notices"] == []
