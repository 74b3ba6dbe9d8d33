"""The stored reply of a request key (store/once.py) comes back as the very result that was
shown; the arguments' digest does not depend on their order."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import orjson

from store import once
from store.hires import HiredCopy, HireResult
from store.holds import ReadyHold
from store.returns import ReturnedCopy, ReturnResult

WHEN = datetime(2026, 11, 23, 14, 18, 9, 290000, tzinfo=timezone.utc)


def round_trip(result, hint):
    return once.decode_reply(hint, orjson.loads(once.encode_reply(result)))


def test_a_hire_result_comes_back_equal_money_and_times_included():
    result = HireResult(7, "Mary Smith", [HiredCopy(31, 4411, "Alien", "DVD", WHEN,
                                                    Decimal("2.99"))],
                        Decimal("2.99"), Decimal("0.00"), Decimal("2.99"), 12, "receipt\ntext")
    back = round_trip(result, HireResult)
    assert back == result and isinstance(back.hires[0].rate, Decimal)
    assert back.hires[0].due_at.tzinfo is not None


def test_a_return_result_with_charges_and_an_optional_hold_comes_back_equal():
    hold = ReadyHold(3, 4411, 8, "Bob Waiting", None, "Alien", WHEN)
    result = ReturnResult(7, "Mary Smith", [
        ReturnedCopy(31, 4411, "Alien", 2, {"late": Decimal("2.00")}, "ok", hold),
        ReturnedCopy(32, 4412, "Jaws", 0, {}, "ok", None)],
        Decimal("2.00"), Decimal("0.00"), Decimal("2.00"), 13, "")
    assert round_trip(result, ReturnResult) == result
    assert round_trip(Decimal("4.50"), Decimal) == Decimal("4.50")


def test_the_arguments_digest_ignores_key_order_and_tells_values_apart():
    a = once.args_digest({"customer_id": 1, "copy_ids": [4, 5], "pay_now": True})
    assert a == once.args_digest({"pay_now": True, "copy_ids": [4, 5], "customer_id": 1})
    assert a != once.args_digest({"customer_id": 1, "copy_ids": [5, 4], "pay_now": True})
    assert len(once.RequestKey().value) == 32 and once.RequestKey().value != once.RequestKey().value
