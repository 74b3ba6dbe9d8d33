"""How Sakila's rows become Videostore's, pure: dates moved to today, names written as
people write them, money split into the charges Videostore keeps. No I/O (store/sakila.py
reads the files and writes the rows), so each rule is tested without a database.

Sakila's "now" is its last rental, 2006-02-14 15:16. Every date is moved forward by the
same whole number of days, chosen on the first import so that moment becomes the last day
before the import: the demo's open hires are then due this week, its one very late hire is months
overdue, and the history reads as the last nine months. The shift is recorded in settings
(`sakila_date_shift_days`) so a later stage, or a reader, uses the same one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from store.customer_rules import clean_email, clean_name, clean_phone
from store.errors import ValidationError
from store.passwords import check_username

SAKILA_LAST_MOMENT = datetime(2006, 2, 14, 15, 16, 3, tzinfo=timezone.utc)  # last rental
SHIFT_SETTING = "sakila_date_shift_days"
ZERO = Decimal("0.00")

# The timezone of a store this import creates, by Sakila's city for it. A store that
# exists already keeps its own.
STORE_ZONES = {"Lethbridge": "America/Edmonton", "Woodridge": "Australia/Brisbane"}


def shift_days(now: datetime) -> int:
    """Whole days from Sakila's last rental to `now`: what every Sakila date is moved by.
    Whole days keep every time of day; rounding down keeps every moved time in the past."""
    return (now - SAKILA_LAST_MOMENT).days


def moved(text: str, days: int) -> datetime:
    """A Sakila time (`YYYY-MM-DD HH:MM:SS`, no zone: read as UTC) moved by `days`."""
    try:
        when = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ValidationError(f"{text!r} is not a Sakila time (YYYY-MM-DD HH:MM:SS).") from None
    return when.replace(tzinfo=timezone.utc) + timedelta(days=days)


def moved_record(text: str, days: int, now: datetime) -> datetime:
    """A row's created/updated time moved by `days`, but never after `now`: Sakila stamped
    its rows a few hours after its last rental."""
    return min(moved(text, days), now)


def person_name(text: str, label: str) -> str:
    """Sakila writes names in capitals (MARY, O'NEAL): as a person writes them."""
    return clean_name(text.strip().title(), label)


def phone_or_none(text: str) -> str | None:
    """The phone's digits when it is a phone number, else None (Sakila has a few blanks)."""
    try:
        return clean_phone(text)
    except ValidationError:
        return None


def email_or_none(text: str) -> str | None:
    try:
        return clean_email(text)
    except ValidationError:
        return None


def staff_username(name: str, store_id: int, taken: set[str]) -> str:
    """Sakila's username in lower case (Mike -> mike); with the store's number after it
    when a Videostore account already has that name."""
    base = check_username(name.strip().lower())
    return base if base not in taken else check_username(f"{base}{store_id}")


@dataclass(frozen=True)
class HireMoney:
    """What one Sakila rental and its payment become: the rental charge, the late fee
    charged on return, and the payment (None when Sakila recorded 0.00: no money moved)."""
    rate: Decimal
    late_fee: Decimal
    paid: Decimal | None


def hire_money(rate: Decimal, amount: Decimal, returned: bool) -> HireMoney:
    """Sakila's payment is the rental rate plus $1 a day late (its README checks this on
    every returned rental). A returned hire is charged the rate and, as its late fee, the
    rest of what was paid. An open hire is charged the rate only — its late fee is worked
    out by Videostore's own rules when it comes back — and anything paid beyond the rate
    stays on the customer's account as credit."""
    late = max(ZERO, amount - rate) if returned else ZERO
    return HireMoney(rate, late, amount if amount != ZERO else None)


def copy_numbers(film_ids: list[int], highest: dict[int, int]) -> list[int]:
    """The copy number of each inventory row (in file order), per film, counting on from
    the film's highest number so far (`highest`, updated)."""
    numbers = []
    for film_id in film_ids:
        highest[film_id] = highest.get(film_id, 0) + 1
        numbers.append(highest[film_id])
    return numbers
