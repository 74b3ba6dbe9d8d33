"""The clerk's terminal: start-up checks, then the main menu loop.

One place builds the PromptSession (here); the menu's keys come from ui/menu.py, the
toolbar from ui/toolbar.py, every error's wording from ui/messages.py. Nothing here talks
SQL or sockets: it works through the TerminalServices it is given.
"""
from __future__ import annotations

import logging
import queue
import socket
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.completion import Completer, ThreadedCompleter
from prompt_toolkit.history import DummyHistory, History
from prompt_toolkit.key_binding.key_bindings import KeyBindingsBase
from prompt_toolkit.patch_stdout import patch_stdout
from prompt_toolkit.shortcuts import confirm
from prompt_toolkit.styles import Style
from prompt_toolkit.validation import Validator

from store.config import Settings
from store.errors import DatabaseMissing, StoreError
from store.services import TerminalServices, open_terminal_services
from store.stores import StoreInfo
from ui import colour
from ui.completion import CopyCompleter, TitleCompleter, store_of
from ui.history import Histories
from ui.keyhelp import prompt_with_help
from ui.login import login_screen
from ui.menu import HELP, HELP_TEXT, QUIT, menu_key_bindings, menu_text
from ui.messages import error_line, notice_line
from ui.pick import CustomerCompleter
from ui.quick import PREFIX, QuickCompleter, run_command
from ui.screens import SCREENS
from ui.toolbar import make_toolbar
from ui.tty import echo_off

log = logging.getLogger(__name__)

EVENT_TOPICS = ("inventory", "notice", "staff")
STYLE = Style.from_dict({
    "bottom-toolbar": "noreverse bg:#222222 #dddddd",
    "toolbar.ok": "#55dd55 bold",
    "toolbar.warn": "#dddd55 bold",
    "toolbar.bad": "#ff5555 bold",
})
SERVER_WAIT_S = 2.0
HOUSEKEEPING_S = 300.0  # how often a terminal passes on expired holds


class TerminalApp:
    def __init__(self, settings: Settings, reload_settings: Callable[[], Settings]):
        self.settings = settings
        self.colour = colour.wanted()  # decided once, before patch_stdout wraps stdout
        self._reload_settings = reload_settings
        self.services: TerminalServices = open_terminal_services(settings)
        self.store: StoreInfo | None = None
        self._session_lost = threading.Event()
        self._lost_reason = ""
        self._menu: PromptSession[str] | None = None  # these are made by open_sessions()
        self._login: PromptSession[str] | None = None
        self._forms: PromptSession[str] | None = None  # screens' questions: see prompt()
        self._searches: dict[str, PromptSession[str]] = {}  # prompts with a history each
        self._toolbar: Callable[[], object] | None = None
        self._quick: Completer | None = None                 # the menu line's completion
        self._histories = Histories(warn=print)  # print: safe while a prompt is shown
        self._new_events = 0  # since the clerk last chose something
        self._watchers: list[Callable[[str, dict], None]] = []
        self._stopping = threading.Event()
        self._event_work: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def say(self, text: str) -> None:
        print_formatted_text(colour.for_terminal(text))

    def prompt(self, message: str, *, is_password: bool = False, default: str = "",
               completer: Completer | None = None,
               key_bindings: KeyBindingsBase | None = None, history: str = "",
               validator: Validator | None = None) -> str:
        """One answer typed on a screen (Ctrl-C raises KeyboardInterrupt, Ctrl-D EOFError;
        F1 shows the keys, ui/keyhelp.py; a `validator` refuses Enter until it passes). Its
        session keeps no history, so no answer (never a password) can be recalled — except
        a search naming its `history` (ui/history.py). Every setting is passed each time
        (None too) because a PromptSession keeps them for later prompts."""
        if self._forms is None:
            raise RuntimeError("prompt() is for screens, shown once the terminal runs")
        self.services.leases.touch()  # the clerk is at work: keep their locks
        session = self._forms if is_password or not history else self._search(history)
        return prompt_with_help(session, self.say, message, is_password=is_password,
                                default=default, completer=completer,
                                key_bindings=key_bindings, validator=validator)

    def _search(self, history: str) -> PromptSession[str]:
        """The session of a search prompt that keeps the history `history`."""
        if history not in self._searches:
            self._searches[history] = self._session(self._histories.get(history))
        return self._searches[history]

    def _session(self, history: History) -> PromptSession[str]:
        session: PromptSession[str] = PromptSession(
            bottom_toolbar=self._toolbar, style=STYLE, refresh_interval=1.0, history=history)
        # Typing on a screen is the clerk at work: their locks stay renewed (store/leases.py).
        session.default_buffer.on_text_changed += lambda _: self.services.leases.touch()
        return session

    def open_sessions(self) -> None:
        """The prompts' sessions, each with the toolbar: the main menu's (its history in a
        file), the login's and the screens' questions' (no history at all: a password or a
        code must never be recalled)."""
        client = self.services.client
        self._toolbar = make_toolbar(client, self._store_label, self._clerk_label,
                                     self.timezone, lambda: self._new_events)
        self._menu = self._session(self._histories.get("menu"))
        self._login = self._session(DummyHistory())
        self._forms = self._session(DummyHistory())
        self._quick = ThreadedCompleter(QuickCompleter(
            CustomerCompleter(self.services.customers),
            copies=CopyCompleter(self.services.shelf, store_of(self)),
            titles=TitleCompleter(self.services.videos, store_of(self))))

    def run(self) -> int:
        # Events arrive on another thread; printed through patch_stdout they appear above
        # the prompt without disturbing what the clerk is typing. Echo stays off between
        # prompts, so nothing typed early is ever shown in clear (ui/tty.py).
        with echo_off(), patch_stdout():
            return self._run()

    def _run(self) -> int:
        for warning in self.settings.warnings:
            self.say(f"Warning: {warning}")
        self._open_store()
        self._check_schema()
        client = self.services.client
        client.on_session_lost = self._on_session_lost
        client.on_event = self._on_event
        self.services.leases.on_lost = self._on_lease_lost
        threading.Thread(target=self._run_event_work, name="screen-events", daemon=True).start()
        threading.Thread(target=self._housekeeping, name="housekeeping", daemon=True).start()
        client.topics = list(EVENT_TOPICS)
        client.start()
        if not client.wait_connected(SERVER_WAIT_S):
            self.say(f"The store server at {client.address} is not answering "
                     f"({client.last_error or 'no reply'}). The terminal keeps trying; start "
                     f"it with `make up` or `python server.py`.")
        self.open_sessions()
        try:
            self._log_in(self._login)
        except EOFError:
            self.say("Bye.")
            return 0
        while True:
            try:
                if self._session_lost.is_set():
                    self._session_lost.clear()
                    self.say(f"You are logged out: {self._lost_reason}.")
                    self._log_in(self._login)
                self.say(menu_text())
                typed = self.menu_prompt()
                self._new_events = 0
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the line (or lands between prompts): never quits
            except EOFError:
                break
            if not self.choose(typed):
                break
        self.say("Bye.")
        return 0

    def choose(self, typed: str) -> bool:
        """Do what was typed at the main menu: a screen, a quick command, help; False to
        quit."""
        choice = typed.strip().lower()
        by_key = {s.key: s for s in SCREENS}
        if choice == QUIT:
            return False
        if choice == HELP:
            self.say(HELP_TEXT)
        elif choice.startswith(PREFIX):
            self._show(lambda t: run_command(t, typed))
        elif choice in by_key:
            self._show(by_key[choice].show)
        elif choice:
            self.say("Choose 1-6 or q, or / and a command (F1 for help).")
        return True

    def menu_prompt(self) -> str:
        """The main menu's line: a key, or a quick command after / (Tab completes it; Up
        recalls earlier lines; F1 shows the menu's keys)."""
        assert self._menu is not None
        return prompt_with_help(self._menu, self.say, "videostore> ", completer=self._quick,
                                key_bindings=menu_key_bindings(),
                                help_text=f"{HELP_TEXT}\n{menu_text()}")

    def _log_in(self, session: PromptSession[str]) -> None:
        """The login screen; on success the toolbar shows the clerk's own store."""
        if login_screen(self, self.services.client, self._terminal_name(), session):
            self._open_store()
            self._show_unread_notices()

    def _show_unread_notices(self) -> None:
        try:
            notices = self.services.client.unread_notices()
        except StoreError as e:
            self.say(f"Could not fetch your notices: {error_line(e)}")
            return
        for notice in notices:
            self.say(notice_line(notice))

    @contextmanager
    def watch(self, callback: Callable[[str, dict], None]) -> Iterator[None]:
        """Tell `callback(name, data)` of every pushed event while the block runs (a screen
        that shows something another till may change). It runs on the terminal's event
        thread, never the reader's, so a slow read of the database delays no reply."""
        self._watchers.append(callback)
        try:
            yield
        finally:
            self._watchers.remove(callback)

    def timezone(self) -> str:
        """The store's time zone: every time on screen is shown in it."""
        return self.store.timezone if self.store else "UTC"

    def _on_event(self, name: str, data: dict) -> None:
        """Called from the client's reader thread for every pushed event."""
        if not name.startswith("staff."):  # who logs in where: not news for the till
            self._new_events += 1
        if name == "notice":
            print(notice_line(data))
        elif name == "lagged":
            print(f"{data.get('dropped', 'Some')} live updates were missed; what you see may "
                  f"be out of date.")
        if name == "settings.changed":
            self.services.shop.invalidate()
        for watcher in list(self._watchers):
            self._event_work.put(lambda w=watcher: w(name, data))

    def _housekeeping(self) -> None:
        """Now and then, while someone is logged in: pass on the copies of holds whose shelf
        time has run out (any till may; the database makes it happen once), and say whom
        to call now."""
        while not self._stopping.wait(HOUSEKEEPING_S):
            if self.services.client.user is None:
                continue
            try:
                for hold in self.services.desk.holds.expire_due():
                    print(f"A hold ran out: copy {hold.copy_id} ({hold.title}) now waits for "
                          f"{hold.customer}" + (f": call {hold.phone}." if hold.phone else "."))
            except StoreError as e:
                log.info("holds not checked: %s", e.message)

    def _run_event_work(self) -> None:
        while True:
            work = self._event_work.get()
            try:
                work()
            except Exception:
                log.exception("a screen's event handler failed")

    def _on_lease_lost(self, resource: str, why: str) -> None:
        print(f"You no longer hold {resource.replace(':', ' ')}: {why}.")

    def _on_session_lost(self, why: str) -> None:
        """Called from the link thread: end the prompt now (the menu's or a screen's), so
        the menu loop shows the login screen without waiting for a key."""
        self._lost_reason = why
        self._session_lost.set()
        self.services.leases.forget()  # the server freed the session's locks
        screens = [self._forms, *self._searches.values()]
        for session, ending in [(self._menu, {"result": ""}),
                                *((s, {"exception": KeyboardInterrupt}) for s in screens)]:
            app = session.app if session else None
            if app is not None and app.is_running and app.loop is not None:
                app.loop.call_soon_threadsafe(
                    lambda app=app, ending=ending: app.exit(**ending) if app.is_running else None)

    def _terminal_name(self) -> str:
        return self.settings.terminal.name or socket.gethostname()

    def _clerk_label(self) -> str:
        user = self.services.client.user
        if user is None:
            return "not logged in (read-only)"
        return f"{user['username']} ({user['role']})"

    def _show(self, run: Callable[[TerminalApp], None]) -> None:
        """A screen (or a quick command) run; whatever it raises is told in one line."""
        try:
            run(self)
        except KeyboardInterrupt:
            self.say("Cancelled.")
        except StoreError as e:
            self.say(error_line(e))
        except Exception:
            log.exception("screen failed")
            self.say(f"Something went wrong; it has been logged in {self.settings.log_dir}. "
                     f"The terminal carries on.")

    def _open_store(self) -> None:
        try:
            self.store = self.services.home_store()
        except DatabaseMissing as e:
            self.say(error_line(e))
            if self._offer_create_db():
                # The new database's account passwords are in the settings only now.
                self.services.close()
                self.settings = self._reload_settings()
                self.services = open_terminal_services(self.settings)
                self._open_store()
        except StoreError as e:
            self.say(error_line(e))

    def _check_schema(self) -> None:
        """Say at once when the database needs a migration, rather than at the first hire."""
        if self.store is None:
            return          # no database to ask: _open_store has said why
        try:
            behind = self.services.schema_behind()
        except StoreError as e:
            self.say(error_line(e))
            return
        if behind:
            self.say(f"Warning: {behind}")

    def _offer_create_db(self) -> bool:
        """Offer create-db when the database is really not there; True if it was made."""
        from store.setup import database_exists   # create-db's modules: only now
        name = self.settings.db.name
        try:
            exists = database_exists(self.settings)
        except StoreError:
            self.say(f"Create it with `python main.py create-db --db-name {name}`.")
            return False
        if exists:
            self.say(f"Database {name} exists: give this terminal its account's password "
                     f"with VIDEOSTORE_DB_PASSWORD (or db.password in a config file).")
            return False
        if not sys.stdin.isatty() or not confirm(f"Create the database {name} now?"):
            return False
        from ui import cli
        return cli.create_db(self.settings, "admin", "Main Street", reset=False,
                             demo=False, if_missing=True) == 0

    def _store_label(self) -> str:
        if self.store is None:
            return f"store {self.settings.terminal.store_id} (database unavailable)"
        return f"{self.store.name} (store {self.store.id})"



def run_terminal(settings: Settings, reload_settings: Callable[[], Settings]) -> int:
    app = TerminalApp(settings, reload_settings)
    try:
        return app.run()
    finally:
        app._stopping.set()
        app.services.close()
