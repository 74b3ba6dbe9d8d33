"""Tables for every screen: one pure function over tabulate, and the store's times.

`format_table` turns headers and rows of plain values into aligned text: text on the left,
whole numbers and money on the right, money always with two decimals, None as a blank cell,
True/False as yes/no. Cells are formatted here and tabulate's own number parsing is off,
so what a test expects is exactly what a clerk sees ("12.50" never becomes "12.5").
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from store.clock import from_wire, zone

CENT = Decimal("0.01")
DATE_TIME = "%Y-%m-%d %H:%M"       # the default for times in tables, in the store's zone
DATE_TIME_S = "%Y-%m-%d %H:%M:%S"  # with seconds: for short-lived things such as lock leases


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]],
                 money_columns: Collection[int | str] = (), tablefmt: str = "simple") -> str:
    """The rows as an aligned table under `headers`. `money_columns` names columns (by
    header or index) that hold amounts: shown with 2 decimals (rounded half up), right-
    aligned. Columns whose cells are all whole numbers (or blank) are right-aligned too."""
    from tabulate import tabulate  # here, not at the top: no table before the first screen
    money = {i for i, h in enumerate(headers) if h in money_columns or i in money_columns}
    raw = [list(row) for row in rows]
    for row in raw:
        if len(row) != len(headers):
            raise ValueError(f"a row has {len(row)} cells for {len(headers)} headers: {row!r}")
    cells = [[_money(v) if i in money else _cell(v) for i, v in enumerate(row)] for row in raw]
    align = ["right" if i in money or _whole_numbers(raw, i) else "left"
             for i in range(len(headers))]
    return tabulate(cells, headers=list(headers), tablefmt=tablefmt, disable_numparse=True,
                    colalign=align if cells else None)  # tabulate 0.9 fails on both at once


def format_money(value: Any) -> str:
    """An amount with two decimals ("3.5" -> "3.50"); blank for None."""
    return _money(value)


def format_time(value: dict[str, Any] | None, tz_name: str, fmt: str = DATE_TIME) -> str:
    """A protocol time ({"utc": "...Z", "epoch_ms": N}) in the zone `tz_name` (an IANA
    name such as "Europe/Lisbon"; UTC if unknown); blank for None."""
    if not value:
        return ""
    if "epoch_ms" in value:
        moment = from_wire(value)
    else:
        moment = datetime.fromisoformat(str(value["utc"]).replace("Z", "+00:00"))
    return format_moment(moment, tz_name, fmt)


def format_moment(moment: datetime | None, tz_name: str, fmt: str = DATE_TIME) -> str:
    """An aware datetime in the zone `tz_name`; blank for None."""
    return "" if moment is None else moment.astimezone(zone(tz_name)).strftime(fmt)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _money(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return str(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return str(value)


def _whole_numbers(rows: list[list[Any]], column: int) -> bool:
    values = [row[column] for row in rows if row[column] is not None]
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
