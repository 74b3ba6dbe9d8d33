"""`python main.py import/export customers|titles|copies` as an admin runs them."""
import csv
from datetime import date

import pytest

from db.database import Database
from tests.conftest import run_main

INJECTIONS = ["Robert'); DROP TABLE customers;--", "x' OR '1'='1", "Ann\\'s", "%_%",
              "O\"Neil"]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def count(settings, table):
    db = Database.for_app(settings.db)
    with db.transaction() as tx:
        n = tx.scalar(f"SELECT COUNT(*) FROM {table}")
    db.close()
    return n


def query(settings, sql, params=()):
    db = Database.for_app(settings.db)
    with db.transaction() as tx:
        rows = tx.all(sql, params)
    db.close()
    return rows


def imp(settings, kind, path, *more):
    return run_main("import", kind, str(path), "--db-name", settings.db.name, *more)


CUSTOMERS = """first_name,last_name,phone,email,date_of_birth,city
Mary,Smith,555-0101,mary@example.com,1980-01-02,Leeds
John,Doe,555 0101,,1990-05-06,York
Bad1,Name,555-0103,,1990-05-06,York
Ann,Lee,,ann@@x,1970-01-01,
Zoë,O'Brien,+44 20 7946 0958,zoe@example.org,1985-12-31,"London, UK"
"""


def test_one_bad_row_writes_nothing_and_every_bad_row_is_named_by_line(fresh_db, tmp_path):
    done = imp(fresh_db, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    assert done.returncode == 1
    assert "line 3: Phone 5550101 is also on line 2 of the file." in done.stderr
    assert "line 4: First name may hold letters" in done.stderr
    assert "line 5: E-mail 'ann@@x'" in done.stderr
    assert "3 of 5 rows are bad, so none was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert count(fresh_db, "customers") == 0


def test_skip_bad_writes_the_good_rows_and_the_bad_ones_to_a_rejects_file(fresh_db, tmp_path):
    source = write(tmp_path / "c.csv", CUSTOMERS)
    done = imp(fresh_db, "customers", source, "--skip-bad")
    assert done.returncode == 0, done.stderr
    assert "Imported 2 customers" in done.stdout
    people = query(fresh_db, "SELECT first_name, last_name, phone, city, card_number "
                             "FROM customers ORDER BY id")
    assert [(p["first_name"], p["phone"], p["city"]) for p in people] == [
        ("Mary", "5550101", "Leeds"), ("Zoë", "442079460958", "London, UK")]
    rejects = list(csv.reader((tmp_path / "c.rejects.csv").open(encoding="utf-8")))
    assert rejects[0][:3] == ["line", "reason", "first_name"]
    assert [(r[0], r[2]) for r in rejects[1:]] == [("3", "John"), ("4", "Bad1"), ("5", "Ann")]
    # Again: the phones are now taken, and the message names whose they are.
    again = imp(fresh_db, "customers", source)
    assert "is already customer" in again.stderr and "Mary Smith" in again.stderr
    assert count(fresh_db, "customers") == 2


def test_customers_get_card_numbers_like_the_counters_and_an_audit_row(fresh_db, tmp_path):
    imp(fresh_db, "customers", write(tmp_path / "c.csv", CUSTOMERS), "--skip-bad")
    from store import codes
    for row in query(fresh_db, "SELECT id, card_number FROM customers"):
        assert row["card_number"] == codes.card_number(row["id"])
    audit = query(fresh_db, "SELECT action, new_values FROM audit_log WHERE action LIKE 'import.%'")
    assert audit[0]["action"] == "import.customers" and '"rows":2' in audit[0]["new_values"]


def test_hostile_text_is_stored_verbatim_never_run(fresh_db, tmp_path):
    lines = ["title,rental_rate,rental_days,replacement_cost,genre,description"]
    lines += [f'"{t.replace(chr(34), chr(34) * 2)}",1.99,3,9.99,Drama,"{t.replace(chr(34), chr(34) * 2)}\tend"'
              for t in INJECTIONS]
    done = imp(fresh_db, "titles", write(tmp_path / "t.csv", "\n".join(lines) + "\n"))
    # A tab is a control character: the form's rule refuses it in a description.
    assert done.returncode == 1 and "control characters" in done.stderr
    lines = [line.replace("\tend", " end") for line in lines]
    done = imp(fresh_db, "titles", write(tmp_path / "t.csv", "\n".join(lines) + "\n"))
    assert done.returncode == 0, done.stderr
    stored = [r["title"] for r in query(fresh_db, "SELECT title FROM titles ORDER BY id")]
    assert stored == INJECTIONS
    assert count(fresh_db, "customers") == 0   # the DROP TABLE did not run


CLEAN = """first_name,last_name,phone,date_of_birth
Mary,Smith,555-0101,1980-01-02
John,Doe,555-0102,1990-05-06
Ann,Lee,555-0103,1970-01-01
"""


def test_a_row_only_the_database_can_refuse_is_named_and_the_rest_kept_with_skip_bad(
        fresh_db, tmp_path):
    assert imp(fresh_db, "customers", write(tmp_path / "one.csv", CLEAN.splitlines()[0]
                                            + "\nAl,Ready,5550102,1960-01-01\n")).returncode == 0
    source = write(tmp_path / "c.csv", CLEAN)
    refused = imp(fresh_db, "customers", source)
    assert refused.returncode == 1
    assert "line 3: Phone 5550102 is already customer 1's, Al Ready." in refused.stderr
    assert count(fresh_db, "customers") == 1
    kept = imp(fresh_db, "customers", source, "--skip-bad")
    assert kept.returncode == 0, kept.stderr
    from store import codes
    assert [(r["first_name"], r["card_number"]) for r in query(
        fresh_db, "SELECT first_name, card_number FROM customers ORDER BY id")] == [
        ("Al", codes.card_number(1)), ("Mary", codes.card_number(2)),
        ("Ann", codes.card_number(4))]   # John's id went unused
    rejects = list(csv.reader((tmp_path / "c.rejects.csv").open(encoding="utf-8")))
    assert [(r[0], r[2]) for r in rejects[1:]] == [("3", "John")]


def test_copies_of_a_title_that_does_not_exist_are_named_and_numbering_carries_on(
        fresh_db, tmp_path):
    titles = write(tmp_path / "t.csv", "title,rental_rate,rental_days,replacement_cost\n"
                   "Alien,2.99,3,19.99\n")
    assert imp(fresh_db, "titles", titles).returncode == 0
    copies = write(tmp_path / "k.csv", "title_id,format\n1,DVD\n7,DVD\n1,VHS\n")
    refused = imp(fresh_db, "copies", copies)
    assert refused.returncode == 1 and "line 3: Title 7 does not exist." in refused.stderr
    assert count(fresh_db, "copies") == 0
    assert imp(fresh_db, "copies", copies, "--skip-bad").returncode == 0
    assert imp(fresh_db, "copies", write(tmp_path / "more.csv", "title_id,format\n1,4K\n")
               ).returncode == 0
    assert [(r["format"], r["copy_number"]) for r in query(
        fresh_db, "SELECT format, copy_number FROM copies ORDER BY id")] == [
        ("DVD", 1), ("VHS", 2), ("4K", 3)]


def test_export_then_import_into_another_database_gives_the_same_rows(fresh_db, tmp_path):
    from tests.conftest import create_test_db, new_db_name
    from db.create import drop_database
    imp(fresh_db, "customers", write(tmp_path / "c.csv", CUSTOMERS), "--skip-bad")
    titles = write(tmp_path / "t.csv", "title,rental_rate,rental_days,replacement_cost,"
                   "release_year,rating,genre\nAlien,2.99,3,19.99,1979,R,Horror\n"
                   "Heat,1.99,5,9.99,,PG-13,Crime\n")
    assert imp(fresh_db, "titles", titles).returncode == 0
    copies = write(tmp_path / "k.csv", "title_id,format\n1,DVD\n1,bluray\n2,VHS\n")
    assert imp(fresh_db, "copies", copies).returncode == 0
    exported = {}
    for kind in ("customers", "titles", "copies"):
        out = tmp_path / f"out-{kind}.csv"
        done = run_main("export", kind, str(out), "--db-name", fresh_db.db.name)
        assert done.returncode == 0, done.stderr
        exported[kind] = out
    other, _ = create_test_db(new_db_name("csv"))
    try:
        for kind in ("customers", "titles", "copies"):
            done = imp(other, kind, exported[kind])
            assert done.returncode == 0, (kind, done.stderr)
        fields = ("first_name, last_name, phone, email, city, date_of_birth, card_number")
        assert query(other, f"SELECT {fields} FROM customers ORDER BY id") == \
            query(fresh_db, f"SELECT {fields} FROM customers ORDER BY id")
        assert query(other, "SELECT title, release_year, rating, genre FROM titles ORDER BY id") \
            == query(fresh_db, "SELECT title, release_year, rating, genre FROM titles ORDER BY id")
        assert [(r["title_id"], r["format"], r["copy_number"]) for r in query(
            other, "SELECT * FROM copies ORDER BY id")] == [(1, "DVD", 1), (1, "Blu-ray", 2),
                                                            (2, "VHS", 1)]
    finally:
        drop_database(other)


def test_export_to_standard_output_and_of_one_store(fresh_db, tmp_path):
    imp(fresh_db, "customers", write(tmp_path / "c.csv", CUSTOMERS), "--skip-bad")
    done = run_main("export", "customers", "-", "--db-name", fresh_db.db.name)
    rows = list(csv.DictReader(done.stdout.splitlines()))
    assert [r["first_name"] for r in rows] == ["Mary", "Zoë"]
    assert rows[0]["date_of_birth"] == date(1980, 1, 2).isoformat()
    none = run_main("export", "customers", "-", "--store", "2", "--db-name", fresh_db.db.name)
    assert none.stdout.splitlines()[0].startswith("id,card_number,store_id,first_name")
    assert len(none.stdout.splitlines()) == 1


@pytest.mark.parametrize("content,message", [
    ("first_name,surname,date_of_birth\nA,B,1990-01-01\n", "'surname' is not a customers column"),
    ("", "is empty"),
    ("first_name,last_name\nA,B\n", "no date_of_birth column"),
])
def test_a_file_that_is_not_a_customer_list_says_why(fresh_db, tmp_path, content, message):
    done = imp(fresh_db, "customers", write(tmp_path / "c.csv", content))
    assert done.returncode == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_file_that_is_not_utf8_or_not_there_says_so(fresh_db, tmp_path):
    latin = tmp_path / "l.csv"
    latin.write_bytes("first_name,last_name,date_of_birth\nZo\xeb,B,1990-01-01\n".encode("latin-1"))
    done = imp(fresh_db, "customers", latin)
    assert done.returncode == 1 and "is not UTF-8 text" in done.stderr
    gone = imp(fresh_db, "customers", tmp_path / "nope.csv")
    assert gone.returncode == 1 and "no such file" in gone.stderr
    assert count(fresh_db, "customers") == 0


def test_progress_goes_to_stderr_as_plain_lines_when_it_is_not_a_terminal(fresh_db, tmp_path):
    rows = "".join(f"Person,Number{chr(97 + i % 26)},,,1990-01-01\n" for i in range(30))
    done = imp(fresh_db, "customers", write(tmp_path / "c.csv",
                                            "first_name,last_name,phone,email,date_of_birth\n"
                                            + rows))
    assert done.returncode == 0, done.stderr
    assert "c.csv: 30 rows checked" in done.stderr and "\x1b[" not in done.stderr
    assert count(fresh_db, "customers") == 30


def test_at_a_terminal_progress_is_a_bar_with_rows_per_second(fresh_db, tmp_path):
    from tests.tmux import Tmux
    rows = "Person,Number,,,1990-01-01\n" * 100_000
    source = write(tmp_path / "many.csv", "first_name,last_name,phone,email,date_of_birth\n"
                   + rows)
    term = Tmux("import", "customers", str(source), "--db-name", fresh_db.db.name)
    try:
        during = term.wait_for("rows/s", timeout_s=60)
        assert "many.csv: " in during and "%" in during and "left" in during
        assert term.exit_status(timeout_s=120) == 0
        after = term.screen()
    finally:
        term.close()
    assert "many.csv: 100,000 rows checked" in after
    assert "Imported 100000 customers" in after
    assert count(fresh_db, "customers") == 100_000
