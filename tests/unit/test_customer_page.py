"""A customer's page as the clerk reads it, from plain values (no database, no terminal)."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from store.customers import Customer, CustomerView, HireLine, HoldLine
from ui.customer_page import describe

NOW = datetime(2024, 6, 14, 23, 30, tzinfo=timezone.utc)  # 15 June, 00:30 in Lisbon
MARY = Customer(id=1, card_number="000000018", first_name="Mary", last_name="Smith",
                phone="5550123", email="mary@example.com", address_line1="1913 Hanoi Way",
                address_line2="", city="Sasebo", postal_code="35200", country="",
                date_of_birth=date(1970, 6, 15), active=True, store_id=1,
                store_name="Main Street")


def hire(title, due, returned=None):
    return HireLine(1, 7, "00000010016", "DVD", title, "Main Street", due - timedelta(days=3),
                    due, returned, Decimal("2.99"), Decimal("0.00"))


def test_the_page_says_who_they_are_their_age_in_the_stores_zone_and_what_they_owe():
    page = describe(CustomerView(MARY, Decimal("3.5"), as_of=NOW), "Europe/Lisbon")
    assert page.splitlines()[:4] == [
        "Mary Smith · card 000000018 · home store Main Street · active",
        "  phone 5550123 · mary@example.com · born 1970-06-15 (age 54)",  # a birthday there
        "  1913 Hanoi Way, Sasebo, 35200",
        "  Owes 3.50"]
    assert "(age 53)" in describe(CustomerView(MARY, Decimal("0"), as_of=NOW), "UTC")
    assert "Nothing out now." in page


def test_only_a_copy_past_its_due_time_is_marked_overdue():
    view = CustomerView(MARY, Decimal("-2"), as_of=NOW,
                        open_hires=[hire("Late One", NOW - timedelta(minutes=1)),
                                    hire("On Time", NOW + timedelta(minutes=1))])
    page = describe(view, "UTC")
    late, on_time = [line for line in page.splitlines() if "Late One" in line or "On Time" in line]
    assert late.rstrip().endswith("OVERDUE") and "OVERDUE" not in on_time
    assert "Out now (2):" in page and "In credit 2.00" in page


def test_an_inactive_customer_with_holds_and_history_shows_all_of_it():
    view = CustomerView(
        Customer(**{**MARY.__dict__, "active": False, "phone": None, "email": None}),
        Decimal("0"), as_of=None,
        holds=[HoldLine(4, "Zorro Ark", "Main Street", "ready", NOW, NOW + timedelta(days=3))],
        recent_hires=[hire("Back Again", NOW - timedelta(days=5), NOW - timedelta(days=6))],
        hires_ever=7)
    page = describe(view, "UTC")
    assert "· INACTIVE (cannot hire)" in page.splitlines()[0]
    assert "  born 1970-06-15" in page.splitlines()[1]  # no server time: no age
    assert "Holds:" in page and "Zorro Ark" in page and "2024-06-17 23:30" in page
    assert "Last returned (7 hires in all):" in page and "Back Again" in page
    assert "Owes nothing" in page
