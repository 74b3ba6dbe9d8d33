"""The CSV import's header and row rules: pure, no database."""
from datetime import date
from decimal import Decimal

import pytest

from store.csv_rules import (COPIES, CUSTOMERS, TITLES, CopyNumbering, copy_row,
                             customer_row, fields_of, read_header, title_row)
from store.errors import ValidationError

TODAY = date(2026, 11, 23)


def test_columns_are_found_by_name_in_any_order_and_case():
    header = read_header(CUSTOMERS, ["Date of Birth", "LAST_NAME", "first name", "id"])
    assert header.positions == {"date_of_birth": 0, "last_name": 1, "first_name": 2}
    assert header.ignored == ("id",)


@pytest.mark.parametrize("columns,message", [
    (["first_name", "date_of_birth"], "no last_name column"),
    (["first_name", "last_name", "date_of_birth", "frist_name"], "'frist_name' is not a"),
    (["first_name", "last_name", "date_of_birth", "First Name"], "in the header twice"),
    (["", ""], "no header row"),
])
def test_a_header_that_cannot_be_read_says_why(columns, message):
    with pytest.raises(ValidationError, match=message):
        read_header(CUSTOMERS, columns)


def test_a_row_with_too_few_values_is_refused():
    header = read_header(TITLES, ["title", "rental_rate", "rental_days", "replacement_cost"])
    with pytest.raises(ValidationError, match="3 values and the header 4"):
        fields_of(header, ["Alien", "2.99", "3"], 4)


def test_a_customer_row_is_checked_by_the_register_forms_rules():
    row = customer_row({"first_name": " Mary ", "last_name": "Smith", "phone": "555-0101",
                        "date_of_birth": "1980-01-02", "store_id": ""}, TODAY, 1, {1, 2})
    assert row[:5] == (1, None, "Mary", "Smith", "5550101")
    assert row[-1] == date(1980, 1, 2)
    kept = customer_row({"first_name": "A", "last_name": "B", "date_of_birth": "1990-01-01",
                         "card_number": "000000018"}, TODAY, 1, {1})
    assert kept[1] == "000000018"
    with pytest.raises(ValidationError, match="does not check out"):
        customer_row({"first_name": "A", "last_name": "B", "date_of_birth": "1990-01-01",
                      "card_number": "000000019"}, TODAY, 1, {1})
    with pytest.raises(ValidationError, match="in the future"):
        customer_row({"first_name": "A", "last_name": "B", "date_of_birth": "2030-01-01"},
                     TODAY, 1, {1})
    with pytest.raises(ValidationError, match="Store '9' does not exist"):
        customer_row({"first_name": "A", "last_name": "B", "date_of_birth": "1990-01-01",
                      "store_id": "9"}, TODAY, 1, {1, 2})


def test_a_title_row_takes_defaults_for_what_it_leaves_out():
    row = title_row({"title": "Heat", "rental_rate": "2.99", "rental_days": "3",
                     "replacement_cost": "19.99", "rating": ""}, 2026)
    assert row == ("Heat", None, "G", "Unsorted", None, Decimal("2.99"), 3, Decimal("19.99"), "")
    with pytest.raises(ValidationError, match="rental rate"):
        title_row({"title": "Heat", "rental_rate": "free", "rental_days": "3",
                   "replacement_cost": "1"}, 2026)


def test_new_copies_are_numbered_on_from_the_titles_highest_with_their_barcodes():
    numbering = CopyNumbering(lambda title_id: {5: 2}.get(title_id, 0))
    first = copy_row({"title_id": "5", "format": "bluray"}, 1, {1}, numbering)
    second = copy_row({"title_id": "5", "format": "DVD", "store_id": "1"}, 1, {1}, numbering)
    other = copy_row({"title_id": "6", "format": "4k"}, 1, {1}, numbering)
    assert (first[0], first[2], first[4]) == (5, "Blu-ray", 3)
    assert second[4] == 4 and other[4] == 1
    assert len({first[3], second[3], other[3]}) == 3
    with pytest.raises(ValidationError, match="format must be one of"):
        copy_row({"title_id": "5", "format": "Betamax"}, 1, {1}, numbering)
    with pytest.raises(ValidationError, match="not a title number"):
        copy_row({"title_id": "x", "format": "DVD"}, 1, {1}, numbering)


def test_a_title_full_of_copies_refuses_one_more():
    numbering = CopyNumbering(lambda t: 999)
    with pytest.raises(ValidationError, match="no more can be added"):
        copy_row({"title_id": "5", "format": "DVD"}, 1, {1}, numbering)


def test_every_kind_has_its_required_columns_among_its_columns():
    for kind in (CUSTOMERS, TITLES, COPIES):
        assert set(kind.required) <= set(kind.columns)
        assert not set(kind.columns) & set(kind.ignored)
