"""A day at the counter in the real terminal (tmux): a customer and a copy taken from the
suggestions as they are typed, two copies hired, the store's test clock moved ten days
on, both returned with the late fees on the receipt, the overdue report, quit."""
import re
import time

import pytest

from tests.e2e.test_terminal import MENU, log_in
from tests.tmux import Tmux


@pytest.fixture
def till(shop):
    term = Tmux(env={"VIDEOSTORE_DB_NAME": shop.settings.db.name,
                     "VIDEOSTORE_SERVER": shop.server.address,
                     "VIDEOSTORE_TERMINAL_NAME": "till-1"})
    try:
        log_in(term, "clk1")
        term.wait_for(MENU)
        yield term
    finally:
        term.close()


def at_menu(term):
    """The main menu's prompt is the last line above the toolbar."""
    return [x for x in term.screen().splitlines() if x.strip()][-2].startswith("videostore>")


def wait_at_menu(term, timeout_s=15.0):
    """Until the main menu's prompt, with nothing typed, is the last line."""
    def empty_menu():
        return [x for x in term.screen().splitlines() if x.strip()][-2].rstrip() == "videostore>"
    deadline = time.monotonic() + timeout_s
    while not empty_menu():
        if time.monotonic() > deadline:
            raise AssertionError(f"never back at the main menu:\n{term.screen()}")
        time.sleep(0.05)


def back_to_menu(term):
    """Esc, one level at a time, until the main menu's prompt is the last line above the
    toolbar."""
    for _ in range(5):
        term.send("Escape")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if at_menu(term):
                return
            time.sleep(0.05)
    raise AssertionError(f"never back at the main menu:\n{term.screen()}")


def answer(term, prompt, text, count=1):
    term.wait_for_count(prompt, count)
    if text:
        term.type(text)
    term.send("Enter")


def test_a_full_counter_session_from_login_to_the_overdue_report_and_quit(shop, till):
    """Logged in (the fixture); a customer found by part of a name, the completion taken;
    two copies hired by barcode, one of them a completion of part of its title; F1 at the
    copies; ten days on, both back with late fees; the overdue report; quit."""
    alien, toy = shop.copies["Alien@1"][0], shop.copies["Toy Story@1"][0]
    alien_code, toy_code = (shop.scalar("SELECT barcode FROM copies WHERE id = %s", (c,))
                            for c in (alien, toy))
    card = shop.scalar("SELECT card_number FROM customers WHERE id = %s",
                       (shop.customers["mary"],))
    with shop.desk() as desk:                       # another till's hire: overdue later
        desk.hires.hire(shop.customers["bob"], [str(shop.copies["Jaws@1"][0])])

    till.send("3")
    till.wait_for("customer>")
    till.type("Smi")
    till.wait_for("Smith, Mary")                    # the suggestion, as you type
    till.send("Tab")                                # taken: its card number goes in
    till.wait_for(f"customer> {card}")
    till.send("Enter")
    till.wait_for("Mary Smith · card")

    till.wait_for("copy>")
    till.type("ali")
    till.wait_for(alien_code)                       # Alien's copies on the shelf here
    till.send("Tab")
    till.wait_for(f"copy> {alien_code}")
    till.send("Enter")
    till.wait_for(f"{alien}  Alien · DVD · 2.99, due")
    till.wait_for_count("copy>", 2)
    till.type(toy_code[:6])
    till.send("F1")                                 # the copies' keys; what was typed stays
    screen = till.wait_for("── Help: Hire out, the copies ──")
    assert "Tab, arrows" in screen and "Enter alone" in screen and "Esc, Ctrl-C" in screen
    till.wait_for(f"copy> {toy_code[:6]}")
    till.type(toy_code[6:])                         # the rest of the barcode, by hand
    till.send("Enter")
    till.wait_for(f"{toy}  Toy Story · DVD · 1.99, due")
    answer(till, "copy>", "", 4)
    till.wait_for("── To hire to Mary Smith ──")
    answer(till, "Paid now (4.98)?", "n")
    answer(till, "Hire 2 copies to Mary Smith?", "y")
    till.wait_for("Hired 2 copies to Mary Smith; receipt")
    assert shop.scalar("SELECT COUNT(*) FROM hires WHERE returned_at IS NULL "
                       "AND customer_id = %s", (shop.customers["mary"],)) == 2

    shop.advance(10)                                # the store server's test clock
    back_to_menu(till)
    till.send("4")
    answer(till, "return>", str(alien))
    till.wait_for(f"{alien}  Alien · Mary Smith · 7 days late, 7.00")
    answer(till, "return>", str(toy), 2)
    till.wait_for(f"{toy}  Toy Story · Mary Smith · 8 days late, 8.00")
    answer(till, "return>", "", 3)
    answer(till, "Condition", "")
    answer(till, "Paid now (15.00)?", "y")
    answer(till, "Take back 2 copies from Mary Smith?", "y")
    screen = till.wait_for("Returned 2 from Mary Smith; receipt")
    receipt = screen[screen.rindex("RETURN · receipt"):]
    assert "7 days late" in receipt and "8 days late" in receipt
    assert "Charged" in receipt and "15.00" in receipt

    back_to_menu(till)
    till.send("5")
    till.wait_for("reports>")
    till.send("o")
    till.wait_for("── Reports: Overdue hires ──")
    screen = till.wait_for("Waiting")                  # Bob, with Jaws, 7 days late
    report = screen[screen.rindex("── Reports: Overdue hires ──"):]
    assert "Jaws" in report and "Smith" not in report   # Mary's copies are back
    back_to_menu(till)
    till.send("q")
    assert till.exit_status() == 0
    assert "Traceback" not in till.screen()


def test_register_a_customer_hire_from_their_page_and_return_ten_days_later(shop, till):
    heat, jaws = shop.copies["Heat@1"][0], shop.copies["Jaws@1"][0]
    till.send("1")
    till.wait_for("customers>")
    till.send("n")
    for prompt, text in (("First name:", "Ezra"), ("Surname:", "Quillfeather"),
                         ("Date of birth:", "1985-04-02"), ("Phone (optional):", "0207 555 0199"),
                         ("E-mail (optional):", ""), ("Address (optional):", ""),
                         ("City (optional):", ""), ("Postcode (optional):", "")):
        answer(till, prompt, text)
    screen = till.wait_for("Registered Ezra Quillfeather: card ")
    card = re.search(r"Registered Ezra Quillfeather: card (\d+)", screen).group(1)
    till.wait_for(f"customer {card}>")
    till.send("o")                                            # hire out, from their page
    answer(till, "copy>", str(heat))
    till.wait_for(f"{heat}  Heat · DVD · 3.49, due")          # NC-17: Ezra is old enough
    answer(till, "copy>", str(jaws), 2)
    till.wait_for(f"{jaws}  Jaws · DVD · 2.49, due")
    answer(till, "copy>", "", 3)
    answer(till, "Paid now (5.98)?", "y")
    answer(till, "Hire 2 copies to Ezra Quillfeather?", "y")
    till.wait_for("Hired 2 copies to Ezra Quillfeather; receipt")

    shop.advance(10)                                          # both due after 3 days
    back_to_menu(till)
    till.send("4")
    answer(till, "return>", str(heat))
    answer(till, "return>", str(jaws), 2)
    answer(till, "return>", "", 3)
    answer(till, "Condition", "")
    answer(till, "Paid now (14.00)?", "n")                    # 7 days late each at 1.00
    answer(till, "Take back 2 copies from Ezra Quillfeather?", "y")
    screen = till.wait_for("Returned 2 from Ezra Quillfeather; receipt")
    receipt = screen[screen.rindex("RETURN · receipt"):]
    assert receipt.count("7 days late") == 2 and "14.00" in receipt
    assert "Balance owed" in receipt and "Traceback" not in screen


def test_quick_command_line_hires_and_returns_up_recalls_it_and_f1_lists_the_hire_keys(
        shop, till):
    alien = shop.copies["Alien@1"][0]
    open_hires = "SELECT COUNT(*) FROM hires WHERE copy_id = %s AND returned_at IS NULL"
    till.type(f"/hire {alien} to 555-0101")
    till.send("Enter")
    till.wait_for("── To hire to Mary Smith ──")              # what will be written, first
    answer(till, "Paid now (2.99)?", "n")
    answer(till, "Hire 1 copy to Mary Smith?", "y")
    till.wait_for("Hired 1 copy to Mary Smith; receipt")
    assert shop.scalar(open_hires, (alien,)) == 1

    wait_at_menu(till)
    till.type(f"/return {alien}")
    till.send("Enter")
    answer(till, "Condition", "")
    till.wait_for("── To take back from Mary Smith ──")
    answer(till, "Take back 1 copy from Mary Smith?", "y")     # on time: nothing to pay
    till.wait_for("Returned 1 from Mary Smith; receipt")
    assert shop.scalar(open_hires, (alien,)) == 0

    wait_at_menu(till)
    till.send("Up")                                            # the menu line's history
    till.wait_for(f"videostore> /return {alien}")
    till.send("C-c")
    wait_at_menu(till)

    till.send("3")                                             # the Hire out screen
    till.wait_for("customer>")
    till.send("F1")
    till.wait_for("── Help: choosing a customer ──")
    answer(till, "customer>", "555 0101", 2)
    till.wait_for("copy>")
    till.type("12")
    till.send("F1")
    screen = till.wait_for("── Help: Hire out, the copies ──")
    assert "Enter alone" in screen and "Esc, Ctrl-C" in screen
    till.wait_for("copy> 12")                                  # what was typed stays
    till.send("Escape")
    screen = till.wait_for("Cancelled: nothing was hired.")
    assert "Traceback" not in screen
