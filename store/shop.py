"""The shop's rules (the `settings` table): fees, limits, ages — read through one service.

`ShopRules` is the typed, checked view that every rule function takes (pure, no I/O).
`ShopSettings` reads it from the database and keeps it for CACHE_S, so a hire costs no
settings query. A change made here refreshes it at once and is announced to the store's
other terminals ("settings.changed" on the inventory topic), which drop their copy on that
event — and the chain's other stores at the latest CACHE_S later. Only an admin may change
a setting; each change is one transaction with an audit_log row of its old and new value.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from db import shop_settings as sql
from db.audit import insert_audit
from db.database import Database, Tx
from store import once, roles, unit
from store.codes import whole_number
from store.counter import Counter
from store.errors import NotFound, ValidationError
from store.money import parse_amount

CACHE_S = 60.0
CAP_REPLACEMENT = "replacement_cost"
RATED = ("R", "NC-17")   # the ratings with a minimum age (min_age_<rating>)


@dataclass(frozen=True)
class ShopRules:
    late_fee_per_day: Decimal = Decimal("1.00")
    grace_hours: int = 2
    late_fee_cap: Decimal | None = None        # None: the title's replacement cost
    max_open_hires: int = 5
    blocking_balance: Decimal = Decimal("10.00")
    min_ages: tuple[tuple[str, int], ...] = (("NC-17", 18), ("R", 17))  # sorted by rating
    hold_shelf_days: int = 3
    renewal_limit: int = 2
    require_totp_admins: bool = False

    def min_age(self, rating: str) -> int:
        """The age a customer must have reached to hire a title of `rating` (0: none)."""
        return dict(self.min_ages).get(rating, 0)


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        number = whole_number(text.strip())
        if number is None or not low <= number <= high:
            raise ValidationError(f"{text!r} is not a whole number from {low} to {high}")
        return number
    return parse


def _cap(text: str) -> Decimal | None:
    return None if text.strip() == CAP_REPLACEMENT else parse_amount(text)


def _flag(text: str) -> bool:
    if text.strip() not in ("0", "1"):
        raise ValidationError(f"{text!r} must be 1 (on) or 0 (off)")
    return text.strip() == "1"


# name -> (parse the stored text, ShopRules field it sets)
PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "late_fee_per_day": (parse_amount, "late_fee_per_day"),
    "grace_hours": (_whole(0, 720), "grace_hours"),
    "late_fee_cap": (_cap, "late_fee_cap"),
    "max_open_hires": (_whole(1, 100), "max_open_hires"),
    "blocking_balance": (parse_amount, "blocking_balance"),
    "min_age_R": (_whole(0, 99), ""),
    "min_age_NC-17": (_whole(0, 99), ""),
    "hold_shelf_days": (_whole(1, 60), "hold_shelf_days"),
    "renewal_limit": (_whole(0, 20), "renewal_limit"),
    "require_totp_admins": (_flag, "require_totp_admins"),
}


def parse_setting(name: str, text: str) -> Any:
    """The value of setting `name` written as `text`; ValidationError says what is wrong."""
    if name not in PARSERS:
        raise NotFound(f"there is no setting {name!r}; there are: {', '.join(PARSERS)}")
    return PARSERS[name][0](text)


def rules_from(stored: dict[str, str]) -> ShopRules:
    """ShopRules from the stored settings; a missing or unreadable one keeps its default."""
    values: dict[str, Any] = {}
    ages = dict(ShopRules.min_ages)
    for name, text in stored.items():
        if name not in PARSERS:
            continue
        try:
            value = parse_setting(name, text)
        except ValidationError:
            continue  # a bad row must not stop the till: the default stands
        field = PARSERS[name][1]
        if field:
            values[field] = value
        elif name.startswith("min_age_"):
            ages[name.removeprefix("min_age_")] = value
    return ShopRules(**values, min_ages=tuple(sorted(ages.items())))


class ShopSettings:
    def __init__(self, database: Database, counter: Counter | None = None,
                 cache_s: float = CACHE_S, clock: Callable[[], float] = time.monotonic):
        self.database, self.counter = database, counter
        self.cache_s, self._clock = cache_s, clock
        self._rules: ShopRules | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def rules(self) -> ShopRules:
        """The rules now in force (from the cache while it is fresh)."""
        with self._lock:
            if self._rules is not None and self._clock() - self._loaded_at < self.cache_s:
                return self._rules
        rows = unit.run(self.database, sql.all_settings)
        rules = rules_from({r["name"]: r["value"] for r in rows})
        with self._lock:
            self._rules, self._loaded_at = rules, self._clock()
        return rules

    def invalidate(self) -> None:
        """Read the settings again next time (another terminal changed one)."""
        with self._lock:
            self._rules = None

    def listing(self) -> list[dict[str, Any]]:
        """Every setting with its value, description, and who changed it last when."""
        return unit.run(self.database, sql.all_settings)

    def change(self, name: str, text: str, request: once.RequestKey | None = None) -> Any:
        """Set one setting (admins only): checked, audited, announced; its new value. Once
        per `request` key (a retry writes no second audit row)."""
        assert self.counter is not None, "changing a setting needs a counter"
        actor = self.counter.actor
        actor.require(roles.ADMIN, "changing the shop's settings")
        value = parse_setting(name, text)
        stored = text.strip()
        now = self.counter.now()

        def work(tx: Tx) -> None:
            old = sql.get_setting(tx, name, for_update=True)
            if old is None:
                raise NotFound(f"there is no setting {name!r}")
            sql.set_setting(tx, name, stored, now, actor.staff_id)
            insert_audit(tx, now, actor.staff_id, actor.store_id, "settings.change",
                         "settings", None, {name: old}, {name: stored})
        once.run(self.database, request, actor.staff_id, "settings.change",
                 {"name": name, "value": stored}, now, work, type(None))
        self.invalidate()
        self.counter.publish("settings.changed", {"name": name})
        return value
