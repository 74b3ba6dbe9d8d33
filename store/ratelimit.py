"""A token bucket: `rate` requests a second on average, bursts of up to `burst`.
Not thread-safe by design: each connection owns one, used only by the server's loop thread."""
from __future__ import annotations

import time
from typing import Callable


class TokenBucket:
    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = burst
        self._at = clock()

    def take(self, now: float | None = None) -> bool:
        """Spend one token; False when there is none (the request must be refused). `now`
        saves a clock read when the caller has just made one."""
        if now is None:
            now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
