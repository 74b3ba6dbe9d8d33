"""Who may hire what: every rule at its boundary, and the reason said."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from store.errors import Refused
from store.hire_rules import (Hireable, Hirer, age_on, check_copy, check_hirer,
                              check_renewal, due_at)
from store.shop import ShopRules

RULES = ShopRules(max_open_hires=5, blocking_balance=Decimal("10.00"), renewal_limit=2)
TODAY = date(2026, 11, 23)


def hirer(**kw):
    base = dict(id=1, name="Mary Smith", active=True, date_of_birth=date(1990, 5, 1),
                balance=Decimal("0.00"), open_hires=0)
    return Hirer(**{**base, **kw})


def copy(**kw):
    base = dict(id=7, title="Alien", rating="R", store_id=1, status="available")
    return Hireable(**{**base, **kw})


def refused(fn, *args):
    with pytest.raises(Refused) as e:
        fn(*args)
    return e.value


def test_age_counts_whole_years_and_the_birthday_itself():
    assert age_on(date(2009, 11, 23), TODAY) == 17
    assert age_on(date(2009, 11, 24), TODAY) == 16
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_a_customer_is_old_enough_on_their_birthday_not_the_day_before():
    check_copy(copy(), hirer(date_of_birth=date(2009, 11, 23)), 1, RULES, TODAY)
    e = refused(check_copy, copy(), hirer(date_of_birth=date(2009, 11, 24)), 1, RULES, TODAY)
    assert e.details["reason"] == "age" and "is 16, it needs 17" in e.message
    e = refused(check_copy, copy(rating="NC-17"), hirer(date_of_birth=date(2009, 1, 1)), 1,
                RULES, TODAY)
    assert "needs 18" in e.message
    check_copy(copy(rating="PG"), hirer(date_of_birth=date(2020, 1, 1)), 1, RULES, TODAY)


def test_a_rated_title_needs_a_date_of_birth_on_file():
    e = refused(check_copy, copy(), hirer(date_of_birth=None), 1, RULES, TODAY)
    assert "no date of birth on file" in e.message


def test_the_open_hire_limit_counts_the_copies_being_hired():
    check_hirer(hirer(open_hires=3), 2, RULES, False)
    e = refused(check_hirer, hirer(open_hires=4), 2, RULES, False)
    assert e.details["reason"] == "hire_limit" and "limit of 5" in e.message


def test_a_balance_above_the_limit_blocks_unless_a_manager_overrides():
    check_hirer(hirer(balance=Decimal("10.00")), 1, RULES, False)  # at the limit: fine
    e = refused(check_hirer, hirer(balance=Decimal("10.01")), 1, RULES, False)
    assert e.details == {"reason": "balance", "override": True, "balance": "10.01"}
    check_hirer(hirer(balance=Decimal("10.01")), 1, RULES, True)


def test_an_inactive_customer_cannot_hire_even_with_an_override():
    e = refused(check_hirer, hirer(active=False), 1, RULES, True)
    assert e.details["reason"] == "customer_inactive"


def test_a_copy_of_another_store_or_off_the_shelf_is_refused():
    assert refused(check_copy, copy(store_id=2), hirer(), 1, RULES,
                   TODAY).details["reason"] == "other_store"
    for status in ("hired", "damaged", "lost", "retired"):
        e = refused(check_copy, copy(status=status), hirer(), 1, RULES, TODAY)
        assert e.details["reason"] == "not_available" and status in e.message


def test_a_held_copy_goes_only_to_the_customer_it_is_held_for():
    check_copy(copy(status="held", held_for=1), hirer(id=1), 1, RULES, TODAY)
    e = refused(check_copy, copy(status="held", held_for=2), hirer(id=1), 1, RULES, TODAY)
    assert e.details["reason"] == "held_for_other"


def test_the_due_date_is_the_hire_time_plus_the_rental_days():
    now = datetime(2026, 11, 23, 17, 5, tzinfo=timezone.utc)
    assert due_at(now, 3) == datetime(2026, 11, 26, 17, 5, tzinfo=timezone.utc)


def test_renewals_stop_at_the_limit_at_a_hold_and_once_overdue():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    check_renewal(1, 0, now, now, RULES, "Alien")
    assert refused(check_renewal, 2, 0, now, now, RULES,
                   "Alien").details["reason"] == "renewal_limit"
    assert refused(check_renewal, 0, 1, now, now, RULES,
                   "Alien").details["reason"] == "title_on_hold"
    check_renewal(0, 0, now - timedelta(hours=2), now, RULES, "Alien")  # within grace
    assert refused(check_renewal, 0, 0, now - timedelta(hours=2, minutes=1), now, RULES,
                   "Alien").details["reason"] == "overdue"
