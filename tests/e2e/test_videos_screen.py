"""The Videos screen (menu key 2) of the real `python main.py`, in tmux, against a real
store server: a clerk adds a title and three copies, finds the title by part of its name,
opens it to see its copies, and marks one damaged; and the screen says no plainly."""
import json
import random
import string

import pytest

from db.database import Database
from tests.e2e.test_admin_screen import answer, wait_below
from tests.e2e.test_terminal import MENU, log_in, open_terminal

PROMPT = "videos>"  # (tmux drops the trailing space)


@pytest.fixture
def term(demo_db, server, people):
    t = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name,
                       "VIDEOSTORE_SERVER": server.address,
                       "VIDEOSTORE_TERMINAL_NAME": "till-8"})
    yield t
    t.close()


@pytest.fixture
def admin_db(demo_db):
    db = Database.for_app(demo_db.db, role="admin")
    yield db
    db.close()


def open_videos(term, username="clk1"):
    log_in(term, username)
    term.wait_for(MENU)
    term.send("2")
    term.wait_for(PROMPT)


def choose(term, key, label):
    """One key of the Videos sub-menu on a cleared screen (Ctrl-L); waits for its title."""
    term.send("C-l")
    term.wait_for(PROMPT)
    term.send(key)
    term.wait_for(f"── Videos: {label} ──")


def done(term, label):
    """The text below the entry's title once the sub-menu asks again."""
    return wait_below(term, f"── Videos: {label} ──", PROMPT)


def test_a_clerk_adds_a_title_and_copies_finds_it_and_marks_a_copy_damaged(term, admin_db):
    word = "Zq" + "".join(random.choices(string.ascii_lowercase, k=7))
    name = f"{word} Harbour Lights"
    open_videos(term)

    choose(term, "a", "Add a title")
    answer(term, "Title:", name)
    answer(term, "Year (e.g. 1999; empty: unknown):", "1887")  # too early: refused at the field
    term.wait_for("The year must be a whole number from 1888 to")
    assert term.screen().count("Year (e.g. 1999; empty: unknown): 1887") == 1
    term.send("C-u")  # the wrong year kept on its line to fix: cleared, so unknown
    term.send("Enter")
    answer(term, "Rating (G/PG/PG-13/R/NC-17):", "pg-13")
    answer(term, "Genre (Tab completes one in use):", "Comedy")
    answer(term, "Length in minutes (empty: unknown):", "95")
    answer(term, "Rental rate:", "2.99")
    answer(term, "Rental days:", "3")
    answer(term, "Replacement cost:", "19.99")
    answer(term, "Description (empty: none):", "")
    said = done(term, "Add a title")
    assert f": {name}. Add its copies with c." in said
    with admin_db.transaction() as tx:
        title = tx.one("SELECT id, release_year, rating FROM titles WHERE title = %s", (name,))
    assert (title["release_year"], title["rating"]) == (None, "PG-13")
    title_id = title["id"]

    choose(term, "c", "Add copies")
    answer(term, f"Title: its number or part of its name [{title_id}]:", "")  # the last one
    term.wait_for("How many copies (1-100): 1")
    term.send("C-u")  # the offered 1 cleared ...
    term.type("3")    # ... and 3 typed
    term.send("Enter")
    answer(term, "Format (VHS/DVD/Blu-ray/4K):", "")  # DVD, as offered
    said = done(term, "Add copies")
    assert f"Added 3 DVD copies of {name} (title {title_id}) at Test Store, numbered 1 to 3" \
           in said

    choose(term, "f", "Find titles")
    answer(term, "Part of the title:", word[:6].lower() + " harb")
    found = term.wait_for("Open one? Its number")
    row = [line for line in found.splitlines() if name in line][-1]
    assert row.split()[0] == str(title_id) and "PG-13" in row and "Comedy" in row
    assert row.split()[-3:] == ["3", "3", "3"]  # available here, copies here, all stores
    answer(term, "Open one? Its number (empty: none):", str(title_id))
    card = done(term, "Find titles")
    assert f"Title {title_id} · {name} (PG-13) · Comedy · 95 min" in card
    assert "Copies: 3 here (3 on the shelf), 3 in all stores" in card
    with admin_db.transaction() as tx:
        copies = tx.all("SELECT id, barcode FROM copies WHERE title_id = %s "
                        "ORDER BY copy_number", (title_id,))
    for copy in copies:
        line = [x for x in card.splitlines() if copy["barcode"] in x][0]
        assert "Test Store" in line and "On the shelf." in line

    damaged = copies[1]
    choose(term, "m", "Mark a copy")
    answer(term, "Copy: scan its barcode or type its number:", damaged["barcode"])
    answer(term, "Mark it (damaged/lost/retired; available = back on the shelf):", "")
    answer(term, "Why? (kept in the audit log):", "disc cracked")
    answer(term, f"Mark copy {damaged['id']} ({name}, DVD copy 2) damaged? (y/n)", "y")
    said = done(term, "Mark a copy")
    assert f"Copy {damaged['id']} is now damaged: Marked damaged." in said
    with admin_db.transaction() as tx:
        status = tx.scalar("SELECT status FROM copies WHERE id = %s", (damaged["id"],))
        audit = tx.one("SELECT old_values, new_values, reason FROM audit_log WHERE "
                       "table_name = 'copies' AND row_id = %s AND action = 'copy.mark'",
                       (damaged["id"],))
    assert status == "damaged"
    assert json.loads(audit["new_values"]) == {"status": "damaged"}
    assert audit["reason"] == "disc cracked"

    choose(term, "t", "Open a title")
    answer(term, f"Title: its number or part of its name [{title_id}]:", "")
    card = done(term, "Open a title")
    assert "Copies: 3 here (2 on the shelf), 3 in all stores" in card
    line = [x for x in card.splitlines() if damaged["barcode"] in x][0]
    assert "Marked damaged." in line


def test_a_hired_copy_is_refused_at_once_and_a_copy_can_be_marked_while_open(
        term, admin_db, demo_db):
    """Copy 7 is left alone (tests/e2e/test_copy_screen.py uses it): its title gets a copy
    of this test's own."""
    open_videos(term)
    choose(term, "c", "Add copies")
    answer(term, "Title: its number or part of its name:", "Academy Dinosaur")
    answer(term, "How many copies (1-100):", "")
    answer(term, "Format (VHS/DVD/Blu-ray/4K):", "")
    said = done(term, "Add copies")
    assert "Added 1 DVD copy of Academy Dinosaur" in said
    with admin_db.transaction() as tx:
        copy_id = tx.scalar("SELECT MAX(id) FROM copies")
        tx.execute("UPDATE copies SET status = 'hired' WHERE id = %s", (copy_id,))
    try:
        choose(term, "m", "Mark a copy")
        answer(term, "Copy: scan its barcode or type its number:", str(copy_id))
        said = done(term, "Mark a copy")
        assert f"Copy {copy_id} is out on hire: it comes back through a return" in said
        assert "Why?" not in said  # not asked for a reason that cannot be used
    finally:
        with admin_db.transaction() as tx:
            tx.execute("UPDATE copies SET status = 'available' WHERE id = %s", (copy_id,))

    term.send("C-l")
    term.wait_for(PROMPT)
    term.type(str(copy_id))  # typed at the sub-menu: the copy opens, held by this till
    term.send("Enter")
    term.wait_for("You are working on this copy")
    answer(term, f"copy {copy_id}>", "m")
    answer(term, "Mark it (damaged/lost/retired; available = back on the shelf):", "retire")
    term.wait_for("A copy can be marked damaged, lost, retired or available")
    term.send("C-u")
    term.type("retired")
    term.send("Enter")
    answer(term, "Why? (kept in the audit log):", "worn out")
    answer(term, f"Mark copy {copy_id} (Academy Dinosaur, DVD copy", "y")
    term.wait_for(f"Copy {copy_id} is now retired: Retired.")
    term.send("Enter")  # leave the copy
    term.wait_for_count(PROMPT, 2)
