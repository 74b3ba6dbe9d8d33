"""The terminal's screens driven through prompt_toolkit's pipe input (keys typed as a clerk
types them) and DummyOutput: the real TerminalApp, its real sessions and histories, over the
real store server and MariaDB of a small shop (tests/circulation.py). What the managers
received is read back from the database."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.conftest import STAFF_PASSWORD, settings_for
from ui.app import TerminalApp
from ui.customers import register_customer
from ui.hire import COPY_HELP, hire_screen
from ui.quick import HELP_TEXT as QUICK_HELP

F1, UP, CLEAR_LINE = "\x1bOP", "\x1b[A", "\x15"     # Ctrl-U clears the line


class RecordingTerminal(TerminalApp):
    """The real terminal; what it says is recorded instead of printed."""

    def __init__(self, settings):
        super().__init__(settings, lambda: settings)
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def shown(self) -> str:
        return "\n".join(self.said)


@pytest.fixture
def pipe():
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


@pytest.fixture
def till(shop, pipe):
    """The terminal logged in as clk1, its prompts reading the pipe."""
    settings = settings_for(shop.settings.db.name, server__host=shop.server.host,
                            server__port=shop.server.port)
    app = RecordingTerminal(settings)
    client = app.services.client
    client.start()
    try:
        assert client.wait_connected(10), f"no store server at {shop.server.address}"
        client.login("clk1", STAFF_PASSWORD, "till-pipe")
        app.store = app.services.home_store()
        app.open_sessions()
        yield app
    finally:
        app.services.close()


def at_menu(app, pipe, keys: str) -> bool:
    """`keys` typed at the main menu (and the screens it opens); what choose() answered."""
    pipe.send_text(keys)
    return app.choose(app.menu_prompt())


def history(name: str) -> str:
    path = Path(os.environ["XDG_DATA_HOME"]) / "videostore" / "history" / name
    return path.read_text() if path.exists() else ""


def open_hires(shop, copy_id):
    return shop.scalar("SELECT COUNT(*) FROM hires WHERE copy_id = %s AND customer_id = %s "
                       "AND returned_at IS NULL", (copy_id, shop.customers["mary"]))


def test_quick_hire_shows_what_will_be_written_then_hires_on_yes(shop, till, pipe):
    alien = shop.copies["Alien@1"][0]
    # Paid now? no; Hire 1 copy to Mary Smith? yes
    assert at_menu(till, pipe, f"/hire {alien} to 555-0101\rn\ry\r")
    shown = till.shown()
    assert "Mary Smith · card" in shown
    assert "── To hire to Mary Smith ──" in shown and "2.99" in shown and "Due back" in shown
    assert "Hired 1 copy to Mary Smith; receipt" in shown
    assert open_hires(shop, alien) == 1
    assert shop.scalar("SELECT s.username FROM hires h JOIN staff s ON s.id = h.hired_by "
                       "WHERE h.copy_id = %s", (alien,)) == "clk1"
    assert f"/hire {alien} to 555-0101" in history("menu")
    for answer in ("n", "y"):        # the confirmation's answers are in no history
        assert f"+{answer}\n" not in history("menu") + history("copies")


def test_quick_hire_answered_no_writes_nothing(shop, till, pipe):
    alien = shop.copies["Alien@1"][0]
    assert at_menu(till, pipe, f"/h {alien} to Mary Smith\ry\rn\r")
    assert "Nothing hired." in till.said[-1]
    assert open_hires(shop, alien) == 0


@pytest.mark.parametrize("line, says", [
    ("/hire {copy} to nobody", "No customer matches 'nobody'. Nothing hired."),
    ("/hire {copy} to s", "customers match 's': "),
    ("/hire {copy} to 555-01", "is not a card number"),   # the search rule's own words
    ("/hire x{copy} to mary", "is not a copy: a copy is its barcode or its number"),
    ("/hire {copy} to Ann Gone", "membership is deactivated: no hires"),
])
def test_quick_hire_to_no_one_several_or_a_refused_customer_is_one_line(shop, till, pipe,
                                                                       line, says):
    alien = shop.copies["Alien@1"][0]
    assert at_menu(till, pipe, line.format(copy=alien) + "\r")
    told = [x for x in till.said if "·" not in x]        # not the customer's summary
    assert says in told[0] and all("\n" not in x for x in told), told
    assert shop.scalar("SELECT COUNT(*) FROM hires") == 0


def test_quick_return_shows_the_charges_then_takes_the_copy_back(shop, till, pipe):
    alien = shop.copies["Alien@1"][0]
    with shop.desk() as desk:
        desk.hires.hire(shop.customers["mary"], [str(alien)])
    shop.advance(5)                                  # due after 3 days: 2 days late
    # Condition [ok]: Enter; Paid now (2.00)? y; Take back 1 copy from Mary Smith? y
    assert at_menu(till, pipe, f"/return {alien}\r\ry\ry\r")
    shown = till.shown()
    assert "── To take back from Mary Smith ──" in shown and "2.00" in shown
    assert "Returned 1 from Mary Smith; receipt" in shown
    assert open_hires(shop, alien) == 0
    assert shop.scalar("SELECT late_fee FROM hires WHERE copy_id = %s", (alien,)) == 2


def test_quick_help_and_a_bad_command_and_up_recalls_the_last_line(shop, till, pipe):
    assert at_menu(till, pipe, "/help\r")
    assert till.said[-1] == QUICK_HELP
    assert at_menu(till, pipe, "/zap\r")
    assert till.said[-1].startswith("No command 'zap'")
    pipe.send_text(UP + "\r")
    assert till.menu_prompt() == "/zap"
    assert not at_menu(till, pipe, "q")


def test_the_hire_screen_form_checks_each_copy_and_f1_lists_its_keys(shop, till, pipe):
    alien, heat = shop.copies["Alien@1"][0], shop.copies["Heat@1"][0]
    pipe.send_text("555 0101\r"                 # customer> Mary, found by phone
                   f"9{F1}{heat}\r"             # F1 at copy>: its keys; the 9 stays typed
                   f"{alien}\r"
                   "\r" "y\r" "y\r"             # done; paid now; hire
                   "\r")                        # customer>: Enter alone, back to the menu
    hire_screen(till)
    shown = till.shown()
    assert COPY_HELP.rstrip("\n") in till.said
    assert f"There is no copy 9{heat}." in shown      # what was typed before F1 was kept
    assert "Hired 1 copy to Mary Smith" in shown
    assert open_hires(shop, alien) == 1 and open_hires(shop, heat) == 0
    assert f"+9{heat}\n" in history("copies") and f"+{alien}\n" in history("copies")
    assert "+555 0101\n" in history("customers")


def test_the_register_form_refuses_a_bad_date_at_the_field_and_registers_what_was_typed(
        shop, till, pipe):
    pipe.send_text("Ezra\r" "Quillfeather\r"
                   "1985-13-02\r"                 # no 13th month: Enter refused, line kept
                   f"{CLEAR_LINE}1985-04-02\r" "0207 555 0199\r" "\r" "\r" "\r" "\r"
                   "\r")                          # Enter alone leaves the new customer
    register_customer(till)
    shown = till.shown()
    assert "Registered Ezra Quillfeather: card" in shown
    row = shop.scalar("SELECT CONCAT(date_of_birth, ' ', phone) FROM customers "
                      "WHERE last_name = 'Quillfeather'")
    assert row == "1985-04-02 02075550199"
