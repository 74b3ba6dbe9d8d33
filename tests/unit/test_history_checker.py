"""The contention checker (tests/history/checker.py) on small hand-made histories: a
consistent one passes, and each way of breaking an invariant is caught by its check — so a
pass of the real run (tests/e2e/test_history.py) means something. Unknown operations are
allowed to have happened or not."""
from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from tests.history.checker import Db, World, check, pair

D = Decimal
WORLD = World(staff={0: 10, 1: 11}, rates={1: D("2.99"), 2: D("2.99"), 3: D("3.49")},
              titles={1: 100, 2: 100, 3: 200})


def op(process: int, n: int, name: str, args: dict[str, Any], kind: str, start: float,
       end: float | None = None, result: dict[str, Any] | None = None) -> list[dict]:
    """An operation's events: its invocation and, unless it never ended, its outcome."""
    events = [{"process": process, "n": n, "type": "invoke", "op": name, "args": args,
               "time": start}]
    if kind != "died":
        events.append({"process": process, "n": n, "type": kind, "op": name,
                       "result": result or {}, "error": "", "time": end or start + 0.05})
    return events


def locked(process: int, n: int, resources: list[str], granted: float, released: float):
    """A lock taken (its reply at `granted`) and released (sent at `released`)."""
    return (op(process, n, "lock.acquire", {"resources": resources, "ttl_s": 30}, "ok",
               granted - 0.01, granted)
            + op(process, n + 1, "lock.release", {"resources": resources}, "ok", released,
                 released))


def history() -> list[dict]:
    """p0 hires copy 1 to customer 7, paid, and places a hold; p1 takes a payment from
    customer 8, hires copy 2 to them unpaid and takes it back, and renews p0's hire."""
    return (
        locked(0, 1, ["copy:1", "customer:7"], 1.0, 1.5)
        + op(0, 3, "hire", {"customer": 7, "copies": [1], "pay_now": True}, "ok", 0.9, 1.6,
             {"hires": [{"hire_id": 50, "copy_id": 1, "rate": "2.99"}], "paid": "2.99"})
        + op(0, 4, "hold", {"customer": 7, "title": 200}, "ok", 1.7, 1.8, {"hold_id": 5})
        + locked(1, 1, ["copy:2", "customer:8"], 1.1, 1.4)
        + op(1, 3, "hire", {"customer": 8, "copies": [2], "pay_now": False}, "ok", 1.0, 1.45,
             {"hires": [{"hire_id": 51, "copy_id": 2, "rate": "2.99"}], "paid": "0.00"})
        + op(1, 4, "pay", {"customer": 8, "amount": "1.00"}, "ok", 1.5, 1.6)
        + op(1, 5, "return", {"copies": [2]}, "ok", 1.7, 1.8,
             {"customer_id": 8, "paid": "0.00",
              "hires": [{"hire_id": 51, "copy_id": 2, "charged": "0.00"}]})
        + locked(1, 6, ["copy:1", "customer:7"], 1.55, 1.9)   # after p0 let go
        + op(1, 8, "renew", {"copy": 1}, "ok", 1.5, 2.0, {"hire_id": 50, "customer_id": 7})
        + op(1, 9, "return", {"copies": [3]}, "fail", 2.0, 2.1)   # not out: refused
    )


def database() -> Db:
    return Db(
        hires=[{"id": 50, "copy_id": 1, "customer_id": 7, "hired_by": 10, "hired_at": 1,
                "returned_at": None, "returned_by": None, "rate_charged": D("2.99"),
                "renewals": 1},
               {"id": 51, "copy_id": 2, "customer_id": 8, "hired_by": 11, "hired_at": 1,
                "returned_at": 2, "returned_by": 11, "rate_charged": D("2.99"),
                "renewals": 0}],
        charges=[{"customer_id": 7, "hire_id": 50, "staff_id": 10, "kind": "rental",
                  "amount": D("2.99")},
                 {"customer_id": 7, "hire_id": 50, "staff_id": 11, "kind": "rental",
                  "amount": D("2.99")},
                 {"customer_id": 8, "hire_id": 51, "staff_id": 11, "kind": "rental",
                  "amount": D("2.99")}],
        payments=[{"customer_id": 7, "hire_id": 50, "staff_id": 10, "kind": "rental",
                   "amount": D("2.99")},
                  {"customer_id": 8, "hire_id": None, "staff_id": 11, "kind": "account",
                   "amount": D("1.00")}],
        holds=[{"id": 5, "customer_id": 7, "title_id": 200, "placed_by": 10,
                "status": "waiting"}],
        copies=[{"id": 1, "status": "hired"}, {"id": 2, "status": "available"},
                {"id": 3, "status": "available"}])


def broken(report) -> set[str]:
    return {name for name, found in report.violations.items() if found}


def test_a_consistent_history_passes_and_is_counted():
    report = check(history(), database(), WORLD)
    assert report.ok, report.lines()
    c = report.counts
    assert (c["attempted"], c["ok"], c["fail"], c["unknown"]) == (7, 6, 1, 0)
    assert (c["hires"], c["returns"], c["renewals"], c["payments"], c["holds"]) == (2, 1, 1, 1, 1)
    assert (c["grants"], c["resources"], c["lost"], c["double"]) == (6, 4, 0, 0)
    assert "lost 0, double 0" in report.lines()[1]


def test_an_operation_that_never_completed_is_unknown():
    ops = pair(op(0, 1, "pay", {"customer": 8, "amount": "1.00"}, "died", 1.0))
    assert [(o.status, o.end) for o in ops] == [("unknown", None)]


def test_two_open_hires_of_one_copy_are_caught():
    db = database()
    db.hires.append({**db.hires[0], "id": 52, "customer_id": 8, "hired_by": 11,
                     "renewals": 0, "hired_at": 1.5})
    report = check(history(), db, WORLD)
    assert {"double_hires", "hires"} <= broken(report)
    assert report.counts["double"] >= 2


def test_a_hire_that_began_before_the_last_one_was_returned_is_caught():
    db = database()
    db.hires.append({**db.hires[1], "id": 52, "hired_at": 1.5, "returned_at": 3})
    assert "double_hires" in broken(check(history(), db, WORLD))


def test_an_acknowledged_hire_missing_from_the_database_is_lost():
    events = history() + op(0, 9, "hire", {"customer": 7, "copies": [3], "pay_now": False},
                            "ok", 3.0, 3.1,
                            {"hires": [{"hire_id": 53, "copy_id": 3, "rate": "3.49"}],
                             "paid": "0.00"})
    report = check(events, database(), WORLD)
    assert broken(report) == {"hires"} and report.counts["lost"] == 1


def phantom_hire(kind: str) -> tuple[list[dict], Db]:
    """A hire of copy 3 by p1 that ended `kind`, and its row in the database."""
    events = history() + op(1, 20, "hire", {"customer": 8, "copies": [3], "pay_now": True},
                            kind, 3.0, 3.1)
    db = database()
    db.hires.append({"id": 52, "copy_id": 3, "customer_id": 8, "hired_by": 11,
                     "hired_at": 3, "returned_at": None, "returned_by": None,
                     "rate_charged": D("3.49"), "renewals": 0})
    db.charges.append({"customer_id": 8, "hire_id": 52, "staff_id": 11, "kind": "rental",
                       "amount": D("3.49")})
    db.payments.append({"customer_id": 8, "hire_id": 52, "staff_id": 11, "kind": "rental",
                        "amount": D("3.49")})
    db.copies[2]["status"] = "hired"
    return events, db


def test_a_refused_hire_that_wrote_a_row_is_caught():
    events, db = phantom_hire("fail")
    assert {"hires", "balances"} <= broken(check(events, db, WORLD))


def test_an_unknown_hire_may_have_happened_or_not():
    events, db = phantom_hire("unknown")
    assert check(events, db, WORLD).ok
    assert check(events, database(), WORLD).ok


def test_a_payment_written_twice_is_caught_unless_a_second_one_is_unknown():
    db = database()
    db.payments.append(dict(db.payments[1]))
    report = check(history(), db, WORLD)
    assert broken(report) == {"payments"} and report.counts["double"] == 1
    retried = history() + op(1, 20, "pay", {"customer": 8, "amount": "1.00"}, "unknown", 3.0)
    assert check(retried, db, WORLD).ok


def test_an_acknowledged_payment_missing_is_lost():
    db = database()
    del db.payments[1]
    report = check(history(), db, WORLD)
    assert broken(report) == {"payments"} and report.counts["lost"] == 1


def test_an_acknowledged_return_not_in_the_database_is_caught():
    db = database()
    db.hires[1].update(returned_at=None, returned_by=None)
    assert {"returns", "copies"} <= broken(check(history(), db, WORLD))


def test_a_return_no_one_made_is_caught():
    db = database()
    db.hires[0].update(returned_at=3, returned_by=10)
    db.copies[0]["status"] = "available"
    assert broken(check(history(), db, WORLD)) == {"returns"}


def test_a_renewal_too_many_is_caught():
    db = database()
    db.hires[0]["renewals"] = 2
    assert {"renewals", "balances"} <= broken(check(history(), db, WORLD))


def test_a_hold_lost_or_made_twice_is_caught():
    db = database()
    db.holds.clear()
    assert broken(check(history(), db, WORLD)) == {"holds"}
    db = database()
    db.holds.append({**db.holds[0], "id": 6})
    assert broken(check(history(), db, WORLD)) == {"holds"}


def test_a_charge_or_rental_payment_doubled_breaks_the_balance():
    db = database()
    db.charges.append(dict(db.charges[2]))
    assert broken(check(history(), db, WORLD)) == {"balances"}
    db = database()
    db.payments.append(dict(db.payments[0]))
    assert broken(check(history(), db, WORLD)) == {"balances"}


def test_a_return_charging_other_than_acknowledged_breaks_the_balance():
    db = database()
    db.charges.append({"customer_id": 8, "hire_id": 51, "staff_id": 11, "kind": "late_fee",
                       "amount": D("1.50")})
    assert broken(check(history(), db, WORLD)) == {"balances"}


def test_a_copy_marked_hired_without_a_hire_is_caught():
    db = database()
    db.copies[2]["status"] = "hired"
    assert broken(check(history(), db, WORLD)) == {"copies"}


@pytest.mark.parametrize("granted", [1.2, 1.49])
def test_a_lock_granted_to_a_second_session_while_held_is_caught(granted):
    events = history() + locked(1, 30, ["customer:7"], granted, 1.52)
    report = check(events, database(), WORLD)
    assert broken(report) == {"locks"} and report.counts["double"] == 1


def test_a_lock_granted_after_the_release_was_sent_is_not_a_conflict():
    events = history() + locked(1, 30, ["customer:7"], 1.5, 1.52)
    assert check(events, database(), WORLD).ok


def test_a_release_never_sent_holds_the_lock_until_its_ttl():
    never = op(0, 40, "lock.acquire", {"resources": ["title:9"], "ttl_s": 30}, "ok", 5.0, 5.01) \
        + op(0, 41, "lock.release", {"resources": ["title:9"]}, "unknown", 6.0, 6.0)
    clash = locked(1, 42, ["title:9"], 20.0, 21.0)
    assert broken(check(history() + never + clash, database(), WORLD)) == {"locks"}
    later = locked(1, 42, ["title:9"], 35.5, 36.0)
    assert check(history() + never + later, database(), WORLD).ok


def test_the_history_is_not_changed_by_checking():
    events = history()
    kept = copy.deepcopy(events)
    check(events, database(), WORLD)
    assert events == kept
