"""ui/tables.py: what a clerk sees, as exact strings."""
from decimal import Decimal

import pytest

from ui.tables import DATE_TIME_S, format_money, format_table, format_time

NOV = {"utc": "2026-11-23T14:22:10.583Z", "epoch_ms": 1795443730583}
JUL = {"utc": "2026-07-01T09:05:59.999Z", "epoch_ms": 1782896759999}


def test_text_is_left_aligned_and_whole_numbers_right_aligned():
    table = format_table(["Title", "Copies"], [["Alien", 3], ["Jaws", 12]])
    assert table == ("Title      Copies\n"
                     "-------  --------\n"
                     "Alien           3\n"
                     "Jaws           12")


def test_money_has_two_decimals_rounded_half_up_and_is_right_aligned():
    table = format_table(["Customer", "Owes"],
                         [["ana", Decimal("2.5")], ["bo", "0.995"], ["cy", 12345.6], ["di", -4]],
                         money_columns=["Owes"])
    assert table == ("Customer        Owes\n"
                     "----------  --------\n"
                     "ana             2.50\n"
                     "bo              1.00\n"
                     "cy          12345.60\n"
                     "di             -4.00")


def test_money_columns_can_be_named_by_index():
    assert format_table(["Kind", "Amount"], [["late fee", "3"]], money_columns=[1]) == (
        "Kind        Amount\n"
        "--------  --------\n"
        "late fee      3.00")


def test_none_is_a_blank_cell_and_booleans_read_yes_or_no():
    table = format_table(["User", "Active", "Locked until", "Fee"],
                         [["ana", True, None, None], ["bo", False, "2026-11-23 14:22", "1"]],
                         money_columns=["Fee"])
    assert table == ("User    Active    Locked until        Fee\n"
                     "------  --------  ----------------  -----\n"
                     "ana     yes\n"
                     "bo      no        2026-11-23 14:22   1.00")


def test_text_that_looks_like_a_number_is_kept_as_typed_and_left_aligned():
    assert format_table(["Barcode", "Note"], [["007", "1.50"]]) == (
        "Barcode    Note\n"
        "---------  ------\n"
        "007        1.50")


def test_an_empty_table_is_its_headers():
    assert format_table(["Resource", "Username"], []) == ("Resource    Username\n"
                                                          "----------  ----------")


def test_a_row_of_the_wrong_length_is_a_bug_said_plainly():
    with pytest.raises(ValueError, match="2 cells for 3 headers"):
        format_table(["a", "b", "c"], [["x", "y"]])


def test_money_formats_alone_too():
    assert [format_money(v) for v in (None, 0, "7.005", Decimal("-0.5"))] == [
        "", "0.00", "7.01", "-0.50"]


def test_a_protocol_time_is_shown_in_the_stores_zone():
    assert format_time(NOV, "UTC") == "2026-11-23 14:22"
    assert format_time(NOV, "America/New_York") == "2026-11-23 09:22"
    assert format_time(JUL, "Europe/Lisbon", DATE_TIME_S) == "2026-07-01 10:05:59"
    assert format_time(NOV, "Asia/Kolkata", "%a %d %b %H:%M %Z") == "Mon 23 Nov 19:52 IST"


def test_a_time_without_epoch_ms_is_read_from_its_utc_text():
    assert format_time({"utc": JUL["utc"]}, "Europe/Lisbon", DATE_TIME_S) == "2026-07-01 10:05:59"


def test_no_time_is_blank_and_an_unknown_zone_falls_back_to_utc():
    assert format_time(None, "Europe/Lisbon") == ""
    assert format_time(NOV, "Nowhere/Atlantis") == "2026-11-23 14:22"
