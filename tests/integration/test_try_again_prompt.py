"""The clerk's "Try the … again? It will not be done twice." (ui/once.py), at the real
terminal's screens driven through prompt_toolkit's pipe input, over the real store server
and MariaDB — reached through a relay (tests/commit_cutter.py) that loses a COMMIT's answer
and then keeps the database away, longer than the managers try on their own
(store/once.py RETRY_FOR_S, made short here: the terminal runs in this process)."""
from __future__ import annotations

from typing import Callable, Iterator

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from store import once
from tests.conftest import STAFF_PASSWORD, settings_for
from tests.integration.test_terminal_prompts import CLEAR_LINE, RecordingTerminal
from ui.customers import register_customer
from ui.titles import Shown, add_copies

AGAIN = "It will not be done twice. (y/n)"


class Till(RecordingTerminal):
    """The real terminal; what it says and asks is recorded, and each line it says is
    passed to `on_said` (to bring the database back, or take it away, at that point)."""

    def __init__(self, settings, on_said: Callable[[str], None]):
        super().__init__(settings)
        self.on_said = on_said
        self.asked: list[str] = []

    def say(self, text: str) -> None:
        super().say(text)
        self.on_said(text)

    def prompt(self, message: str, **kwargs) -> str:
        self.asked.append(message)
        return super().prompt(message, **kwargs)


@pytest.fixture
def open_till(shop, cutter, monkeypatch) -> Iterator[Callable[..., Till]]:
    """Opens the terminal logged in as clk1, its database behind the relay, its prompts
    reading the pipe (keys given when opened, as typed ahead)."""
    monkeypatch.setattr(once, "RETRY_FOR_S", 0.5)
    apps: list[Till] = []
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        def opened(keys: str, on_said: Callable[[str], None] = lambda text: None) -> Till:
            settings = settings_for(shop.settings.db.name, db__port=cutter.port,
                                    server__host=shop.server.host,
                                    server__port=shop.server.port)
            app = Till(settings, on_said)
            apps.append(app)
            client = app.services.client
            client.start()
            assert client.wait_connected(10), f"no store server at {shop.server.address}"
            client.login("clk1", STAFF_PASSWORD, "till-again")
            app.store = app.services.home_store()
            app.open_sessions()
            pipe.send_text(keys)
            return app
        try:
            yield opened
        finally:
            for app in apps:
                app.services.close()


def dvd_copies(shop) -> int:
    return int(shop.scalar("SELECT COUNT(*) FROM copies WHERE title_id = %s AND format = "
                           "'DVD'", (shop.titles["Jaws"],)))


def add_three(jaws: int, answer: str) -> str:
    """Title, how many (the default 1 cleared), format (DVD, the default), then the
    answer to 'Try the new copies again?'."""
    return f"{jaws}\r{CLEAR_LINE}3\r\r{answer}\r"


def test_copies_in_doubt_are_tried_again_on_yes_once_the_database_is_back(shop, cutter,
                                                                         open_till,
                                                                         reliability):
    before = dvd_copies(shop)
    told_while_away = []

    def back_when_told(text: str) -> None:
        if cutter.down.is_set():      # the clerk is told while the database is away ...
            told_while_away.append(text)
            cutter.come_back()        # ... and it is back before they answer
    till = open_till(add_three(shop.titles["Jaws"], "y"), back_when_told)
    cutter.arm(stay_down=True)
    add_copies(till, Shown())
    assert cutter.cuts == 1 and len(told_while_away) == 1
    assert "database" in told_while_away[0].lower()
    assert till.asked[-1] == f"Try the new copies again? {AGAIN} "
    assert "Added 3 DVD copies of Jaws" in till.said[-1]
    reliability.add("exactly-once", "clerk's 'try again?' answered yes at the terminal")
    added = reliability.exactly("exactly-once", dvd_copies(shop) - before, 3)
    assert added == 3                              # the first try's, not six
    assert shop.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'copy.add'") == 3


def test_copies_in_doubt_answered_no_may_have_been_saved(shop, cutter, open_till):
    before = dvd_copies(shop)
    till = open_till(add_three(shop.titles["Jaws"], "n"))
    cutter.arm(stay_down=True)
    add_copies(till, Shown())
    assert cutter.cuts == 1 and cutter.down.is_set()   # away all along
    assert till.asked[-1] == f"Try the new copies again? {AGAIN} "
    assert till.said[-1] == ("The new copies may have been saved: look it up before doing "
                             "it again.")
    assert dvd_copies(shop) == before + 3          # they were: the answer was lost


def test_a_registration_with_the_database_away_answered_no_says_nothing_was_saved(
        shop, cutter, open_till):
    def away_once_the_form_opens(text: str) -> None:
        if text.startswith("── Customers: register"):
            cutter.go_down()
    # Names, date of birth, phone, then Enter for the optional details; then no.
    till = open_till("Ezra\rQuillfeather\r1985-04-02\r0207 555 0199\r\r\r\r\rn\r",
                     away_once_the_form_opens)
    register_customer(till)
    assert till.asked[-1] == f"Try the registration again? {AGAIN} "
    assert till.said[-1] == "Nothing was saved."
    cutter.come_back()
    assert shop.scalar("SELECT COUNT(*) FROM customers WHERE last_name = 'Quillfeather'") == 0
    assert shop.scalar("SELECT COUNT(*) FROM request_keys") == 0
