"""ui/colour.py: status colour, and plain text when colour is off — exact strings both ways."""
import io
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from prompt_toolkit.formatted_text import to_formatted_text

from store.customers import CustomerView
from store.reports import Column, Report
from tests.unit.test_customer_page import MARY, NOW, hire
from ui.colour import for_terminal, paint, paint_rows, plain, terminal_colour, wanted
from ui.customer_page import describe
from ui.report_cli import report_text
from ui.tables import format_table

RED, YELLOW, RESET = "\x1b[31m", "\x1b[33m", "\x1b[0m"


@pytest.fixture
def a_tty():
    """A real terminal to write to: the slave end of a pseudo-terminal."""
    controller, terminal = os.openpty()
    with open(terminal, "w") as stream:
        yield stream
    os.close(controller)


def test_a_terminal_gets_colour_unless_no_color_or_a_dumb_terminal(a_tty):
    assert wanted({"TERM": "xterm-256color"}, a_tty) is True
    assert wanted({}, a_tty) is True
    assert wanted({"TERM": "xterm", "NO_COLOR": "1"}, a_tty) is False
    assert wanted({"NO_COLOR": "anything"}, a_tty) is False
    assert wanted({"TERM": "dumb"}, a_tty) is False
    # no-color.org: an empty NO_COLOR does not count (prompt_toolkit reads it the same way)
    assert wanted({"NO_COLOR": ""}, a_tty) is True


def test_output_that_is_not_a_terminal_gets_no_colour():
    assert wanted({"TERM": "xterm"}, io.StringIO()) is False
    closed = io.StringIO()
    closed.close()
    assert wanted({"TERM": "xterm"}, closed) is False


def test_paint_adds_the_status_colour_only_when_asked():
    assert paint("OVERDUE", "overdue", True) == f"{RED}OVERDUE{RESET}"
    assert paint("due today", "warn", True) == f"{YELLOW}due today{RESET}"
    assert paint("on time", "ok", True) == "\x1b[32mon time\x1b[0m"
    assert paint("OVERDUE", "overdue", False) == "OVERDUE"
    assert paint("", "overdue", True) == ""
    assert plain(paint("OVERDUE", "overdue", True)) == "OVERDUE"


def test_paint_rows_paints_whole_data_rows_and_leaves_the_table_itself_alone():
    table = format_table(["Title", "Days late"], [["Alien", 3], ["Jaws", 0]])
    assert paint_rows(table, ["overdue", None], False) == table
    assert paint_rows(table, ["overdue", None], True) == (
        "Title      Days late\n"
        "-------  -----------\n"
        f"{RED}Alien              3{RESET}\n"
        "Jaws               0")
    assert plain(paint_rows(table, ["overdue", None], True)) == table


def test_a_table_with_a_line_break_in_a_cell_stays_plain():
    table = format_table(["Title"], [["Two\nlines"]])
    assert paint_rows(table, ["overdue"], True) == table


def test_the_terminal_shows_our_colours_and_never_a_strays_control_codes():
    text = f"{RED}Ana{RESET} \x1b]0;owned\x07 \x01raw\x02 ok"
    fragments = to_formatted_text(for_terminal(text))
    assert ("".join(t for _, t in fragments)) == "Ana ?]0;owned? ?raw? ok"
    assert [t for style, t in fragments if "ansired" in style] == ["A", "n", "a"]
    assert not any("ZeroWidthEscape" in style for style, _ in fragments)


def test_a_terminal_without_a_colour_flag_gets_none():
    class Fake:
        pass
    coloured = Fake()
    coloured.colour = True
    assert terminal_colour(Fake()) is False and terminal_colour(coloured) is True


def test_the_customer_page_shows_overdue_copies_and_what_is_owed_in_red():
    view = CustomerView(MARY, Decimal("3.5"), as_of=NOW,
                        open_hires=[hire("Late One", NOW - timedelta(minutes=1)),
                                    hire("On Time", NOW + timedelta(minutes=1))])
    page, coloured = describe(view, "UTC"), describe(view, "UTC", colour=True)
    assert RED not in page and plain(coloured) == page
    late = next(line for line in coloured.splitlines() if "Late One" in line)
    on_time = next(line for line in coloured.splitlines() if "On Time" in line)
    assert late.startswith(f"  {RED}Late One") and late.endswith(f"OVERDUE{RESET}")
    assert "\x1b" not in on_time
    assert f"  {RED}Owes 3.50{RESET}" in coloured.splitlines()


def test_the_overdue_report_is_red_on_the_screen_and_plain_for_scripts():
    columns = (Column("title", "Title"), Column("days", "Days late", "count"))
    report = Report("overdue", "Overdue hires, Main Street", columns, [("Alien", 3)])
    assert report_text(report) == ("Overdue hires, Main Street\n"
                                   "Title      Days late\n"
                                   "-------  -----------\n"
                                   "Alien              3")
    assert report_text(report, colour=True) == ("Overdue hires, Main Street\n"
                                                "Title      Days late\n"
                                                "-------  -----------\n"
                                                f"{RED}Alien              3{RESET}")
