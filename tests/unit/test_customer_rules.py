"""A customer's details and the search text, checked at their boundaries, no database."""
from datetime import date

import pytest

from store import codes
from store.customer_rules import (NameSearch, SearchPlan, age_on, clean_card,
                                  clean_date_of_birth, clean_details, clean_email, clean_field,
                                  clean_name, clean_phone, nothing_found,
                                  search_plan)
from store.errors import ValidationError

TODAY = date(2024, 6, 15)


def refused(rule, *args):
    with pytest.raises(ValidationError) as e:
        rule(*args)
    return e.value.message


# --- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [
    ("  Mary ", "Mary"), ("Mary  Ann", "Mary Ann"), ("O'Brien", "O'Brien"),
    ("O\u2019Brien", "O'Brien"), ("Smith-Jones", "Smith-Jones"), ("St. John", "St. John"),
    ("van der Berg", "van der Berg"), ("Zoë", "Zoë"), ("Núñez", "Núñez"), ("A", "A"),
    ("x" * 50, "x" * 50)])
def test_a_name_is_trimmed_and_kept_as_typed(typed, stored):
    assert clean_name(typed) == stored


def test_a_name_of_51_characters_is_too_long():
    assert "51 characters long; at most 50" in refused(clean_name, "x" * 51, "Surname")


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_name_is_needed(typed):
    assert refused(clean_name, typed, "First name") == "First name is needed."


@pytest.mark.parametrize("typed,bad", [("Mary2", "'2'"), ("Mary_Ann", "'_'"),
                                       ("Mary; DROP", "';'")])
def test_a_name_with_other_characters_says_which(typed, bad):
    message = refused(clean_name, typed)
    assert "letters, spaces and ' - . only" in message and bad in message


def test_a_control_character_in_a_name_is_refused():
    assert "control character" in refused(clean_name, "Ma\x1b[2Jry")
    assert "control character" in refused(clean_name, "Mary\x00")


def test_a_name_of_punctuation_only_needs_a_letter():
    assert refused(clean_name, "-.'") == "Name needs at least one letter."


# --- phones ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [
    ("555-0123", "5550123"), ("(555) 012-3456", "5550123456"), ("+44 20 7946 0958", "442079460958"),
    ("1234567", "1234567"), ("123456789012345", "123456789012345"), ("555.012.3456", "5550123456"),
    ("", None), ("   ", None)])
def test_a_phone_is_stored_as_its_digits(typed, stored):
    assert clean_phone(typed) == stored


def test_a_phone_has_7_to_15_digits():
    assert "has 6 digits; a phone number has 7 to 15" in refused(clean_phone, "123456")
    assert "has 16 digits" in refused(clean_phone, "1234567890123456")


@pytest.mark.parametrize("typed", ["555-CALL-NOW", "++44 20 7946 0958", "555 0123 x12", "٥٥٥٠١٢٣٤"])
def test_a_phone_with_letters_or_odd_characters_is_refused(typed):
    assert "digits only" in refused(clean_phone, typed)


# --- e-mail ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [
    ("Mary.Smith@Example.COM", "Mary.Smith@example.com"), (" a@b.co ", "a@b.co"),
    ("o'brien+films@mail.example.org", "o'brien+films@mail.example.org"), ("", None)])
def test_an_email_keeps_its_name_and_lower_cases_its_domain(typed, stored):
    assert clean_email(typed) == stored


@pytest.mark.parametrize("typed", [
    "mary", "mary@", "@example.com", "mary@@example.com", "mary@example", "mary@example.c",
    "mary smith@example.com", "mary@exa mple.com", "mary@-example.com", "mary@example.com-",
    ".mary@example.com", "mary..smith@example.com", "mary@example..com", "mary@example.123"])
def test_a_broken_email_is_refused_with_how_to_write_it(typed):
    assert refused(clean_email, typed).startswith(f"E-mail {typed.strip()!r}")


def test_an_email_of_254_characters_is_fine_and_255_too_long():
    def address(length):
        domain = ".".join(["a" * 60] * 4) + ".com"            # 248 characters
        return "m" * (length - len(domain) - 1) + "@" + domain
    assert len(address(254)) == 254 and clean_email(address(254)) == address(254)
    assert "too long" in refused(clean_email, address(255))


# --- date of birth --------------------------------------------------------------------------

def test_born_today_is_age_zero_and_allowed():
    assert clean_date_of_birth("2024-06-15", TODAY) == TODAY
    assert age_on(TODAY, TODAY) == 0


def test_born_tomorrow_is_in_the_future():
    assert refused(clean_date_of_birth, "2024-06-16", TODAY) == (
        "Date of birth 2024-06-16 is in the future (today is 2024-06-15).")


def test_an_age_of_120_is_plausible_and_121_is_not():
    assert clean_date_of_birth("1904-06-15", TODAY) == date(1904, 6, 15)   # 120 today
    assert "would make them 121; check the year" in refused(
        clean_date_of_birth, "1903-06-15", TODAY)
    assert clean_date_of_birth("1903-06-16", TODAY) == date(1903, 6, 16)   # 120 until tomorrow


def test_the_age_turns_on_the_birthday_itself():
    born = date(2006, 6, 15)
    assert age_on(born, date(2024, 6, 14)) == 17
    assert age_on(born, date(2024, 6, 15)) == 18


def test_a_29_february_birthday_counts_from_1_march_in_other_years():
    assert age_on(date(2000, 2, 29), date(2018, 2, 28)) == 17
    assert age_on(date(2000, 2, 29), date(2018, 3, 1)) == 18


@pytest.mark.parametrize("typed", ["13/03/1970", "1970-3-13", "1970-02-30", "yesterday", "19700313"])
def test_a_date_not_written_yyyy_mm_dd_says_how(typed):
    assert "write it as YYYY-MM-DD, like 1970-03-13" in refused(clean_date_of_birth, typed, TODAY)


def test_a_date_of_birth_is_needed():
    assert "Date of birth is needed" in refused(clean_date_of_birth, " ", TODAY)


# --- the details together -------------------------------------------------------------------

def test_details_are_cleaned_column_by_column():
    assert clean_details({"first_name": " Mary ", "phone": "555-0123", "city": " Sasebo  City "},
                         TODAY) == {"first_name": "Mary", "phone": "5550123",
                                    "city": "Sasebo City"}


def test_an_unknown_detail_is_named():
    assert "'card_number' is not a customer detail" in refused(clean_field, "card_number", "1", TODAY)


def test_a_postcode_of_17_characters_is_too_long():
    assert clean_field("postal_code", "x" * 16, TODAY) == "x" * 16
    assert "Postcode is 17 characters long; at most 16." == refused(
        clean_field, "postal_code", "x" * 17, TODAY)


# --- card numbers ---------------------------------------------------------------------------

def test_a_card_number_passes_its_check_digit():
    card = codes.card_number(18)
    assert clean_card(card) == card and clean_card(f" {card[:4]} {card[4:]} ") == card


def test_a_mistyped_card_digit_is_caught():
    card = codes.card_number(18)
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert refused(clean_card, wrong) == f"Card {wrong} does not check out (mistyped?): type it again."


def test_a_card_of_the_wrong_length_or_with_letters_is_refused():
    assert "has 8 digits" in refused(clean_card, "00000001")
    assert "digits only" in refused(clean_card, "0000000A8")


# --- what a search text means ---------------------------------------------------------------

def test_a_valid_card_number_is_looked_up_as_a_card_and_as_a_phone():
    card = codes.card_number(18)
    assert search_plan(card) == SearchPlan(card=card, phone=card)


def test_a_phone_number_as_typed_is_looked_up_by_its_digits():
    assert search_plan("555-0123") == SearchPlan(phone="5550123")
    assert search_plan("+44 20 7946 0958") == SearchPlan(phone="442079460958")


def test_digits_that_are_neither_card_nor_phone_say_so():
    assert "is not a card number" in refused(search_plan, "12345")


def test_one_word_is_a_surname_prefix_then_a_given_name_prefix():
    assert search_plan(" smi ") == SearchPlan(names=(NameSearch(last="smi"),
                                                    NameSearch(first="smi")))


def test_two_words_are_given_then_surname_then_the_other_way_then_one_name():
    assert search_plan("mary smi").names == (
        NameSearch(first="mary", last="smi"), NameSearch(first="smi", last="mary"),
        NameSearch(last="mary smi"), NameSearch(first="mary smi"))


def test_three_words_try_each_split():
    names = search_plan("mary ann van").names
    assert NameSearch(first="mary ann", last="van") in names
    assert NameSearch(first="mary", last="ann van") in names
    assert names[-2:] == (NameSearch(last="mary ann van"), NameSearch(first="mary ann van"))


def test_surname_comma_given_name_means_just_that():
    assert search_plan("Smith, Ma").names == (NameSearch(first="Ma", last="Smith"),)
    assert search_plan("Smith,").names == (NameSearch(last="Smith"), NameSearch(first="Smith"))


def test_text_with_an_at_sign_is_an_email():
    assert search_plan("mary@example.com") == SearchPlan(email="mary@example.com")


def test_an_empty_search_says_what_to_type():
    assert refused(search_plan, "  ") == "Type part of a name, a phone number or a card number."


def test_finding_no_one_for_a_mistyped_card_says_it_does_not_check_out():
    card = codes.card_number(18)
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert nothing_found(wrong) == (f"No customer has phone {wrong}, and as a card number "
                                    f"{wrong} does not check out (mistyped?): type it again.")
    assert nothing_found(card) == f"No customer matches '{card}'."
    assert nothing_found(" smi ") == "No customer matches 'smi'."
