"""The Customers screen (menu key 1) of the real `python main.py` in tmux, against a real
store server and the demo database: register a customer, find them as you type, edit their
phone, deactivate them — what the clerk sees at each step."""
import random
import re
import string

import pytest

from db.database import Database
from tests.e2e.test_admin_screen import answer, wait_below, wait_until
from tests.e2e.test_terminal import MENU, log_in, open_terminal

PROMPT = "customers>"  # (tmux drops the trailing space)


@pytest.fixture
def term(demo_db, server, people):
    t = open_terminal({"VIDEOSTORE_DB_NAME": demo_db.db.name,
                       "VIDEOSTORE_SERVER": server.address, "VIDEOSTORE_TERMINAL_NAME": "till-5"})
    yield t
    t.close()


@pytest.fixture
def customer_row(demo_db):
    db = Database.for_app(demo_db.db)

    def read(card):
        with db.transaction() as tx:
            return tx.one("SELECT first_name, last_name, phone, active FROM customers "
                          "WHERE card_number = %s", (card,))
    yield read
    db.close()


def unique_surname():
    return "Quill" + "".join(random.choice(string.ascii_lowercase) for _ in range(6))


def unique_phone():
    return "0207" + "".join(random.choice(string.digits) for _ in range(7))


def fix(term, refused, text):
    """The refused answer is still on its line (`refused`: the prompt and the answer, shown
    once): cleared (Ctrl-U), `text` typed instead, Enter."""
    assert term.screen().count(refused) == 1, term.screen()
    term.send("C-u")
    term.type(text)
    term.send("Enter")


def fresh(term, prompt):
    """Clear the screen (Ctrl-L) at `prompt`, so what follows is all that shows."""
    term.send("C-l")
    wait_until(term, lambda screen: screen.lstrip().startswith(prompt), "a clear screen")


def test_register_find_as_you_type_edit_the_phone_and_deactivate(term, customer_row):
    surname, phone, new_phone = unique_surname(), unique_phone(), unique_phone()
    log_in(term, "clk1")
    term.wait_for(MENU)
    term.send("1")
    term.wait_for(PROMPT)

    # Register, with a bad answer or two on the way: each is refused at its field, the
    # rule's message under the line and the answer kept to fix.
    term.send("n")
    answer(term, "First name:", "Ezra")
    answer(term, "Surname:", surname)
    answer(term, "Date of birth:", "2999-01-01")
    term.wait_for("Date of birth 2999-01-01 is in the future")
    fix(term, "Date of birth: 2999-01-01", "1985-04-02")
    answer(term, "Phone (optional):", "12")
    term.wait_for("Phone '12' has 2 digits; a phone number has 7 to 15.")
    fix(term, "Phone (optional): 12", f"{phone[:4]} {phone[4:]}")
    for label in ("E-mail (optional):", "Address (optional):", "City (optional):",
                  "Postcode (optional):"):
        answer(term, label, "")
    screen = term.wait_for(f"Registered Ezra {surname}: card ")
    card = re.search(rf"Registered Ezra {surname}: card (\d+)", screen).group(1)
    screen = term.wait_for(f"customer {card}>")
    assert f"Ezra {surname} · card {card} · home store Test Store · active" in screen
    assert f"phone {phone}" in screen and "Owes nothing" in screen
    assert customer_row(card)["phone"] == phone

    # Leave them, then find them again by part of the surname: matches show as you type.
    term.send("Escape")
    term.wait_for_count(PROMPT, 2)
    fresh(term, PROMPT)
    term.send("f")
    term.wait_for("Find (part of a name, phone or card):")
    term.type(surname[:8].lower())
    screen = term.wait_for(f"{surname}, Ezra")
    assert f"card {card}" in screen  # the suggestion names the card too
    term.send("Enter")  # the one match opens
    term.wait_for(f"customer {card}>")

    # Edit the phone: every other answer keeps its current value.
    fresh(term, f"customer {card}>")
    term.send("e")
    for label in ("First name [Ezra]:", f"Surname [{surname}]:", "Date of birth [1985-04-02]:"):
        answer(term, label, "")
    answer(term, f"Phone (optional) (- clears) [{phone}]:", f"({new_phone[:4]}) {new_phone[4:]}")
    for label in ("E-mail (optional) (- clears):", "Address (optional) (- clears):",
                  "City (optional) (- clears):", "Postcode (optional) (- clears):"):
        answer(term, label, "")
    term.wait_for(f"Saved: Phone {phone} → {new_phone}.")
    below = wait_below(term, "Saved: Phone", f"customer {card}>")
    assert f"phone {new_phone}" in below
    assert customer_row(card)["phone"] == new_phone

    # Deactivate, confirmed: still shown, marked inactive, and can be reactivated.
    fresh(term, f"customer {card}>")
    term.send("d")
    answer(term, f"Deactivate Ezra {surname} (card {card})?", "y")
    answer(term, "Why? (optional, kept in the audit log):", "moved away")
    term.wait_for(f"Deactivated Ezra {surname}.")
    below = wait_below(term, "Deactivated Ezra", f"customer {card}>")
    assert "· INACTIVE (cannot hire)" in below and "a Reactivate" in below
    assert not customer_row(card)["active"]
    term.send("Escape")
    wait_below(term, "Deactivated Ezra", PROMPT)
    assert "Traceback" not in term.screen()


def test_a_card_number_typed_at_the_prompt_opens_that_customer(term, demo_db):
    db = Database.for_app(demo_db.db)
    with db.transaction() as tx:
        mary = tx.one("SELECT card_number, first_name, last_name FROM customers WHERE id = 1")
    db.close()
    log_in(term, "clk1")
    term.wait_for(MENU)
    term.send("1")
    term.wait_for(PROMPT)
    wrong = mary["card_number"][:-1] + str((int(mary["card_number"][-1]) + 1) % 10)
    term.type(wrong)
    term.send("Enter")
    term.wait_for(f"as a card number {wrong} does not check out (mistyped?)")
    term.type(mary["card_number"])
    term.send("Enter")
    screen = term.wait_for(f"customer {mary['card_number']}>")
    assert f"{mary['first_name']} {mary['last_name']} · card {mary['card_number']}" in screen


def test_without_a_login_customers_are_not_shown(term):
    term.wait_for("Username:")
    term.send("Enter")
    term.wait_for("Working read-only")
    term.wait_for(MENU)
    term.send("1")
    term.wait_for("Customers needs a login: their details are personal.")
