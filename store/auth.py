"""Login rules as pure functions and small in-memory counters (no I/O): lockout after
failed logins in a row, a limit on failed attempts per client address, session tokens,
who must set up two-factor login, and the one-time use of each two-factor code."""
from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from datetime import datetime, timedelta

from store.roles import ADMIN

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
ADDRESS_FAILURES = 20            # failed logins one client address may make ...
ADDRESS_WINDOW = timedelta(minutes=5)   # ... within this window
REQUIRE_TOTP_ADMINS = "require_totp_admins"  # the shop setting: '1' makes admins use TOTP


def after_failure(failed_logins: int, now: datetime) -> tuple[int, datetime | None]:
    """The new count of failures in a row, and the lock's end when this one locks."""
    failed = failed_logins + 1
    if failed >= MAX_FAILED_LOGINS:
        return 0, now + LOCKOUT
    return failed, None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def must_enroll_totp(role: str, has_secret: bool, require_admins: str | None) -> bool:
    """Whether a login must set up two-factor before anything else: an admin without a
    TOTP secret, while the shop's `require_totp_admins` setting is '1'."""
    return role == ADMIN and not has_secret and (require_admins or "").strip() == "1"


def new_token() -> str:
    """256 random bits, URL-safe: what the terminal keeps to resume its session."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class FailureCounter:
    """Failures per key within a sliding window. Thread-safe; bounded per key."""

    def __init__(self, limit: int, window: timedelta):
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: datetime) -> float:
        """0 when `key` may try now, else the seconds until it may."""
        with self._lock:
            times = self._prune(key, now)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, (times[0] + self.window - now).total_seconds())

    def record(self, key: str, now: datetime) -> None:
        with self._lock:
            times = self._prune(key, now)
            times.append(now)
            while len(times) > self.limit:
                times.popleft()

    def take(self, key: str, now: datetime) -> float:
        """Check and count an attempt as one step, so that parallel attempts cannot all
        slip under the limit: 0 (counted: call `give_back` if it succeeds), or the seconds
        until `key` may try again (not counted)."""
        with self._lock:
            times = self._prune(key, now)
            if len(times) >= self.limit:
                return max(0.0, (times[0] + self.window - now).total_seconds())
            times.append(now)
            return 0.0

    def give_back(self, key: str, at: datetime) -> None:
        """Uncount an attempt taken at `at` that turned out not to be a failure."""
        with self._lock:
            times = self._seen.get(key)
            if times and at in times:
                times.remove(at)

    def clear(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def _prune(self, key: str, now: datetime) -> deque[datetime]:
        times = self._seen.setdefault(key, deque())
        while times and times[0] + self.window <= now:
            times.popleft()
        if not times:
            # Forget quiet keys so the table does not grow with every address ever seen.
            self._seen.pop(key, None)
            times = self._seen.setdefault(key, deque())
        return times


class LockBook:
    """Lockouts of names that have no account, kept as the database keeps real ones: five
    failures in a row lock the name until a fixed time (the fifth failure + LOCKOUT). So a
    locked unknown name answers exactly like a locked account — the same fixed `until`, as
    fast — and tells nothing about whether the account exists. Thread-safe; bounded."""

    def __init__(self, most: int = 10000):
        self._book: dict[str, tuple[int, datetime | None]] = {}
        self._lock = threading.Lock()
        self._most = most

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        with self._lock:
            until = self._book.get(key, (0, None))[1]
        return until if is_locked(until, now) else None

    def fail(self, key: str, now: datetime) -> datetime | None:
        """Count a failure; the end of the lock when this one locks the name."""
        with self._lock:
            count, until = self._book.get(key, (0, None))
            count, new_until = after_failure(count, now)
            self._book[key] = (count, new_until or until)
            if len(self._book) > self._most:  # forget the oldest names first
                for old in list(self._book)[:len(self._book) - self._most]:
                    del self._book[old]
            return new_until


class UsedOtpSteps:
    """The last TOTP time step each account used, so every code works once (RFC 6238
    section 5.2): a step at or before the last one is refused. In memory: a restart
    forgets it, and a code lives for a minute or two at most. Thread-safe."""

    def __init__(self) -> None:
        self._last: dict[int, int] = {}
        self._lock = threading.Lock()

    def claim(self, staff_id: int, step: int) -> bool:
        """Use `step` for `staff_id`; False if it (or a later one) was used already."""
        with self._lock:
            if step <= self._last.get(staff_id, -1):
                return False
            self._last[staff_id] = step
            return True
