"""Who may hire what, when it is due, and when a hire may be renewed (pure, no I/O).

Each check raises Refused with the reason in words a clerk can say to the customer, and
details.reason naming the rule; details.override is true only for the one rule a manager
may override (a balance above the blocking limit).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from store.errors import Refused
from store.shop import ShopRules


@dataclass(frozen=True)
class Hirer:
    """A customer as the hire rules see them."""
    id: int
    name: str
    active: bool
    date_of_birth: date | None
    balance: Decimal
    open_hires: int


@dataclass(frozen=True)
class Hireable:
    """A copy as the hire rules see it."""
    id: int
    title: str
    rating: str
    store_id: int
    status: str
    held_for: int | None = None   # the customer a ready hold sets it aside for


def age_on(born: date, today: date) -> int:
    """Whole years of age on `today` (a 29 February birthday comes on 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_hirer(hirer: Hirer, copies: int, rules: ShopRules, manager_override: bool) -> None:
    """Refused unless this customer may take `copies` more copies now."""
    if not hirer.active:
        raise Refused(f"{hirer.name}'s membership is deactivated: no hires until it is "
                      f"reactivated.", {"reason": "customer_inactive"})
    if hirer.balance > rules.blocking_balance and not manager_override:
        raise Refused(f"{hirer.name} owes {hirer.balance:.2f}, more than the "
                      f"{rules.blocking_balance:.2f} that blocks hiring: take a payment "
                      f"first, or a manager may override.",
                      {"reason": "balance", "override": True, "balance": str(hirer.balance)})
    if hirer.open_hires + copies > rules.max_open_hires:
        raise Refused(f"{hirer.name} has {hirer.open_hires} open hire"
                      f"{'s' if hirer.open_hires != 1 else ''}; {copies} more would pass the "
                      f"limit of {rules.max_open_hires}.", {"reason": "hire_limit"})


def check_copy(copy: Hireable, hirer: Hirer, store_id: int, rules: ShopRules,
               today: date) -> None:
    """Refused unless this copy may go to this customer from this store today."""
    label = f"Copy {copy.id} ({copy.title})"
    if copy.store_id != store_id:
        raise Refused(f"{label} belongs to store {copy.store_id}: it can only be hired "
                      f"there.", {"reason": "other_store", "copy_id": copy.id})
    if copy.status == "held" and copy.held_for is not None and copy.held_for != hirer.id:
        raise Refused(f"{label} is set aside for another customer's hold.",
                      {"reason": "held_for_other", "copy_id": copy.id})
    if copy.status not in ("available", "held") or (copy.status == "held"
                                                     and copy.held_for is None):
        raise Refused(f"{label} is not on the shelf ({copy.status}).",
                      {"reason": "not_available", "copy_id": copy.id, "status": copy.status})
    needed = rules.min_age(copy.rating)
    if needed:
        if hirer.date_of_birth is None:
            raise Refused(f"{label} is rated {copy.rating} (age {needed}+) and "
                          f"{hirer.name} has no date of birth on file: add it first.",
                          {"reason": "age", "copy_id": copy.id})
        age = age_on(hirer.date_of_birth, today)
        if age < needed:
            raise Refused(f"{label} is rated {copy.rating}: {hirer.name} is {age}, it needs "
                          f"{needed}.", {"reason": "age", "copy_id": copy.id})


def due_at(now: datetime, rental_days: int) -> datetime:
    """When a copy hired `now` is due back."""
    return now + timedelta(days=rental_days)


def check_renewal(renewals: int, waiting_holds: int, due: datetime, now: datetime,
                  rules: ShopRules, title: str) -> None:
    """Refused unless an open hire may be renewed now."""
    if renewals >= rules.renewal_limit:
        raise Refused(f"{title} has been renewed {renewals} time"
                      f"{'s' if renewals != 1 else ''}, the most allowed: it must come back.",
                      {"reason": "renewal_limit"})
    if waiting_holds:
        raise Refused(f"Someone is waiting for {title} (a hold): it must come back.",
                      {"reason": "title_on_hold"})
    if now > due + timedelta(hours=rules.grace_hours):
        raise Refused(f"{title} is overdue: return it (the late fee is charged) and hire it "
                      f"again.", {"reason": "overdue"})
