"""Setting up two-factor login (TOTP) for the account logged in at this terminal.

The store server makes the secret; it is shown here once, with its otpauth:// URI, to be
typed into (or made a QR code for) an authenticator app; then a code from the app confirms
it. The login screen runs this when the shop requires it; the Admin screen can offer it:
`enrol_totp(terminal, terminal.services.client)`.

The confirmation carries one request key for all its tries (ui/once.py): when the answer
is lost, the clerk may try again and is told it is on, not that nothing waits.
"""
from __future__ import annotations

from typing import Any, Protocol

from store.once import RequestKey
from ui.once import ON_SERVER, done_once

ATTEMPTS = 3


class Asker(Protocol):
    def say(self, text: str) -> None: ...

    def prompt(self, message: str, *, is_password: bool = False) -> str: ...


class TwoFactorClient(Protocol):
    def enroll_totp(self) -> dict[str, Any]: ...

    def confirm_totp(self, code: str, key: RequestKey | None = None) -> dict[str, Any]: ...


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
    the server's enroll (e.g. already set up) and KeyboardInterrupt (Esc, Ctrl-C) pass
    through; a confirmation's other errors are told, as a wrong code is."""
    setup = client.enroll_totp()
    terminal.say(setup_text(setup["secret"], setup["uri"]))
    for _ in range(ATTEMPTS):
        code = terminal.prompt("Code: ", is_password=False).strip()
        if not code:
            break
        if not done_once(terminal, "two-factor set-up", "Two-factor login is not on yet.",
                         lambda key: client.confirm_totp(code, key), ON_SERVER)[0]:
            continue  # told why (a wrong code, most often)
        terminal.say("Two-factor login is on: from now on you log in with your password and "
                     "a code from the app.")
        return True
    terminal.say("Two-factor login is not set up.")
    return False
