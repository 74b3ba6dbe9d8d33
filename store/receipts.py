"""Receipts: the text a customer gets for a hire, a return or a payment (pure rendering),
and reprinting one exactly as it was given.

A receipt is written in the transaction of what it records, so it exists exactly when that
does; its number is filled in once the row has one (NUMBER below).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from db import receipts as sql
from db.database import Database, Tx
from store import unit
from store.clock import zone
from store.errors import NotFound

WIDTH = 64
NUMBER = "{number}"
TIME = "%a %d %b %Y %H:%M"


@dataclass(frozen=True)
class Heading:
    """Who gave the receipt, where and when, and to whom."""
    store: str
    store_id: int
    timezone: str
    at: datetime
    clerk: str
    customer: str
    card: str


@dataclass(frozen=True)
class Line:
    copy_id: int
    title: str
    detail: str     # e.g. "DVD, due Wed 26 Nov 17:05" or "3 days late"
    amount: Decimal


def local(moment: datetime, tz_name: str, fmt: str = TIME) -> str:
    return moment.astimezone(zone(tz_name)).strftime(fmt)


def render(kind: str, heading: Heading, lines: Sequence[Line],
           totals: Sequence[tuple[str, Decimal]], notes: Sequence[str] = ()) -> str:
    """A receipt: heading, one line per copy, the totals, any notes (e.g. whom to call)."""
    rule, double = "-" * WIDTH, "=" * WIDTH
    out = [double,
           f" VIDEOSTORE · {heading.store} (store {heading.store_id})",
           f" {kind.upper()} · receipt {NUMBER} · {local(heading.at, heading.timezone)} "
           f"{local(heading.at, heading.timezone, '%Z')}",
           f" Clerk {heading.clerk} · customer {heading.customer}, card {heading.card}",
           rule]
    for line in lines:
        title = line.title if len(line.title) <= 30 else line.title[:29] + "…"
        out.append(f" {line.copy_id:>6}  {title:<30} {line.detail:<14.14}"
                   f"{_money(line.amount):>9}")
    if lines:
        out.append(rule)
    for label, amount in totals:
        out.append(f" {label:<52}{_money(amount):>10}")
    out.extend(f" {note}" for note in notes)
    out.append(double)
    return "\n".join(out) + "\n"


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def save(tx: Tx, heading_store_id: int, staff_id: int, customer_id: int, kind: str,
         body: str, now: datetime) -> tuple[int, str]:
    """Store a rendered receipt; its number and final text."""
    receipt_id = sql.insert_receipt(tx, heading_store_id, staff_id, customer_id, kind, body, now)
    final = body.replace(NUMBER, str(receipt_id))
    sql.set_body(tx, receipt_id, final)
    return receipt_id, final


class Receipts:
    def __init__(self, database: Database):
        self.database = database

    def reprint(self, receipt_id: int) -> str:
        """A receipt's text exactly as it was given."""
        row = unit.run(self.database, lambda tx: sql.get_receipt(tx, receipt_id))
        if row is None:
            raise NotFound(f"There is no receipt {receipt_id}.")
        return str(row["body"])

    def of_customer(self, customer_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """A customer's latest receipts: id, kind, store, when."""
        return unit.run(self.database, lambda tx: sql.receipts_of(tx, customer_id, limit))
