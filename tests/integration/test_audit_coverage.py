"""Every change of money (charges, payments, waivers, refunds, fees) and of stock (copies
added or marked, hires, renewals, returns, holds) writes an audit row in its own
transaction. A table of the managers' public methods says which change money or stock:
a new method that is in neither list fails the test until it is driven here (and audits)
or named a read."""
import inspect
from contextlib import contextmanager

from db.database import Database
from store.hires import Hires
from store.holds import Holds
from store.payments import Payments
from store.returns import Returns
from store.services import open_desk
from store.shop import ShopSettings
from store.stores import Stores
from store.videos import Videos
from tests.conftest import STAFF_PASSWORD
from tests.helpers import counter_for

MANAGERS = (Hires, Returns, Holds, Payments, Videos)
WRITES = {"Hires.hire", "Hires.renew", "Returns.return_copies", "Returns.return_all",
          "Returns.waive", "Payments.take", "Payments.refund", "Holds.place", "Holds.cancel",
          "Holds.expire_due", "Videos.add_copies", "Videos.mark_copy"}
READS = {"Hires.copy_ids", "Hires.quote", "Returns.quote", "Returns.quote_all",
         "Payments.balance", "Payments.statement", "Payments.takings", "Holds.queue",
         "Holds.of_customer", "Holds.shelf", "Videos.find_copy", "Videos.copy",
         "Videos.find_titles", "Videos.title", "Videos.copies_of", "Videos.title_card",
         "Videos.genres",
         # titles are neither money nor stock; they are audited too (tests/integration/test_videos.py)
         "Videos.add_title", "Videos.edit_title"}

FINGERPRINT = """SELECT
 (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(amount), 0)) FROM charges) AS charges,
 (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(amount), 0)) FROM payments) AS payments,
 (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS('|', id, returned_at, due_at,
   renewals, late_fee))), 0)) FROM hires) AS hires,
 (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS('|', id, status))), 0))
   FROM copies) AS copies,
 (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS('|', id, status, copy_id))), 0))
   FROM holds) AS holds"""


def public_methods(cls):
    return {f"{cls.__name__}.{name}" for name, value in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(value)}


def test_every_public_method_of_the_money_and_stock_managers_is_classified():
    methods = set().union(*(public_methods(cls) for cls in MANAGERS))
    assert methods - WRITES - READS == set(), "new methods: drive them below, or list as reads"
    assert (WRITES | READS) - methods == set(), "listed methods that no longer exist"


class Recorder:
    """Runs one manager call and checks that what it changed came with audit rows."""

    def __init__(self, admin: Database):
        self.admin, self.driven = admin, set()

    def state(self):
        with self.admin.transaction() as tx:
            return tx.one(FINGERPRINT), tx.scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log")

    def __call__(self, method, work):
        before, last = self.state()
        result = work()
        after, _ = self.state()
        changed = sorted(k for k in before if before[k] != after[k])
        assert changed, f"{method}: this step changed no money or stock (a useless step)"
        with self.admin.transaction() as tx:
            actions = [r["action"] for r in tx.all(
                "SELECT action FROM audit_log WHERE id > %s ORDER BY id", (last,))]
        assert actions, f"{method} changed {changed} and wrote no audit row"
        self.driven.add(method)
        return result


@contextmanager
def managers(shop, username="mgr1"):
    database = Database.for_app(shop.settings.db)
    try:
        with counter_for(shop.server, username, STAFF_PASSWORD, terminal="till-audit") as counter:
            yield (open_desk(database, counter, ShopSettings(database, counter), Stores(database)),
                   Videos(database, counter))
    finally:
        database.close()


def test_every_money_and_stock_change_writes_an_audit_row(shop):
    mary, bob, cy = shop.customers["mary"], shop.customers["bob"], shop.customers["cy"]
    alien, jaws = str(shop.copies["Alien@1"][0]), str(shop.copies["Jaws@1"][0])
    heat, toy = str(shop.copies["Heat@1"][0]), str(shop.copies["Toy Story@1"][1])
    admin = shop.admin_db()
    step = Recorder(admin)
    try:
        with managers(shop) as (desk, videos):
            step("Hires.hire", lambda: desk.hires.hire(mary, [alien]))
            step("Hires.renew", lambda: desk.hires.renew(alien))
            step("Payments.take", lambda: desk.payments.take(mary, desk.payments.balance(mary)))
            step("Returns.return_copies", lambda: desk.returns.return_copies([alien]))
            step("Hires.hire", lambda: desk.hires.hire(mary, [jaws], pay_now=True))
            shop.advance(5)
            late = step("Returns.return_copies",
                        lambda: desk.returns.return_copies([jaws], pay_now=True))
            step("Returns.waive", lambda: desk.returns.waive(late.returned[0].hire_id, "storm"))
            credit = -desk.payments.balance(mary)
            assert credit > 0
            step("Payments.refund", lambda: desk.payments.refund(mary, credit, "fee waived"))

            step("Hires.hire", lambda: desk.hires.hire(mary, [heat], pay_now=True))
            hold = step("Holds.place", lambda: desk.holds.place(bob, shop.titles["Heat"]))
            step("Holds.cancel", lambda: desk.holds.cancel(hold["hold_id"]))      # waiting
            step("Holds.place", lambda: desk.holds.place(bob, shop.titles["Heat"]))
            step("Returns.return_copies", lambda: desk.returns.return_copies([heat]))
            step("Hires.hire", lambda: desk.hires.hire(bob, [heat], pay_now=True))  # fulfils
            step("Returns.return_all", lambda: desk.returns.return_all(bob, pay_now=True))

            step("Hires.hire", lambda: desk.hires.hire(mary, [heat], pay_now=True))
            step("Holds.place", lambda: desk.holds.place(bob, shop.titles["Heat"]))
            cys = step("Holds.place", lambda: desk.holds.place(cy, shop.titles["Heat"]))
            step("Returns.return_copies", lambda: desk.returns.return_copies([heat]))
            shop.advance(3.1)
            step("Holds.expire_due", desk.holds.expire_due)                      # to Cy
            step("Holds.cancel", lambda: desk.holds.cancel(cys["hold_id"]))      # ready

            step("Videos.add_copies", lambda: videos.add_copies(shop.titles["Alien"], 2, "DVD"))
            step("Videos.mark_copy", lambda: videos.mark_copy(int(toy), "damaged", "scratched"))
        assert step.driven == WRITES
        with admin.transaction() as tx:
            actions = {r["action"] for r in tx.all("SELECT DISTINCT action FROM audit_log")}
        assert {"hire.create", "hire.renew", "hire.return", "fee.waive", "payment.payment",
                "payment.refund", "hold.place", "hold.cancel", "hold.fulfil", "hold.expire",
                "copy.add", "copy.mark"} <= actions
    finally:
        admin.close()
