"""The login screen: username, then password (hidden), then the code from the authenticator
app when the account has two-factor login. None of them is kept in any history.

An empty username skips the login: the terminal then works read-only (search and view
through the database), which is also how a clerk carries on while the store server is down.
When the shop requires two-factor login of admins and an admin has not set it up, it is set
up right here (ui/twofactor.py) before the menu opens; giving up logs out again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from prompt_toolkit import PromptSession
from prompt_toolkit.key_binding.key_bindings import KeyBindingsBase

from store.client import StoreClient
from store.errors import OtpRequired, StoreError
from ui.keyhelp import prompt_with_help
from ui.messages import error_line
from ui.twofactor import enrol_totp

INTRO = ("── Log in ── (an empty username carries on read-only: search and view only; "
         "Ctrl-D quits)")
MUST_ENROL = ("This shop requires two-factor login for admins: set it up now, with an "
              "authenticator app on your phone.")
NOT_ENROLLED = "You are logged out: admins must set up two-factor login before working."
HELP = """── Help: log in ──
  Username, Enter   your staff login; Enter alone carries on read-only (search and view)
  Password, Enter   it is never shown, nor kept anywhere on this terminal
  Code, Enter       the 6 digits your authenticator app shows, when asked
  Ctrl-C            start the login again
  Ctrl-D            quit
  F1                this help (and ? on an empty username or code)
"""


class Terminal(Protocol):
    def say(self, text: str) -> None: ...


@dataclass
class _LoginPrompts:
    """The terminal's `say` with the login prompts (no history) to ask with."""
    terminal: Terminal
    session: PromptSession[str]

    def say(self, text: str) -> None:
        self.terminal.say(text)

    def prompt(self, message: str, *, is_password: bool = False,
               key_bindings: KeyBindingsBase | None = None) -> str:
        # key_bindings: a yes/no question's (ui/once.py asks one when a two-factor
        # confirmation's answer was lost)
        return prompt_with_help(self.session, self.terminal.say, message,
                                is_password=is_password, key_bindings=key_bindings,
                                help_text=HELP)


def login_screen(terminal: Terminal, client: StoreClient, terminal_name: str,
                 session: PromptSession[str]) -> bool:
    """Ask until a login succeeds (True) or the clerk leaves the username empty (False).
    EOFError (Ctrl-D) means quit."""
    terminal.say(INTRO)
    asker = _LoginPrompts(terminal, session)
    while True:
        try:
            username = asker.prompt("Username: ", is_password=False).strip()
            if not username:
                terminal.say("Working read-only: nothing can be hired or returned until you "
                             "log in.")
                return False
            password = asker.prompt("Password: ", is_password=True)
            result = _log_in(asker, client, username, password, terminal_name)
            if result is None:
                continue
            if result.get("must_enroll_totp") and not _enrol_now(asker, client):
                continue
        except KeyboardInterrupt:
            continue
        except StoreError as e:
            terminal.say(error_line(e))
            continue
        user = result["user"]
        terminal.say(f"Logged in as {user['username']} ({user['role']}).")
        return True


def _log_in(asker: _LoginPrompts, client: StoreClient, username: str, password: str,
            terminal_name: str) -> dict[str, Any] | None:
    """The login's result; asks for the code when the account has two-factor login. None
    when the code is left empty."""
    try:
        return client.login(username, password, terminal_name)
    except OtpRequired:
        code = asker.prompt("Code: ", is_password=False).strip()
        if not code:
            return None
        return client.login(username, password, terminal_name, otp=code)


def _enrol_now(asker: _LoginPrompts, client: StoreClient) -> bool:
    """Two-factor set up before the menu opens (True); otherwise logged out again."""
    asker.say(MUST_ENROL)
    try:
        if enrol_totp(asker, client):
            return True
    except KeyboardInterrupt:
        pass
    except StoreError as e:
        asker.say(error_line(e))
    try:
        client.logout()
    except StoreError:
        pass  # the session ends with the connection or its idle time anyway
    asker.say(NOT_ENROLLED)
    return False
