"""What the counter's completion offers as a copy is typed: the copies on the shelf of the
terminal's store, found by the start of their barcode, the start of their number, or part
of their title — the top few, each through an index, fast enough to ask at every key.

`copy_lookup` (pure) says how typed text is looked up; `Shelf.copies` runs it. Only
available copies of the one store are offered: a copy hired, held, damaged or in another
shop cannot be hired here, so offering it would only invite a refusal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db import catalogue as sql
from db.database import Database, Tx
from store import unit
from store import title_rules as rules
from store.errors import ValidationError
from store.videos import BARCODE_LENGTH, MAX_COPY_ID

TOP = 10
# Titles tried at most for copies on this shelf, by each of the two readings of typed text
# (titles that begin so, in title order; titles with a word that begins so, in the
# FULLTEXT index's order). "Alic" begins a thousand titles at a million and "+alic*"
# matches them: when none is on this shelf, each was a dive into the copies' index (and,
# for the word, a read of the title's row) for nothing — 50-120 ms from disk. A hundred
# fill the list on any shelf that holds one title in ten; past them the clerk types
# another letter. (docs/performance-notes.md, search section.)
TITLES_TRIED = 100


@dataclass(frozen=True)
class ShelfCopy:
    """A copy on the shelf, as a suggestion shows it."""
    id: int
    barcode: str
    copy_number: int
    format: str
    title: str
    release_year: int | None


@dataclass(frozen=True)
class CopyLookup:
    """How typed text finds copies: digits by the start of a barcode and of a copy number
    (`number_ranges`, the ids that begin with them), other text by the title (`title`)."""
    barcode_prefix: str | None = None
    number_ranges: tuple[tuple[int, int], ...] = ()
    title: rules.TitleSearch | None = None


def number_ranges(digits: str, highest: int = MAX_COPY_ID) -> tuple[tuple[int, int], ...]:
    """The ranges of whole numbers up to `highest` whose decimal form begins with `digits`:
    "44" -> 44, 440-449, 4400-4499, ... (no number begins with 0)."""
    if not (digits.isascii() and digits.isdigit()) or digits.startswith("0"):
        return ()
    start, width, ranges = int(digits), 1, []
    while start <= highest:
        ranges.append((start, min(start + width - 1, highest)))
        start, width = start * 10, width * 10
    return tuple(ranges)


def copy_lookup(text: str) -> CopyLookup:
    """How `text`, typed where a copy is asked for, is looked up; ValidationError when it
    cannot name one."""
    typed = " ".join(text.split())
    code = typed.replace(" ", "")
    if code.isascii() and code.isdigit():
        if len(code) > BARCODE_LENGTH:
            raise ValidationError(f"{code} is longer than a barcode ({BARCODE_LENGTH} digits).")
        return CopyLookup(barcode_prefix=code, number_ranges=number_ranges(code))
    return CopyLookup(title=rules.title_search(typed))


def shelf_copy(row: dict[str, Any]) -> ShelfCopy:
    return ShelfCopy(row["id"], row["barcode"], row["copy_number"], row["format"],
                     row["title"], row["release_year"])


class Shelf:
    def __init__(self, database: Database):
        self.database = database

    def copies(self, text: str, store_id: int, limit: int = TOP) -> list[ShelfCopy]:
        """The first `limit` copies available at `store_id` that `text` names: by the start
        of the barcode, then of the copy number; or by the title — titles that begin so
        first, then those with a word that begins so, as find_titles orders them (of
        each, the first TITLES_TRIED titles are tried)."""
        lookup = copy_lookup(text)

        def find(tx: Tx) -> list[dict[str, Any]]:
            if lookup.title is None:
                rows = sql.shelf_copies_by_barcode(tx, store_id, lookup.barcode_prefix or "",
                                                   limit)
                rows += sql.shelf_copies_by_number(tx, store_id, lookup.number_ranges, limit)
            else:
                search = lookup.title
                rows = sql.shelf_copies_by_title_start(tx, store_id, search.starts,
                                                       TITLES_TRIED, limit)
                if search.match is not None and len(rows) < limit:
                    more = sql.shelf_copies_by_title_word(tx, store_id, search.match,
                                                          search.contains, TITLES_TRIED,
                                                          2 * limit)
                    rows += sorted(more, key=lambda r: (r["title"].lower(), r["id"]))
            first_seen = {r["id"]: r for r in rows}  # a dict keeps each id's first place
            return list(first_seen.values())[:limit]
        return [shelf_copy(r) for r in unit.run(self.database, find)]
