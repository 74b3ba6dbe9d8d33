"""Hiring out through the managers, on the real MariaDB and a real store server: every
refusal says why and writes nothing; a hire is all its copies or none."""
import threading
from decimal import Decimal

import pytest

from store.errors import Forbidden, Locked, Refused, StoreError
from tests.circulation import Shop


def counts(shop: Shop) -> tuple:
    """Everything a hire writes, counted."""
    return tuple(shop.scalar(f"SELECT COUNT(*) FROM {table}") for table in
                 ("hires", "charges", "payments", "receipts", "audit_log")) + (
        shop.scalar("SELECT COUNT(*) FROM copies WHERE status <> 'available'"),)


def refused(call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as e:
        call(*args, **kwargs)
    return e.value


def test_a_hire_records_hires_charges_and_a_receipt_due_after_the_rental_days(shop):
    mary = shop.customers["mary"]
    alien, jaws = shop.copies["Alien@1"][0], shop.copies["Jaws@1"][0]
    with shop.desk() as desk:
        result = desk.hires.hire(mary, [str(alien), str(jaws)], pay_now=True)
    assert [h.copy_id for h in result.hires] == [alien, jaws]
    assert result.total == Decimal("5.48") and result.paid == Decimal("5.48")
    assert result.balance == Decimal("0.00")
    hired_at, due = shop.scalar("SELECT hired_at FROM hires WHERE copy_id = %s", (alien,)), \
        shop.scalar("SELECT due_at FROM hires WHERE copy_id = %s", (alien,))
    assert (due - hired_at).days == 3  # Alien's rental days, from the server's clock
    assert shop.scalar("SELECT status FROM copies WHERE id = %s", (alien,)) == "hired"
    assert "HIRE · receipt" in result.receipt and "Mary Smith" in result.receipt
    assert "Alien" in result.receipt and "5.48" in result.receipt
    with shop.desk() as desk:
        assert desk.receipts.reprint(result.receipt_id) == result.receipt
    assert shop.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'hire.create'") == 2


def test_a_hire_on_the_balance_leaves_it_owed(shop):
    with shop.desk() as desk:
        result = desk.hires.hire(shop.customers["mary"], [str(shop.copies["Jaws@1"][0])])
        assert result.paid == 0 and result.balance == Decimal("2.49")
        assert desk.payments.balance(shop.customers["mary"]) == Decimal("2.49")


def test_a_copy_can_be_scanned_by_its_barcode(shop):
    copy_id = shop.copies["Jaws@1"][1]
    barcode = shop.scalar("SELECT barcode FROM copies WHERE id = %s", (copy_id,))
    with shop.desk() as desk:
        result = desk.hires.hire(shop.customers["mary"], [barcode])
    assert result.hires[0].copy_id == copy_id


@pytest.mark.parametrize("who,what,reason", [
    ("ann", "Jaws@1", "customer_inactive"),
    ("tom", "Alien@1", "age"),          # 16, R needs 17
    ("mary", "Toy Story@2", "other_store"),
])
def test_a_refused_hire_says_why_and_writes_nothing(shop, who, what, reason):
    before = counts(shop)
    with shop.desk() as desk:
        e = refused(desk.hires.hire, shop.customers[who], [str(shop.copies["Jaws@1"][0]),
                                                           str(shop.copies[what][-1])])
    assert e.details["reason"] == reason and e.message
    assert counts(shop) == before


def test_a_hire_that_fails_half_way_leaves_nothing(shop):
    first, second = shop.copies["Jaws@1"][0], shop.copies["Jaws@1"][1]
    # The second copy is out already though its row says it is on the shelf: the hire gets
    # as far as writing the first copy's rows before the open-hire key refuses the second.
    shop.execute("INSERT INTO hires (copy_id, customer_id, store_id, hired_by, hired_at, "
                 "due_at, rate_charged) VALUES (%s, %s, 1, 1, UTC_TIMESTAMP(6), "
                 "UTC_TIMESTAMP(6) + INTERVAL 1 DAY, 1.00)", (second, shop.customers["bob"]))
    before = counts(shop)
    with shop.desk() as desk:
        e = refused(desk.hires.hire, shop.customers["mary"], [str(first), str(second)])
    assert f"Copy {second} is already out" in e.message
    assert counts(shop) == before
    assert shop.scalar("SELECT COUNT(*) FROM hires WHERE copy_id = %s", (first,)) == 0


def test_the_open_hire_limit_and_a_blocking_balance_with_a_managers_override(shop):
    mary = shop.customers["mary"]
    shop.execute("UPDATE settings SET value = '2' WHERE name = 'max_open_hires'")
    shop.execute("INSERT INTO charges (customer_id, store_id, staff_id, kind, amount, created_at) "
                 "VALUES (%s, 1, 1, 'adjustment', 12.00, UTC_TIMESTAMP(6))", (mary,))
    jaws = [str(c) for c in shop.copies["Jaws@1"]]
    with shop.desk() as desk:
        e = refused(desk.hires.hire, mary, jaws[:1])
        assert e.details["reason"] == "balance" and e.details["override"] is True
        with pytest.raises(Forbidden):  # a clerk may not override
            desk.hires.hire(mary, jaws[:1], override_reason="regular")
    with shop.desk("mgr1") as desk:
        assert refused(desk.hires.hire, mary, jaws, override_reason="regular"
                       ).details["reason"] == "hire_limit"  # 3 copies, the limit is 2
        desk.hires.hire(mary, jaws[:2], override_reason="a regular, paying Friday")
    assert shop.scalar("SELECT reason FROM audit_log WHERE action = 'hire.override_balance'"
                       ) == "a regular, paying Friday"


def test_a_customer_from_another_store_may_hire_here(shop):
    with shop.desk() as desk:  # clk1 works at store 1; Cy's home store is 2
        assert desk.hires.hire(shop.customers["cy"], [str(shop.copies["Jaws@1"][0])]).hires


def test_renewal_extends_from_now_until_the_limit_or_a_hold(shop):
    alien = shop.copies["Alien@1"][0]
    with shop.desk() as desk:
        desk.hires.hire(shop.customers["mary"], [str(alien)])
        shop.advance(1)
        renewed = desk.hires.renew(str(alien))
        due = shop.scalar("SELECT due_at FROM hires WHERE copy_id = %s AND returned_at IS NULL",
                          (alien,))
        assert renewed.hires[0].rate == Decimal("2.99") and "RENEWAL" in renewed.receipt
        hired = shop.scalar("SELECT hired_at FROM hires WHERE copy_id = %s", (alien,))
        assert 3.9 < (due - hired).total_seconds() / 86400 < 4.1  # 1 day later + 3 days
        desk.hires.renew(str(alien))
        assert refused(desk.hires.renew, str(alien)).details["reason"] == "renewal_limit"
        toy = shop.copies["Toy Story@1"]
        desk.hires.hire(shop.customers["mary"], [str(toy[0]), str(toy[1])])
        desk.holds.place(shop.customers["bob"], shop.titles["Toy Story"])
        assert refused(desk.hires.renew, str(toy[0])).details["reason"] == "title_on_hold"


def test_a_second_till_is_told_who_serves_the_customer(shop):
    mary = shop.customers["mary"]
    with shop.desk("clk1") as first, shop.desk("clk1b") as second:
        with first.hires.counter.holding(f"customer:{mary}"):
            with pytest.raises(Locked) as e:
                second.hires.hire(mary, [str(shop.copies["Jaws@1"][0])])
    assert e.value.details["username"] == "clk1"


def test_eight_tills_hiring_the_same_copies_leave_one_open_hire_per_copy(shop):
    copies = [str(c) for c in shop.copies["Jaws@1"]]
    customers = [shop.customers["mary"], shop.customers["bob"], shop.customers["cy"]]
    outcomes: list[str] = []

    def till(n: int) -> None:
        with shop.desk("clk1" if n % 2 else "clk1b") as desk:
            for attempt in range(6):
                try:
                    desk.hires.hire(customers[(n + attempt) % 3], [copies[(n + attempt) % 3]])
                    outcomes.append("hired")
                except StoreError as e:  # Locked by another till, or Refused: not available
                    outcomes.append(e.code)
    threads = [threading.Thread(target=till, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(outcomes) == 48 and outcomes.count("hired") == 3
    assert set(outcomes) <= {"hired", "LOCKED", "REFUSED"}
    assert shop.scalar("SELECT COUNT(*) FROM hires WHERE returned_at IS NULL") == 3
    assert shop.scalar("SELECT COUNT(DISTINCT copy_id) FROM hires") == 3


def test_a_quote_shows_due_dates_and_charges_and_refuses_early_writing_nothing(shop):
    before = counts(shop)
    alien, toy = shop.copies["Alien@1"][0], shop.copies["Toy Story@1"][0]
    with shop.desk() as desk:
        quote = desk.hires.quote(shop.customers["mary"], [str(alien), str(toy)])
        assert [(x.copy_id, x.rate) for x in quote.lines] == [(alien, Decimal("2.99")),
                                                              (toy, Decimal("1.99"))]
        assert quote.total == Decimal("4.98") and quote.customer == "Mary Smith"
        assert (quote.lines[0].due_at - quote.lines[1].due_at).days == 1  # 3 days vs 2
        assert refused(desk.hires.quote, shop.customers["tom"], [str(alien)]
                       ).details["reason"] == "age"
    assert counts(shop) == before
