"""The late fee at its boundaries: the due minute, the grace period, one day, the cap."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from store.fees import days_late, late_fee, return_charges
from store.shop import ShopRules

DUE = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)
RULES = ShopRules(late_fee_per_day=Decimal("1.50"), grace_hours=2)
COST = Decimal("19.99")


def fee(late, rules=RULES, cost=COST):
    return late_fee(DUE, DUE + late, rules, cost)


def test_back_on_the_due_minute_costs_nothing():
    assert fee(timedelta(0)) == Decimal("0.00")


def test_back_within_the_grace_period_costs_nothing():
    assert fee(timedelta(hours=2)) == Decimal("0.00")


def test_a_minute_past_the_grace_period_is_one_day():
    assert fee(timedelta(hours=2, minutes=1)) == Decimal("1.50")


def test_one_day_late_is_one_day():
    assert fee(timedelta(days=1)) == Decimal("1.50")


def test_the_grace_absorbs_minutes_past_whole_days():
    assert days_late(DUE, DUE + timedelta(days=7, minutes=3), 2) == 7
    assert days_late(DUE, DUE + timedelta(days=7, hours=2, minutes=1), 2) == 8


def test_without_grace_every_started_day_counts():
    assert days_late(DUE, DUE + timedelta(seconds=1), 0) == 1


@pytest.mark.parametrize("late,expected", [(timedelta(days=13), "19.50"),
                                           (timedelta(days=14), "19.99"),
                                           (timedelta(days=400), "19.99")])
def test_the_fee_is_capped_at_the_replacement_cost(late, expected):
    assert fee(late) == Decimal(expected)


def test_a_fixed_cap_set_by_the_shop_wins_over_the_replacement_cost():
    rules = ShopRules(late_fee_per_day=Decimal("1.50"), grace_hours=2,
                      late_fee_cap=Decimal("5.00"))
    assert fee(timedelta(days=30), rules) == Decimal("5.00")


def test_returned_before_it_was_due_costs_nothing():
    assert fee(-timedelta(days=2)) == Decimal("0.00")


def test_lost_or_damaged_costs_the_replacement_instead_of_a_late_fee():
    for condition in ("lost", "damaged"):
        assert return_charges(condition, DUE, DUE + timedelta(days=9), RULES, COST) == {
            "replacement": Decimal("19.99")}
    assert return_charges("ok", DUE, DUE + timedelta(days=3), RULES, COST) == {
        "late_fee": Decimal("4.50")}
    assert return_charges("ok", DUE, DUE, RULES, COST) == {}
