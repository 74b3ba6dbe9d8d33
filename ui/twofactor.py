"""Setting up two-factor login (TOTP) for the account logged in at this terminal.

The store server makes the secret; it is shown here once, with its otpauth:// URI, to be
typed into (or made a QR code for) an authenticator app; then a code from the app confirms
it. The login screen runs this when the shop requires it; the Admin screen can offer it:
`enrol_totp(terminal, terminal.services.client)`.
"""
from __future__ import annotations

from typing import Any, Protocol

from store.errors import ValidationError
from ui.messages import error_line

ATTEMPTS = 3


class Asker(Protocol):
    def say(self, text: str) -> None: ...

    def prompt(self, message: str, *, is_password: bool = False) -> str: ...


class TwoFactorClient(Protocol):
    def enroll_totp(self) -> dict[str, Any]: ...

    def confirm_totp(self, code: str) -> dict[str, Any]: ...


def setup_text(secret: str, uri: str) -> str:
    """What the clerk reads to add the account to an authenticator app."""
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return ("── Two-factor login ──\n"
            "Add this account to an authenticator app (Aegis, FreeOTP, Google Authenticator, "
            "...): type the key, or make a QR code of the link. Both are shown only now.\n"
            f"  Key:  {grouped}\n"
            f"  Link: {uri}\n"
            "Then type the 6-digit code the app shows (an empty code gives up).")


def enrol_totp(terminal: Asker, client: TwoFactorClient) -> bool:
    """Set two-factor login up for the logged-in account: True once a code confirmed it;
    False when the clerk gives up (an empty code, or three wrong ones). A StoreError from
    the server (e.g. already set up) and KeyboardInterrupt (Esc, Ctrl-C) pass through."""
    setup = client.enroll_totp()
    terminal.say(setup_text(setup["secret"], setup["uri"]))
    for _ in range(ATTEMPTS):
        code = terminal.prompt("Code: ", is_password=False).strip()
        if not code:
            break
        try:
            client.confirm_totp(code)
        except ValidationError as e:
            terminal.say(error_line(e))
            continue
        terminal.say("Two-factor login is on: from now on you log in with your password and "
                     "a code from the app.")
        return True
    terminal.say("Two-factor login is not set up.")
    return False
