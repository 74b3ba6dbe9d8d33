"""The login screen: username, then password (hidden). Neither is kept in any history.

An empty username skips the login: the terminal then works read-only (search and view
through the database), which is also how a clerk carries on while the store server is down.
"""
from __future__ import annotations

from typing import Protocol

from prompt_toolkit import PromptSession

from store.client import StoreClient
from store.errors import StoreError
from ui.messages import error_line

INTRO = ("── Log in ── (an empty username carries on read-only: search and view only; "
         "Ctrl-D quits)")


class Terminal(Protocol):
    def say(self, text: str) -> None: ...


def login_screen(terminal: Terminal, client: StoreClient, terminal_name: str,
                 session: PromptSession[str]) -> bool:
    """Ask until a login succeeds (True) or the clerk leaves the username empty (False).
    EOFError (Ctrl-D) means quit."""
    terminal.say(INTRO)
    while True:
        try:
            username = session.prompt("Username: ", is_password=False).strip()
            if not username:
                terminal.say("Working read-only: nothing can be hired or returned until you "
                             "log in.")
                return False
            password = session.prompt("Password: ", is_password=True)
        except KeyboardInterrupt:
            continue
        try:
            user = client.login(username, password, terminal_name)["user"]
        except StoreError as e:
            terminal.say(error_line(e))
            continue
        terminal.say(f"Logged in as {user['username']} ({user['role']}).")
        return True
