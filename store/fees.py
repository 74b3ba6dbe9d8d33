"""What a late or lost copy costs (pure functions, no I/O).

Late fee: a return within the grace period after the due time costs nothing. Past it, each
day (or part of a day) beyond the grace period costs the daily fee — so with 2 grace hours,
a copy back 1 day late costs 1 day, and one back 7 days and a few minutes late costs 7 days,
not 8: the grace absorbs the minutes. The fee never exceeds the cap: the title's replacement
cost, or a fixed amount when the shop sets one.

Lost or damaged: the replacement cost, instead of any late fee (the customer pays for the
copy itself).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from store.shop import ShopRules

DAY = timedelta(days=1)
CENT = Decimal("0.01")


def days_late(due_at: datetime, returned_at: datetime, grace_hours: int) -> int:
    """Days charged for a return at `returned_at` of a hire due at `due_at`."""
    beyond = returned_at - due_at - timedelta(hours=grace_hours)
    if beyond <= timedelta(0):
        return 0
    return math.ceil(beyond / DAY)


def late_fee(due_at: datetime, returned_at: datetime, rules: ShopRules,
             replacement_cost: Decimal) -> Decimal:
    """The late fee for that return, capped."""
    fee = rules.late_fee_per_day * days_late(due_at, returned_at, rules.grace_hours)
    cap = replacement_cost if rules.late_fee_cap is None else rules.late_fee_cap
    return min(fee, cap).quantize(CENT)


def return_charges(condition: str, due_at: datetime, returned_at: datetime,
                   rules: ShopRules, replacement_cost: Decimal) -> dict[str, Decimal]:
    """What a return costs, by charge kind: {"late_fee": ...} or {"replacement": ...}."""
    if condition in ("lost", "damaged"):
        return {"replacement": replacement_cost.quantize(CENT)}
    fee = late_fee(due_at, returned_at, rules, replacement_cost)
    return {"late_fee": fee} if fee > 0 else {}
