"""The catalogue's rules, pure: a title's fields, how copies are numbered, which status a
clerk may give a copy, and how typed text becomes a title search. No I/O: the managers
(store/videos.py) apply these, and the screens use the field parsers to check an answer
as it is typed.

Each parser takes what a clerk typed (or an already typed value from a program) and gives
the stored value, or raises ValidationError saying what is wrong and how to write it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from store.codes import whole_number
from store.errors import Refused, ValidationError

RATINGS = ("G", "PG", "PG-13", "R", "NC-17")
FORMATS = ("VHS", "DVD", "Blu-ray", "4K")
STATUSES = ("available", "hired", "held", "damaged", "lost", "retired")
FIRST_FILM_YEAR = 1888              # Roundhay Garden Scene
TITLE_MAX, GENRE_MAX, DESCRIPTION_MAX, REASON_MAX = 255, 40, 2000, 255
LENGTH_MAX_MIN = 1440               # a day: longer is a typing slip
RENTAL_DAYS_MAX = 60
MAX_MONEY = Decimal("999999.99")    # DECIMAL(8,2)
COPIES_PER_ADD = 100
MAX_COPY_NUMBER = 999               # a barcode holds 3 digits of copy number ...
MAX_TITLE_ID = 9_999_999            # ... and 7 of title id (store/codes.copy_barcode)

# The status a clerk may give a copy from the Videos screen, by its status now. Hired and
# held copies are not here: they come back through a return (or the hold ending).
MARKS: dict[str, tuple[str, ...]] = {
    "available": ("damaged", "lost", "retired"),
    "damaged": ("available", "lost", "retired"),
    "lost": (), "retired": (), "hired": (), "held": (),
}
IN_STOCK = ("available", "hired", "held", "damaged")  # counted as the store's copies

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class TitleFields:
    """A title's stored fields, every one checked."""
    title: str
    release_year: int | None
    rating: str
    genre: str
    length_min: int | None
    rental_rate: Decimal
    rental_days: int
    replacement_cost: Decimal
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _plain(text: str, what: str) -> str:
    if _CONTROL.search(text):
        raise ValidationError(f"{what} may not hold control characters (tabs, line breaks).")
    return text


def parse_title(value: Any) -> str:
    text = " ".join(_plain(_text(value), "A title").split())
    if not text:
        raise ValidationError("A title needs its name (1 to 255 characters).")
    if len(text) > TITLE_MAX:
        raise ValidationError(f"A title is at most {TITLE_MAX} characters ({len(text)} "
                              f"given).")
    return text


def _whole(value: Any, what: str, low: int, high: int, optional: bool) -> int | None:
    text = _text(value)
    if not text and optional:
        return None
    number = whole_number(text)
    if number is None or not low <= number <= high:
        shown = repr(text) if text else "nothing"
        raise ValidationError(f"{what} must be a whole number from {low} to {high} "
                              f"({shown} given).")
    return number


def parse_year(value: Any, this_year: int) -> int | None:
    """The release year, 1888 to next year (films are announced ahead); empty: unknown."""
    return _whole(value, "The year", FIRST_FILM_YEAR, this_year + 1, optional=True)


def parse_rating(value: Any) -> str:
    """One of G, PG, PG-13, R, NC-17, in any case, with or without the hyphen."""
    text = _text(value).upper().replace(" ", "")
    for rating in RATINGS:
        if text in (rating, rating.replace("-", "")):
            return rating
    raise ValidationError(f"The rating must be one of {', '.join(RATINGS)} "
                          f"({_text(value) or 'nothing'!r} given).")


def parse_genre(value: Any) -> str:
    text = " ".join(_plain(_text(value), "A genre").split())
    if not text or len(text) > GENRE_MAX:
        raise ValidationError(f"A genre is 1 to {GENRE_MAX} characters, e.g. Comedy.")
    return text


def parse_length(value: Any) -> int | None:
    """Running time in minutes; empty: unknown."""
    return _whole(value, "The length in minutes", 1, LENGTH_MAX_MIN, optional=True)


def parse_money(value: Any, what: str) -> Decimal:
    """An amount from 0 to 999999.99 with at most two decimals, e.g. 2.99."""
    text = _text(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{what} must be an amount like 2.99 ({text or 'nothing'!r} "
                              f"given).") from None
    if (not amount.is_finite() or amount < 0 or amount > MAX_MONEY
            or amount != amount.quantize(Decimal("0.01"))):
        raise ValidationError(f"{what} must be an amount from 0 to {MAX_MONEY} with at most "
                              f"2 decimals ({text!r} given).")
    return amount.quantize(Decimal("0.01"))


def parse_rental_days(value: Any) -> int:
    days = _whole(value, "The rental days", 1, RENTAL_DAYS_MAX, optional=False)
    assert days is not None
    return days


def parse_description(value: Any) -> str:
    text = " ".join(_plain(_text(value), "A description").split())
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(f"A description is at most {DESCRIPTION_MAX} characters "
                              f"({len(text)} given).")
    return text


def field_parsers(this_year: int) -> dict[str, Callable[[Any], Any]]:
    """Each field's parser by its name: what a form checks an answer with."""
    return {
        "title": parse_title,
        "release_year": lambda v: parse_year(v, this_year),
        "rating": parse_rating,
        "genre": parse_genre,
        "length_min": parse_length,
        "rental_rate": lambda v: parse_money(v, "The rental rate"),
        "rental_days": parse_rental_days,
        "replacement_cost": lambda v: parse_money(v, "The replacement cost"),
        "description": parse_description,
    }


def title_fields(values: dict[str, Any], this_year: int) -> TitleFields:
    """Every field checked; ValidationError names the first wrong one (or a missing one)."""
    parsers = field_parsers(this_year)
    unknown = sorted(set(values) - set(parsers))
    if unknown:
        raise ValidationError(f"A title has no field {unknown[0]!r}.")
    return TitleFields(**{name: parse(values.get(name)) for name, parse in parsers.items()})


def title_changes(old: TitleFields, new: TitleFields) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ: (their old values, their new values), for the audit log."""
    before, after = old.as_dict(), new.as_dict()
    changed = [name for name in before if before[name] != after[name]]
    return {n: before[n] for n in changed}, {n: after[n] for n in changed}


# --- copies ------------------------------------------------------------------------------

def parse_format(value: Any) -> str:
    """VHS, DVD, Blu-ray or 4K, in any case ("bluray" and "blu ray" too)."""
    text = re.sub(r"[\s-]", "", _text(value)).lower()
    for fmt in FORMATS:
        if text == fmt.replace("-", "").lower():
            return fmt
    raise ValidationError(f"The format must be one of {', '.join(FORMATS)} "
                          f"({_text(value) or 'nothing'!r} given).")


def parse_copy_count(value: Any) -> int:
    count = _whole(value, "The number of copies", 1, COPIES_PER_ADD, optional=False)
    assert count is not None
    return count


def new_copy_numbers(title_id: int, highest: int, count: int) -> range:
    """The copy numbers of `count` new copies of a title whose highest number is `highest`
    (0: none yet). Refused past 999: a barcode has room for 3 digits of copy number."""
    count = parse_copy_count(count)
    if title_id > MAX_TITLE_ID:
        raise Refused(f"Title {title_id} cannot have copies: barcodes hold title numbers up "
                      f"to {MAX_TITLE_ID}.", {"reason": "title_number"})
    room = MAX_COPY_NUMBER - highest
    if count > room:
        so_far = f"its copies are numbered up to {highest}" if highest else "it has none"
        more = f"at most {room} more" if room > 0 else "no more"
        raise Refused(f"Title {title_id} can have copies numbered up to {MAX_COPY_NUMBER} and "
                      f"{so_far}: {more} can be added.", {"reason": "copy_numbers"})
    return range(highest + 1, highest + count + 1)


def allowed_marks(status: str) -> tuple[str, ...]:
    """The statuses a clerk may give a copy whose status is `status`."""
    return MARKS.get(status, ())


MARK_CHOICES = ("damaged", "lost", "retired", "available")


def parse_mark(value: Any) -> str:
    """The status to mark a copy with: damaged, lost, retired, or available (also "shelf":
    back on the shelf)."""
    text = _text(value).lower()
    text = "available" if text in ("shelf", "on the shelf", "back on the shelf") else text
    if text not in MARK_CHOICES:
        raise ValidationError(f"A copy can be marked damaged, lost, retired or available "
                              f"(back on the shelf), not {_text(value) or 'nothing'!r}.")
    return text


def check_mark(status: str, new_status: str, *, on_hire: bool = False,
               on_hold: bool = False, name: str = "The copy") -> None:
    """Refused (saying why, and what to do instead) unless a copy whose status is `status`
    may be marked `new_status` here. `on_hire`/`on_hold`: an open hire or a ready hold
    names the copy, whatever its status says. `name` is how the message names the copy."""
    parse_mark(new_status)
    if status == "hired" or on_hire:
        raise Refused(f"{name} is out on hire: it comes back through a return (the Return "
                      f"screen), which also records it damaged or lost.",
                      {"reason": "on_hire"})
    if status == "held" or on_hold:
        raise Refused(f"{name} is set aside for a customer's hold: it leaves the hold shelf "
                      f"by being hired to them or when the hold ends, not from here.",
                      {"reason": "on_hold"})
    if new_status == status:
        raise Refused(f"{name} is already {status}: nothing to change.", {"reason": "same"})
    if new_status not in allowed_marks(status):
        raise Refused(f"{name} is {status}, and a {status} copy stays so: it cannot be "
                      f"marked {new_status}.", {"reason": "final"})


def parse_reason(value: Any) -> str:
    """Why a copy's status changes: 1 to 255 characters, kept in the audit log."""
    text = " ".join(_plain(_text(value), "A reason").split())
    if not text:
        raise ValidationError("Say why (a few words): it is kept in the audit log.")
    if len(text) > REASON_MAX:
        raise ValidationError(f"A reason is at most {REASON_MAX} characters.")
    return text


# --- finding titles ----------------------------------------------------------------------

# InnoDB's default FULLTEXT stopwords (INNODB_FT_DEFAULT_STOPWORD, the same in MariaDB and
# MySQL 8) are not indexed, and neither are words shorter than innodb_ft_min_token_size
# (3 by default): a "+the*" term would match no title ("The Matrix") at all.
STOPWORDS = frozenset(
    "a about an are as at be by com de en for from how i in is it la of on or that the "
    "this to was what when where who will with und www".split())
MIN_TOKEN = 3
MAX_TERMS = 8
_WORD = re.compile(r"\w+(?:'\w+)*")


@dataclass(frozen=True)
class TitleSearch:
    """How to find titles by typed text, always through an index. Either `match` (a
    FULLTEXT boolean-mode expression, every indexed word as a prefix: "+dino* +acad*")
    or `prefix` (a LIKE pattern on the start of the title, for text with no indexed word).
    `contains`: LIKE patterns a title must also match, for the words FULLTEXT does not
    index (short words, stopwords) — checked only on the rows the index found.
    `starts`: the LIKE pattern of titles that begin with the typed text (shown first)."""
    match: str | None = None
    prefix: str | None = None
    contains: tuple[str, ...] = ()
    starts: str = field(default="", compare=False)


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def title_search(text: str) -> TitleSearch:
    """The search for a clerk's typed part of a title."""
    typed = " ".join(_text(text).split())
    if not typed:
        raise ValidationError("Type part of the title (a word, or its first letters).")
    if len(typed) > TITLE_MAX:
        raise ValidationError(f"A title is at most {TITLE_MAX} characters.")
    words = [w.lower() for w in _WORD.findall(typed)]
    indexed = [w for w in words if len(w) >= MIN_TOKEN and w not in STOPWORDS][:MAX_TERMS]
    starts = like_escape(typed) + "%"
    if not indexed:
        return TitleSearch(prefix=starts, starts=starts)
    others = [w for w in dict.fromkeys(words) if w not in indexed][:MAX_TERMS]
    return TitleSearch(match=" ".join(f"+{w}*" for w in dict.fromkeys(indexed)),
                       contains=tuple(f"%{like_escape(w)}%" for w in others), starts=starts)
