"""The Videos manager on the real MariaDB, with real logged-in counters on a real store
server: titles added, edited and found; copies added, numbered, marked and located.

Every test makes its own titles (a made-up word in each name, so a search finds only
them) in the shared demo database, and never touches the demo's own rows.
"""
import json
import random
import string
import threading
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from db.database import Database
from store import codes
from store.errors import Locked, NotFound, Refused, Unauthenticated, ValidationError
from store.videos import Videos
from tests.conftest import STAFF_PASSWORD
from tests.helpers import counter_for


def new_word() -> str:
    """A word no other title has: what the tests search for."""
    return "Zq" + "".join(random.choices(string.ascii_lowercase, k=8))


def title_values(name: str, **changes):
    return {"title": name, "release_year": "1999", "rating": "PG-13", "genre": "Comedy",
            "length_min": "95", "rental_rate": "2.99", "rental_days": "3",
            "replacement_cost": "19.99", "description": "A test title", **changes}


@pytest.fixture
def app_db(demo_db):
    db = Database.for_app(demo_db.db)
    yield db
    db.close()


@pytest.fixture
def admin_db(demo_db):
    """The admin account: for rows the test sets up as another desk would leave them."""
    db = Database.for_app(demo_db.db, role="admin")
    yield db
    db.close()


@pytest.fixture
def videos_as(server, people, app_db):
    """videos_as("clk1"): the Videos manager of a terminal logged in as that user."""
    with ExitStack() as stack:
        def open_as(username, terminal="till-1"):
            counter = stack.enter_context(counter_for(server, username, people[username],
                                                      terminal))
            return Videos(app_db, counter)
        yield open_as


def audit_rows(admin_db, table, row_id, action):
    with admin_db.transaction() as tx:
        rows = tx.all("SELECT staff_id, store_id, action, old_values, new_values, reason "
                      "FROM audit_log WHERE table_name = %s AND row_id = %s AND action = %s "
                      "ORDER BY id", (table, row_id, action))
    for row in rows:
        for key in ("old_values", "new_values"):
            row[key] = json.loads(row[key]) if row[key] else None
    return rows


def staff_id(admin_db, username):
    with admin_db.transaction() as tx:
        return tx.scalar("SELECT id FROM staff WHERE username = %s", (username,))


def test_a_clerk_adds_a_title_and_finds_it_by_a_word_or_by_its_first_letters(
        videos_as, admin_db):
    clerk = videos_as("clk1")
    word = new_word()
    added = clerk.add_title(**title_values(f"The {word} Voyage"))
    assert (added.title, added.release_year, added.rating, added.genre, added.length_min,
            added.rental_rate, added.rental_days, added.replacement_cost) == (
        f"The {word} Voyage", 1999, "PG-13", "Comedy", 95, Decimal("2.99"), 3,
        Decimal("19.99"))
    [audit] = audit_rows(admin_db, "titles", added.id, "title.add")
    assert audit["staff_id"] == staff_id(admin_db, "clk1") and audit["store_id"] == 1
    assert audit["old_values"] is None and audit["new_values"]["rental_rate"] == "2.99"

    def found(text, **filters):
        return [h.title.id for h in clerk.find_titles(text, limit=100, **filters)]

    assert found(word[:5].lower()) == [added.id]            # a word's first letters
    assert found(f"voyage {word.upper()}") == [added.id]    # words in any order and case
    assert found(f"the {word} voyage") == [added.id]        # "the": a stopword, still checked
    assert added.id in found(f"The {word[:3]}")             # no word the index holds: prefix
    assert found(word, genre="comedy", rating="pg13") == [added.id]
    assert found(word, genre="Drama") == [] and found(word, rating="R") == []


def test_a_title_already_in_the_catalogue_is_refused_naming_it(videos_as):
    clerk = videos_as("clk1")
    first = clerk.add_title(**title_values(f"{new_word()} Returns"))
    with pytest.raises(Refused) as e:
        clerk.add_title(**title_values(first.title.upper()))
    assert f"is already in the catalogue as title {first.id}" in e.value.message
    assert clerk.add_title(**title_values(first.title, release_year="2001")).id != first.id


def test_a_bad_field_is_refused_before_anything_is_written(videos_as):
    clerk = videos_as("clk1")
    word = new_word()
    with pytest.raises(ValidationError, match="from 1888 to"):
        clerk.add_title(**title_values(word, release_year="1887"))
    assert clerk.find_titles(word) == []


def test_editing_a_title_writes_what_changed_old_and_new_under_its_lock(videos_as, admin_db):
    clerk, manager = videos_as("clk1"), videos_as("mgr1", "till-2")
    title = clerk.add_title(**title_values(f"{new_word()} Express"))
    edit = clerk.edit_title(title.id, rental_rate="3.49", genre="Drama")
    assert edit.before == {"genre": "Comedy", "rental_rate": Decimal("2.99")}
    assert edit.after == {"genre": "Drama", "rental_rate": Decimal("3.49")}
    assert (edit.title.genre, edit.title.rental_rate) == ("Drama", Decimal("3.49"))
    [audit] = audit_rows(admin_db, "titles", title.id, "title.edit")
    assert audit["old_values"] == {"genre": "Comedy", "rental_rate": "2.99"}
    assert audit["new_values"] == {"genre": "Drama", "rental_rate": "3.49"}

    assert clerk.edit_title(title.id, genre="drama ").after == {"genre": "drama"}
    assert clerk.edit_title(title.id, genre="drama").after == {}  # nothing: nothing written
    assert len(audit_rows(admin_db, "titles", title.id, "title.edit")) == 2

    with pytest.raises(ValidationError, match="rental days"):
        clerk.edit_title(title.id, rental_days="0")
    with manager.counter.holding(title.resource):  # the manager is working on it
        with pytest.raises(Locked, match="in use by mgr1 at till-2"):
            clerk.edit_title(title.id, rental_rate="0.99")
    assert clerk.title(title.id).rental_rate == Decimal("3.49")
    with pytest.raises(NotFound, match="no title number 999999"):
        clerk.edit_title(999999, genre="Drama")


def test_copies_are_numbered_on_with_valid_unique_barcodes_at_each_clerks_store(
        videos_as, admin_db):
    clerk, other_store = videos_as("clk1"), videos_as("clk2", "till-9")
    title = clerk.add_title(**title_values(f"{new_word()} Harbour"))
    first = clerk.add_copies(title.id, 3, "dvd")
    assert (first.format, first.store_name) == ("DVD", "Test Store")
    assert [c["copy_number"] for c in first.copies] == [1, 2, 3]
    second = other_store.add_copies(title.id, "2", "Blu-ray")
    assert [c["copy_number"] for c in second.copies] == [4, 5]
    assert second.store_name == "Second Street"

    copies = clerk.copies_of(title.id)
    assert [(c.copy_number, c.format, c.store_name, c.status) for c in copies] == [
        (1, "DVD", "Test Store", "available"), (2, "DVD", "Test Store", "available"),
        (3, "DVD", "Test Store", "available"), (4, "Blu-ray", "Second Street", "available"),
        (5, "Blu-ray", "Second Street", "available")]
    barcodes = [c.barcode for c in copies]
    assert barcodes == [codes.copy_barcode(title.id, n) for n in range(1, 6)]
    assert all(codes.is_valid(b) and len(b) == 11 for b in barcodes)
    assert clerk.find_copy(barcodes[3]).id == copies[3].id  # each scans back to its copy
    audits = [audit_rows(admin_db, "copies", c.id, "copy.add") for c in copies]
    assert [a[0]["new_values"]["copy_number"] for a in audits] == [1, 2, 3, 4, 5]
    assert audits[4][0]["store_id"] == 2 and audits[4][0]["old_values"] is None


def test_found_titles_show_copies_here_and_in_all_stores_by_format_and_availability(
        videos_as, admin_db):
    clerk, other_store = videos_as("clk1"), videos_as("clk2", "till-9")
    word = new_word()
    title = clerk.add_title(**title_values(f"{word} Lighthouse"))
    dvds = clerk.add_copies(title.id, 3, "DVD").copies
    other_store.add_copies(title.id, 2, "Blu-ray")
    clerk.mark_copy(dvds[0]["id"], "damaged", "scratched")
    clerk.mark_copy(dvds[1]["id"], "retired", "worn out")  # no longer counted at all

    [hit] = clerk.find_titles(word)
    assert (hit.available_here, hit.copies_here, hit.copies_total) == (1, 2, 4)
    [hit] = clerk.find_titles(word, format="blu-ray")
    assert (hit.available_here, hit.copies_here, hit.copies_total) == (0, 0, 2)
    assert clerk.find_titles(word, format="VHS") == []
    assert [h.title.id for h in clerk.find_titles(word, available_at_store=1)] == [title.id]
    assert clerk.find_titles(word, available_at_store=2, format="DVD") == []
    [there] = other_store.find_titles(word)  # counted at the clerk's own store
    assert (there.available_here, there.copies_here) == (2, 2)
    clerk.mark_copy(dvds[2]["id"], "lost", "never came back from the van")
    assert clerk.find_titles(word, available_at_store=1) == []


def test_two_tills_adding_copies_at_once_never_share_a_number(videos_as):
    tills = [videos_as("clk1"), videos_as("mgr1", "till-2")]
    title = tills[0].add_title(**title_values(f"{new_word()} Crossing"))
    errors = []

    def add(videos):
        try:
            for _ in range(4):
                videos.add_copies(title.id, 5, "DVD")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=add, args=(v,)) for v in tills]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    copies = tills[0].copies_of(title.id)
    assert sorted(c.copy_number for c in copies) == list(range(1, 41))
    assert len({c.barcode for c in copies}) == 40


def test_copy_numbers_end_at_999_and_a_refused_add_adds_nothing(videos_as, admin_db):
    clerk = videos_as("clk1")
    title = clerk.add_title(**title_values(f"{new_word()} Archive"))
    with admin_db.transaction() as tx:  # a title with a long history of copies
        tx.execute("INSERT INTO copies (title_id, store_id, format, barcode, copy_number, "
                   "status, created_at, updated_at) VALUES (%s, 1, 'VHS', %s, 990, 'retired', "
                   "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
                   (title.id, codes.copy_barcode(title.id, 990)))
    with pytest.raises(Refused, match="numbered up to 990: at most 9 more can be added"):
        clerk.add_copies(title.id, 10, "DVD")
    assert len(clerk.copies_of(title.id)) == 1
    added = clerk.add_copies(title.id, 9, "DVD")
    assert [c["copy_number"] for c in added.copies] == list(range(991, 1000))
    with pytest.raises(Refused, match="no more can be added"):
        clerk.add_copies(title.id, 1, "DVD")


def test_marking_a_copy_is_audited_and_told_to_the_other_tills(videos_as, admin_db, server):
    clerk = videos_as("clk1")
    title = clerk.add_title(**title_values(f"{new_word()} Tower"))
    copy_id = clerk.add_copies(title.id, 1, "DVD").copies[0]["id"]
    with server.client() as other_till:
        other_till.login("mgr1", STAFF_PASSWORD, "till-5")
        other_till.result("subscribe", {"topics": ["inventory"]})
        marked = clerk.mark_copy(copy_id, "damaged", "  disc cracked ")
        assert marked.status == "damaged"
        event = other_till.next_event()
        while event["event"] != "copy.updated":
            event = other_till.next_event()
        assert event["data"]["copy_id"] == copy_id
        assert event["data"]["by"]["username"] == "clk1"
    [audit] = audit_rows(admin_db, "copies", copy_id, "copy.mark")
    assert (audit["old_values"], audit["new_values"], audit["reason"]) == (
        {"status": "available"}, {"status": "damaged"}, "disc cracked")
    assert audit["staff_id"] == staff_id(admin_db, "clk1")

    assert clerk.mark_copy(copy_id, "shelf", "repaired").status == "available"
    assert clerk.mark_copy(copy_id, "lost", "customer says it was stolen").status == "lost"
    with pytest.raises(Refused, match=f"Copy {copy_id} is lost, and a lost copy stays so"):
        clerk.mark_copy(copy_id, "available", "found it")
    with pytest.raises(ValidationError, match="Say why"):
        clerk.mark_copy(copy_id, "retired", "")
    assert len(audit_rows(admin_db, "copies", copy_id, "copy.mark")) == 3


def test_a_copy_open_at_another_till_or_of_another_store_is_not_marked(videos_as):
    clerk, manager = videos_as("clk1"), videos_as("mgr1", "till-2")
    other_store = videos_as("clk2", "till-9")
    title = clerk.add_title(**title_values(f"{new_word()} Bridge"))
    copy_id = clerk.add_copies(title.id, 1, "DVD").copies[0]["id"]
    with manager.counter.holding(f"copy:{copy_id}"):
        with pytest.raises(Locked, match="in use by mgr1 at till-2"):
            clerk.mark_copy(copy_id, "damaged", "scratched")
    with pytest.raises(Refused, match="belongs to Test Store \\(store 1\\): only its own"):
        other_store.mark_copy(copy_id, "damaged", "scratched")
    with pytest.raises(NotFound):
        clerk.mark_copy(999999, "damaged", "scratched")
    assert clerk.copy(copy_id).status == "available"


@pytest.fixture
def hire_and_hold(admin_db):
    """Put a copy on hire and another on the hold shelf as the hire desk would: rows
    written directly (that desk is built elsewhere). Undone afterwards."""
    made = []

    def make(hired_copy, held_copy, now):
        with admin_db.transaction() as tx:
            mary = tx.one("SELECT id, card_number FROM customers WHERE first_name = 'Mary' "
                          "AND last_name = 'Smith'")
            linda = tx.one("SELECT id FROM customers WHERE first_name = 'Linda' "
                           "AND last_name = 'Williams'")
            staff = tx.scalar("SELECT id FROM staff WHERE username = 'clk1'")
            hire = tx.insert(
                "INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, due_at, "
                "rate_charged) VALUES (%s, %s, 1, %s, %s, %s, 2.99)",
                (hired_copy, mary["id"], staff, now, now + timedelta(days=3)))
            hold = tx.insert(
                "INSERT INTO holds (customer_id, title_id, store_id, placed_by, placed_at, "
                "status, copy_id, ready_at) SELECT %s, title_id, 1, %s, %s, 'ready', id, %s "
                "FROM copies WHERE id = %s", (linda["id"], staff, now, now, held_copy))
            tx.execute("UPDATE copies SET status = 'hired' WHERE id = %s", (hired_copy,))
            tx.execute("UPDATE copies SET status = 'held' WHERE id = %s", (held_copy,))
        made.append((hire, hold))
        return mary["card_number"]
    yield make
    with admin_db.transaction() as tx:
        for hire, hold in made:
            tx.execute("DELETE FROM hires WHERE id = %s", (hire,))
            tx.execute("DELETE FROM holds WHERE id = %s", (hold,))


def test_a_hired_or_held_copy_is_refused_and_every_copy_says_where_it_is(
        videos_as, hire_and_hold, admin_db):
    clerk = videos_as("clk1")
    title = clerk.add_title(**title_values(f"{new_word()} Station"))
    ids = [c["id"] for c in clerk.add_copies(title.id, 4, "DVD").copies]
    now = datetime(2025, 3, 1, 18, 30, tzinfo=timezone.utc)
    card = hire_and_hold(ids[0], ids[1], now)
    clerk.mark_copy(ids[2], "damaged", "cracked case")

    with pytest.raises(Refused, match=f"Copy {ids[0]} is out on hire: it comes back through "
                                      f"a return"):
        clerk.mark_copy(ids[0], "lost", "cannot find it")
    with pytest.raises(Refused, match=f"Copy {ids[1]} is set aside for a customer's hold"):
        clerk.mark_copy(ids[1], "damaged", "scratched")
    assert audit_rows(admin_db, "copies", ids[0], "copy.mark") == []

    card_view = clerk.title_card(title.id)
    assert card_view.title.id == title.id
    hired, held, damaged, shelf = card_view.copies
    assert (hired.status, hired.hired_to) == ("hired", f"Mary Smith (card {card})")
    assert hired.due_at == now + timedelta(days=3)
    assert (held.status, held.held_for, held.held_for_phone) == (
        "held", "Linda Williams", "448477190408")
    assert (damaged.status, damaged.hired_to, damaged.held_for) == ("damaged", None, None)
    assert (shelf.status, shelf.store_name) == ("available", "Test Store")


def test_changes_need_a_login_but_finding_does_not(app_db, server):
    from store.client import StoreClient
    from store.counter import Counter
    from store.leases import LeaseKeeper
    client = StoreClient(server.host, server.port, timeout_s=5.0)
    client.start()
    try:
        assert client.wait_connected(10)
        videos = Videos(app_db, Counter(client, LeaseKeeper(client)))
        hits = videos.find_titles("dinosaur")
        assert [h.title.title for h in hits] == ["Academy Dinosaur"]
        assert hits[0].available_here is None and hits[0].copies_total >= 1
        with pytest.raises(Unauthenticated):
            videos.add_title(**title_values(new_word()))
    finally:
        client.close()
