"""The Reports screen (menu key 5) of the real `python main.py`, in tmux, against a real
store server: the shop's reports (store/reports.py) as a clerk and an admin run them."""
import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.e2e.test_admin_screen import answer, wait_below
from tests.e2e.test_terminal import MENU, log_in, open_terminal

PROMPT = "reports>"  # (tmux drops the trailing space)


@pytest.fixture
def term(demo_db, server, people):
    t = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name,
                       "VIDEOSTORE_SERVER": server.address,
                       "VIDEOSTORE_TERMINAL_NAME": "till-9"})
    yield t
    t.close()


def open_reports(term, username, password=None):
    log_in(term, username, *([password] if password else []))
    term.wait_for(MENU)
    term.send("5")
    return term.wait_for(PROMPT)


def test_a_clerk_runs_a_range_report_for_their_store_and_a_bad_day_is_asked_again(term):
    menu = open_reports(term, "clk1")
    assert "o Overdue hires" in menu and "k Stock" in menu
    assert "Sales by store" not in menu   # a manager's
    term.send("p")
    term.wait_for("── Reports: Most hired titles ──")
    answer(term, "First day (YYYY-MM-DD) [", "2025-02-30")
    term.wait_for("The day: '2025-02-30' is not a date; write it as YYYY-MM-DD")
    term.wait_for_count("First day (YYYY-MM-DD) [", 2)
    term.send("Enter")                        # the default: 30 days ago
    answer(term, "Last day (YYYY-MM-DD) [", "")
    said = wait_below(term, "── Reports: Most hired titles ──", PROMPT)
    assert "Most hired titles, Test Store, " in said   # the clerk's own store, not asked
    assert "Traceback" not in said


def test_an_admin_chooses_all_stores_for_sales_by_store(term):
    open_reports(term, "admin", ADMIN_PASSWORD)
    term.send("s")
    term.wait_for("── Reports: Sales by store ──")
    answer(term, "Store: its number, or all [1]:", "all")
    answer(term, "First day (YYYY-MM-DD) [", "")
    answer(term, "Last day (YYYY-MM-DD) [", "")
    said = wait_below(term, "── Reports: Sales by store ──", "Total:")
    assert "Sales by store, all stores, " in said
    assert "Test Store" in said and "Second Street" in said
