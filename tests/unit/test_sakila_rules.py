"""How Sakila's rows become Videostore's: pure rules, no database."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from store.errors import ValidationError
from store.sakila_rules import (copy_numbers, email_or_none, hire_money, moved, moved_record,
                                person_name, phone_or_none, shift_days, staff_username)

D = Decimal


def test_the_shift_puts_sakilas_last_rental_within_the_last_day_before_now():
    now = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)   # before 15:16 that day
    days = shift_days(now)
    last = moved("2006-02-14 15:16:03", days)
    assert last <= now and (now - last).total_seconds() < 86400
    assert last.time() == datetime(2006, 2, 14, 15, 16, 3).time()  # whole days: same time
    later = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)
    assert moved("2006-02-14 15:16:03", shift_days(later)).date() == later.date()


def test_row_stamps_are_never_in_the_future_and_bad_times_are_refused():
    now = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
    days = shift_days(now)
    assert moved_record("2006-02-15 04:57:20", days, now) == now
    assert moved_record("2005-05-24 22:53:30", days, now) < now
    with pytest.raises(ValidationError, match="not a Sakila time"):
        moved("24/05/2005", days)


def test_names_are_written_as_people_write_them():
    assert person_name("MARY", "First name") == "Mary"
    assert person_name("O'NEAL", "Surname") == "O'Neal"
    assert person_name("  SMITH-JONES ", "Surname") == "Smith-Jones"


def test_blank_or_odd_contact_details_become_none():
    assert phone_or_none("") is None
    assert phone_or_none("28303384290") == "28303384290"
    assert email_or_none("MARY.SMITH@sakilacustomer.org") == "MARY.SMITH@sakilacustomer.org"
    assert email_or_none("not an address") is None


def test_a_staff_username_taken_already_gets_the_store_number():
    assert staff_username("Mike", 1, set()) == "mike"
    assert staff_username("Mike", 1, {"mike"}) == "mike1"


@pytest.mark.parametrize("rate,amount,returned,late,paid", [
    ("2.99", "2.99", True, "0.00", "2.99"),     # on time
    ("2.99", "5.99", True, "3.00", "5.99"),     # three days late at $1
    ("0.99", "0.00", True, "0.00", None),       # nothing paid: no payment row
    ("4.99", "9.98", False, "0.00", "9.98"),    # still out: the extra is credit
])
def test_a_rentals_money_splits_into_rate_late_fee_and_payment(rate, amount, returned, late,
                                                                paid):
    money = hire_money(D(rate), D(amount), returned)
    assert money.rate == D(rate)
    assert money.late_fee == D(late)
    assert money.paid == (D(paid) if paid else None)


def test_copy_numbers_count_on_per_title_from_the_highest_so_far():
    highest = {7: 3}
    assert copy_numbers([7, 8, 7, 8, 9], highest) == [4, 1, 5, 2, 1]
    assert highest == {7: 5, 8: 2, 9: 1}
