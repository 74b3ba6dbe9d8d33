"""Two-factor ops for one's own account: totp.enroll, totp.confirm (store/twofactor.py).
Resetting someone else's is staff.totp_reset (store/ops/admin.py)."""
from __future__ import annotations

from typing import Any, Callable

from store import args as arg
from store.connection import Connection
from store.twofactor import TwoFactor


class TwoFactorOps:
    def __init__(self, two_factor: TwoFactor):
        self.two_factor = two_factor

    def handlers(self) -> dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]]:
        return {"totp.enroll": self.enroll, "totp.confirm": self.confirm}

    def enroll(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """No request key: it writes nothing (see store/twofactor.py)."""
        return self.two_factor.enroll(conn.session)

    def confirm(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        return self.two_factor.confirm(conn.session, arg.text(args, "code", 32), key)
