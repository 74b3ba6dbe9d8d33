from store.ratelimit import TokenBucket


class FakeTime:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_bucket_allows_its_burst_then_its_rate():
    t = FakeTime()
    bucket = TokenBucket(rate=2, burst=3, clock=t)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    t.now += 0.5  # one token back
    assert bucket.take() and not bucket.take()
    t.now += 100  # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 3
