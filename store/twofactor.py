"""Two-factor login (TOTP) for one's own account: set it up, and hold a session that must.

`enroll` makes a secret and hands it (and its otpauth:// URI) to the session once; it is
kept on that session only, in memory, until `confirm` gets a right code for it and stores
it (one transaction, audited). The secret is never shown again and never in a log.

While the shop requires two-factor of admins (setting `require_totp_admins`), an admin
without it logs in to a session marked `must_enroll_totp`; the dispatcher lets such a
session run only roles.WHILE_ENROLLING (and the public ops, which need no session: the
terminal's heartbeat is `time`) until it has confirmed a secret.

`confirm` takes an optional request key (store/once.py): a retry of a confirmation that
was written gets its stored reply ({"totp": true}) instead of "no set-up waiting". The
code is not part of what identifies the action, and the secret is never in a stored
reply. `enroll` takes no key: it writes nothing, and a second one only replaces the secret
waiting on the session, so the secret a retry shows is the one `confirm` checks.
"""
from __future__ import annotations

from typing import Any

from db import staff as sql
from db.audit import insert_audit
from db.database import Database, Tx
from store import once, totp, unit
from store.clock import Clock
from store.errors import NotFound, ValidationError
from store.once import RequestKey
from store.sessions import Session, SessionService


class TwoFactor:
    def __init__(self, database: Database, clock: Clock, sessions: SessionService):
        self.database, self.clock, self.sessions = database, clock, sessions

    def enroll(self, session: Session) -> dict[str, Any]:
        """A new secret for the session's own account, waiting for `confirm`."""
        row = unit.run(self.database, lambda tx: sql.get_by_id(tx, session.staff_id))
        if row is None:
            raise NotFound("your staff account is gone")
        if row["totp_secret"]:
            raise ValidationError("two-factor login is already set up for your account; to "
                                  "move it to a new device, ask a manager or admin to reset "
                                  "it first")
        secret = totp.new_secret()
        session.pending_totp = secret
        return {"secret": secret, "uri": totp.provisioning_uri(secret, session.username)}

    def confirm(self, session: Session, code: str,
                request: RequestKey | None = None) -> dict[str, Any]:
        """Store the waiting secret once `code` shows the app has it."""
        done = once.stored(self.database, request, session.staff_id, "totp.confirm", {},
                           dict[str, Any])
        if done is not None:
            return done
        secret = session.pending_totp
        if secret is None:
            raise ValidationError("there is no two-factor set-up waiting: start with totp.enroll")
        now = self.clock.now()
        step = totp.verify(secret, code, now.timestamp())
        if step is None:
            raise ValidationError("that code does not match: enter the 6-digit code the app "
                                  "shows now (and check that the device's clock is right)")

        def work(tx: Tx) -> dict[str, Any]:
            if not sql.set_totp_secret(tx, session.staff_id, secret, now):
                raise ValidationError("two-factor login was set up for your account meanwhile "
                                      "(from another terminal)")
            insert_audit(tx, now, session.staff_id, session.store_id, "staff.totp_enroll",
                         "staff", session.staff_id, None, {"totp": True})
            return {"totp": True}
        reply, written = once.write(self.database, request, session.staff_id, "totp.confirm",
                                    {}, now, work, dict[str, Any])
        if written:  # else the try that wrote did this
            session.pending_totp = None
            self.sessions.claim_otp_step(session.staff_id, step)  # this code cannot log in now
            self.sessions.totp_enrolled(session.staff_id)
        return reply

