"""Returns, fees, holds and money through the managers, on the real MariaDB and a real
store server whose test clock makes hires late."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from db.database import Database
from store.errors import Forbidden, Refused
from store.shop import ShopSettings
from tests.circulation import Shop
from tests.conftest import ADMIN_PASSWORD
from tests.helpers import counter_for


def refused(call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as e:
        call(*args, **kwargs)
    return e.value


def test_a_round_trip_hire_late_return_and_payment(shop: Shop):
    mary = shop.customers["mary"]
    alien, toy = shop.copies["Alien@1"][0], shop.copies["Toy Story@1"][0]
    with shop.desk() as desk:
        desk.hires.hire(mary, [str(alien), str(toy)])            # 2.99 + 1.99 on the balance
        shop.advance(10)                                          # Alien 3 days, Toy Story 2
        back = desk.returns.return_copies([str(alien), str(toy)])
        late = {r.copy_id: r.days_late for r in back.returned}
        assert late == {alien: 7, toy: 8}
        assert back.total == Decimal("15.00")                     # 7 + 8 days at 1.00
        assert back.balance == Decimal("19.98")                   # rentals 4.98 + fees 15.00
        assert "7 days late" in back.receipt and "8 days late" in back.receipt
        paid = desk.payments.take(mary, Decimal("19.98"))
        assert paid.balance == Decimal("0.00") and "PAYMENT · receipt" in paid.receipt
    for copy in (alien, toy):
        assert shop.scalar("SELECT status FROM copies WHERE id = %s", (copy,)) == "available"
    assert shop.scalar("SELECT late_fee FROM hires WHERE copy_id = %s", (alien,)) == Decimal("7.00")


def test_returning_a_copy_that_is_not_out_says_so_and_changes_nothing(shop):
    jaws = shop.copies["Jaws@1"][0]
    before = shop.scalar("SELECT COUNT(*) FROM audit_log")
    with shop.desk() as desk:
        e = refused(desk.returns.return_copies, [str(jaws)])
    assert f"Copy {jaws} is not out" in e.message
    assert shop.scalar("SELECT COUNT(*) FROM audit_log") == before
    assert shop.scalar("SELECT COUNT(*) FROM receipts") == 0


def test_return_all_takes_back_everything_the_customer_has_out(shop):
    mary = shop.customers["mary"]
    jaws = [str(c) for c in shop.copies["Jaws@1"]]
    with shop.desk() as desk:
        desk.hires.hire(mary, jaws, pay_now=True)
        back = desk.returns.return_all(mary, pay_now=True)
        assert sorted(r.copy_id for r in back.returned) == sorted(int(c) for c in jaws)
        assert back.total == 0 and back.balance == 0
        assert refused(desk.returns.return_all, mary).details["reason"] == "not_out"


def test_a_lost_copy_costs_its_replacement_and_stays_off_the_shelf(shop):
    heat = shop.copies["Heat@1"][0]
    with shop.desk() as desk:
        desk.hires.hire(shop.customers["mary"], [str(heat)], pay_now=True)
        back = desk.returns.return_copies([str(heat)], condition="lost")
    assert back.returned[0].charges == {"replacement": Decimal("24.99")}
    assert shop.scalar("SELECT status FROM copies WHERE id = %s", (heat,)) == "lost"


def test_a_returned_copy_fills_the_oldest_hold_and_the_clerk_is_told_whom_to_call(shop):
    mary, bob, cy = shop.customers["mary"], shop.customers["bob"], shop.customers["cy"]
    alien = [str(c) for c in shop.copies["Alien@1"]]
    with shop.desk() as desk:
        desk.hires.hire(mary, alien)
        assert desk.holds.place(bob, shop.titles["Alien"])["position"] == 1
        assert desk.holds.place(cy, shop.titles["Alien"])["position"] == 2
        back = desk.returns.return_copies([alien[0]])
        calls = back.calls()
        assert [c.customer for c in calls] == ["Bob Waiting"] and calls[0].phone == "5550104"
        assert "is for Bob Waiting's hold: call them on 5550104" in back.receipt
        assert shop.scalar("SELECT status FROM copies WHERE id = %s", (alien[0],)) == "held"
        e = refused(desk.hires.hire, cy, [alien[0]])          # set aside for Bob, not Cy
        assert e.details["reason"] == "held_for_other"
        desk.hires.hire(bob, [alien[0]])                      # Bob takes it
    assert shop.scalar("SELECT status FROM holds WHERE customer_id = %s", (bob,)) == "fulfilled"
    assert shop.scalar("SELECT status FROM holds WHERE customer_id = %s", (cy,)) == "waiting"


def test_a_held_copy_goes_to_the_next_hold_when_its_shelf_time_runs_out(shop):
    mary, bob, cy = shop.customers["mary"], shop.customers["bob"], shop.customers["cy"]
    heat = str(shop.copies["Heat@1"][0])
    with shop.desk() as desk:
        desk.hires.hire(mary, [heat])
        desk.holds.place(bob, shop.titles["Heat"])
        desk.holds.place(cy, shop.titles["Heat"])
        desk.returns.return_copies([heat])                    # set aside for Bob, 3 days
        shop.advance(3.1)
        passed = desk.holds.expire_due()
        assert [p.customer for p in passed] == ["Cy Second"]
        assert [h.customer for h in desk.holds.shelf()] == ["Cy Second"]
    assert shop.scalar("SELECT status FROM holds WHERE customer_id = %s", (bob,)) == "expired"


def test_a_hold_is_refused_while_a_copy_is_on_the_shelf_and_cancelling_passes_the_copy_on(shop):
    mary, bob, cy = shop.customers["mary"], shop.customers["bob"], shop.customers["cy"]
    heat = str(shop.copies["Heat@1"][0])
    with shop.desk() as desk:
        assert refused(desk.holds.place, bob, shop.titles["Heat"]).details["reason"] == "available"
        desk.hires.hire(mary, [heat])
        hold = desk.holds.place(bob, shop.titles["Heat"])
        assert refused(desk.holds.place, bob, shop.titles["Heat"]).details["reason"] == \
            "duplicate_hold"
        desk.holds.place(cy, shop.titles["Heat"])
        desk.returns.return_copies([heat])                    # to Bob ...
        passed = desk.holds.cancel(hold["hold_id"])           # ... who no longer wants it
        assert passed is not None and passed.customer == "Cy Second"


def test_a_manager_waives_a_late_fee_with_a_reason_a_clerk_may_not(shop):
    mary = shop.customers["mary"]
    jaws = str(shop.copies["Jaws@1"][0])
    with shop.desk() as desk:
        desk.hires.hire(mary, [jaws], pay_now=True)
        shop.advance(5)
        back = desk.returns.return_copies([jaws])
        assert back.balance == Decimal("2.00")
        with pytest.raises(Forbidden):
            desk.returns.waive(back.returned[0].hire_id, "storm")
    with shop.desk("mgr1") as desk:
        assert desk.returns.waive(back.returned[0].hire_id, "storm closed the road") == \
            Decimal("2.00")
        assert desk.payments.balance(mary) == 0
        assert refused(desk.returns.waive, back.returned[0].hire_id, "again").details[
            "reason"] == "nothing_to_waive"
    assert shop.scalar("SELECT reason FROM audit_log WHERE action = 'fee.waive'") == \
        "storm closed the road"


def test_payments_never_exceed_what_is_owed_and_refunds_only_a_credit(shop):
    mary = shop.customers["mary"]
    jaws = str(shop.copies["Jaws@1"][0])
    with shop.desk() as desk:
        desk.hires.hire(mary, [jaws])                         # owes 2.49
        assert refused(desk.payments.take, mary, Decimal("3.00")).details["reason"] == \
            "overpayment"
        desk.payments.take(mary, Decimal("2.49"))
        assert refused(desk.payments.take, mary, Decimal("1.00")).details["reason"] == \
            "nothing_owed"
        shop.advance(4)
        back = desk.returns.return_copies([jaws], pay_now=True)   # 1 day late, paid now
        assert back.paid == Decimal("1.00") and back.balance == 0
    with shop.desk("mgr1") as desk:
        desk.returns.waive(back.returned[0].hire_id, "our mistake")  # now 1.00 in credit
        assert refused(desk.payments.refund, mary, Decimal("2.00"), "x").details["reason"] == \
            "over_refund"
        refund = desk.payments.refund(mary, Decimal("1.00"), "fee waived after paying")
        assert refund.balance == 0 and "REFUND · receipt" in refund.receipt
        rows, balance = desk.payments.statement(mary)
        assert balance == 0
        assert [r["kind"] for r in rows][:2] == ["refund", "waiver"]


def test_the_days_takings_are_per_clerk_in_the_stores_day(shop):
    mary, bob = shop.customers["mary"], shop.customers["bob"]
    with shop.desk() as desk:
        desk.hires.hire(mary, [str(shop.copies["Jaws@1"][0])], pay_now=True)
    with shop.desk("clk1b") as desk:
        desk.hires.hire(bob, [str(shop.copies["Jaws@1"][1])], pay_now=True)
        today = datetime.now(timezone.utc).date()
        takings = {(r["clerk"], r["kind"]): r["amount"] for r in desk.payments.takings(today)}
        assert takings == {("clk1", "rental"): Decimal("2.49"), ("clk1b", "rental"): Decimal("2.49")}
        assert desk.payments.takings(today + timedelta(days=1)) == []
        with pytest.raises(Forbidden):
            desk.payments.takings(today, store_id=2)


def test_a_settings_change_by_an_admin_is_audited_and_used_at_once(shop):
    with shop.desk() as desk:
        with pytest.raises(Forbidden):
            desk.hires.shop.change("late_fee_per_day", "2.00")
    database = Database.for_app(shop.settings.db)
    try:
        with counter_for(shop.server, "admin", ADMIN_PASSWORD) as counter:
            settings = ShopSettings(database, counter)
            settings.change("late_fee_per_day", "2.00")
            assert settings.rules().late_fee_per_day == Decimal("2.00")
    finally:
        database.close()
    changed = shop.scalar("SELECT new_values FROM audit_log WHERE action = 'settings.change'")
    assert json.loads(changed) == {"late_fee_per_day": "2.00"}
    with shop.desk() as desk:
        desk.hires.hire(shop.customers["mary"], [str(shop.copies["Jaws@1"][0])], pay_now=True)
        shop.advance(4)
        assert desk.returns.return_copies([str(shop.copies["Jaws@1"][0])]).total == \
            Decimal("2.00")


def test_a_return_quote_shows_the_late_fee_before_anything_is_written(shop):
    mary = shop.customers["mary"]
    alien = str(shop.copies["Alien@1"][0])
    with shop.desk() as desk:
        desk.hires.hire(mary, [alien])
        shop.advance(5)
        quote = desk.returns.quote([alien])
        assert quote.customer == "Mary Smith" and quote.lines[0].days_late == 2
        assert quote.total == Decimal("2.00") and quote.balance == Decimal("2.99")
        assert desk.returns.quote_all(mary).total == Decimal("2.00")
        assert desk.returns.quote([alien], "lost").total == Decimal("19.99")
    assert shop.scalar("SELECT COUNT(*) FROM hires WHERE returned_at IS NULL") == 1
