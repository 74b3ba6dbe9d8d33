from datetime import datetime, timedelta, timezone

import pytest

from store.clock import Clock, from_wire, to_wire
from store.errors import BadRequest, Forbidden


def test_the_clock_tells_utc():
    now = Clock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(timezone.utc)) < timedelta(seconds=1)


def test_a_real_clock_cannot_be_moved():
    with pytest.raises(Forbidden):
        Clock().advance(60)


def test_a_test_clock_moves_forward_by_the_seconds_given():
    clock = Clock(adjustable=True)
    before = clock.now()
    after = clock.advance(10 * 86400)
    assert timedelta(days=10) <= after - before < timedelta(days=10, seconds=1)
    assert clock.now() >= after


@pytest.mark.parametrize("seconds", [-1, "10", None, True, float("inf"), 10 ** 12])
def test_a_test_clock_never_goes_back_or_takes_nonsense(seconds):
    with pytest.raises(BadRequest):
        Clock(adjustable=True).advance(seconds)


def test_wire_format_is_iso_utc_and_epoch_ms_and_round_trips():
    moment = datetime(2026, 11, 23, 14, 5, 6, 789000, tzinfo=timezone.utc)
    wire = to_wire(moment)
    assert wire == {"utc": "2026-11-23T14:05:06.789Z", "epoch_ms": 1795442706789}
    assert from_wire(wire) == moment
