"""Exactly once under retries (store/once.py): the link to MariaDB breaks after COMMIT and
before its answer (tests/commit_cutter.py, a real relay in front of the real database);
the terminal's managers, on a real store server, try again with the same request key, and
the hire, the payment, the return exist once. A key replayed later gets the same reply; a
key reused for another action is refused."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Callable

import pytest

from store import once
from store.errors import KeyReused
from tests.circulation import Shop
from tests.figures import Figures


@pytest.fixture
def rows(reliability: Figures) -> Callable[..., int]:
    """`rows(measured, expected=1)`: a count of rows the test then compares with what it
    expects, recorded for docs/reliability.md (fewer: lost; more: double); gives it back."""
    return partial(reliability.exactly, "exactly-once")


def count(shop: Shop, sql: str, *params: object) -> int:
    return int(shop.scalar(sql, params))  # type: ignore[arg-type]


def test_a_hire_paid_now_whose_commit_answer_is_lost_is_made_once(shop, cutter, rows):
    mary, jaws = shop.customers["mary"], shop.copies["Jaws@1"][0]
    with shop.desk(db_port=cutter.port) as desk:
        cutter.arm()
        result = desk.hires.hire(mary, [str(jaws)], pay_now=True)
    assert cutter.cuts == 1  # the answer to the hire's COMMIT really was lost
    assert rows(count(shop, "SELECT COUNT(*) FROM hires WHERE copy_id = %s", jaws)) == 1
    assert rows(count(shop, "SELECT COUNT(*) FROM payments WHERE customer_id = %s", mary)) == 1
    assert rows(count(shop, "SELECT COUNT(*) FROM charges WHERE customer_id = %s", mary)) == 1
    assert rows(count(shop, "SELECT COUNT(*) FROM receipts WHERE customer_id = %s", mary)) == 1
    assert rows(count(shop, "SELECT COUNT(*) FROM audit_log WHERE action = 'hire.create'")) == 1
    # The clerk is shown what was written: the receipt and hire of the first try.
    assert result.receipt_id == count(shop, "SELECT id FROM receipts WHERE customer_id = %s", mary)
    assert result.hires[0].hire_id == count(shop, "SELECT id FROM hires WHERE copy_id = %s", jaws)
    assert result.paid == Decimal("2.49") and result.balance == Decimal("0.00")


def test_a_payment_and_a_return_whose_commit_answers_are_lost_happen_once(shop, cutter, rows):
    mary, jaws = shop.customers["mary"], shop.copies["Jaws@1"][0]
    with shop.desk(db_port=cutter.port) as desk:
        desk.hires.hire(mary, [str(jaws)])
        cutter.arm()
        paid = desk.payments.take(mary, Decimal("1.00"))
        cutter.arm()
        returned = desk.returns.return_copies([str(jaws)])
        assert desk.payments.balance(mary) == Decimal("1.49")
    assert cutter.cuts == 2
    assert rows(count(shop, "SELECT COUNT(*) FROM payments WHERE customer_id = %s", mary)) == 1
    assert paid.amount == Decimal("1.00") and paid.balance == Decimal("1.49")
    assert rows(count(shop, "SELECT COUNT(*) FROM hires WHERE copy_id = %s AND returned_at IS NOT "
                           "NULL", jaws)) == 1
    assert rows(count(shop, "SELECT COUNT(*) FROM audit_log WHERE action = 'hire.return'")) == 1
    assert [r.copy_id for r in returned.returned] == [jaws]
    assert rows(count(shop, "SELECT COUNT(*) FROM request_keys"), 3) == 3  # hire, payment, return


def test_a_key_replayed_later_gets_the_same_reply_and_writes_nothing(shop, rows):
    mary, jaws = shop.customers["mary"], shop.copies["Jaws@1"]
    with shop.desk() as desk:
        hire_key, return_key = once.RequestKey(), once.RequestKey()
        first = desk.hires.hire(mary, [str(jaws[0])], pay_now=True, request=hire_key)
        back = desk.returns.return_copies([str(jaws[0])], request=return_key)
        shop.advance(0.5)
        # The clerk tries both again (a terminal that gave up waiting): the copy is back on
        # the shelf and could be hired again, yet nothing more is written.
        assert desk.hires.hire(mary, [str(jaws[0])], pay_now=True, request=hire_key) == first
        assert desk.returns.return_copies([str(jaws[0])], request=return_key) == back
    assert rows(count(shop, "SELECT COUNT(*) FROM hires WHERE copy_id = %s", jaws[0])) == 1
    assert rows(count(shop, "SELECT COUNT(*) FROM payments WHERE customer_id = %s", mary)) == 1
    assert rows(count(shop, "SELECT COUNT(*) FROM receipts WHERE customer_id = %s", mary), 2) == 2


def test_a_key_reused_for_another_action_is_refused_and_nothing_is_written(shop, rows):
    mary, bob = shop.customers["mary"], shop.customers["bob"]
    jaws = shop.copies["Jaws@1"]
    with shop.desk() as desk:
        key = once.RequestKey()
        desk.hires.hire(mary, [str(jaws[0])], request=key)
        with pytest.raises(KeyReused) as other_op:
            desk.payments.take(mary, Decimal("1.00"), request=key)
        with pytest.raises(KeyReused) as other_args:
            desk.hires.hire(bob, [str(jaws[1])], request=key)
    assert other_op.value.code == "KEY_REUSED" and "hire" in other_op.value.message
    assert other_args.value.details == {"op": "hire"}
    assert rows(count(shop, "SELECT COUNT(*) FROM payments"), 0) == 0
    assert rows(count(shop, "SELECT COUNT(*) FROM hires")) == 1


def test_keys_older_than_a_day_are_purged(shop):
    with shop.desk() as desk:
        desk.hires.hire(shop.customers["mary"], [str(shop.copies["Jaws@1"][0])])
        database = desk.hires.database
        made = shop.scalar("SELECT created_at FROM request_keys")
        assert once.Purger(database, lambda: made + once.KEEP)() == 0
        assert once.Purger(database, lambda: made + once.KEEP + timedelta(seconds=1))() == 1
    assert count(shop, "SELECT COUNT(*) FROM request_keys") == 0
