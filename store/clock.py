"""The store's one clock: every hire, due and return time comes from here, in UTC.

The store server owns the only Clock; terminals ask it for the time. A test clock (server
started with --test-clock) can be moved forward so tests can make a hire overdue. It never
moves back: business times must not run backwards.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.errors import BadRequest, Forbidden

YEAR_S = 366 * 24 * 3600
MAX_ADVANCE_S = 10 * YEAR_S   # in one step
MAX_AHEAD_S = 100 * YEAR_S    # in all: dates stay far from the year 9999


class Clock:
    def __init__(self, adjustable: bool = False):
        self.adjustable = adjustable
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(timezone.utc) + offset

    def advance(self, seconds: object) -> datetime:
        """Move a test clock forward by `seconds`; FORBIDDEN on a real clock."""
        if not self.adjustable:
            raise Forbidden("the clock can only be moved on a server started with --test-clock")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise BadRequest('clock.advance needs {"seconds": N}, N a number')
        if not 0 <= seconds <= MAX_ADVANCE_S:
            raise BadRequest(f"seconds must be between 0 and {MAX_ADVANCE_S} (the clock "
                             f"never goes back)")
        with self._lock:
            if (self._offset + timedelta(seconds=seconds)).total_seconds() > MAX_AHEAD_S:
                raise BadRequest(f"the test clock may run at most {MAX_AHEAD_S // YEAR_S} "
                                 f"years ahead")
            self._offset += timedelta(seconds=seconds)
        return self.now()


def zone(tz_name: str) -> ZoneInfo:
    """The time zone of that IANA name (a store's), or UTC when there is none by that name."""
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def utc(moment: datetime | None) -> datetime | None:
    """A DATETIME from the database (naive, UTC by convention) as an aware datetime."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def to_wire(moment: datetime) -> dict[str, object]:
    """A time as the protocol sends it: ISO 8601 in UTC and epoch milliseconds."""
    utc = moment if moment.tzinfo is timezone.utc else moment.astimezone(timezone.utc)
    return {"utc": utc.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "epoch_ms": int(utc.timestamp() * 1000)}


def from_wire(value: dict[str, object]) -> datetime:
    return datetime.fromtimestamp(int(value["epoch_ms"]) / 1000, tz=timezone.utc)  # type: ignore[arg-type]
