"""The shop's settings read into rules: every value checked, a bad stored one never stops
the till."""
from decimal import Decimal

import pytest

from store.errors import NotFound, ValidationError
from store.shop import ShopRules, parse_setting, rules_from


def test_the_stored_settings_become_typed_rules():
    rules = rules_from({"late_fee_per_day": "1.50", "grace_hours": "4",
                        "late_fee_cap": "replacement_cost", "max_open_hires": "3",
                        "blocking_balance": "12.00", "min_age_R": "16", "min_age_NC-17": "21",
                        "hold_shelf_days": "2", "renewal_limit": "1", "require_totp_admins": "1"})
    assert rules == ShopRules(Decimal("1.50"), 4, None, 3, Decimal("12.00"),
                              (("NC-17", 21), ("R", 16)), 2, 1, True)
    assert rules.min_age("R") == 16 and rules.min_age("PG-13") == 0


def test_a_fixed_late_fee_cap_is_an_amount():
    assert rules_from({"late_fee_cap": "20"}).late_fee_cap == Decimal("20.00")


def test_a_missing_or_unreadable_setting_keeps_its_default():
    assert rules_from({}) == ShopRules()
    assert rules_from({"grace_hours": "lots", "max_open_hires": "-1"}) == ShopRules()


@pytest.mark.parametrize("name,text", [
    ("late_fee_per_day", "1.005"), ("late_fee_per_day", "-1"), ("late_fee_per_day", "NaN"),
    ("late_fee_per_day", "abc"), ("grace_hours", "1.5"), ("max_open_hires", "0"),
    ("min_age_R", "100"), ("require_totp_admins", "yes"), ("late_fee_cap", "all of it")])
def test_a_bad_value_is_refused_with_what_is_wrong(name, text):
    with pytest.raises(ValidationError) as e:
        parse_setting(name, text)
    assert repr(text) in e.value.message


def test_an_unknown_setting_names_the_ones_there_are():
    with pytest.raises(NotFound, match="late_fee_per_day"):
        parse_setting("free_popcorn", "1")
