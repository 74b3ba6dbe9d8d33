"""The rules for a customer's details and for what a clerk types to find one: pure
functions, no I/O, so every boundary is tested without a database.

Each `clean_*` takes the text a clerk typed and returns the value to store, or raises
ValidationError saying what is wrong and how to write it. FIELDS maps each editable column
to its rule, so a screen can check one answer at a time and the manager all of them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from store import codes
from store.errors import ValidationError

NAME_MAX = 50
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 7, 15
EMAIL_MAX, EMAIL_LOCAL_MAX = 254, 64
MAX_AGE = 120
CARD_MIN_DIGITS, CARD_MAX_DIGITS = 9, 12   # codes.card_number: 8+ digits and a check digit
NAME_PUNCTUATION = " '-."
PHONE_SEPARATORS = " -.()/"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_NO_SEPARATORS = str.maketrans("", "", PHONE_SEPARATORS)
# The common case of a name, decided in one match: ASCII letters and ' - . and spaces,
# with a letter among them (for ASCII, str.isalpha is exactly [A-Za-z]).
_PLAIN_NAME = re.compile(r"[A-Za-z' .-]*[A-Za-z][A-Za-z' .-]*")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+\Z")
# The checks of clean_email in one match, for the usual address: dot-separated runs of the
# local part's characters, @, domain labels, a top-level label of letters only.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+"
                          rf"[a-z]{{2,63}}")


def _squash(text: str) -> str:
    """Trimmed, with runs of whitespace made one space."""
    return " ".join(text.split())


def _no_control(label: str, text: str) -> None:
    # isprintable() is False for every control, format, surrogate, private-use and
    # unassigned character (category C*) — and for separators other than the space —
    # so a printable text needs no look at each character (the CSV import's hot path).
    if text.isprintable():
        return
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise ValidationError(f"{label} contains a control character; type it again.")


def clean_name(text: str, label: str = "Name") -> str:
    """A given name or surname: 1-50 characters, letters, spaces and ' - . only, with at
    least one letter. Kept as typed (McDonald, van der Berg), trimmed."""
    _no_control(label, text)
    name = _squash(text.translate(_APOSTROPHES))
    if not name:
        raise ValidationError(f"{label} is needed.")
    if len(name) > NAME_MAX:
        raise ValidationError(f"{label} is {len(name)} characters long; at most {NAME_MAX}.")
    if _PLAIN_NAME.fullmatch(name):
        return name
    bad = sorted({ch for ch in name if not (ch.isalpha() or ch in NAME_PUNCTUATION)})
    if bad:
        raise ValidationError(f"{label} may hold letters, spaces and ' - . only, not "
                              f"{' '.join(repr(ch) for ch in bad)}.")
    if not any(ch.isalpha() for ch in name):
        raise ValidationError(f"{label} needs at least one letter.")
    return name


def clean_first_name(text: str) -> str:
    return clean_name(text, "First name")


def clean_last_name(text: str) -> str:
    return clean_name(text, "Surname")


def phone_digits(text: str) -> str | None:
    """The digits of a phone number as typed (an optional leading +, then digits and
    the separators space - . ( ) /); None when it is not written like a phone number."""
    body = text.strip()
    if body.startswith("+"):
        body = body[1:]
    if not body:
        return None
    digits = body.translate(_NO_SEPARATORS)
    if digits and not digits.isdigit():
        return None
    return digits if digits.isascii() else None


def clean_phone(text: str) -> str | None:
    """A phone number stored as its digits (7 to 15 of them; + and separators dropped);
    None when left empty."""
    if not text.strip():
        return None
    _no_control("Phone", text)
    digits = phone_digits(text)
    if digits is None:
        raise ValidationError(f"Phone {text.strip()!r}: digits only (spaces, dashes, "
                              f"brackets and a leading + are fine).")
    if not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
        raise ValidationError(f"Phone {text.strip()!r} has {len(digits)} digits; a phone "
                              f"number has {PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS}.")
    return digits


def clean_email(text: str) -> str | None:
    """An e-mail address with its domain lower-cased (the part before @ is kept as typed);
    None when left empty. A sanity check, not RFC 5322: one @, a dotted domain."""
    address = text.strip()
    if not address:
        return None
    _no_control("E-mail", address)
    local, at, domain = address.rpartition("@")
    domain = domain.lower()
    cleaned = f"{local}@{domain}"
    if len(address) <= EMAIL_MAX and len(local) <= EMAIL_LOCAL_MAX \
            and _PLAIN_EMAIL.fullmatch(cleaned):
        return cleaned
    labels = domain.split(".")
    shown = f"E-mail {address!r}"
    if not at or not local or not domain or "@" in local:
        raise ValidationError(f"{shown} needs one @ with a name before it and a domain "
                              f"after it, like mary.smith@example.com.")
    if len(address) > EMAIL_MAX or len(local) > EMAIL_LOCAL_MAX:
        raise ValidationError(f"{shown} is too long (at most {EMAIL_MAX} characters, "
                              f"{EMAIL_LOCAL_MAX} before the @).")
    if not _LOCAL_PART.match(local) or local.startswith(".") or local.endswith(".") \
            or ".." in local:
        raise ValidationError(f"{shown}: the part before the @ has a character or dot an "
                              f"address cannot have.")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels) \
            or not labels[-1].isalpha() or len(labels[-1]) < 2:
        raise ValidationError(f"{shown}: the domain after the @ must be like example.com.")
    return f"{local}@{domain}"


def clean_date_of_birth(text: str, today: date) -> date:
    """A date of birth written YYYY-MM-DD: not after `today` (the store's date, from the
    store server's clock) and at most MAX_AGE years before it."""
    typed = text.strip()
    if not typed:
        raise ValidationError("Date of birth is needed (YYYY-MM-DD), for the age ratings.")
    try:
        born = date.fromisoformat(typed) if len(typed) == 10 else None
    except ValueError:
        born = None
    if born is None:
        raise ValidationError(f"Date of birth {typed!r}: write it as YYYY-MM-DD, like "
                              f"1970-03-13.")
    if born > today:
        raise ValidationError(f"Date of birth {typed} is in the future (today is "
                              f"{today.isoformat()}).")
    if age_on(born, today) > MAX_AGE:
        raise ValidationError(f"Date of birth {typed} would make them {age_on(born, today)}; "
                              f"check the year.")
    return born


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day` (a birthday on 29 February counts from 1 March
    in other years)."""
    before_birthday = (day.month, day.day) < (born.month, born.day)
    return day.year - born.year - int(before_birthday)


def _text_field(label: str, limit: int) -> Callable[[str], str]:
    def clean(text: str) -> str:
        _no_control(label, text)
        value = _squash(text)
        if len(value) > limit:
            raise ValidationError(f"{label} is {len(value)} characters long; at most {limit}.")
        return value
    return clean


@dataclass(frozen=True)
class Field:
    """One editable detail of a customer: its column, label, and rule (text -> value)."""
    column: str
    label: str
    clean: Callable[[str, date], Any]
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field("first_name", "First name", lambda t, _: clean_first_name(t), required=True),
    Field("last_name", "Surname", lambda t, _: clean_last_name(t), required=True),
    Field("phone", "Phone", lambda t, _: clean_phone(t)),
    Field("email", "E-mail", lambda t, _: clean_email(t)),
    Field("address_line1", "Address", lambda t, _: _text_field("Address", 100)(t)),
    Field("address_line2", "Address line 2", lambda t, _: _text_field("Address line 2", 100)(t)),
    Field("city", "City", lambda t, _: _text_field("City", 60)(t)),
    Field("postal_code", "Postcode", lambda t, _: _text_field("Postcode", 16)(t)),
    Field("country", "Country", lambda t, _: _text_field("Country", 60)(t)),
    Field("date_of_birth", "Date of birth", clean_date_of_birth, required=True),
)
FIELD_BY_COLUMN = {f.column: f for f in FIELDS}
# What each optional detail left empty is stored as: the same every time, so cleaned once.
LEFT_EMPTY: dict[str, Any] = {f.column: f.clean("", date.min) for f in FIELDS if not f.required}


def clean_field(column: str, text: str, today: date) -> Any:
    """The stored value of one detail as typed; ValidationError if it breaks its rule."""
    field = FIELD_BY_COLUMN.get(column)
    if field is None:
        raise ValidationError(f"{column!r} is not a customer detail; they are "
                              f"{', '.join(FIELD_BY_COLUMN)}.")
    return field.clean(text, today)


def clean_details(typed: dict[str, str], today: date) -> dict[str, Any]:
    """Every detail in `typed` (column -> text) cleaned; the first bad one raises."""
    return {column: clean_field(column, text, today) for column, text in typed.items()}


def as_text(value: Any) -> str:
    """A stored detail as a clerk would type it again (dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- what a clerk typed to find a customer ------------------------------------------------

@dataclass(frozen=True)
class NameSearch:
    """One way to read the words typed: a given-name prefix, a surname prefix, or both."""
    first: str | None = None
    last: str | None = None


@dataclass(frozen=True)
class SearchPlan:
    """What a search text can mean, most likely first: a card number, a phone number
    (digits), an e-mail address, or names to look up by prefix."""
    card: str | None = None
    phone: str | None = None
    email: str | None = None
    names: tuple[NameSearch, ...] = ()


def card_candidate(digits: str) -> str | None:
    """`digits` if they can be a card number (length and Luhn check digit right)."""
    ok = CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS and codes.is_valid(digits)
    return digits if ok else None


def clean_card(text: str) -> str:
    """A card number as typed (spaces ignored); ValidationError when it cannot be one."""
    digits = text.replace(" ", "").strip()
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(f"Card {text.strip()!r}: a card number is digits only.")
    if not CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS:
        raise ValidationError(f"Card {digits} has {len(digits)} digits; a card number has "
                              f"{CARD_MIN_DIGITS}.")
    if not codes.is_valid(digits):
        raise ValidationError(f"Card {digits} does not check out (mistyped?): type it again.")
    return digits


def search_plan(text: str) -> SearchPlan:
    """How to look up what a clerk typed.

    Digits (with phone separators) are a card number when they pass its check digit, and a
    phone number when there are 7-15 of them — both, when they can be either. Text with
    an @ is an e-mail address (exact). Anything else is names: one word is a surname or given-name prefix ("smi"); several words are
    a given name then surname ("mary smi"), or the other way round ("smith mary"), or one
    name of several words ("van der"); "smith, mary" is surname, given name."""
    typed = _squash(text)
    if not typed:
        raise ValidationError("Type part of a name, a phone number or a card number.")
    digits = phone_digits(typed)
    if digits is not None:
        card = card_candidate(digits)
        phone = digits if PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS else None
        if card is None and phone is None:
            raise ValidationError(
                f"{typed!r} is not a card number ({CARD_MIN_DIGITS} digits, check digit "
                f"right) or a phone number ({PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits).")
        return SearchPlan(card=card, phone=phone)
    if "@" in typed:
        return SearchPlan(email=typed)
    if "," in typed:
        last, _, first = (part.strip() for part in typed.partition(","))
        if last and first:
            return SearchPlan(names=(NameSearch(first=first, last=last),))
        typed = last or first
    words = typed.split()
    if len(words) == 1:
        return SearchPlan(names=(NameSearch(last=typed), NameSearch(first=typed)))
    splits = [(" ".join(words[:k]), " ".join(words[k:])) for k in range(1, len(words))]
    names = ([NameSearch(first=a, last=b) for a, b in splits]
             + [NameSearch(last=a, first=b) for a, b in splits]
             + [NameSearch(last=typed), NameSearch(first=typed)])
    return SearchPlan(names=tuple(names))


def nothing_found(text: str) -> str:
    """What to tell the clerk when a search finds no one: a mistyped card number (right
    length, wrong check digit, and no one's phone either) is said to be one."""
    typed = _squash(text)
    digits = phone_digits(typed)
    if digits and CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS \
            and not codes.is_valid(digits):
        return (f"No customer has phone {typed}, and as a card number {digits} does not check "
                f"out (mistyped?): type it again.")
    return f"No customer matches {typed!r}."
