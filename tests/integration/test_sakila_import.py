"""Sakila imported as the demo store: the numbers its README gives, found again."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from db.database import Database
from store.passwords import verify_password
from tests.conftest import SAKILA_DIR, run_main


@pytest.fixture(scope="module")
def db(sakila_db):
    database = Database.for_app(sakila_db.db)
    yield database
    database.close()


def scalar(db, sql, params=()):
    with db.transaction() as tx:
        return tx.scalar(sql, params)


def rows(db, sql, params=()):
    with db.transaction() as tx:
        return tx.all(sql, params)


def test_the_catalogue_and_members_are_sakilas(db):
    assert scalar(db, "SELECT COUNT(*) FROM titles") == 1000
    assert scalar(db, "SELECT COUNT(*) FROM copies") == 4581
    assert {r["store_id"]: r["n"] for r in rows(
        db, "SELECT store_id, COUNT(*) AS n FROM copies GROUP BY store_id")} == {1: 2270, 2: 2311}
    assert scalar(db, "SELECT COUNT(*) FROM titles t WHERE NOT EXISTS "
                      "(SELECT 1 FROM copies c WHERE c.title_id = t.id)") == 42
    assert scalar(db, "SELECT COUNT(*) FROM customers") == 599
    assert {r["store_id"]: r["n"] for r in rows(
        db, "SELECT store_id, COUNT(*) AS n FROM customers GROUP BY store_id")} == {1: 326, 2: 273}
    assert scalar(db, "SELECT COUNT(*) FROM customers WHERE active") == 584


def test_titles_keep_genre_rating_money_and_length(db):
    t = rows(db, "SELECT * FROM titles WHERE title = 'Academy Dinosaur'")[0]
    assert (t["genre"], t["rating"], t["rental_rate"], t["rental_days"], t["replacement_cost"],
            t["length_min"], t["release_year"]) == ("Documentary", "PG", Decimal("0.99"), 6,
                                                    Decimal("20.99"), 86, 2006)
    assert "Epic Drama of a Feminist" in t["description"]
    assert scalar(db, "SELECT COUNT(DISTINCT genre) FROM titles") == 16
    assert scalar(db, "SELECT MAX(CHAR_LENGTH(title)) FROM titles") == 27


def test_accents_survive_the_import(db):
    assert scalar(db, "SELECT COUNT(*) FROM customers WHERE city = 'A Coruña (La Coruña)'") == 1
    assert scalar(db, "SELECT COUNT(*) FROM customers WHERE country = 'Réunion'") == 1


def test_the_rental_history_is_hires_with_the_open_ones_still_out(db):
    assert scalar(db, "SELECT COUNT(*) FROM hires") == 16044
    assert scalar(db, "SELECT COUNT(*) FROM hires WHERE returned_at IS NULL") == 183
    assert scalar(db, "SELECT COUNT(*) FROM copies WHERE status = 'hired'") == 183
    assert scalar(db, "SELECT COUNT(*) FROM hires h JOIN copies c ON c.id = h.copy_id "
                      "WHERE h.returned_at IS NULL AND c.status <> 'hired'") == 0


def test_money_matches_sakilas_payments_and_every_balance_adds_up(db):
    # Sakila's 16044 payments total 67406.56; 24 of them are 0.00 and are left out.
    assert scalar(db, "SELECT COUNT(*) FROM payments") == 16020
    assert scalar(db, "SELECT SUM(amount) FROM payments") == Decimal("67406.56")
    # A returned rental's payment is its rate plus its late fee, so it owes nothing; the
    # one balance left is a customer who paid 3.00 ahead on a copy still out.
    balances = rows(db, "SELECT c.customer_id, SUM(c.amount) - COALESCE((SELECT SUM(p.amount) "
                        "FROM payments p WHERE p.customer_id = c.customer_id), 0) AS owed "
                        "FROM charges c GROUP BY c.customer_id HAVING owed <> 0")
    assert [b["owed"] for b in balances] == [Decimal("-3.00")]


def test_dates_are_moved_to_end_just_before_the_import(db):
    shift = int(scalar(db, "SELECT value FROM settings WHERE name = 'sakila_date_shift_days'"))
    last = scalar(db, "SELECT MAX(hired_at) FROM hires").replace(tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    assert 0 <= (now - last).total_seconds() < 86400 + 600
    first = scalar(db, "SELECT MIN(hired_at) FROM hires")
    assert (first - datetime(2005, 5, 24, 22, 53, 30)).days == shift
    assert scalar(db, "SELECT COUNT(*) FROM customers WHERE created_at > UTC_TIMESTAMP(6)") == 0


def test_staff_are_managers_with_fresh_slow_hashes_never_sakilas_sha1(db):
    staff = rows(db, "SELECT username, role, store_id, password_hash FROM staff "
                     "WHERE username IN ('mike', 'jon') ORDER BY store_id")
    assert [(s["username"], s["role"], s["store_id"]) for s in staff] == [
        ("mike", "manager", 1), ("jon", "manager", 2)]
    for s in staff:
        assert s["password_hash"].startswith("scrypt$")
        assert "8cb2237d0679ca88db6464eac60da96345513964" not in s["password_hash"]
        assert not verify_password("8cb2237d0679ca88db6464eac60da96345513964",
                                   s["password_hash"])


def test_a_second_run_changes_nothing_and_says_so(sakila_db, db):
    before = scalar(db, "SELECT (SELECT COUNT(*) FROM hires) + (SELECT COUNT(*) FROM customers)"
                        " + (SELECT COUNT(*) FROM staff) + (SELECT COUNT(*) FROM payments)")
    again = run_main("import", "sakila", str(SAKILA_DIR), "--db-name", sakila_db.db.name)
    assert again.returncode == 0, again.stderr
    assert "already imported into this database: nothing changed" in again.stdout
    assert "password" not in again.stdout
    after = scalar(db, "SELECT (SELECT COUNT(*) FROM hires) + (SELECT COUNT(*) FROM customers)"
                       " + (SELECT COUNT(*) FROM staff) + (SELECT COUNT(*) FROM payments)")
    assert after == before


def test_the_first_run_prints_the_new_logins_and_they_work(fresh_db):
    done = run_main("import", "sakila", str(SAKILA_DIR), "--db-name", fresh_db.db.name)
    assert done.returncode == 0, done.stderr
    logins = dict(line.split() for line in done.stdout.splitlines()
                  if line.startswith("    ") and len(line.split()) == 2)
    assert set(logins) == {"mike", "jon"}
    db = Database.for_app(fresh_db.db)
    with db.transaction() as tx:
        stored = tx.scalar("SELECT password_hash FROM staff WHERE username = 'mike'")
    db.close()
    assert verify_password(logins["mike"], stored)


def test_a_directory_that_is_not_sakilas_is_refused_with_nothing_written(fresh_db, tmp_path):
    (tmp_path / "film.csv").write_text("film_id\n1\n")
    done = run_main("import", "sakila", str(tmp_path), "--db-name", fresh_db.db.name)
    assert done.returncode == 1
    assert "is not Sakila's CSV directory" in done.stderr and "Traceback" not in done.stderr
    db = Database.for_app(fresh_db.db)
    with db.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM import_stages") == 0
    db.close()
