"""Live events and notices through the real server."""
import threading

import pytest

from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username
from tests.helpers import start_server

TOPICS = ["inventory", "notice"]  # not "staff": every login in the store would show there


def subscribed(server, username, password=STAFF_PASSWORD, terminal="till", receive_buffer=None,
               topics=TOPICS):
    c = server.client(receive_buffer)
    c.login(username, password, terminal)
    c.result("subscribe", {"topics": topics})
    return c


def test_events_reach_the_other_terminals_of_the_same_store_only(server, people):
    a = subscribed(server, "clk1", terminal="till-1")
    b = subscribed(server, "mgr1", terminal="till-2")
    c = subscribed(server, "clk2")
    d = subscribed(server, "mgr2")
    try:
        sent = a.result("publish", {"topic": "inventory", "event": "copy.hired",
                                    "data": {"copy_id": 4411}})
        assert sent == {"delivered": 1}  # b only: not a itself, not store 2
        assert b.next_event() == {"event": "copy.hired", "data": {
            "copy_id": 4411, "by": {"username": "clk1", "terminal": "till-1"}}}
        d.result("publish", {"topic": "inventory", "event": "copy.returned", "data": {"copy_id": 9}})
        assert c.next_event()["event"] == "copy.returned"  # store 2 never saw copy.hired
        b.result("publish", {"topic": "inventory", "event": "copy.returned", "data": {"copy_id": 1}})
        assert a.next_event()["data"]["by"]["username"] == "mgr1"  # a never saw its own event
    finally:
        for x in (a, b, c, d):
            x.close()


def test_bad_subscriptions_and_publications_are_bad_requests(server, people):
    with server.client() as c:
        c.login("clk1", STAFF_PASSWORD)
        for args in ({}, {"topics": []}, {"topics": ["gossip"]}, {"topics": "inventory"}):
            assert c.error("subscribe", args) == "BAD_REQUEST", args
        for args in ({"topic": "staff", "event": "x.y"}, {"topic": "inventory", "event": "Hired!"},
                     {"topic": "inventory", "event": "copy.hired", "data": [1]},
                     {"topic": "inventory", "event": "copy.hired", "data": {"x": "y" * 5000}}):
            assert c.error("publish", args) == "BAD_REQUEST", args


def test_a_slow_subscriber_never_slows_the_others(demo_db, people, tmp_path):
    srv = start_server(tmp_path, demo_db.db.name, env={
        "VIDEOSTORE_SERVER_REQUESTS_PER_S": "100000", "VIDEOSTORE_SERVER_REQUEST_BURST": "100000"})
    count, payload = 3000, "x" * 3800
    try:
        slow = subscribed(srv, "clk1", receive_buffer=8192)  # then reads nothing for a while
        fast = subscribed(srv, "mgr1")
        publisher = srv.client()
        publisher.login("admin", ADMIN_PASSWORD)
        received: list[int] = []

        def read_fast():
            for _ in range(count):
                received.append(fast.next_event()["data"]["n"])
        reader = threading.Thread(target=read_fast)
        reader.start()
        for n in range(count):
            assert publisher.result("publish", {"topic": "inventory", "event": "copy.hired",
                                                "data": {"n": n, "pad": payload}})["delivered"] == 2
        reader.join(60)
        assert received == list(range(count))  # the fast one got every event, in order
        dropped = publisher.result("status")["events_dropped"]
        assert dropped > 0  # the slow one's queue overflowed ...
        seen = []  # ... and when it reads again, it is told so where the gap is
        while (event := slow.next_event())["event"] != "lagged":
            seen.append(event["data"]["n"])
            assert len(seen) < count, "no lagged marker before the events ran out"
        after = slow.next_event()["data"]["n"]
        assert seen == list(range(len(seen)))  # what came before the gap came whole, in order
        assert after - seen[-1] - 1 == event["data"]["dropped"]  # the gap is what it says
        for x in (slow, fast, publisher):
            x.close()
    finally:
        srv.stop()


def test_notices_go_live_to_the_store_and_wait_unread_for_the_others(server, demo_db, people):
    later = unique_username("later")
    make_staff(demo_db, later, "clerk", 1)
    here, other_store = subscribed(server, "clk1"), subscribed(server, "clk2")
    try:
        with server.client() as mgr:
            mgr.login("mgr1", STAFF_PASSWORD)
            sent = mgr.result("notice.send", {"text": "  New releases are in at 10:00  "})
            assert sent["delivered_to"] >= 1
            assert mgr.error("notice.send", {"text": "hello", "store_id": 2}) == "FORBIDDEN"
            assert mgr.error("notice.send", {"text": "hello", "to": "clk2"}) == "FORBIDDEN"
            assert mgr.error("notice.send", {"text": "   "}) == "VALIDATION"
            assert mgr.error("notice.send", {"text": "bell\x07"}) == "VALIDATION"
        live = here.next_event()
        assert live["event"] == "notice"
        assert (live["data"]["from"], live["data"]["text"]) == ("mgr1", "New releases are in at 10:00")
        with server.client() as admin:
            admin.login("admin", ADMIN_PASSWORD)
            admin.result("notice.send", {"text": "store 2 only", "store_id": 2})
        assert other_store.next_event()["data"]["text"] == "store 2 only"
        with server.client() as late:
            late.login(later, STAFF_PASSWORD)
            unread = late.result("notice.unread")["notices"]
            mine = [n for n in unread if n["id"] == sent["id"]]
            assert mine and mine[0]["text"] == "New releases are in at 10:00"
            assert all(n["text"] != "store 2 only" for n in unread)
            assert late.result("notice.read", {"ids": [n["id"] for n in unread]})["marked"] == len(unread)
            assert late.result("notice.unread")["notices"] == []
            assert late.error("notice.read", {"ids": ["1"]}) == "BAD_REQUEST"
    finally:
        here.close()
        other_store.close()


def test_a_notice_to_one_person_reaches_only_them(server, demo_db, people):
    one, other = unique_username("one"), unique_username("other")
    make_staff(demo_db, one, "clerk", 1)
    make_staff(demo_db, other, "clerk", 1)
    a, b = subscribed(server, one), subscribed(server, other)
    try:
        with server.client() as mgr:
            mgr.login("mgr1", STAFF_PASSWORD)
            assert mgr.result("notice.send", {"text": "see me", "to": one})["delivered_to"] == 1
            mgr.result("notice.send", {"text": "everyone", "store_id": 1})
        assert a.next_event()["data"]["text"] == "see me"
        assert a.next_event()["data"]["text"] == "everyone"
        assert b.next_event()["data"]["text"] == "everyone"  # never "see me"
        with server.client() as again:
            again.login(other, STAFF_PASSWORD)
            assert "see me" not in [n["text"] for n in again.result("notice.unread")["notices"]]
    finally:
        a.close()
        b.close()


def test_a_terminal_is_told_at_once_when_its_session_is_ended(server, people):
    c = subscribed(server, "clk1", terminal="till-6")
    try:
        with server.client() as admin:
            admin.login("admin", ADMIN_PASSWORD)
            session_id = c.result("whoami")["session_id"]
            admin.result("session.end", {"session_id": session_id})
        assert c.next_event() == {"event": "session.ended", "data": {"reason": "ended_by_admin"}}
    finally:
        c.close()


def test_an_event_published_without_a_name_takes_it_from_its_data(server, people):
    a = subscribed(server, "clk1")
    b = subscribed(server, "mgr1")
    try:
        a.result("publish", {"topic": "inventory", "data": {"event": "hold.ready", "hold_id": 3}})
        assert b.next_event()["event"] == "hold.ready"
        a.result("publish", {"topic": "inventory", "data": {"copy_id": 8}})
        assert b.next_event() == {"event": "inventory.changed", "data": {
            "copy_id": 8, "by": {"username": "clk1", "terminal": "till"}}}
    finally:
        a.close()
        b.close()


def test_a_manager_may_publish_a_notice_and_it_is_stored_but_a_clerk_may_not(server, people):
    clerk = subscribed(server, "clk1")
    manager = subscribed(server, "mgr1")
    try:
        assert clerk.error("publish", {"topic": "notice", "data": {"text": "x"}}) == "FORBIDDEN"
        sent = manager.result("publish", {"topic": "notice",
                                          "data": {"text": "Stock count at six"}})
        assert sent["delivered"] == 1  # the clerk: never back to the manager who sent it
        assert clerk.next_event()["data"]["text"] == "Stock count at six"
        unread = [n["text"] for n in clerk.result("notice.unread")["notices"]]
        assert "Stock count at six" in unread  # stored, like notice.send
        assert clerk.error("publish", {"topic": "staff", "data": {}}) == "BAD_REQUEST"
    finally:
        clerk.close()
        manager.close()


def test_the_staff_topic_says_who_logs_in_and_out_at_which_till_of_the_store(server, people):
    here = subscribed(server, "mgr1", topics=["staff"])
    there = subscribed(server, "mgr2", topics=["staff"])
    try:
        with server.client() as c:
            c.login("clk1", STAFF_PASSWORD, "till-8")
            came = here.next_event()
            assert came["event"] == "staff.login"
            assert came["data"]["username"] == "clk1" and came["data"]["terminal"] == "till-8"
            c.result("logout")
        went = here.next_event()
        assert went["event"] == "staff.logout" and went["data"]["reason"] == "logout"
        there.result("ping")  # the other store's manager heard of neither
        assert there.events == []
    finally:
        here.close()
        there.close()


@pytest.mark.parametrize("event", ["session.ended", "staff.login", "staff.logout", "lagged",
                                   "notice.sent", "clock.moved"])
def test_a_terminal_cannot_publish_what_only_the_server_says(server, people, event):
    a = subscribed(server, "clk1")
    b = subscribed(server, "mgr1")
    try:
        assert a.error("publish", {"topic": "inventory", "event": event,
                                   "data": {"reason": "ended_by_admin"}}) == "BAD_REQUEST"
        assert a.error("publish", {"topic": "inventory",
                                   "data": {"event": event}}) == "BAD_REQUEST"
        assert b.result("whoami")["user"]["username"] == "mgr1"  # still logged in ...
        assert b.events == []  # ... and told nothing
    finally:
        a.close()
        b.close()
