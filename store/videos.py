"""Titles and copies: finding a copy and where it is.

A clerk names a copy by scanning its barcode (11 digits with a Luhn check digit, so a
mis-scan is caught before any lookup) or by typing its copy number (the id shown on
screens). Reads need no lock and no store server: they work read-only too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import catalogue as sql
from db.database import Database
from store import codes, unit
from store.errors import NotFound, ValidationError
from store.clock import utc

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
    if not code.isdigit():
        raise ValidationError(f"{text.strip()!r} is not a barcode or a copy number: digits only.")
    if len(code) == BARCODE_LENGTH:
        if not codes.is_valid(code):
            raise ValidationError(f"Barcode {code} does not check out (mis-scanned?): "
                                  f"scan it again.")
        return CopyRef(barcode=code)
    number = int(code)
    if len(code) > BARCODE_LENGTH or not 1 <= number <= MAX_COPY_ID:
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


class Videos:
    def __init__(self, database: Database):
        self.database = database

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
