"""What the counter's completion offers, read from the real database of a small two-store
shop (tests/circulation.py): copies on the shelf of one store only, by the start of their
barcode or number or by their title; titles through the managers' own search. (Their
plans at size: tests/integration/test_catalogue_plans.py.)"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Iterator

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from db import catalogue
from db.catalogue import insert_copies, insert_title
from db.database import Database
from store import codes
from store.shelf import Shelf
from store.videos import Videos
from tests.helpers import counter_for
from tests.conftest import STAFF_PASSWORD
from ui.completion import CopyCompleter, TitleCompleter


@pytest.fixture
def shelf(shop) -> Iterator[Shelf]:
    database = Database.for_app(shop.settings.db)
    try:
        yield Shelf(database)
    finally:
        database.close()


def ids(copies):
    return [c.id for c in copies]


def barcode(shop, copy_id):
    return shop.scalar("SELECT barcode FROM copies WHERE id = %s", (copy_id,))


def test_copies_by_title_are_the_stores_own_copies_on_the_shelf(shop, shelf):
    alien, toy_here, toy_there = (shop.copies["Alien@1"], shop.copies["Toy Story@1"],
                                  shop.copies["Toy Story@2"])
    assert ids(shelf.copies("ali", 1)) == alien
    assert ids(shelf.copies("toy", 1)) == toy_here
    assert ids(shelf.copies("toy", 2)) == toy_there
    assert ids(shelf.copies("story", 1)) == toy_here          # a word of the title
    assert shelf.copies("alien", 2) == []                     # none at the second store
    found = shelf.copies("Alien", 1)[0]
    assert (found.title, found.format, found.barcode) == ("Alien", "DVD",
                                                          barcode(shop, alien[0]))


def test_a_copy_hired_or_marked_damaged_is_no_longer_offered(shop, shelf):
    alien = shop.copies["Alien@1"]
    with shop.desk() as desk:
        desk.hires.hire(shop.customers["mary"], [str(alien[0])])
    shop.execute("UPDATE copies SET status = 'damaged' WHERE id = %s", (alien[1],))
    assert shelf.copies("ali", 1) == []
    assert shelf.copies(str(alien[0]), 1) == []


def test_copies_by_the_start_of_their_barcode_or_number(shop, shelf):
    jaws = shop.copies["Jaws@1"]
    code = barcode(shop, jaws[1])
    assert ids(shelf.copies(code[:9], 1)) == jaws            # the title's copies: 0000TTTNN
    assert ids(shelf.copies(code, 1)) == [jaws[1]]
    assert jaws[0] in ids(shelf.copies(str(jaws[0]), 1))     # by number (and longer ones)
    assert len(shelf.copies(code[:3], 1, limit=2)) == 2      # the top few only


def test_the_completers_over_the_real_managers(shop, shelf):
    alien = shop.copies["Alien@1"]
    copies = CopyCompleter(shelf, lambda: 1)
    found = list(copies.get_completions(Document("alie"), CompleteEvent()))
    assert [c.text for c in found] == [barcode(shop, n) for n in alien]
    database = Database.for_app(shop.settings.db)
    try:
        with counter_for(shop.server, "clk1", STAFF_PASSWORD, terminal="till-c") as counter:
            titles = TitleCompleter(Videos(database, counter), lambda: 1, put_number=True)
            found = list(titles.get_completions(Document("toy st"), CompleteEvent()))
    finally:
        database.close()
    assert [c.text for c in found] == [str(shop.titles["Toy Story"])]
    assert found[0].display_meta_text == (f"title {shop.titles['Toy Story']} · 2 on the "
                                          f"shelf here")


def test_copies_by_title_try_at_most_the_titles_they_are_bounded_to(shop, shelf):
    """Both title queries (store/shelf.py TITLES_TRIED) try only the first titles: by a
    word, as the FULLTEXT index gives them (two titles have the word "story" and copies
    here: a bound of one offers one title's copies, of two both); by the start, in title
    order."""
    db = shop.admin_db()
    now = datetime.now(timezone.utc)
    try:
        with db.transaction() as tx:
            days = insert_title(tx, "Story Days", 1990, "PG", "Drama", 90, Decimal("1.99"), 2,
                                Decimal("9.99"), "", now)
            insert_copies(tx, [(days, 1, "DVD", codes.copy_barcode(days, 1), 1, now)])
            days_copy = tx.scalar("SELECT id FROM copies WHERE title_id = %s", (days,))
    finally:
        db.close()
    toy = shop.copies["Toy Story@1"]

    def titles_offered(bound: int) -> set[str]:
        rows = shelf.database.run(lambda tx: catalogue.shelf_copies_by_title_word(
            tx, 1, "+story*", (), bound, 20))
        return {r["title"] for r in rows}
    assert titles_offered(2) == {"Toy Story", "Story Days"}
    assert len(titles_offered(1)) == 1
    starting = shelf.database.run(lambda tx: catalogue.shelf_copies_by_title_start(
        tx, 1, "%", 2, 20))                                 # every title begins so
    assert [r["id"] for r in starting] == [*shop.copies["Alien@1"], *shop.copies["Heat@1"]]
    # Through the manager: the title that begins so first, then the word's (once each).
    assert ids(shelf.copies("story", 1)) == [days_copy, *toy]
