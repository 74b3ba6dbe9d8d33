"""Staff sessions: login, resume, logout, idle expiry, lockout. Owned by the store server.

The `sessions` table is the truth (so a session outlives a server restart and a terminal
can resume it); `_live` caches the sessions this server has seen, keyed by id, so a
request costs no query. Invariants (under `_lock`): a session in `_live` has not ended;
`last_seen` only moves forward; a session idle longer than `idle` is ended on first sight.
`check`, run before every request, touches memory only (it runs on the server's loop
thread): the database learns `last_seen` from `flush_activity`, which the server calls
every few seconds off the loop, at most once a minute per session; an expiry noticed by
`check` is written through `defer`.

An account with a TOTP secret logs in with its password and then a code (store/totp.py):
a right password without a code is answered OTP_REQUIRED (not a failure), a wrong code
counts as a failed login, and each code's time step is good once per account (`_otp_steps`).
While the shop requires it, an admin without a secret gets a session that must set
two-factor up first (`must_enroll_totp`; store/twofactor.py holds such a session to that).

Passwords are checked with scrypt in the caller's own thread (the KDF releases the GIL, so
other clients are not stalled); `_kdf_slots` bounds how many run at once (64 MiB each).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, NoReturn

from db import sessions as sql
from db import shop_settings
from db import staff as staff_sql
from db.database import Database
from store import auth, roles, totp, unit
from store.clock import Clock, to_wire, utc
from store.errors import AccountLocked, Forbidden, OtpRequired, RateLimited, Unauthenticated
from store.passwords import hash_password, verify_password

log = logging.getLogger(__name__)

LOGIN_FAILED = "wrong username or password"
OTP_FAILED = "wrong code, or a code already used: enter the current one from your authenticator app"
OTP_ASKED = "enter the 6-digit code from your authenticator app"
PERSIST_EVERY = timedelta(minutes=1)
KDF_CONCURRENCY = 2
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password("no such user: never matches")


@dataclass
class Session:
    id: int
    staff_id: int
    username: str
    role: str
    store_id: int
    terminal: str
    client_addr: str
    last_seen: datetime
    persisted: datetime = field(repr=False, default=datetime.min.replace(tzinfo=timezone.utc))
    # Until two-factor is set up, only roles.WHILE_ENROLLING may run (store/dispatch.py).
    must_enroll_totp: bool = False
    # A TOTP secret offered by totp.enroll, waiting for totp.confirm; never shown again.
    pending_totp: str | None = field(repr=False, default=None)

    def user(self) -> dict[str, Any]:
        return {"id": self.staff_id, "username": self.username, "role": self.role,
                "store_id": self.store_id}

    def describe(self) -> dict[str, Any]:
        return {"session_id": self.id, "username": self.username, "role": self.role,
                "store_id": self.store_id, "terminal": self.terminal,
                "client_addr": self.client_addr, "last_seen": to_wire(self.last_seen)}


class SessionService:
    def __init__(self, database: Database, clock: Clock, idle: timedelta,
                 wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 store_id: int = 0):
        # Two clocks: the store's (lockouts and two-factor codes follow it, so a test clock
        # moves them) and the wall's, for activity — moving a test clock forward to make a
        # hire overdue must not log every clerk out. In a shop the two are the same.
        self.database, self.clock, self.wall, self.idle = database, clock, wall, idle
        # The shop this server serves (server.store_id); 0: every store's staff. One server
        # per shop keeps a shop's locks and events in one place (docs/scaling.md).
        self.store_id = store_id
        self._live: dict[int, Session] = {}
        self._lock = threading.Lock()
        # Told (session id, reason) whenever a session ends; the server wires it to events.
        # Told (session id, reason, the session if this server had it) whenever a session
        # ends, and (session) when one starts; the server wires them to locks and events.
        self.on_end: Callable[[int, str, Session | None], None] | None = None
        self.on_start: Callable[[Session], None] | None = None
        # Runs database work noticed on the loop thread (an expiry) off it; the server
        # wires it to its worker pool. Inline by default (tests, tools).
        self.defer: Callable[[Callable[[], None]], None] = lambda work: work()
        self._kdf_slots = threading.BoundedSemaphore(KDF_CONCURRENCY)
        self._address_failures = auth.FailureCounter(auth.ADDRESS_FAILURES, auth.ADDRESS_WINDOW)
        # Failures for usernames that do not exist, so they lock like real ones and the
        # answer never tells whether a username exists.
        self._unknown = auth.LockBook()
        self._otp_steps = auth.UsedOtpSteps()

    # --- login, resume, logout ----------------------------------------------------------

    def login(self, username: str, password: str, terminal: str, address: str,
              otp: str | None = None) -> tuple[str, Session]:
        """A new session and its token; Unauthenticated, AccountLocked, RateLimited, or
        OtpRequired (the password was right; send it again with the code)."""
        now = self.clock.now()
        host = address.rsplit(":", 1)[0]
        # Every attempt counts against its address until it turns out not to be a failure,
        # so parallel guesses cannot all pass the check before the first is written down.
        wait = self._address_failures.take(host, now)
        if wait:
            log.warning("login refused from %s: too many failed logins", host)
            raise RateLimited(f"too many failed logins from {host}; try again in "
                              f"{int(wait) + 1} s", {"retry_after_s": int(wait) + 1})
        try:
            return self._login(username, password, terminal, address, otp, now)
        except (Unauthenticated, AccountLocked):
            raise  # a failure: it stays counted
        except BaseException:
            self._address_failures.give_back(host, now)  # a code asked for, a database away
            raise

    def _login(self, username: str, password: str, terminal: str, address: str,
               otp: str | None, now: datetime) -> tuple[str, Session]:
        name = username.strip().lower()
        row = unit.run(self.database, lambda tx: staff_sql.get_by_username(tx, name))
        if row is None:
            self._fail_unknown(name, password, now)
        locked_until = utc(row["locked_until"])
        if auth.is_locked(locked_until, now):
            raise _account_locked(name, locked_until)  # type: ignore[arg-type]
        if not (self._verify(password, row["password_hash"]) and row["active"]):
            self._fail(row, now, LOGIN_FAILED)
        if row["totp_secret"]:
            # Asked only now that the password matched: OTP_REQUIRED never tells whether
            # an unknown username exists.
            code = (otp or "").strip()
            if not code:
                raise OtpRequired(OTP_ASKED)
            step = totp.verify(row["totp_secret"], code, now.timestamp())
            if step is None or not self.claim_otp_step(row["id"], step):
                self._fail(row, now, OTP_FAILED)
        self._require_this_store(row["username"], row["role"], row["store_id"])
        token = auth.new_token()
        seen = self.wall()

        def start(tx: Any) -> tuple[int, str | None]:
            # A parallel attempt may have locked the account while this one's password was
            # being checked: the lock wins.
            current = staff_sql.get_by_username(tx, name, for_update=True)
            until = utc(current["locked_until"]) if current else None
            if until is not None and auth.is_locked(until, now):
                raise _account_locked(name, until)
            staff_sql.record_login(tx, row["id"], seen)
            return (sql.insert_session(tx, row["id"], auth.token_hash(token), terminal,
                                       address, seen),
                    shop_settings.get_setting(tx, auth.REQUIRE_TOTP_ADMINS))
        session_id, require_admins = unit.run(self.database, start)
        session = Session(session_id, row["id"], row["username"], row["role"],
                          row["store_id"], terminal, address, seen, seen,
                          must_enroll_totp=auth.must_enroll_totp(
                              row["role"], bool(row["totp_secret"]), require_admins))
        with self._lock:
            self._live[session_id] = session
        self._address_failures.give_back(address.rsplit(":", 1)[0], now)  # a success
        if self.on_start is not None:
            self.on_start(session)
        return token, session

    def _fail(self, row: dict[str, Any], now: datetime, message: str) -> NoReturn:
        """A failed login of a known account, counted under the account row's lock so
        parallel failures all count (the fifth in a row locks it)."""
        def count(tx: Any) -> datetime | None:
            current = staff_sql.get_by_id(tx, row["id"], for_update=True)
            failed, until = auth.after_failure(current["failed_logins"] if current else 0, now)
            staff_sql.record_failure(tx, row["id"], failed, until, now)
            return until
        if unit.run(self.database, count):
            log.warning("account %s locked after %d failed logins", row["username"],
                        auth.MAX_FAILED_LOGINS)
        raise Unauthenticated(message)

    def _fail_unknown(self, name: str, password: str, now: datetime) -> NoReturn:
        """A login for a name with no account: answered as a real account would be — a
        locked name at once, with its fixed end; otherwise after a password check as slow
        as a real one."""
        until = self._unknown.locked_until(name, now)
        if until is not None:
            raise _account_locked(name, until)
        self._verify(password, _DUMMY_HASH)
        if self._unknown.fail(name, now):
            log.warning("account %s locked after %d failed logins", name,
                        auth.MAX_FAILED_LOGINS)
        raise Unauthenticated(LOGIN_FAILED)

    def _require_this_store(self, username: str, role: str, store_id: int) -> None:
        """Forbidden for staff of another shop than the one this server serves (the chain's
        admins excepted): their locks and events belong to their own shop's server. Asked
        only once the password is right, so it tells a stranger nothing."""
        if self.store_id and store_id != self.store_id and role != roles.ADMIN:
            raise Forbidden(f"this store server serves store {self.store_id}; {username} "
                            f"works at store {store_id}: log in at that store's server",
                            {"store_id": self.store_id, "staff_store_id": store_id})

    def _verify(self, password: str, stored: str) -> bool:
        with self._kdf_slots:
            return verify_password(password, stored)

    def resume(self, token: str, address: str) -> Session:
        """The live session of `token` (also after a server restart); Unauthenticated if
        it has ended or expired."""
        now = self.wall()
        row = unit.run(self.database, lambda tx: sql.get_live_by_token(tx, auth.token_hash(token)))
        if row is None:
            raise Unauthenticated("that session has ended; log in again")
        self._require_this_store(row["username"], row["role"], row["store_id"])
        with self._lock:
            session = self._live.get(row["id"])
        if session is None:
            session = Session(row["id"], row["staff_id"], row["username"], row["role"],
                              row["store_id"], row["terminal"], address,
                              utc(row["last_seen_at"]), utc(row["last_seen_at"]),  # type: ignore[arg-type]
                              must_enroll_totp=self._must_enroll(row["staff_id"], row["role"]))
        if now - session.last_seen > self.idle:
            self.end(session.id, "expired", session)
            raise Unauthenticated("the session expired after inactivity; log in again")
        session.client_addr = address
        with self._lock:
            self._live[session.id] = session
        self.touch(session)
        return session

    def _must_enroll(self, staff_id: int, role: str) -> bool:
        """For a session seen again after a restart (what its login was told is not
        stored): whether it must set up two-factor before anything else."""
        def read(tx: Any) -> tuple[bool, str | None]:
            staff = staff_sql.get_by_id(tx, staff_id)
            return (bool(staff and staff["totp_secret"]),
                    shop_settings.get_setting(tx, auth.REQUIRE_TOTP_ADMINS))
        has_secret, require_admins = unit.run(self.database, read)
        return auth.must_enroll_totp(role, has_secret, require_admins)

    # --- two-factor ---------------------------------------------------------------------

    def claim_otp_step(self, staff_id: int, step: int) -> bool:
        """Mark a TOTP time step used by `staff_id` (a login or a confirmed set-up); False
        if it, or a later one, was used already."""
        return self._otp_steps.claim(staff_id, step)

    def totp_enrolled(self, staff_id: int) -> None:
        """Two-factor is set up for `staff_id`: their live sessions may do everything."""
        with self._lock:
            for session in self._live.values():
                if session.staff_id == staff_id:
                    session.must_enroll_totp = False

    def end(self, session_id: int, reason: str,
            session: Session | None = None) -> Session | None:
        """End a session (logout, expiry, an admin); the ended session, if it was live
        (or is given: one `check` already took out of the live ones)."""
        with self._lock:
            session = self._live.pop(session_id, None) or session
        now = self.wall()
        unit.run(self.database, lambda tx: sql.end_session(tx, session_id, reason, now))
        self._ended(session_id, reason, session)
        return session

    def end_all_of(self, staff_id: int, reason: str) -> list[int]:
        """End every session of one staff member (deactivated, password reset)."""
        now = self.wall()
        ended = unit.run(self.database,
                         lambda tx: sql.end_sessions_of_staff(tx, staff_id, reason, now))
        with self._lock:
            gone = {session_id: self._live.pop(session_id, None) for session_id in ended}
        for session_id, session in gone.items():
            self._ended(session_id, reason, session)
        return ended

    def _ended(self, session_id: int, reason: str, session: Session | None) -> None:
        if self.on_end is not None:
            self.on_end(session_id, reason, session)

    # --- every request ------------------------------------------------------------------

    def check(self, session: Session) -> None:
        """Raise Unauthenticated unless `session` is live; then note the activity.
        Memory only: the server runs it before every request, on its loop thread."""
        now = self.wall()
        with self._lock:
            live = self._live.get(session.id) is session
            expired = live and now - session.last_seen > self.idle
            if expired:
                del self._live[session.id]
        if expired:
            self.defer(lambda: self.end(session.id, "expired", session))
            raise Unauthenticated("the session expired after inactivity; log in again")
        if not live:
            raise Unauthenticated("your session has ended; log in again")
        if now > session.last_seen:
            session.last_seen = now

    def touch(self, session: Session) -> None:
        """Note activity now, and write it to the database at once."""
        now = self.wall()
        session.last_seen = max(session.last_seen, now)
        session.persisted = now
        unit.run(self.database, lambda tx: sql.touch(tx, session.id, now, session.client_addr))

    def flush_activity(self) -> int:
        """Write `last_seen` of the sessions active since it was last written (at most once
        a minute each); how many. A resume after a restart reads it back."""
        with self._lock:
            due = [(s.id, s.last_seen) for s in self._live.values()
                   if s.last_seen - s.persisted >= PERSIST_EVERY]
        if not due:
            return 0
        unit.run(self.database, lambda tx: sql.touch_many(tx, due))
        with self._lock:
            for session_id, seen in due:
                if (session := self._live.get(session_id)) is not None:
                    session.persisted = max(session.persisted, seen)
        return len(due)

    def expire_idle(self) -> int:
        """End every session idle past its time — the live ones here, and any left in the
        table from before a restart — so they are recorded as expired (and their locks
        freed) even if they never come back; how many."""
        now = self.wall()
        cutoff = now - self.idle
        with self._lock:
            gone = [s for s in self._live.values() if s.last_seen < cutoff]
            for session in gone:
                del self._live[session.id]
            live = set(self._live)
        for session in gone:
            self.end(session.id, "expired", session)

        def sweep(tx: Any) -> int:
            stale = [i for i in sql.idle_since(tx, cutoff) if i not in live]
            return sql.end_sessions(tx, stale, "expired", now) if stale else 0
        return len(gone) + unit.run(self.database, sweep)

    def live_count(self) -> int:
        with self._lock:
            return len(self._live)

    def get(self, session_id: int) -> Session | None:
        with self._lock:
            return self._live.get(session_id)

    def list_live(self, store_id: int | None) -> list[dict[str, Any]]:
        """Live sessions (of one store, or all), from the database: they outlive restarts."""
        rows = unit.run(self.database, lambda tx: sql.list_live(tx, store_id))
        cutoff = self.wall() - self.idle
        return [{"session_id": r["id"], "username": r["username"], "role": r["role"],
                 "store_id": r["store_id"], "terminal": r["terminal"],
                 "client_addr": r["client_addr"], "started_at": to_wire(utc(r["started_at"])),
                 "last_seen": to_wire(utc(r["last_seen_at"]))}
                for r in rows if utc(r["last_seen_at"]) > cutoff]  # type: ignore[operator]

    def expires_at(self, session: Session) -> datetime:
        return session.last_seen + self.idle


def _account_locked(name: str, until: datetime) -> AccountLocked:
    log.info("login refused: account %s is locked until %s", name, until.isoformat())
    return AccountLocked(f"too many failed logins: the account is locked until "
                         f"{until:%H:%M} UTC", {"until": to_wire(until)})

