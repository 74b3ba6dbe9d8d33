"""What a CSV file of customers, titles or copies must hold, and each row checked with the
same rules a clerk's form uses (store/customer_rules.py, store/title_rules.py). Pure: the
importer (store/csv_import.py) streams the file through these.

Files are header-driven: columns are found by name (any case, spaces as underscores), in
any order. A column this code does not know is refused, so a typo ("frist_name") is not
silently dropped — except the columns an export writes that an import makes anew (id,
card number, created time ...), which are ignored, so an exported file imports again.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from typing import Any, Callable

from store import codes
from store.customer_rules import FIELD_BY_COLUMN, LEFT_EMPTY, clean_card
from store.errors import Refused, ValidationError
from store.title_rules import (field_parsers, new_copy_numbers, parse_format, title_fields)


@dataclass(frozen=True)
class Kind:
    """One kind of row a CSV file can hold."""
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    ignored: tuple[str, ...]      # written by an export, made anew by an import

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


CUSTOMERS = Kind("customers", ("first_name", "last_name", "date_of_birth"),
                 ("phone", "email", "address_line1", "address_line2", "city", "postal_code",
                  "country", "store_id", "card_number"),
                 ("id", "active", "created_at", "updated_at", "store"))
TITLES = Kind("titles", ("title", "rental_rate", "rental_days", "replacement_cost"),
              ("release_year", "rating", "genre", "length_min", "description"),
              ("id", "created_at", "updated_at", "copies"))
COPIES = Kind("copies", ("title_id", "format"), ("store_id",),
              ("id", "barcode", "copy_number", "status", "title", "store", "created_at",
               "updated_at"))
KINDS = {k.name: k for k in (CUSTOMERS, TITLES, COPIES)}

# The optional title fields a file may leave out, and what they are then.
TITLE_DEFAULTS = {"release_year": "", "rating": "G", "genre": "Unsorted", "length_min": "",
                  "description": ""}


def header_name(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


@dataclass(frozen=True)
class Header:
    """Which column of the file holds which field (field -> index)."""
    positions: dict[str, int]
    ignored: tuple[str, ...]


def read_header(kind: Kind, header: list[str]) -> Header:
    """The file's first row checked: every required column there, none unknown, none
    twice. ValidationError says which and lists what the kind takes."""
    names = [header_name(h) for h in header]
    if not any(names):
        raise ValidationError(f"The file has no header row; a {kind.name} file starts with "
                              f"one naming its columns: {', '.join(kind.columns)}.")
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise ValidationError(f"Column {twice[0]!r} is in the header twice.")
    unknown = [n for n in names if n and n not in kind.columns and n not in kind.ignored]
    if unknown:
        raise ValidationError(f"Column {unknown[0]!r} is not a {kind.name} column; they are "
                              f"{', '.join(kind.columns)}.")
    missing = [c for c in kind.required if c not in names]
    if missing:
        raise ValidationError(f"The header has no {', '.join(missing)} column (a {kind.name} "
                              f"file needs {', '.join(kind.required)}).")
    positions = {n: i for i, n in enumerate(names) if n in kind.columns}
    return Header(positions, tuple(n for n in names if n in kind.ignored))


def fields_of(header: Header, row: list[str], width: int) -> dict[str, str]:
    """The row's fields by name. ValidationError when it has a different number of values
    than the header (a stray comma, or a quote left open)."""
    if len(row) != width:
        raise ValidationError(f"The row has {len(row)} values and the header {width}.")
    return {name: row[i] for name, i in header.positions.items()}


def store_of(text: str, default: int, stores: set[int]) -> int:
    """The store a row names (or the import's store when it names none)."""
    text = text.strip()
    if not text:
        return default
    number = codes.whole_number(text)
    if number is None or number not in stores:
        raise ValidationError(f"Store {text!r} does not exist (stores: "
                              f"{', '.join(str(s) for s in sorted(stores))}).")
    return number


def customer_row(fields: dict[str, str], today: date, default_store: int,
                 stores: set[int]) -> tuple[Any, ...]:
    """(store_id, card_number or None, first_name, last_name, phone, email, address_line1,
    address_line2, city, postal_code, country, date_of_birth), each by the register form's
    rule. A card number is kept when given (a shop moving its members keeps their cards);
    None means the importer makes one from the new id, as the counter does."""
    values = dict(LEFT_EMPTY)
    for column, field in FIELD_BY_COLUMN.items():
        text = fields.get(column, "")
        if text or field.required:
            values[column] = field.clean(text, today)
    card = fields.get("card_number", "").strip()
    return (store_of(fields.get("store_id", ""), default_store, stores),
            clean_card(card) if card else None,
            values["first_name"], values["last_name"], values["phone"], values["email"],
            values["address_line1"], values["address_line2"], values["city"],
            values["postal_code"], values["country"], values["date_of_birth"])


def title_row(fields: dict[str, str], this_year: int) -> tuple[Any, ...]:
    """(title, release_year, rating, genre, length_min, rental_rate, rental_days,
    replacement_cost, description) by the title form's rules; optional fields left empty
    take TITLE_DEFAULTS."""
    given = {name: fields.get(name, "") for name in field_parsers(this_year)}
    for name, default in TITLE_DEFAULTS.items():
        if not given[name].strip():
            given[name] = default
    t = title_fields(given, this_year)
    return (t.title, t.release_year, t.rating, t.genre, t.length_min, t.rental_rate,
            t.rental_days, t.replacement_cost, t.description)


def title_id_of(text: str) -> int:
    text = text.strip()
    number = codes.whole_number(text)
    if number is None or number < 1:
        raise ValidationError(f"Title id {text or 'nothing'!r} is not a title number.")
    return number


# A file of copies says "DVD" a million times: each spelling is read once (CSV fields are
# always text, so always hashable).
_format_of = lru_cache(maxsize=64)(parse_format)


class CopyNumbering:
    """Copy numbers and barcodes for new copies, counting on per title from the highest
    number each title has (`highest`, read once; titles met in the file are added)."""

    def __init__(self, highest: Callable[[int], int]):
        self._highest = highest
        self._next: dict[int, int] = {}

    def take(self, title_id: int) -> tuple[int, str]:
        if title_id not in self._next:
            self._next[title_id] = self._highest(title_id)
        number = new_copy_numbers(title_id, self._next[title_id], 1)[0]
        self._next[title_id] = number
        return number, codes.copy_barcode(title_id, number)


def copy_row(fields: dict[str, str], default_store: int, stores: set[int],
             numbering: CopyNumbering) -> tuple[Any, ...]:
    """(title_id, store_id, format, barcode, copy_number) of one new copy."""
    title_id = title_id_of(fields["title_id"])
    fmt = _format_of(fields["format"])
    store_id = store_of(fields.get("store_id", ""), default_store, stores)
    try:
        number, barcode = numbering.take(title_id)
    except Refused as e:
        raise ValidationError(str(e)) from None
    return title_id, store_id, fmt, barcode, number
