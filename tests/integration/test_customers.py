"""Customers on the real MariaDB, through a real store server (clock, locks) and a
logged-in counter: register, find, view, edit, deactivate; duplicates refused naming the
customer who has the phone; a refused edit changes nothing; every find query uses an index."""
import random
import string
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from db import customers as customer_sql
from db.catalogue import insert_copies, insert_title
from db.database import ConnectParams, Database, connect
from store import codes
from store.customers import Customers
from store.errors import Locked, NotFound, Refused, Unauthenticated, ValidationError
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.helpers import counter_for, start_server

BORN = "1980-05-17"


def letters(n=8):
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


def new_phone():
    return "555" + "".join(random.choice(string.digits) for _ in range(8))


def details(first=None, last=None, phone="", **more):
    return {"first_name": first or "Ann", "last_name": last or "Test" + letters(),
            "phone": phone, "date_of_birth": BORN, **more}


@pytest.fixture(scope="module")
def demo_server(demo_db, people, tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("customers"), demo_db.db.name, "--test-clock")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def app_db(demo_db):
    db = Database.for_app(demo_db.db)
    yield db
    db.close()


@pytest.fixture(scope="module")
def customers(demo_server, app_db):
    with counter_for(demo_server, "clk1", STAFF_PASSWORD) as counter:
        yield Customers(app_db, counter)


@pytest.fixture
def admin_sql(demo_db):
    db = Database.for_app(demo_db.db, role="admin")

    def run(sql, params=()):
        with db.transaction() as tx:
            return tx.all(sql, params) if sql.lstrip().upper().startswith("SELECT") \
                else tx.execute(sql, params)
    yield run
    db.close()


def audit_rows(admin_sql, customer_id, action):
    return admin_sql("SELECT staff_id, store_id, old_values, new_values, reason FROM audit_log "
                     "WHERE table_name = 'customers' AND row_id = %s AND action = %s "
                     "ORDER BY id", (customer_id, action))


# --- register and find ------------------------------------------------------------------

def test_a_registered_customer_gets_a_card_of_their_own_at_the_clerks_store(customers,
                                                                           admin_sql):
    phone = new_phone()
    mary = customers.register(details("Mary", "Regtest" + letters(), f"{phone[:3]}-{phone[3:]}",
                                      email="Mary@Example.COM", city="  Sasebo "))
    assert mary.card_number == codes.card_number(mary.id) and codes.is_valid(mary.card_number)
    assert (mary.phone, mary.email, mary.city) == (phone, "Mary@example.com", "Sasebo")
    assert mary.store_id == 1 and mary.store_name == "Test Store" and mary.active
    [audit] = audit_rows(admin_sql, mary.id, "customer.register")
    assert audit["store_id"] == 1 and mary.card_number in audit["new_values"]


def test_a_customer_is_found_by_card_phone_email_and_the_start_of_either_name(customers):
    surname = "Findtest" + letters()
    phone = new_phone()
    zoe = customers.register(details("Zoëlle", surname, phone, email="zoe@example.org"))
    for text in (zoe.card_number, phone, f"+{phone[:3]} ({phone[3:6]}) {phone[6:]}",
                 "ZOE@example.org", surname[:9], surname.upper(), "zoël " + surname[:10],
                 surname + " zoë", f"{surname}, Zo"):
        assert zoe.id in [c.id for c in customers.find(text)], text


def test_surname_matches_come_first_in_name_order_then_given_names_and_the_limit_holds(
        customers):
    prefix = "Qx" + letters(5)
    for n in range(12):
        customers.register(details(f"Given{string.ascii_lowercase[11 - n]}",
                                   prefix + string.ascii_lowercase[n]))
    given = customers.register(details(prefix.lower() + "ina", "Brown"))
    found = customers.find(prefix, limit=10)
    assert [c.last_name for c in found] == [prefix + ch for ch in "abcdefghij"]
    everything = customers.find(prefix, limit=20)
    assert len(everything) == 13 and everything[-1].id == given.id


def test_a_full_name_narrows_to_given_name_and_surname(customers):
    surname = "Pair" + letters()
    anna = customers.register(details("Anna", surname))
    customers.register(details("Bert", surname))
    assert [c.id for c in customers.find(f"ann {surname[:6]}")] == [anna.id]


def test_a_search_for_nobody_finds_nothing_and_like_wildcards_are_literal(customers):
    assert customers.find("Nobodyhere" + letters()) == []
    assert customers.find("%") == [] and customers.find("_") == []


def test_finding_customers_needs_a_login(demo_server, app_db):
    from store.client import StoreClient
    from store.counter import Counter
    from store.leases import LeaseKeeper
    client = StoreClient(demo_server.host, demo_server.port)
    try:
        with pytest.raises(Unauthenticated):
            Customers(app_db, Counter(client, LeaseKeeper(client))).find("smith")
    finally:
        client.close()


# --- duplicates -------------------------------------------------------------------------

def test_a_phone_someone_has_is_refused_naming_them(customers):
    phone = new_phone()
    mary = customers.register(details("Mary", "Duptest" + letters(), phone))
    typed = f"{phone[:3]}-{phone[3:]}"
    surname = "Second" + letters()
    with pytest.raises(Refused) as e:
        customers.register(details("Sam", surname, typed))
    assert e.value.message == (f"phone {typed} is already Mary {mary.last_name}'s, "
                               f"card {mary.card_number}")
    assert customers.find(surname) == []  # nothing saved


def test_a_phone_saved_at_another_till_meanwhile_is_refused_by_the_key_naming_them(
        customers, demo_db):
    """The other till's row is not committed when our check runs, so only the unique key
    catches it: our INSERT (its check passed) waits on that row, then the key refuses it."""
    phone = new_phone()
    other = connect(ConnectParams.from_settings(demo_db.db, "admin"))
    root = connect(ConnectParams.from_settings(demo_db.db, "root"), autocommit=True)
    outcome = {}
    try:
        cur = other.cursor()
        cur.execute("INSERT INTO customers (store_id, card_number, first_name, last_name, "
                    "phone, created_at, updated_at) VALUES (1, %s, 'Rita', 'Racer', %s, "
                    "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", ("race-" + letters(), phone))

        def register():
            try:
                customers.register(details("Sam", "Late" + letters(), phone))
            except Refused as e:
                outcome["refused"] = e
        worker = threading.Thread(target=register)
        worker.start()
        watch = root.cursor()
        deadline = time.monotonic() + 20
        while True:  # until our INSERT runs: its check is done, and saw no Rita
            watch.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s "
                          "AND INFO LIKE 'INSERT INTO customers%%'", (demo_db.db.name,))
            if watch.fetchone()[0]:
                break
            assert time.monotonic() < deadline, "the register never reached its INSERT"
            time.sleep(0.01)
        other.commit()
        cur.execute("SELECT card_number FROM customers WHERE phone = %s", (phone,))
        card = cur.fetchone()[0]
        worker.join(20)
    finally:
        other.close()
        root.close()
    assert outcome["refused"].message == f"phone {phone} is already Rita Racer's, card {card}"


# --- view -----------------------------------------------------------------------------------

def test_a_new_customer_is_viewed_with_nothing_out_and_nothing_owed(customers):
    kim = customers.register(details("Kim", "View" + letters()))
    view = customers.view(kim.id)
    assert view.customer == kim and view.balance == Decimal("0.00")
    assert view.open_hires == [] and view.recent_hires == [] and view.holds == []
    assert view.as_of is not None
    with pytest.raises(NotFound):
        customers.view(999_999_999)


def test_the_view_shows_copies_out_with_due_dates_history_holds_and_balance(fresh_db, tmp_path):
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    admin = Database.for_app(fresh_db.db, role="admin")
    app = Database.for_app(fresh_db.db)
    srv = start_server(tmp_path, fresh_db.db.name, "--test-clock")
    try:
        with counter_for(srv, "admin", ADMIN_PASSWORD) as counter:
            manager = Customers(app, counter)
            pat = manager.register(details("Pat", "Hirer"))
            with admin.transaction() as tx:
                title = insert_title(tx, "Academy Dinosaur", 2006, "PG", "Documentary", 86,
                                     Decimal("2.99"), 3, Decimal("20.99"), "", now)
                other = insert_title(tx, "Zorro Ark", 2006, "G", "Comedy", 50,
                                     Decimal("0.99"), 3, Decimal("9.99"), "", now)
                insert_copies(tx, [(title, 1, "DVD", codes.copy_barcode(title, n), n, now)
                                   for n in (1, 2)])
                copy1, copy2 = [r["id"] for r in tx.all("SELECT id FROM copies ORDER BY id")]
                hire = ("INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, "
                        "due_at, returned_at, rate_charged) VALUES (%s, %s, 1, 1, %s, %s, %s, "
                        "2.99)")
                tx.execute(hire, (copy1, pat.id, now - timedelta(days=5),
                                  now - timedelta(days=2), None))            # overdue
                tx.execute(hire, (copy2, pat.id, now - timedelta(days=20),
                                  now - timedelta(days=17), now - timedelta(days=18)))
                tx.execute("INSERT INTO charges (customer_id, store_id, staff_id, kind, amount, "
                           "created_at) VALUES (%s, 1, 1, 'rental', 5.98, %s)", (pat.id, now))
                tx.execute("INSERT INTO payments (customer_id, store_id, staff_id, kind, amount, "
                           "paid_at) VALUES (%s, 1, 1, 'rental', 2.99, %s)", (pat.id, now))
                tx.execute("INSERT INTO holds (customer_id, title_id, store_id, placed_by, "
                           "placed_at) VALUES (%s, %s, 1, 1, %s)", (pat.id, other, now))
            view = manager.view(pat.id)
    finally:
        srv.stop()
        admin.close()
        app.close()
    assert view.balance == Decimal("2.99")
    [out] = view.open_hires
    assert (out.title, out.copy_id, out.due_at) == (
        "Academy Dinosaur", copy1, (now - timedelta(days=2)).replace(tzinfo=timezone.utc))
    assert out.overdue(view.as_of)
    [back] = view.recent_hires
    assert back.copy_id == copy2 and back.returned_at is not None
    [hold] = view.holds
    assert (hold.title, hold.status, hold.store_name) == ("Zorro Ark", "waiting", "Test Store")
    assert view.hires_ever == 2


# --- edit -----------------------------------------------------------------------------------

def test_an_edit_changes_what_was_typed_and_audits_old_and_new(customers, admin_sql):
    old_phone, new = new_phone(), new_phone()
    lee = customers.register(details("Lee", "Edit" + letters(), old_phone))
    edited = customers.edit(lee.id, {"phone": f"({new[:3]}) {new[3:]}", "first_name": "Lee",
                                     "city": "Hamilton"})
    assert (edited.phone, edited.city, edited.first_name) == (new, "Hamilton", "Lee")
    assert customers.get(lee.id) == edited
    assert [c.id for c in customers.find(new)] == [lee.id] and customers.find(old_phone) == []
    [audit] = audit_rows(admin_sql, lee.id, "customer.edit")
    assert old_phone in audit["old_values"] and new in audit["new_values"]
    assert "first_name" not in audit["new_values"]  # unchanged: not audited


def test_an_edit_that_changes_nothing_writes_no_audit(customers, admin_sql):
    lou = customers.register(details("Lou", "Same" + letters()))
    assert customers.edit(lou.id, {"first_name": " Lou "}) == lou
    assert audit_rows(admin_sql, lou.id, "customer.edit") == []


def test_a_refused_edit_changes_nothing(customers, admin_sql):
    taken = new_phone()
    owner = customers.register(details("Olga", "Owner" + letters(), taken))
    max_ = customers.register(details("Max", "Before" + letters()))
    with pytest.raises(Refused) as e:
        customers.edit(max_.id, {"last_name": "After", "phone": taken})
    assert f"is already Olga {owner.last_name}'s, card {owner.card_number}" in e.value.message
    with pytest.raises(ValidationError):
        customers.edit(max_.id, {"last_name": "After", "email": "max@nowhere"})
    with pytest.raises(ValidationError):
        customers.edit(max_.id, {"last_name": "After", "date_of_birth": "2999-01-01"})
    assert customers.get(max_.id) == max_
    assert audit_rows(admin_sql, max_.id, "customer.edit") == []


def test_an_edit_waits_for_no_one_while_another_till_has_the_customer(customers, demo_server):
    ray = customers.register(details("Ray", "Locked" + letters()))
    with counter_for(demo_server, "mgr1", STAFF_PASSWORD, terminal="till-9") as other:
        with other.holding(ray.resource):
            with pytest.raises(Locked) as e:
                customers.edit(ray.id, {"last_name": "Changed"})
    assert e.value.details["username"] == "mgr1" and e.value.details["terminal"] == "till-9"
    assert customers.get(ray.id).last_name == ray.last_name


# --- deactivate -----------------------------------------------------------------------------

def test_a_deactivated_customer_stays_findable_and_viewable_marked_inactive(customers,
                                                                           admin_sql):
    dee = customers.register(details("Dee", "Gone" + letters()))
    assert not customers.deactivate(dee.id, reason="moved away").active
    [found] = customers.find(dee.card_number)
    assert found.id == dee.id and not found.active
    assert not customers.view(dee.id).customer.active
    [audit] = audit_rows(admin_sql, dee.id, "customer.deactivate")
    assert audit["reason"] == "moved away"
    with pytest.raises(Refused) as e:
        customers.deactivate(dee.id)
    assert e.value.message == f"Dee {dee.last_name} is already inactive; nothing changed."
    assert customers.reactivate(dee.id).active
    assert len(audit_rows(admin_sql, dee.id, "customer.reactivate")) == 1


# --- every find uses an index ---------------------------------------------------------------

SHAPES = {
    "card": (customer_sql.BY_CARD, (codes.card_number(1234),), {"uq_customers_card"}),
    "phone": (customer_sql.BY_PHONE, ("5550001234",), {"uq_customers_phone"}),
    "email": (customer_sql.BY_EMAIL, ("c1234@example.com", 10), {"ix_customers_email"}),
    "surname": (customer_sql.BY_SURNAME_PREFIX, ("Sm%", 10), {"ix_customers_last_first"}),
    "given": (customer_sql.BY_GIVEN_PREFIX, ("Ma%", 10), {"ix_customers_first_last"}),
    "full name": (customer_sql.BY_FULL_NAME_PREFIX, ("S%", "M%", 10),
                  {"ix_customers_last_first", "ix_customers_first_last"}),
    "one letter": (customer_sql.BY_SURNAME_PREFIX, ("S%", 10), {"ix_customers_last_first"}),
}


@pytest.fixture(scope="module")
def many_customers(private_mariadb):
    """A store database with 30,000 customers of common names, its statistics fresh."""
    from db.create import drop_database
    from tests.conftest import create_test_db, new_db_name
    settings, _ = create_test_db(new_db_name("many"))
    rng = random.Random(7)
    firsts = ["Mary", "Maria", "Mark", "Anna", "John", "Sam", "Lee", "Sue", "Tom", "Ann"] * 3
    lasts = ["Smith", "Smart", "Jones", "Brown", "Miller", "Moore", "Stone", "Shaw"] * 4
    now = datetime.now(timezone.utc)
    db = Database.for_app(settings.db, role="admin")
    with db.transaction() as tx:
        rows = [(1, codes.card_number(i), rng.choice(firsts) + letters(3),
                 rng.choice(lasts) + letters(3), f"555{i:07d}", f"c{i}@example.com", now, now)
                for i in range(1, 30_001)]
        tx.many("INSERT INTO customers (store_id, card_number, first_name, last_name, phone, "
                "email, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
    with db.transaction() as tx:
        tx.all("ANALYZE TABLE customers")
    yield Database.for_app(settings.db)
    db.close()
    drop_database(settings)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_find_query_uses_an_index_never_a_full_scan(many_customers, shape):
    query, params, keys = SHAPES[shape]
    with many_customers.transaction() as tx:
        plan = tx.all("EXPLAIN " + query, params)
    [row] = [r for r in plan if r["table"] == "c"]
    assert row["type"] != "ALL" and row["key"] in keys, plan
    assert "filesort" not in row["Extra"], plan  # index order: the LIMIT ends the scan
    assert all(r["type"] in ("const", "eq_ref") for r in plan if r["table"] == "s"), plan


@pytest.mark.parametrize("shape", ["surname", "given", "one letter"])
def test_a_prefix_half_the_customers_share_reads_only_the_ten_rows_it_shows(many_customers,
                                                                           shape):
    query, params, _ = SHAPES[shape]
    with many_customers.transaction() as tx:
        plan = tx.all("ANALYZE " + query, params)  # MariaDB: runs it, counts rows read
    [row] = [r for r in plan if r["table"] == "c"]
    assert int(row["rows"]) > 5_000 and float(row["r_rows"]) == 10, plan
