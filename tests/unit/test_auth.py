from datetime import datetime, timedelta, timezone

from store import auth

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def test_the_fifth_failure_in_a_row_locks_for_fifteen_minutes():
    count, until = 0, None
    for _ in range(4):
        count, until = auth.after_failure(count, T0)
        assert until is None
    count, until = auth.after_failure(count, T0)
    assert until == T0 + timedelta(minutes=15) and count == 0


def test_a_lock_ends_exactly_at_its_time():
    until = T0 + auth.LOCKOUT
    assert auth.is_locked(until, until - timedelta(microseconds=1))
    assert not auth.is_locked(until, until)
    assert not auth.is_locked(None, T0)


def test_tokens_are_long_random_and_stored_only_as_a_hash():
    tokens = {auth.new_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(len(t) >= 43 for t in tokens)
    token = tokens.pop()
    digest = auth.token_hash(token)
    assert len(digest) == 64 and token not in digest and auth.token_hash(token) == digest


def test_a_failure_counter_limits_within_its_window_and_forgets_after():
    counter = auth.FailureCounter(3, timedelta(minutes=5))
    for i in range(3):
        assert counter.retry_after("10.0.0.1", T0) == 0
        counter.record("10.0.0.1", T0 + timedelta(seconds=i))
    assert counter.retry_after("10.0.0.1", T0 + timedelta(seconds=3)) == 297
    assert counter.retry_after("10.0.0.2", T0) == 0  # other addresses are not affected
    assert counter.retry_after("10.0.0.1", T0 + timedelta(minutes=5, seconds=1)) == 0
