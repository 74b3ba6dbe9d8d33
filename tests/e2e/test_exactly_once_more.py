"""Exactly once for the rest of the terminal's writes (customers, titles, copies, holds,
settings), as tests/e2e/test_exactly_once.py does it for hires, returns and money: the link
to MariaDB breaks after COMMIT and before its answer (tests/commit_cutter.py, a real relay
in front of the real database), the manager tries again with the same request key, and
what was written exists once; the same key later gets the first reply again, and a key
reused for other arguments is refused (KEY_REUSED).

One table drives every keyed write, and a second test classifies every public method of
the terminal's managers: a new write without a `request` key fails it."""
from __future__ import annotations

import inspect
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import pytest

from store import once
from store.customers import Customers
from store.errors import KeyReused, Refused
from store.hires import Hires
from store.holds import Holds
from store.payments import Payments
from store.returns import Returns
from store.shop import ShopSettings
from store.videos import Videos
from tests.circulation import Shop
from tests.conftest import make_staff

# --- every public method of the terminal's managers: a write takes a request key ---------

MANAGERS = (Customers, Videos, Holds, ShopSettings, Hires, Returns, Payments)
READS = {"Customers.find", "Customers.get", "Customers.view", "Customers.today",
         "Videos.find_copy", "Videos.copy", "Videos.find_titles", "Videos.title",
         "Videos.copies_of", "Videos.title_card", "Videos.genres",
         "Holds.queue", "Holds.of_customer", "Holds.shelf",
         "ShopSettings.rules", "ShopSettings.listing", "ShopSettings.invalidate",
         "Hires.copy_ids", "Hires.quote", "Returns.quote", "Returns.quote_all",
         "Payments.balance", "Payments.statement", "Payments.takings"}
# Writes with no key, and why none is needed.
UNKEYED = {
    # The terminal's own timer, no clerk's action: done again, it finds nothing more that
    # ran out, so a retry cannot do anything twice.
    "Holds.expire_due",
}
# Keyed writes driven through a cut COMMIT in tests/e2e/test_exactly_once.py.
CUT_ELSEWHERE = {"Hires.hire", "Payments.take", "Returns.return_copies"}


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {f"{cls.__name__}.{name}": value for name, value in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(value)}


def test_every_write_of_the_terminals_managers_takes_a_request_key():
    methods = {}
    for cls in MANAGERS:
        methods.update(public_methods(cls))
    writes = set(methods) - READS - UNKEYED
    keyless = sorted(m for m in writes if "request" not in inspect.signature(methods[m]).parameters)
    assert keyless == [], "writes a retry could do twice: give them `request` (store/once.py)"
    assert (READS | UNKEYED) - set(methods) == set(), "listed methods that no longer exist"
    assert writes - CUT_ELSEWHERE == {case.method for case in CASES}, \
        "a keyed write not driven through a cut COMMIT below"


# --- the cut COMMIT, the replay and the reused key, for each write -----------------------

@dataclass(frozen=True)
class Case:
    method: str                   # Class.method, as classified above
    action: str                   # its audit_log action: one row per thing it writes
    rows: int                     # how many such rows one call writes
    call: Callable[[SimpleNamespace, Shop, once.RequestKey, bool], Any]  # (m, shop, key, other)
    setup: Callable[[SimpleNamespace, Shop], None] = lambda m, shop: None
    user: str = "clk1"


def _hire_heat(m: SimpleNamespace, shop: Shop) -> None:
    """Heat's one copy here out to Mary: a hold on Heat may then be placed."""
    m.hires.hire(shop.customers["mary"], [str(shop.copies["Heat@1"][0])])


def _hire_heat_and_hold(m: SimpleNamespace, shop: Shop) -> None:
    _hire_heat(m, shop)
    m.held = m.holds.place(shop.customers["bob"], shop.titles["Heat"])


def _typed(first: str, phone: str) -> dict[str, str]:
    return {"first_name": first, "last_name": "Once", "date_of_birth": "1980-02-03",
            "phone": phone, "email": "", "address_line1": "1 High St", "city": "Leeds",
            "postal_code": "LS1 1AA"}


CASES = [
    Case("Customers.register", "customer.register", 1, lambda m, shop, key, other:
         m.customers.register(_typed("Oona", "555-0199" if not other else "555-0198"), key)),
    Case("Customers.edit", "customer.edit", 1, lambda m, shop, key, other:
         m.customers.edit(shop.customers["mary"], {"city": "York" if not other else "Hull"},
                          key)),
    Case("Customers.deactivate", "customer.deactivate", 1, lambda m, shop, key, other:
         m.customers.deactivate(shop.customers["bob" if not other else "tom"], "moved", key)),
    Case("Customers.reactivate", "customer.reactivate", 1, lambda m, shop, key, other:
         m.customers.reactivate(shop.customers["ann"], "back" if not other else "again", key)),
    Case("Videos.add_title", "title.add", 1, lambda m, shop, key, other:
         m.videos.add_title(request=key, title="Once Upon a Time", release_year=1999 + other,
                            rating="PG", genre="Drama", rental_rate="2.49", rental_days=3,
                            replacement_cost="9.99")),
    Case("Videos.edit_title", "title.edit", 1, lambda m, shop, key, other:
         m.videos.edit_title(shop.titles["Jaws"], request=key,
                             genre="Thriller" if not other else "Horror")),
    Case("Videos.add_copies", "copy.add", 3, lambda m, shop, key, other:
         m.videos.add_copies(shop.titles["Jaws"], 3, "DVD" if not other else "VHS", key)),
    Case("Videos.mark_copy", "copy.mark", 1, lambda m, shop, key, other:
         m.videos.mark_copy(shop.copies["Jaws@1"][1 + other], "damaged", "scratched", key)),
    Case("Holds.place", "hold.place", 1, lambda m, shop, key, other:
         m.holds.place(shop.customers["bob" if not other else "cy"], shop.titles["Heat"], key),
         _hire_heat),
    Case("Holds.cancel", "hold.cancel", 1, lambda m, shop, key, other:
         m.holds.cancel(m.held["hold_id"] + other, key), _hire_heat_and_hold),
    Case("ShopSettings.change", "settings.change", 1, lambda m, shop, key, other:
         m.settings.change("grace_hours", "5" if not other else "6", key), user="adm1"),
    Case("Hires.renew", "hire.renew", 1, lambda m, shop, key, other:
         m.hires.renew(str(shop.copies["Heat@1" if not other else "Jaws@1"][0]), key),
         lambda m, shop: m.hires.hire(shop.customers["mary"], [
             str(shop.copies["Heat@1"][0]), str(shop.copies["Jaws@1"][0])])),
    Case("Returns.return_all", "hire.return", 1, lambda m, shop, key, other:
         m.returns.return_all(shop.customers["mary"], other, key), _hire_heat),
    Case("Returns.waive", "fee.waive", 1, lambda m, shop, key, other:
         m.returns.waive(m.late.returned[0].hire_id, "storm" if not other else "flood", key),
         lambda m, shop: _late_return(m, shop), user="mgr1"),
    Case("Payments.refund", "payment.refund", 1, lambda m, shop, key, other:
         m.payments.refund(shop.customers["mary"], m.credit, "waived" + "!" * other, key),
         lambda m, shop: _in_credit(m, shop), user="mgr1"),
]


def _late_return(m: SimpleNamespace, shop: Shop) -> None:
    jaws = str(shop.copies["Jaws@1"][0])
    m.hires.hire(shop.customers["mary"], [jaws], pay_now=True)
    shop.advance(5)
    m.late = m.returns.return_copies([jaws], pay_now=True)


def _in_credit(m: SimpleNamespace, shop: Shop) -> None:
    _late_return(m, shop)
    m.returns.waive(m.late.returned[0].hire_id, "storm")
    m.credit = -m.payments.balance(shop.customers["mary"])
    assert m.credit > 0


@contextmanager
def managers(shop: Shop, username: str, db_port: int) -> Iterator[SimpleNamespace]:
    """Every manager a terminal has, as `username`, its database reached through the relay."""
    with shop.desk(username, db_port=db_port) as desk:
        database, counter = desk.hires.database, desk.hires.counter
        yield SimpleNamespace(customers=Customers(database, counter),
                              videos=Videos(database, counter), settings=desk.hires.shop,
                              hires=desk.hires, returns=desk.returns, holds=desk.holds,
                              payments=desk.payments)


def rows_of(shop: Shop, action: str) -> int:
    return int(shop.scalar("SELECT COUNT(*) FROM audit_log WHERE action = %s",  # type: ignore[arg-type]
                           (action,)))


@pytest.mark.parametrize("case", CASES, ids=[c.method for c in CASES])
def test_a_write_whose_commit_answer_is_lost_is_made_once(shop, cutter, case, reliability):
    if case.user == "adm1":
        make_staff(shop.settings, "adm1", "admin", 1)
    with managers(shop, case.user, cutter.port) as m:
        case.setup(m, shop)
        before = rows_of(shop, case.action)
        keys = shop.scalar("SELECT COUNT(*) FROM request_keys")
        key = once.RequestKey()
        cutter.arm()
        first = case.call(m, shop, key, False)
        assert cutter.cuts == 1  # the answer to its COMMIT really was lost
        assert reliability.exactly("exactly-once", rows_of(shop, case.action) - before,
                                   case.rows) == case.rows
        assert shop.scalar("SELECT COUNT(*) FROM request_keys") == keys + 1
        # The clerk tries again later with the same key (a terminal that gave up waiting):
        # the first reply, nothing written — not refused by what the first try did.
        assert case.call(m, shop, key, False) == first
        reliability.add("exactly-once", "later retries given the first reply")
        with pytest.raises(KeyReused) as reused:
            case.call(m, shop, key, True)
        assert reused.value.code == "KEY_REUSED"
        reliability.add("exactly-once", "keys reused for another action refused")
    assert rows_of(shop, case.action) == before + case.rows


def test_copies_added_under_a_lost_commit_answer_are_numbered_once(shop, cutter):
    jaws = shop.titles["Jaws"]
    with managers(shop, "clk1", cutter.port) as m:
        cutter.arm()
        added = m.videos.add_copies(jaws, 3, "DVD", once.RequestKey())
    assert cutter.cuts == 1
    stored = [int(r) for r in _column(shop, "SELECT id FROM copies WHERE title_id = %s "
                                            "AND format = 'DVD' ORDER BY id", jaws)]
    assert len(stored) == len(shop.copies["Jaws@1"]) + 3
    assert [c["id"] for c in added.copies] == stored[-3:]       # the reply is the first try's
    assert [c["copy_number"] for c in added.copies] == [4, 5, 6]


def test_a_customer_registered_under_a_lost_commit_answer_is_there_once(shop, cutter):
    with managers(shop, "clk1", cutter.port) as m:
        cutter.arm()
        customer = m.customers.register(_typed("Oona", "555-0199"), once.RequestKey())
    assert cutter.cuts == 1
    assert _column(shop, "SELECT id FROM customers WHERE phone = %s", "5550199") == [customer.id]
    assert customer.name == "Oona Once" and customer.card_number == shop.scalar(
        "SELECT card_number FROM customers WHERE id = %s", (customer.id,))


def test_a_hold_placed_under_a_lost_commit_answer_is_in_the_queue_once(shop, cutter):
    bob, heat = shop.customers["bob"], shop.titles["Heat"]
    with managers(shop, "clk1", cutter.port) as m:
        _hire_heat(m, shop)
        cutter.arm()
        placed = m.holds.place(bob, heat, once.RequestKey())
    assert cutter.cuts == 1
    held = _column(shop, "SELECT id FROM holds WHERE customer_id = %s AND title_id = %s",
                   bob, heat)
    assert held == [placed["hold_id"]] and placed["position"] == 1


def test_a_phone_another_till_took_is_still_refused_by_name(shop):
    """The duplicate guard of a registration stays: only a replay of its own key passes."""
    with managers(shop, "clk1", shop.settings.db.port) as m:
        with pytest.raises(Refused) as refused:
            m.customers.register(_typed("Oona", "555-0101"), once.RequestKey())
    assert "already Mary Smith's" in str(refused.value)
    assert shop.scalar("SELECT COUNT(*) FROM request_keys") == 0


def _column(shop: Shop, sql: str, *params: object) -> list[Any]:
    db = shop.admin_db()
    try:
        with db.transaction() as tx:
            return [next(iter(r.values())) for r in tx.all(sql, params)]
    finally:
        db.close()
