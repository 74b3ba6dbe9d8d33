"""Two real terminals (tmux) on one copy: one works on it, the other is told who; a change
made elsewhere shows on both; leaving the copy frees it; a server restart changes none of
that and asks nobody to log in again."""

import pytest

from db.database import Database
from store import codes
from tests.conftest import STAFF_PASSWORD
from tests.e2e.test_admin_screen import wait_until
from tests.e2e.test_terminal import MENU, log_in
from tests.helpers import start_server
from tests.tmux import Tmux

COPY_ID = 7  # a demo copy no other test changes


@pytest.fixture
def tills(demo_db, server, people):
    opened = []

    def open_till(name, username, address=server.address):
        term = Tmux(env={"VIDEOSTORE_DB_NAME": demo_db.db.name,
                         "VIDEOSTORE_SERVER": address,
                         "VIDEOSTORE_TERMINAL_NAME": name})
        opened.append(term)
        log_in(term, username)
        term.wait_for(MENU)
        term.send("2")
        term.wait_for("videos>")
        return term
    yield open_till
    for term in opened:
        term.close()


@pytest.fixture
def copy_status(demo_db):
    """Set the copy's status as another till would; put it back afterwards."""
    db = Database.for_app(demo_db.db, role="admin")

    def set_status(status):
        with db.transaction() as tx:
            tx.execute("UPDATE copies SET status = %s WHERE id = %s", (status, COPY_ID))
    yield set_status
    set_status("available")
    db.close()


def barcode_of(demo_db, copy_id):
    db = Database.for_app(demo_db.db, role="admin")
    try:
        with db.transaction() as tx:
            return tx.one("SELECT barcode FROM copies WHERE id = %s", (copy_id,))["barcode"]
    finally:
        db.close()


def open_copy(term, text):
    term.type(text)
    term.send("Enter")
    term.wait_for(f"copy {COPY_ID}>")


def test_a_second_till_sees_who_holds_the_copy_until_it_is_left(tills, demo_db, server):
    first = tills("till-1", "clk1")
    open_copy(first, str(COPY_ID))
    screen = first.wait_for("You are working on this copy")
    assert f"Copy {COPY_ID} · " in screen and "On the shelf." in screen

    second = tills("till-2", "mgr1")
    barcode = barcode_of(demo_db, COPY_ID)
    assert codes.is_valid(barcode)
    open_copy(second, barcode)  # scanned, not typed: the same copy
    second.wait_for("In use by clk1 at till-1 since")
    assert "You are working on this copy" not in second.screen()

    first.send("Enter")  # the first clerk leaves the copy ...
    first.wait_for_count("videos>", 2)
    second.send("Enter")
    second.wait_for_count("videos>", 2)
    open_copy(second, str(COPY_ID))  # ... and now the second may work on it
    second.wait_for("You are working on this copy")


def test_a_change_made_elsewhere_shows_on_the_open_copy(tills, server, copy_status):
    till = tills("till-1", "clk1")
    open_copy(till, str(COPY_ID))
    till.wait_for("On the shelf.")
    copy_status("damaged")  # another till marks it damaged and says so:
    with server.client() as other:
        other.login("mgr1", STAFF_PASSWORD, "till-4")
        other.result("publish", {"topic": "inventory", "event": "copy.updated",
                                 "data": {"copy_id": COPY_ID}})
    screen = till.wait_for(f"Copy {COPY_ID} changed at another till:")
    assert "Marked damaged." in screen.split("changed at another till:")[1]


def test_a_mistyped_barcode_is_caught_before_any_lookup(tills, demo_db):
    till = tills("till-1", "clk1")
    barcode = barcode_of(demo_db, COPY_ID)
    wrong = barcode[:-1] + str((int(barcode[-1]) + 1) % 10)
    till.type(wrong)
    till.send("Enter")
    till.wait_for(f"Barcode {wrong} does not check out (mis-scanned?): scan it again.")
    till.type("999999")
    till.send("Enter")
    till.wait_for("There is no copy with number 999999.")


def test_after_a_server_restart_both_tills_are_back_and_the_copy_still_held(
        tills, demo_db, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name)
    try:
        first = tills("till-1", "clk1", srv.address)
        second = tills("till-2", "mgr1", srv.address)
        open_copy(first, str(COPY_ID))
        first.wait_for("You are working on this copy")
        srv.kill()
        for till in (first, second):  # down, or reconnecting between attempts
            wait_until(till, lambda screen: "link: connected" not in screen, "a lost link")
        srv = start_server(tmp_path, demo_db.db.name, port=srv.port)
        for till in (first, second):
            till.wait_for("link: connected")
            assert till.screen().count("Username:") == 1  # no second login
        assert "clk1 (clerk)" in first.bottom_line() and "mgr1 (manager)" in second.bottom_line()
        open_copy(second, str(COPY_ID))  # the first till took its lock again
        second.wait_for("In use by clk1 at till-1 since")
    finally:
        srv.stop()


def test_with_the_server_gone_a_copy_can_still_be_looked_at_read_only(tills, demo_db, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name)
    till = tills("till-1", "clk1", srv.address)
    srv.kill()
    wait_until(till, lambda screen: "link: connected" not in screen, "a lost link")
    open_copy(till, str(COPY_ID))  # straight from the database ...
    screen = till.wait_for("Read-only: ")
    assert "On the shelf." in screen  # ... what it is and where, but no lock to work on it
    assert "is not connected" in screen.split("Read-only: ")[1]
    assert "You are working on this copy" not in screen
