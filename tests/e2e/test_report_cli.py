"""`python main.py report ...` as the admin runs it: the small shop of
tests/integration/test_reports.py, its times moved to the real clock (the command line's
"now" is the machine's), shown as a table, CSV and JSON; and bad arguments said plainly."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from store.clock import zone
from tests.conftest import run_main
from tests.integration.test_reports import NOW, load_shop


@pytest.fixture
def shop_db(fresh_db):
    now = datetime.now(timezone.utc)
    load_shop(fresh_db, now)
    return fresh_db.db.name, now - NOW


def report(db_name, *args):
    return run_main("report", *args, "--db-name", db_name)


def test_stock_prints_as_a_table_with_a_title(shop_db):
    done = report(shop_db[0], "stock", "--store", "1")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "Stock, Test Store\n"
        "Store       Title      Available    Hired    Held    Damaged    Lost    Retired    Total\n"
        "----------  -------  -----------  -------  ------  ---------  ------  ---------  -------\n"
        "Test Store  Alien              1        1       0          0       0          0        2\n"
        "Test Store  Brazil             1        0       0          0       0          0        1\n"
        "Test Store  Heat               0        1       0          0       0          0        1\n"
        "Test Store  Jaws               0        0       0          0       1          0        1\n"
        "Test Store  Zelig              1        0       1          0       0          0        2\n")


def test_overdue_as_csv_has_a_header_row_and_each_stores_local_due_time(shop_db):
    name, shift = shop_db

    def due(text, tz):
        moment = datetime.fromisoformat(f"2025-{text}+00:00") + shift
        return moment.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")

    done = report(name, "overdue", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["store", "due_at", "days_late", "title", "barcode", "customer", "card", "phone",
         "email"],
        ["Test Store", due("03-04 10:00", "UTC"), "6", "Alien", "A1", "Mary Smith", "C1",
         "5550101", "mary@example.com"],
        ["Harbour", due("03-10 03:00", "America/New_York"), "0", "Alien", "A3", "Cy Second",
         "C4", "5550104", "cy@example.com"]]


def test_balances_as_json_are_objects_with_money_as_strings(shop_db):
    done = report(shop_db[0], "balances", "--format", "json", "--min-balance", "11")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"customer": "Cy Second", "card": "C4", "phone": "5550104", "email": "cy@example.com",
         "store": "Harbour", "active": True, "owed": "25.98"},
        {"customer": "Mary Smith", "card": "C1", "phone": "5550101",
         "email": "mary@example.com", "store": "Test Store", "active": True, "owed": "12.00"}]


def test_a_range_of_days_as_json_has_counts_as_numbers(shop_db):
    today = datetime.now(timezone.utc).date()
    first, last = today - timedelta(days=60), today + timedelta(days=1)
    done = report(shop_db[0], "sales-by-store", "--from", first.isoformat(), "--to",
                  last.isoformat(), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"store": "Harbour", "managers": "lee", "payments": 3, "total": "6.98"},
        {"store": "Test Store", "managers": "Mo Manager", "payments": 5, "total": "11.97"}]
    table = report(shop_db[0], "sales-by-store", "--from", first.isoformat(), "--to",
                   last.isoformat())
    assert table.stdout.splitlines()[0] == f"Sales by store, all stores, {first} to {last}"
    assert table.stdout.splitlines()[-1] == "Total: 18.95"


def test_report_list_names_every_report(private_mariadb):
    done = run_main("report", "list")
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert names == ["overdue", "due-today", "takings", "top-titles", "slowest-titles",
                     "stock", "balances", "sales-by-store", "sales-by-genre"]


@pytest.mark.parametrize("args, said", [
    (["nope"], "report: There is no report 'nope'; there are: overdue, due-today"),
    (["takings", "--from", "2025-13-01"], "report: --from: '2025-13-01' is not a date; "
                                          "write it as YYYY-MM-DD, e.g. 2025-03-31."),
    (["takings", "--to", "1/3/2025"], "report: --to: '1/3/2025' is not a date"),
    (["takings", "--from", "2025-03-10", "--to", "2025-03-01"],
     "report: The first day (2025-03-10) is after the last (2025-03-01)."),
    (["overdue", "--from", "2025-03-01"], "report: The overdue report takes no --from or --to."),
    (["stock", "--min-balance", "5"], "report: Only the balances report takes --min-balance."),
    (["balances", "--min-balance", "lots"], "report: --min-balance: 'lots' is not an amount"),
    (["top-titles", "--limit", "0"], "report: --limit: 0 is not a number of rows"),
    (["takings", "--from", "1990-01-01"], "report: At most 3660 days in one report"),
])
def test_bad_arguments_exit_2_with_one_plain_line(shop_db, args, said):
    done = report(shop_db[0], *args)
    assert done.returncode == 2
    assert done.stderr.startswith(said), done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    if args[0] == "nope":
        assert "  sales-by-genre  " in done.stderr   # the names, to choose one


def test_a_store_error_exits_1_with_one_line(shop_db, private_mariadb):
    done = report(shop_db[0], "stock", "--store", "9")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "report: There is no store 9 in this database.\n"
    missing = run_main("report", "stock", "--db-name", "vst_no_such_db")
    assert missing.returncode == 1
    assert len(missing.stderr.splitlines()) == 1
    assert "is not set up on this machine" in missing.stderr


def test_dates_in_a_title_are_the_stores_today_by_default(shop_db):
    done = report(shop_db[0], "takings", "--store", "1", "--format", "table")
    today = datetime.now(timezone.utc).date()
    assert done.stdout.splitlines()[0].startswith(f"Takings, Test Store, {today}")
