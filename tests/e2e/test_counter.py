"""A day at the counter in the real terminal (tmux): hire two copies, the store's test
clock moved ten days on, both returned, and the late fees on the receipt."""
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


def back_to_menu(term):
    """Esc until the main menu's prompt is the last line above the toolbar."""
    term.send("Escape")
    deadline = time.monotonic() + 15
    while not [x for x in term.screen().splitlines() if x.strip()][-2].startswith("videostore>"):
        assert time.monotonic() < deadline, term.screen()
        time.sleep(0.05)


def answer(term, prompt, text, count=1):
    term.wait_for_count(prompt, count)
    if text:
        term.type(text)
    term.send("Enter")


def test_hire_two_copies_ten_days_later_return_them_and_see_the_late_fees(shop, till):
    alien, toy = shop.copies["Alien@1"][0], shop.copies["Toy Story@1"][0]
    till.send("3")
    answer(till, "customer>", "Mary Smi")
    till.wait_for("Mary Smith · card")
    answer(till, "copy>", str(alien))
    till.wait_for(f"{alien}  Alien · DVD · 2.99, due")
    answer(till, "copy>", str(toy), 2)
    till.wait_for(f"{toy}  Toy Story · DVD · 1.99, due")
    answer(till, "copy>", "", 3)
    till.wait_for("── To hire to Mary Smith ──")
    answer(till, "Paid now (4.98)?", "n")
    answer(till, "Hire 2 copies to Mary Smith?", "y")
    till.wait_for("Hired 2 copies to Mary Smith; receipt")
    assert shop.scalar("SELECT COUNT(*) FROM hires WHERE returned_at IS NULL") == 2

    shop.advance(10)
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
    assert "Traceback" not in screen
