"""Exactly once for the writes the store server makes for the terminal (staff accounts,
notices, two-factor set-up): each takes a request key ("key", store/once.py). Over a real
socket to a real store server and MariaDB: the same key twice makes one row and gives the
same reply, with other arguments it is KEY_REUSED, a malformed one BAD_REQUEST; and a
relay between the terminal's client and the server drops the link after the server's
answer to a write reached it and before the client got it — the client reconnects,
resumes its session and tries again with the same key, and the write exists once.

One table classifies every op the server has: a new write without a key fails it."""
from __future__ import annotations

import json
import secrets
import socket
import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable

import pytest

from store import totp
from store.client import LinkState, StoreClient
from store.errors import ServerUnavailable, ValidationError
from store.once import RequestKey, args_digest
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username
from tests.e2e.test_sessions import admin_query
from ui import admin

# --- every op: a write takes a key, or needs none ----------------------------------------

KEYED = {  # op -> arguments it would run with (the bad key is refused before them)
    "staff.add": {"username": "nobody-new", "password": "long-enough-1", "role": "clerk",
                  "store_id": 1},
    "staff.reset_password": {"username": "clk1", "password": "long-enough-1"},
    "staff.deactivate": {"username": "clk1"},
    "staff.unlock": {"username": "clk1"},
    "staff.totp_reset": {"username": "clk1"},
    "notice.send": {"text": "never sent"},
    "publish": {"topic": "notice", "data": {"text": "never sent"}},
    "notice.read": {"ids": [1]},
    "totp.confirm": {"code": "123456"},
}
NO_KEY = {  # op -> why a retry cannot do it twice
    # They write nothing.
    "hello": "read", "ping": "read", "time": "read", "status": "read", "whoami": "read",
    "staff.list": "read", "session.list": "read", "notice.unread": "read", "lock.list": "read",
    # In memory, and the same again when repeated.
    "subscribe": "sets the connection's topics",
    "lock.acquire": "a lock the session holds already is granted to it again",
    "lock.renew": "moves the expiry to now + ttl again",
    "lock.release": "a lock released already is not held: released 0",
    "totp.enroll": "replaces the secret waiting on the session: the one a retry shows is "
                   "the one totp.confirm checks (and no secret is ever stored in a reply)",
    # Sessions: done again, the outcome the clerk wanted stands.
    "login": "a lost answer leaves a session no one holds; it expires when idle",
    "resume": "binds the connection to the session again",
    "logout": "the client forgets its session whatever the answer",
    "bye": "the connection closes whatever the answer",
    "session.end": "an ended session stays ended; a retry is told it is not live (NOT_FOUND)",
    # The test clock, for tests and demos only.
    "clock.advance": "test clock only",
}


def all_ops(c) -> set[str]:
    reply = c.ask("no.such.op")
    assert reply["error"]["code"] == "UNKNOWN_OP"
    return set(reply["error"]["details"]["ops"])


def test_every_write_of_the_server_takes_a_request_key(server, people):
    with server.client() as c:
        c.login("admin", ADMIN_PASSWORD)
        ops = all_ops(c)
        assert set(KEYED) & set(NO_KEY) == set()
        assert ops - set(KEYED) - set(NO_KEY) == set(), \
            "ops neither keyed nor listed as needing no key: a retry could do them twice"
        assert (set(KEYED) | set(NO_KEY)) - ops == set(), "listed ops the server lacks"
        for op, args in KEYED.items():
            for bad in ("NOT-A-KEY", "A" * 32, "0" * 31, 12345, None, ["0" * 32]):
                reply = c.ask(op, {**args, "key": bad})
                assert reply["error"]["code"] == "BAD_REQUEST", (op, bad, reply)
                assert "key must be a request key" in reply["error"]["message"], (op, reply)


# --- the same key twice: one row, the same reply; other arguments: KEY_REUSED -------------

@dataclass(frozen=True)
class Case:
    op: str
    args: Callable[[str], dict[str, Any]]         # of the clerk account made for the case
    rows: Callable[[Any, str, dict[str, Any]], int]  # (settings, name, reply) -> rows written
    login: str = "admin"                          # who sends it: admin, or the case's clerk


def audit_rows(action: str) -> Callable[[Any, str, dict[str, Any]], int]:
    def count(settings: Any, name: str, reply: dict[str, Any]) -> int:
        return admin_query(settings, "SELECT COUNT(*) AS n FROM audit_log a JOIN staff s ON "
                           "s.id = a.row_id WHERE a.table_name = 'staff' AND a.action = %s "
                           "AND s.username = %s", (action, name))[0]["n"]
    return count


def notice_rows(settings: Any, name: str, reply: dict[str, Any]) -> int:
    return admin_query(settings, "SELECT COUNT(*) AS n FROM messages WHERE body = %s",
                       (f"see me, {name}",))[0]["n"]


def read_rows(settings: Any, name: str, reply: dict[str, Any]) -> int:
    return admin_query(settings, "SELECT COUNT(*) AS n FROM message_reads r JOIN messages m "
                       "ON m.id = r.message_id WHERE m.body = %s", (f"read me, {name}",))[0]["n"]


CASES = [
    Case("staff.add", lambda n: {"username": f"{n}x", "password": "long-enough-1",
                                 "role": "clerk", "store_id": 1, "full_name": "New One"},
         lambda s, n, r: admin_query(s, "SELECT COUNT(*) AS n FROM staff WHERE username = %s",
                                     (f"{n}x",))[0]["n"]),
    Case("staff.reset_password", lambda n: {"username": n, "password": "another-pass-1"},
         audit_rows("staff.reset_password")),
    Case("staff.deactivate", lambda n: {"username": n}, audit_rows("staff.deactivate")),
    Case("staff.unlock", lambda n: {"username": n}, audit_rows("staff.unlock")),
    Case("staff.totp_reset", lambda n: {"username": n}, audit_rows("staff.totp_reset")),
    Case("notice.send", lambda n: {"text": f"see me, {n}", "to": n}, notice_rows),
    Case("notice.read", lambda n: {}, read_rows, login="clerk"),  # ids filled in below
    Case("totp.confirm", lambda n: {}, audit_rows("staff.totp_enroll"), login="clerk"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.op)
def test_the_same_key_twice_writes_once_and_answers_the_same(server, demo_db, people, case,
                                                             reliability):
    name = unique_username("once")
    make_staff(demo_db, name, "clerk", 1)
    args = case.args(name)
    with server.client() as boss, server.client() as clerk:
        boss.login("admin", ADMIN_PASSWORD)
        c = boss
        if case.login == "clerk":
            clerk.login(name, STAFF_PASSWORD)
            c = clerk
        if case.op == "notice.read":
            sent = boss.result("notice.send", {"text": f"read me, {name}", "to": name})
            args = {"ids": [sent["id"]]}
        if case.op == "totp.confirm":
            secret = clerk.result("totp.enroll")["secret"]
            now = clerk.result("time")["epoch_ms"] / 1000
            args = {"code": totp.code_at(secret, now)}
        key = secrets.token_hex(16)
        first = c.result(case.op, {**args, "key": key})
        again = c.result(case.op, {**args, "key": key})
        assert again == first
        reliability.add("exactly-once", "store server writes sent twice with one key")
        assert reliability.exactly("exactly-once", case.rows(demo_db, name, first)) == 1
        # The same key for another action: refused, nothing done.
        reply = c.ask("notice.read", {"ids": [2 ** 40], "key": key})
        assert reply["error"]["code"] == "KEY_REUSED", reply
        assert case.rows(demo_db, name, first) == 1


def test_a_replayed_notice_is_pushed_once(server, demo_db, people):
    """The try that wrote pushes it; a replay pushes nothing (delivered_to 0) and gives
    the first try's id."""
    name = unique_username("heard")
    make_staff(demo_db, name, "clerk", 1)
    with server.client() as boss, server.client() as clerk:
        clerk.login(name, STAFF_PASSWORD)
        clerk.result("subscribe", {"topics": ["notice"]})
        boss.login("admin", ADMIN_PASSWORD)
        key = secrets.token_hex(16)
        args = {"text": f"once only, {name}", "to": name, "key": key}
        first = boss.result("notice.send", args)
        again = boss.result("notice.send", args)
        assert first["delivered_to"] == 1 and again == {"id": first["id"], "delivered_to": 0}
        assert clerk.next_event()["data"]["id"] == first["id"]
        assert clerk.result("ping") == {"pong": True} and clerk.events == []  # no second push


def test_no_password_goes_into_a_stored_key(server, demo_db, people):
    """What identifies a staff.add or a password reset leaves the password out (a digest
    of it would be a fast hash, kept a day), and no stored reply holds it."""
    name = unique_username("secret")
    password = "my-own-pass-77"
    with server.client() as boss:
        boss.login("admin", ADMIN_PASSWORD)
        added, reset = secrets.token_hex(16), secrets.token_hex(16)
        boss.result("staff.add", {"username": name, "password": password, "role": "clerk",
                                  "store_id": 1, "key": added})
        boss.result("staff.reset_password", {"username": name, "password": password + "8",
                                             "key": reset})
    rows = {r["request_key"]: r for r in admin_query(
        demo_db, "SELECT request_key, args_digest, reply FROM request_keys WHERE "
        "request_key IN (%s, %s)", (added, reset))}
    assert rows[added]["args_digest"] == args_digest(
        {"username": name, "role": "clerk", "store_id": 1, "full_name": ""})
    assert rows[reset]["args_digest"] == args_digest({"username": name})
    assert all(password not in r["reply"] for r in rows.values())


# --- the answer lost on the way back: a relay drops the link ------------------------------

class ReplyCutter:
    """A TCP relay between the terminal's client and the store server. Once armed for an
    op, it passes that request on, lets the server do it and answer, and drops both
    connections instead of passing the answer on (then it disarms: the client's reconnect
    goes through as usual)."""

    def __init__(self, port: int):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed: str | None = None
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, op: str) -> None:
        self.armed = op

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                terminal, _ = self.listener.accept()
            except OSError:
                return
            store = socket.create_connection(("127.0.0.1", self.target))
            watched: set[Any] = set()  # ids of the armed op's requests on this link
            threading.Thread(target=self._up, args=(terminal, store, watched),
                             daemon=True).start()
            threading.Thread(target=self._down, args=(store, terminal, watched),
                             daemon=True).start()

    def _up(self, terminal: socket.socket, store: socket.socket, watched: set[Any]) -> None:
        for line in terminal.makefile("rb"):
            if self.armed and self.armed.encode() in line:
                request = json.loads(line)
                if request.get("op") == self.armed:
                    watched.add(request.get("id"))
            try:
                store.sendall(line)
            except OSError:
                break
        _drop(terminal, store)

    def _down(self, store: socket.socket, terminal: socket.socket, watched: set[Any]) -> None:
        for line in store.makefile("rb"):
            if watched and json.loads(line).get("id") in watched:
                self.armed = None
                self.cuts += 1
                break  # the server has answered; the terminal never hears it
            try:
                terminal.sendall(line)
            except OSError:
                break
        _drop(terminal, store)


def _drop(*socks: socket.socket) -> None:
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # closed already
        s.close()


@pytest.fixture
def relay(server):
    cutter = ReplyCutter(server.port)
    yield cutter
    cutter.close()


class Link:
    """The client's link states as they change, to wait for the link to come back."""

    def __init__(self) -> None:
        self.states: list[LinkState] = []
        self.seen = 0
        self.changed = threading.Condition()

    def __call__(self, state: LinkState) -> None:
        with self.changed:
            self.states.append(state)
            self.changed.notify_all()

    def back(self) -> bool:
        """Wait until the link went down (since the last call) and is connected again."""
        with self.changed:
            ok = self.changed.wait_for(lambda: LinkState.DOWN in self.states[self.seen:]
                                       and self.states[-1] is LinkState.CONNECTED, 10)
            self.seen = len(self.states)
        return ok


@pytest.fixture
def terminal_client(relay):
    link = Link()
    client = StoreClient("127.0.0.1", relay.port, timeout_s=10, on_state=link)
    client.link = link  # type: ignore[attr-defined]
    client.start()
    assert client.wait_connected(10)
    client.login("admin", ADMIN_PASSWORD, "till-9")
    yield client
    client.close()


def test_an_account_whose_answer_was_lost_is_added_once(terminal_client, relay, demo_db,
                                                       people, reliability):
    name = unique_username("lost")
    args = {"username": name, "password": "long-enough-1", "role": "clerk", "store_id": 1}
    key = RequestKey()
    relay.arm("staff.add")
    with pytest.raises(ServerUnavailable):
        terminal_client.request("staff.add", args, key=key)
    assert relay.cuts == 1 and key.tried
    reliability.add("exactly-once", "store server answers cut")
    assert terminal_client.link.back()  # reconnected, the session resumed
    added = terminal_client.request("staff.add", args, key=key)
    rows = admin_query(demo_db, "SELECT id FROM staff WHERE username = %s", (name,))
    reliability.exactly("exactly-once", len(rows))
    assert rows == [{"id": added["id"]}]  # one account, and it is the one the reply names
    audit = admin_query(demo_db, "SELECT COUNT(*) AS n FROM audit_log WHERE action = "
                        "'staff.add' AND row_id = %s", (added["id"],))
    assert audit == [{"n": 1}]
    # What the key spares the clerk: a retry as a new action is refused as taken — by itself.
    with pytest.raises(ValidationError, match="taken"):
        terminal_client.request("staff.add", args, key=RequestKey())


class Till:
    """The Admin screen's terminal: the real client, a clerk's answers in order. At a
    'Try ... again?' question the clerk has read the error: the link is back by then."""

    def __init__(self, client: StoreClient, answers: list[str], link_back: bool = True):
        self.services = SimpleNamespace(client=client)
        self.answers, self.said = list(answers), []
        self.link_back = link_back

    def say(self, text: str) -> None:
        self.said.append(text)

    def prompt(self, message: str, **_: Any) -> str:
        if "again?" in message:
            self.said.append(message)
            assert not self.link_back or self.services.client.link.back()
        return self.answers.pop(0)

    def timezone(self) -> str:
        return "UTC"


def test_a_notice_whose_answer_was_lost_is_sent_once(terminal_client, relay, demo_db,
                                                    people, reliability):
    text = f"Stock count at six ({unique_username('n')})"
    till = Till(terminal_client, [text, "", "y"])
    relay.arm("notice.send")
    admin.send_notice(till)
    assert relay.cuts == 1 and till.answers == []
    reliability.add("exactly-once", "store server answers cut")
    assert "Try the notice again? It will not be done twice. (y/n) " in till.said
    assert till.said[-1].startswith("Notice sent to everyone at store 1")
    sent = admin_query(demo_db, "SELECT COUNT(*) AS n FROM messages WHERE body = %s", (text,))
    assert reliability.exactly("exactly-once", sent[0]["n"]) == 1


def test_a_notice_that_never_left_says_nothing_was_sent(terminal_client, demo_db, people):
    text = f"Never sent ({unique_username('n')})"
    terminal_client.close()  # the link is down: the request never leaves the terminal
    till = Till(terminal_client, [text, "", "n"], link_back=False)
    admin.send_notice(till)
    assert till.said[-1] == "Nothing sent."
    assert admin_query(demo_db, "SELECT COUNT(*) AS n FROM messages WHERE body = %s",
                       (text,)) == [{"n": 0}]
