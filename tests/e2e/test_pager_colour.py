"""Long reports a page at a time, and overdue hires in red that turn plain with NO_COLOR:
the real `python main.py` in tmux (120x40) against a real store server over Sakila (1000
titles, 183 copies still out), read by a clerk on the Reports screen."""
import re

import pytest

from tests.conftest import make_staff, unique_username
from tests.e2e.test_admin_screen import wait_below
from tests.e2e.test_terminal import MENU, log_in
from tests.helpers import start_server
from tests.tmux import Tmux

PROMPT = "reports>"   # (tmux drops the trailing space)
RED = "\x1b[31m"


@pytest.fixture
def sakila_till(sakila_db, tmp_path):
    """A clerk of Sakila's store 1 and a store server over Sakila; opens terminals."""
    clerk = unique_username("pager")
    make_staff(sakila_db, clerk, "clerk", 1)
    server = start_server(tmp_path, sakila_db.db.name, "--test-clock")
    opened = []

    def open_reports(**env):
        term = Tmux(env={"VIDEOSTORE_DB_NAME": sakila_db.db.name,
                         "VIDEOSTORE_SERVER": server.address, **env})
        opened.append(term)
        log_in(term, clerk)
        term.wait_for(MENU)
        term.send("5")
        term.wait_for(PROMPT)
        return term
    open_reports.server = server
    yield open_reports
    for term in opened:
        term.close()
    server.stop()


def test_a_long_report_shows_a_page_at_a_time_space_for_more_and_q_stops(sakila_till):
    term = sakila_till()
    term.send("k")                                   # Stock: a row per title and store
    first = term.wait_for("-- lines 1-30 of ")   # 40 less the prompt's 8, toolbar, a spare
    total = int(re.search(r"-- lines 1-30 of (\d+)", first).group(1))
    assert total > 400
    assert any(line.startswith("Stock, ") for line in first.splitlines())  # not scrolled off
    term.send("Space")
    term.wait_for("-- lines 1-60 of ")
    term.send("Enter")
    term.wait_for("-- lines 1-90 of ")
    term.send("q")
    said = wait_below(term, "-- lines 1-90 of ", PROMPT)
    assert f"(stopped at line 90 of {total})" in said
    assert "-- lines 1-120" not in term.screen()
    term.send("k")                                   # Esc stops too, back in the sub-menu
    wait_below(term, "── Reports: Stock ──", "-- lines 1-30 of ")
    term.send("Escape")
    wait_below(term, f"(stopped at line 30 of {total})", PROMPT)
    assert "Traceback" not in term.screen()


def overdue_screen(term):
    """The screen, with its colour codes, once the overdue report's first page shows."""
    term.send("o")
    term.wait_for("-- lines 1-30 of ")                # 100+ overdue: the pager again
    return term.screen_with_colour()


def test_overdue_hires_are_red_and_plain_text_with_no_color(sakila_till):
    # Sakila's copies still out are due this week (its dates are moved to end yesterday):
    # a month on, all of them are overdue.
    assert sakila_till.server.ask("clock.advance", {"seconds": 30 * 86400})["ok"]
    coloured = overdue_screen(sakila_till())
    # (the rows are wider than the screen: tmux gives the colour where a red run starts)
    assert re.search(r"\x1b\[31m[^\x1b]*@sakilacustomer\.org", coloured), coloured
    plain = overdue_screen(sakila_till(NO_COLOR="1"))
    assert "@sakilacustomer.org" in plain and "\x1b[31m" not in plain, plain
