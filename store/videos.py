"""Titles and copies: the catalogue's manager.

A clerk names a copy by scanning its barcode (11 digits with a Luhn check digit, so a
mis-scan is caught before any lookup) or by typing its copy number (the id shown on
screens). Reads need no lock and no store server: they work read-only too.

Changes need a logged-in clerk (Counter.actor) and the store server's clock; each is one
transaction that writes audit_log: adding a title, editing one (under the `title:<id>`
lock), adding copies at the clerk's own store (numbered after the title's highest, the
title row locked FOR UPDATE so two tills never hand out one number twice), and marking a
copy damaged, lost, retired or back on the shelf (under the `copy:<id>` lock, then told
to the store's other terminals as "copy.updated"). The rules are in store/title_rules.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from db import catalogue as sql
from db.audit import insert_audit
from db.database import Database, Tx
from db.stores import get_store
from store import codes, once, unit
from store import title_rules as rules
from store.clock import utc
from store.counter import Counter
from store.errors import NotFound, Refused, Unauthenticated, ValidationError

BARCODE_LENGTH = 11
MAX_COPY_ID = 2 ** 32 - 1


@dataclass(frozen=True)
class CopyRef:
    """How the clerk named a copy: by barcode or by id."""
    barcode: str | None = None
    copy_id: int | None = None


@dataclass(frozen=True)
class CopyView:
    id: int
    barcode: str
    copy_number: int
    format: str
    status: str
    store_id: int
    store_name: str
    title_id: int
    title: str
    rating: str
    release_year: int | None
    hired_to: str | None = None      # the hirer's name and card, while hired
    hired_at: datetime | None = None
    due_at: datetime | None = None
    held_for: str | None = None      # the customer it is set aside for
    held_for_phone: str | None = None

    @property
    def resource(self) -> str:
        """Its lock's name on the store server."""
        return f"copy:{self.id}"


def parse_copy_ref(text: str) -> CopyRef:
    """A barcode (11 digits, check digit right) or a copy number; ValidationError says
    which is wrong."""
    code = text.strip().replace(" ", "")
    if not code:
        raise ValidationError("Scan a barcode or type a copy number.")
    if not codes.is_digits(code):
        raise ValidationError(f"{text.strip()!r} is not a barcode or a copy number: digits only.")
    if len(code) == BARCODE_LENGTH:
        if not codes.is_valid(code):
            raise ValidationError(f"Barcode {code} does not check out (mis-scanned?): "
                                  f"scan it again.")
        return CopyRef(barcode=code)
    number = codes.whole_number(code)
    if len(code) > BARCODE_LENGTH or number is None or not 1 <= number <= MAX_COPY_ID:
        raise ValidationError(f"{code} is neither a barcode ({BARCODE_LENGTH} digits) nor a "
                              f"copy number.")
    return CopyRef(copy_id=number)


def copy_view(row: dict[str, Any]) -> CopyView:
    hirer = (f"{row['hirer_first']} {row['hirer_last']} (card {row['hirer_card']})"
             if row["hire_id"] else None)
    holder = f"{row['holder_first']} {row['holder_last']}" if row["hold_id"] else None
    return CopyView(
        id=row["id"], barcode=row["barcode"], copy_number=row["copy_number"],
        format=row["format"], status=row["status"], store_id=row["store_id"],
        store_name=row["store_name"], title_id=row["title_id"], title=row["title"],
        rating=row["rating"], release_year=row["release_year"], hired_to=hirer,
        hired_at=utc(row["hired_at"]), due_at=utc(row["due_at"]), held_for=holder,
        held_for_phone=row["holder_phone"] if row["hold_id"] else None)


@dataclass(frozen=True)
class TitleView:
    id: int
    title: str
    release_year: int | None
    rating: str
    genre: str
    length_min: int | None
    rental_rate: Decimal
    rental_days: int
    replacement_cost: Decimal
    description: str

    @property
    def resource(self) -> str:
        """Its lock's name on the store server."""
        return f"title:{self.id}"

    @property
    def fields(self) -> rules.TitleFields:
        return rules.TitleFields(self.title, self.release_year, self.rating, self.genre,
                                 self.length_min, self.rental_rate, self.rental_days,
                                 self.replacement_cost, self.description)


@dataclass(frozen=True)
class TitleHit:
    """A title found, with its copies in stock (not lost or retired): available at the
    terminal's store, all of them there, all of them in every store. The counts are of
    the searched format only, when one was given; the first two are None with no store."""
    title: TitleView
    available_here: int | None
    copies_here: int | None
    copies_total: int


@dataclass(frozen=True)
class TitleCard:
    """A title and every one of its copies, in every store, with where each is."""
    title: TitleView
    copies: list[CopyView]


@dataclass(frozen=True)
class TitleEdit:
    title: TitleView
    before: dict[str, Any]   # the changed fields' old values (empty: nothing changed)
    after: dict[str, Any]


@dataclass(frozen=True)
class AddedCopies:
    title: TitleView
    store_name: str
    format: str
    copies: list[dict[str, Any]]   # id, copy_number, barcode, ...


@dataclass(frozen=True)
class _Edited:
    """What an edit of a title wrote (its fields before and after), as stored for a retry."""
    old: rules.TitleFields
    new: rules.TitleFields


def title_view(row: dict[str, Any]) -> TitleView:
    return TitleView(row["id"], row["title"], row["release_year"], row["rating"], row["genre"],
                     row["length_min"], row["rental_rate"], row["rental_days"],
                     row["replacement_cost"], row["description"] or "")


def _title_or_not_found(tx: Tx, title_id: int, for_update: bool = False) -> dict[str, Any]:
    row = sql.get_title(tx, title_id, for_update=for_update)
    if row is None:
        raise NotFound(f"There is no title number {title_id}.")
    return row


def _no_duplicate(tx: Tx, fields: rules.TitleFields, title_id: int | None = None) -> None:
    same = sql.same_title(tx, fields.title, fields.release_year)
    if same is not None and same["id"] != title_id:
        year = f" ({same['release_year']})" if same["release_year"] else ""
        raise Refused(f"{same['title']}{year} is already in the catalogue as title "
                      f"{same['id']}: edit that one, or give this one its own year.",
                      {"reason": "duplicate", "title_id": same["id"]})


class Videos:
    def __init__(self, database: Database, counter: Counter):
        self.database, self.counter = database, counter

    # --- reads: no login needed ----------------------------------------------------------

    def find_copy(self, text: str) -> CopyView:
        """The copy a clerk scanned or typed, with where it is; NotFound if none."""
        ref = parse_copy_ref(text)
        row = unit.run(self.database, lambda tx: sql.copy_whereabouts(
            tx, copy_id=ref.copy_id, barcode=ref.barcode))
        if row is None:
            what = f"barcode {ref.barcode}" if ref.barcode else f"number {ref.copy_id}"
            raise NotFound(f"There is no copy with {what}.")
        return copy_view(row)

    def copy(self, copy_id: int) -> CopyView:
        """A copy by id, read again (after it changed elsewhere)."""
        return self.find_copy(str(copy_id))

    def find_titles(self, text: str, genre: str | None = None, rating: str | None = None,
                    format: str | None = None, available_at_store: int | None = None,
                    limit: int = 20, here: int | None = None) -> list[TitleHit]:
        """Titles by part of their name — titles that begin with the text first, then
        those with a word that begins so ("dino" finds Academy Dinosaur) — with the given
        genre and rating, a copy in `format`, an available copy at store
        `available_at_store`; each group sorted by title. Copies are counted at store `here` (default:
        the logged-in clerk's)."""
        search = rules.title_search(text)
        genre = rules.parse_genre(genre) if genre else None
        rating = rules.parse_rating(rating) if rating else None
        fmt = rules.parse_format(format) if format else None
        if not 1 <= limit <= 100:
            raise ValidationError("Show 1 to 100 titles at a time.")
        here = here if here is not None else self._my_store()

        def find(tx: Tx) -> list[dict[str, Any]]:
            # Titles that begin with the text first, alphabetically (the prefix index);
            # then, to fill the list, titles with a word that begins so (the FULLTEXT
            # index), as the index gives them, shown alphabetically too.
            starts = sql.find_titles(tx, None, search.starts, (), genre, rating, fmt,
                                     available_at_store, here, limit)
            if search.match is None or len(starts) == limit:
                return starts
            seen = {r["id"] for r in starts}
            more = [r for r in sql.find_titles(tx, search.match, None, search.contains, genre,
                                               rating, fmt, available_at_store, here,
                                               limit + len(starts), ordered=False)
                    if r["id"] not in seen][:limit - len(starts)]
            return starts + sorted(more, key=lambda r: (r["title"].lower(), r["id"]))
        rows = unit.run(self.database, find)
        return [TitleHit(title_view(r), r["available_here"] if here else None,
                         r["copies_here"] if here else None, r["copies_total"]) for r in rows]

    def title(self, title_id: int) -> TitleView:
        return title_view(unit.run(self.database, lambda tx: _title_or_not_found(tx, title_id)))

    def copies_of(self, title_id: int) -> list[CopyView]:
        """Every copy of the title in every store, with where it is (NotFound: no title)."""
        return self.title_card(title_id).copies

    def title_card(self, title_id: int) -> TitleCard:
        """The title and every copy of it, read in one transaction."""
        def work(tx: Tx) -> TitleCard:
            title = title_view(_title_or_not_found(tx, title_id))
            seen: set[int] = set()
            copies = []
            for row in sql.copies_whereabouts(tx, title_id):
                if row["id"] not in seen:  # one line per copy, even with two ready holds
                    seen.add(row["id"])
                    copies.append(copy_view(row))
            return TitleCard(title, copies)
        return unit.run(self.database, work)

    def genres(self) -> list[str]:
        """The genres titles have now (for completing a typed one)."""
        return unit.run(self.database, sql.genres)

    # --- changes: a logged-in clerk, the server's clock, audited -------------------------

    def add_title(self, *, request: once.RequestKey | None = None,
                  **values: Any) -> TitleView:
        """A new title in the catalogue (every store's); Refused if one of that name and
        year is there already — but not when tried again with the same `request` key:
        the title the first try added is returned."""
        actor = self.counter.actor
        now = self.counter.now()
        fields = rules.title_fields(values, now.year)

        def work(tx: Tx) -> int:
            _no_duplicate(tx, fields)
            f = fields
            title_id = sql.insert_title(tx, f.title, f.release_year, f.rating, f.genre,
                                        f.length_min, f.rental_rate, f.rental_days,
                                        f.replacement_cost, f.description, now)
            insert_audit(tx, now, actor.staff_id, actor.store_id, "title.add", "titles",
                         title_id, None, f.as_dict())
            return title_id
        return self.title(once.run(self.database, request, actor.staff_id, "title.add",
                                   values, now, work, int))

    def edit_title(self, title_id: int, *, request: once.RequestKey | None = None,
                   **changes: Any) -> TitleEdit:
        """Change some of a title's fields (under its lock); the old and new values of
        the ones that changed go to audit_log. Nothing is written when none changed (but
        the request key, so a retry is told the same)."""
        actor = self.counter.actor
        with self.counter.holding(f"title:{title_id}") as held:
            now = held.now

            def work(tx: Tx) -> _Edited:
                old = title_view(_title_or_not_found(tx, title_id, for_update=True)).fields
                new = rules.title_fields({**old.as_dict(), **changes}, now.year)
                before, after = rules.title_changes(old, new)
                if not after:
                    return _Edited(old, new)
                if "title" in after or "release_year" in after:
                    _no_duplicate(tx, new, title_id)
                sql.update_title(tx, title_id, new.title, new.release_year, new.rating,
                                 new.genre, new.length_min, new.rental_rate, new.rental_days,
                                 new.replacement_cost, new.description, now)
                insert_audit(tx, now, actor.staff_id, actor.store_id, "title.edit", "titles",
                             title_id, before, after)
                return _Edited(old, new)
            edited = once.run(self.database, request, actor.staff_id, "title.edit",
                              {"title_id": title_id, "changes": changes}, now, work, _Edited)
        before, after = rules.title_changes(edited.old, edited.new)
        if after:
            self.counter.publish("title.updated", {"title_id": title_id})
        return TitleEdit(self.title(title_id), before, after)

    def add_copies(self, title_id: int, count: int | str, format: str,
                   request: once.RequestKey | None = None) -> AddedCopies:
        """`count` new copies of a title in `format` at the clerk's store, available, with
        the next copy numbers and their barcodes; each audited. Tried again with the same
        `request` key (a lost COMMIT answer), the copies are made once: the first try's
        are returned."""
        actor = self.counter.actor
        count, fmt = rules.parse_copy_count(count), rules.parse_format(format)
        now = self.counter.now()

        def work(tx: Tx) -> AddedCopies:
            # The title row locked: a second till adding copies waits here, then numbers on.
            title = title_view(_title_or_not_found(tx, title_id, for_update=True))
            numbers = rules.new_copy_numbers(title_id, sql.highest_copy_number(tx, title_id),
                                             count)
            sql.insert_copies(tx, [(title_id, actor.store_id, fmt,
                                    codes.copy_barcode(title_id, n), n, now) for n in numbers])
            added = sql.copies_numbered(tx, title_id, numbers[0], numbers[-1])
            for copy in added:
                insert_audit(tx, now, actor.staff_id, actor.store_id, "copy.add", "copies",
                             copy["id"], None, {k: copy[k] for k in (
                                 "title_id", "store_id", "format", "barcode", "copy_number",
                                 "status")})
            store = get_store(tx, actor.store_id)
            return AddedCopies(title, store["name"] if store else f"store {actor.store_id}",
                               fmt, added)
        added = once.run(self.database, request, actor.staff_id, "copy.add",
                         {"title_id": title_id, "count": count, "format": fmt}, now, work,
                         AddedCopies)
        self.counter.publish("copies.added", {"title_id": title_id, "count": count})
        return added

    def mark_copy(self, copy_id: int, status: str, reason: str,
                  request: once.RequestKey | None = None) -> CopyView:
        """Mark a copy of the clerk's store damaged, lost, retired or available (back on
        the shelf), under its lock, with the reason in audit_log. A hired or held copy is
        refused: it comes back through a return."""
        actor = self.counter.actor
        new_status, why = rules.parse_mark(status), rules.parse_reason(reason)
        with self.counter.holding(f"copy:{copy_id}") as held:
            now = held.now

            def work(tx: Tx) -> None:
                row = sql.copy_for_change(tx, copy_id)
                if row is None:
                    raise NotFound(f"There is no copy with number {copy_id}.")
                if row["store_id"] != actor.store_id:
                    raise Refused(f"Copy {copy_id} belongs to {row['store_name']} (store "
                                  f"{row['store_id']}): only its own store marks it.",
                                  {"reason": "other_store"})
                rules.check_mark(row["status"], new_status, on_hire=bool(row["hire_id"]),
                                 on_hold=bool(row["hold_id"]), name=f"Copy {copy_id}")
                sql.set_copy_status(tx, copy_id, new_status, now)
                insert_audit(tx, now, actor.staff_id, actor.store_id, "copy.mark", "copies",
                             copy_id, {"status": row["status"]}, {"status": new_status}, why)
            # Once per key: a retry after a lost COMMIT answer is not refused as "already
            # damaged" by its own first try.
            once.run(self.database, request, actor.staff_id, "copy.mark",
                     {"copy_id": copy_id, "status": new_status, "reason": why}, now, work,
                     type(None))
        self.counter.publish("copy.updated", {"copy_id": copy_id})
        return self.copy(copy_id)

    def _my_store(self) -> int | None:
        try:
            return self.counter.actor.store_id
        except Unauthenticated:
            return None
