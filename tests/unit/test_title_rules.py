"""The catalogue's rules at their edges: title fields, copy numbers, status changes, and
how typed text becomes an indexed title search."""
from decimal import Decimal

import pytest

from store import title_rules as rules
from store.errors import Refused, ValidationError

YEAR = 2025
GOOD = {"title": "Academy Dinosaur", "release_year": "2006", "rating": "pg",
        "genre": "Documentary", "length_min": "86", "rental_rate": "0.99",
        "rental_days": "6", "replacement_cost": "20.99", "description": "An epic drama"}


def fields(**changes):
    return rules.title_fields({**GOOD, **changes}, YEAR)


def refused_field(**changes):
    with pytest.raises(ValidationError) as e:
        fields(**changes)
    return e.value.message


def test_typed_fields_become_stored_values():
    f = fields()
    assert f == rules.TitleFields("Academy Dinosaur", 2006, "PG", "Documentary", 86,
                                  Decimal("0.99"), 6, Decimal("20.99"), "An epic drama")


def test_year_length_and_description_may_be_left_empty():
    f = fields(release_year="", length_min=" ", description=None)
    assert (f.release_year, f.length_min, f.description) == (None, None, "")


def test_a_title_is_one_to_255_characters_with_its_spaces_tidied():
    assert fields(title="  Go   West ").title == "Go West"
    assert fields(title="x" * 255).title == "x" * 255
    assert "at most 255 characters (256 given)" in refused_field(title="x" * 256)
    assert "needs its name" in refused_field(title="   ")


@pytest.mark.parametrize("bad", ["Tab\there", "Line\nbreak", "Bell\x07", "Sep\u2028arate"])
def test_a_title_with_a_control_character_is_refused(bad):
    assert "control characters" in refused_field(title=bad)


@pytest.mark.parametrize("year,ok", [("1887", False), ("1888", True), (str(YEAR + 1), True),
                                     (str(YEAR + 2), False), ("20o6", False), ("-1", False)])
def test_the_year_is_from_1888_to_next_year(year, ok):
    if ok:
        assert fields(release_year=year).release_year == int(year)
    else:
        assert f"from 1888 to {YEAR + 1}" in refused_field(release_year=year)


@pytest.mark.parametrize("typed,stored", [("G", "G"), ("pg-13", "PG-13"), ("PG13", "PG-13"),
                                          ("nc-17", "NC-17"), ("nc17", "NC-17"), ("r", "R")])
def test_a_rating_is_one_of_the_five_in_any_case(typed, stored):
    assert rules.parse_rating(typed) == stored


@pytest.mark.parametrize("bad", ["", "X", "PG-18", "NC 18"])
def test_any_other_rating_is_refused_naming_the_five(bad):
    with pytest.raises(ValidationError, match="G, PG, PG-13, R, NC-17"):
        rules.parse_rating(bad)


def test_a_genre_is_one_to_40_characters():
    assert fields(genre=" Sci-Fi ").genre == "Sci-Fi"
    assert fields(genre="g" * 40).genre == "g" * 40
    assert "1 to 40 characters" in refused_field(genre="g" * 41)
    assert "1 to 40 characters" in refused_field(genre="")


@pytest.mark.parametrize("minutes,ok", [("0", False), ("1", True), ("1440", True),
                                        ("1441", False), ("90.5", False)])
def test_the_length_is_whole_minutes_up_to_a_day(minutes, ok):
    if ok:
        assert fields(length_min=minutes).length_min == int(minutes)
    else:
        assert "from 1 to 1440" in refused_field(length_min=minutes)


@pytest.mark.parametrize("amount,stored", [("0", "0.00"), ("2.5", "2.50"), ("2.99", "2.99"),
                                           ("999999.99", "999999.99")])
def test_money_is_zero_or_more_with_two_decimals(amount, stored):
    assert fields(rental_rate=amount).rental_rate == Decimal(stored)
    assert fields(replacement_cost=amount).replacement_cost == Decimal(stored)


@pytest.mark.parametrize("amount", ["-0.01", "2.999", "1000000", "NaN", "Infinity", "2,99",
                                    "", "$3"])
def test_money_that_is_no_amount_is_refused_naming_the_field(amount):
    assert refused_field(rental_rate=amount).startswith("The rental rate must be")
    assert refused_field(replacement_cost=amount).startswith("The replacement cost must be")


@pytest.mark.parametrize("days,ok", [("0", False), ("1", True), ("60", True), ("61", False),
                                     ("", False)])
def test_rental_days_are_1_to_60(days, ok):
    if ok:
        assert fields(rental_days=days).rental_days == int(days)
    else:
        assert "rental days must be a whole number from 1 to 60" in refused_field(
            rental_days=days)


def test_typed_values_from_a_program_are_taken_as_they_are():
    f = fields(release_year=1999, rental_rate=Decimal("3"), rental_days=3, length_min=None)
    assert (f.release_year, f.rental_rate, f.rental_days) == (1999, Decimal("3.00"), 3)


def test_an_unknown_field_is_refused():
    with pytest.raises(ValidationError, match="no field 'price'"):
        rules.title_fields({**GOOD, "price": "1"}, YEAR)


def test_title_changes_are_the_fields_that_differ_old_and_new():
    old, new = fields(), fields(rental_rate="1.49", genre="Drama")
    assert rules.title_changes(old, new) == (
        {"genre": "Documentary", "rental_rate": Decimal("0.99")},
        {"genre": "Drama", "rental_rate": Decimal("1.49")})
    assert rules.title_changes(old, fields()) == ({}, {})


# --- copies ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [("dvd", "DVD"), ("VHS", "VHS"), ("bluray", "Blu-ray"),
                                          ("Blu ray", "Blu-ray"), ("blu-ray", "Blu-ray"),
                                          ("4k", "4K")])
def test_a_format_is_one_of_the_four_in_any_case(typed, stored):
    assert rules.parse_format(typed) == stored


def test_any_other_format_is_refused_naming_the_four():
    with pytest.raises(ValidationError, match="VHS, DVD, Blu-ray, 4K"):
        rules.parse_format("LaserDisc")


@pytest.mark.parametrize("count,ok", [("0", False), ("1", True), ("100", True), ("101", False),
                                      ("two", False)])
def test_one_to_a_hundred_copies_are_added_at_a_time(count, ok):
    if ok:
        assert rules.parse_copy_count(count) == int(count)
    else:
        with pytest.raises(ValidationError, match="from 1 to 100"):
            rules.parse_copy_count(count)


def test_new_copies_are_numbered_after_the_highest():
    assert list(rules.new_copy_numbers(7, 0, 3)) == [1, 2, 3]
    assert list(rules.new_copy_numbers(7, 4, 2)) == [5, 6]


def test_copy_numbers_stop_at_999_because_a_barcode_holds_three_digits():
    assert list(rules.new_copy_numbers(7, 989, 10)) == list(range(990, 1000))
    with pytest.raises(Refused, match="at most 9 more can be added"):
        rules.new_copy_numbers(7, 990, 10)
    with pytest.raises(Refused, match="no more can be added"):
        rules.new_copy_numbers(7, 999, 1)


def test_a_title_number_past_seven_digits_cannot_have_barcodes():
    assert list(rules.new_copy_numbers(9_999_999, 0, 1)) == [1]
    with pytest.raises(Refused, match="up to 9999999"):
        rules.new_copy_numbers(10_000_000, 0, 1)


# --- marking a copy ----------------------------------------------------------------------

@pytest.mark.parametrize("status,new", [
    ("available", "damaged"), ("damaged", "available"), ("available", "lost"),
    ("available", "retired"), ("damaged", "lost"), ("damaged", "retired")])
def test_these_status_changes_are_allowed(status, new):
    rules.check_mark(status, new)
    assert new in rules.allowed_marks(status)


@pytest.mark.parametrize("status,new,why", [
    ("lost", "available", "a lost copy stays so"), ("retired", "damaged", "stays so"),
    ("lost", "retired", "stays so"), ("damaged", "damaged", "already damaged"),
    ("available", "available", "already available")])
def test_these_status_changes_are_refused_saying_why(status, new, why):
    with pytest.raises(Refused, match=why):
        rules.check_mark(status, new)


@pytest.mark.parametrize("new", ["damaged", "lost", "retired", "available"])
def test_a_hired_copy_cannot_be_marked_here_it_comes_back_through_a_return(new):
    with pytest.raises(Refused, match="out on hire: it comes back through a return"):
        rules.check_mark("hired", new, name="Copy 7")
    with pytest.raises(Refused, match="^Copy 7 is out on hire"):  # whatever its status says
        rules.check_mark("available", new, on_hire=True, name="Copy 7")


def test_a_held_copy_cannot_be_marked_here():
    with pytest.raises(Refused, match="set aside for a customer's hold"):
        rules.check_mark("held", "damaged")
    with pytest.raises(Refused, match="set aside"):
        rules.check_mark("available", "lost", on_hold=True)
    assert rules.allowed_marks("held") == rules.allowed_marks("hired") == ()


@pytest.mark.parametrize("bad", ["hired", "held", "broken", ""])
def test_only_the_four_marks_exist(bad):
    with pytest.raises(ValidationError, match="damaged, lost, retired or available"):
        rules.check_mark("available", bad)


def test_shelf_means_available():
    assert rules.parse_mark(" Shelf ") == rules.parse_mark("AVAILABLE") == "available"


def test_a_reason_is_needed_and_fits_the_audit_log():
    assert rules.parse_reason("  disc  cracked ") == "disc cracked"
    assert rules.parse_reason("r" * 255) == "r" * 255
    with pytest.raises(ValidationError, match="Say why"):
        rules.parse_reason(" ")
    with pytest.raises(ValidationError, match="at most 255"):
        rules.parse_reason("r" * 256)


# --- finding titles ----------------------------------------------------------------------

def test_words_become_fulltext_prefix_terms():
    assert rules.title_search("Dino") == rules.TitleSearch(match="+dino*")
    assert rules.title_search("dinosaur  ACADEMY") == rules.TitleSearch(
        match="+dinosaur* +academy*")


def test_boolean_operators_typed_are_only_word_breaks():
    assert rules.title_search('spider-man "2"').match == "+spider* +man*"
    assert rules.title_search("+lord -rings*").match == "+lord* +rings*"
    assert rules.title_search("c'est la vie").match == "+c'est* +vie*"


def test_short_words_and_stopwords_are_checked_on_what_the_index_found():
    s = rules.title_search("Lord of the Rings 2")
    assert s.match == "+lord* +rings*"
    assert s.contains == ("%of%", "%the%", "%2%")
    assert s.prefix is None


def test_text_with_no_indexed_word_searches_the_start_of_titles():
    assert rules.title_search("go") == rules.TitleSearch(prefix="go%")
    assert rules.title_search(" the  ") == rules.TitleSearch(prefix="the%")
    assert rules.title_search("A b") == rules.TitleSearch(prefix="A b%")


def test_like_wildcards_typed_are_taken_literally():
    assert rules.title_search("50%") == rules.TitleSearch(prefix="50\\%%")
    assert rules.title_search("a_b").match == "+a_b*"
    assert rules.title_search("x_") == rules.TitleSearch(prefix="x\\_%")


def test_an_empty_search_asks_for_a_part_of_the_title():
    with pytest.raises(ValidationError, match="Type part of the title"):
        rules.title_search("   ")
