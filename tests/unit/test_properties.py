"""Property tests of the pure rules: for ANY text (every code point, control characters,
other scripts' digits, very long strings) a rule returns a value or raises
ValidationError — never another exception, which a screen or the server would show as a
traceback or INTERNAL — and what it returns is already clean: cleaning it again gives it
back. Profiles and strategies: tests/properties.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from store import codes, csv_rules, customer_rules, hire_rules, money, title_rules
from store.errors import Refused, ValidationError
from store.shop import PARSERS, ShopRules, parse_setting
from store.videos import parse_copy_ref
from tests.properties import any_text, numberish

TODAY = date(2025, 6, 15)
THIS_YEAR = TODAY.year


def cleaned(rule, text):
    """What `rule` makes of `text`, or None when it refuses it with a ValidationError
    (any other exception fails the test)."""
    try:
        return rule(text)
    except ValidationError as e:
        assert str(e).strip(), "a refusal says why"
        return None


# --- customers -----------------------------------------------------------------------------

@pytest.mark.parametrize("column", list(customer_rules.FIELD_BY_COLUMN))
@given(text=any_text)
def test_a_customer_detail_is_refused_or_cleaned_to_a_value_that_cleans_to_itself(column, text):
    def rule(t):
        return customer_rules.clean_field(column, t, TODAY)
    value = cleaned(rule, text)
    if value is not None:
        assert rule(customer_rules.as_text(value)) == value
        if isinstance(value, str):
            assert value.isprintable() and len(value) <= 254


@given(born=st.dates(date(1800, 1, 1), date(2100, 1, 1)))
def test_a_date_of_birth_is_kept_exactly_when_it_is_a_possible_age(born):
    value = cleaned(lambda t: customer_rules.clean_date_of_birth(t, TODAY), born.isoformat())
    assert (value == born) == (born <= TODAY and customer_rules.age_on(born, TODAY) <= 120)


@given(text=any_text)
def test_a_customer_search_is_a_plan_or_a_refusal_and_never_crashes(text):
    plan = cleaned(customer_rules.search_plan, text)
    assert plan is None or plan.card or plan.phone or plan.email or plan.names
    assert customer_rules.nothing_found(text)
    cleaned(customer_rules.clean_card, text)


@given(seq=st.integers(0, 99_999_999))
def test_every_card_number_cleans_to_itself_and_is_found_by_a_search(seq):
    card = codes.card_number(seq)
    assert customer_rules.clean_card(card) == card
    assert customer_rules.search_plan(card).card == card


# --- codes ---------------------------------------------------------------------------------

@given(title_id=st.integers(1, title_rules.MAX_TITLE_ID),
       number=st.integers(1, title_rules.MAX_COPY_NUMBER),
       position=st.integers(0, 10), new_digit=st.integers(0, 9))
def test_a_barcode_checks_out_and_any_one_digit_mistyped_does_not(title_id, number, position,
                                                                  new_digit):
    barcode = codes.copy_barcode(title_id, number)
    assert len(barcode) == 11 and codes.is_valid(barcode)
    assert parse_copy_ref(barcode).barcode == barcode
    assume(barcode[position] != str(new_digit))
    typo = barcode[:position] + str(new_digit) + barcode[position + 1:]
    assert not codes.is_valid(typo)


@given(text=any_text)
def test_any_text_is_a_copy_reference_or_a_refusal(text):
    assert codes.is_valid(text) in (True, False)
    ref = cleaned(parse_copy_ref, text)
    if ref is not None:
        assert (ref.barcode is None) != (ref.copy_id is None)


@pytest.mark.parametrize("rule", [
    parse_copy_ref, csv_rules.title_id_of, title_rules.parse_length,
    title_rules.parse_rental_days, title_rules.parse_copy_count,
    lambda t: title_rules.parse_year(t, THIS_YEAR),
    lambda t: csv_rules.store_of(t, 1, {1, 2}),
], ids=["copy_ref", "title_id", "length", "rental_days", "copy_count", "year", "store"])
@pytest.mark.parametrize("text", ["²", "⓵", "12³", "9" * 5000])
def test_digits_int_cannot_read_are_refused_not_a_crash(rule, text):
    """Found by these properties: str.isdigit() says yes to superscripts and circled
    digits, and int() then raised ValueError (as it does past 4300 digits)."""
    with pytest.raises(ValidationError):
        rule(text)


# --- money and titles ----------------------------------------------------------------------

@given(text=numberish)
def test_an_amount_is_refused_or_a_whole_number_of_cents_in_range(text):
    amount = cleaned(money.parse_amount, text)
    if amount is not None:
        assert Decimal(0) <= amount <= money.MAX_AMOUNT
        assert amount.as_tuple().exponent == -2
        assert money.parse_amount(str(amount)) == amount
        assert title_rules.parse_money(str(amount), "x") == amount


@given(cents=st.integers(0, 99_999_999))
def test_every_amount_in_range_is_accepted_as_typed(cents):
    amount = Decimal(cents) / 100
    assert money.parse_amount(f"{amount:.2f}") == amount
    assert money.parse_amount(f"£{amount:.2f}") == amount


@pytest.mark.parametrize("name", list(title_rules.field_parsers(THIS_YEAR)))
@given(text=st.one_of(any_text, numberish))
def test_a_title_field_is_refused_or_parsed_to_a_value_that_parses_to_itself(name, text):
    parse = title_rules.field_parsers(THIS_YEAR)[name]
    value = cleaned(parse, text)
    if value is not None:
        assert parse(str(value)) == value


@pytest.mark.parametrize("rule", [title_rules.parse_format, title_rules.parse_mark,
                                  title_rules.parse_reason, title_rules.parse_copy_count,
                                  title_rules.title_search])
@given(text=any_text)
def test_the_other_catalogue_rules_answer_any_text(rule, text):
    value = cleaned(rule, text)
    if value is not None and rule is not title_rules.title_search:
        assert rule(str(value)) == value


@given(text=any_text)
def test_a_title_search_escapes_every_like_wildcard(text):
    search = cleaned(title_rules.title_search, text)
    if search is not None:
        assert search.starts.endswith("%")
        body = search.starts[:-1].replace("\\\\", "").replace("\\%", "").replace("\\_", "")
        assert "%" not in body and "_" not in body


@pytest.mark.parametrize("name", list(PARSERS))
@given(text=st.one_of(any_text, numberish))
def test_a_shop_setting_is_refused_or_read_to_a_value_that_reads_the_same(name, text):
    value = cleaned(lambda t: parse_setting(name, t), text)
    if value is not None and not isinstance(value, bool):
        assert parse_setting(name, str(value)) == value


# --- CSV rows ------------------------------------------------------------------------------

def row_of(kind):
    return st.fixed_dictionaries({c: st.one_of(any_text, numberish) for c in kind.columns})


@given(fields=row_of(csv_rules.CUSTOMERS))
def test_a_customer_row_of_any_text_is_a_row_or_a_refusal(fields):
    cleaned(lambda f: csv_rules.customer_row(f, TODAY, 1, {1, 2}), fields)


@given(fields=row_of(csv_rules.TITLES))
def test_a_title_row_of_any_text_is_a_row_or_a_refusal(fields):
    cleaned(lambda f: csv_rules.title_row(f, THIS_YEAR), fields)


@given(fields=row_of(csv_rules.COPIES))
def test_a_copy_row_of_any_text_is_a_row_or_a_refusal(fields):
    numbering = csv_rules.CopyNumbering(lambda title_id: 0)
    cleaned(lambda f: csv_rules.copy_row(f, 1, {1, 2}, numbering), fields)


@pytest.mark.parametrize("kind", list(csv_rules.KINDS.values()), ids=list(csv_rules.KINDS))
@given(header=st.lists(any_text, max_size=12))
def test_any_header_row_is_read_or_refused(kind, header):
    read = cleaned(lambda h: csv_rules.read_header(kind, h), header)
    if read is not None:
        assert set(kind.required) <= set(read.positions)


# --- hires ---------------------------------------------------------------------------------

money_amounts = st.decimals(0, 1000, places=2)
hirers = st.builds(hire_rules.Hirer, id=st.integers(1, 10 ** 6), name=any_text,
                   active=st.booleans(),
                   date_of_birth=st.none() | st.dates(date(1900, 1, 1), TODAY),
                   balance=money_amounts, open_hires=st.integers(0, 50))
copies = st.builds(hire_rules.Hireable, id=st.integers(1, 10 ** 6), title=any_text,
                   rating=st.sampled_from(title_rules.RATINGS), store_id=st.integers(1, 3),
                   status=st.sampled_from(title_rules.STATUSES),
                   held_for=st.none() | st.integers(1, 10 ** 6))


@given(hirer=hirers, copy=copies, count=st.integers(1, 10), override=st.booleans(),
       store_id=st.integers(1, 3))
def test_the_hire_rules_allow_or_refuse_with_a_reason_and_nothing_else(hirer, copy, count,
                                                                       override, store_id):
    rules = ShopRules()
    for check in (lambda: hire_rules.check_hirer(hirer, count, rules, override),
                  lambda: hire_rules.check_copy(copy, hirer, store_id, rules, TODAY)):
        try:
            check()
        except Refused as e:
            assert e.details["reason"] and str(e)
    try:
        hire_rules.check_copy(copy, hirer, store_id, rules, TODAY)
    except Refused:
        return
    # Allowed: so it is this store's copy, on the shelf (or held for this customer), and
    # the customer is old enough for its rating.
    assert copy.store_id == store_id and copy.status in ("available", "held")
    needed = rules.min_age(copy.rating)
    assert not needed or hire_rules.age_on(hirer.date_of_birth, TODAY) >= needed


@given(now=st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1),
                        timezones=st.just(timezone.utc)),
       days=st.integers(1, title_rules.RENTAL_DAYS_MAX), late_s=st.integers(-10 ** 6, 10 ** 7),
       renewals=st.integers(0, 5), holds=st.integers(0, 3))
def test_a_renewal_is_allowed_only_before_the_grace_runs_out(now, days, late_s, renewals, holds):
    rules = ShopRules()
    due = hire_rules.due_at(now, days)
    assert due - now == timedelta(days=days)
    at = due + timedelta(seconds=late_s)
    try:
        hire_rules.check_renewal(renewals, holds, due, at, rules, "Alien")
    except Refused as e:
        assert e.details["reason"] in ("renewal_limit", "title_on_hold", "overdue")
    else:
        assert renewals < rules.renewal_limit and not holds
        assert late_s <= rules.grace_hours * 3600
