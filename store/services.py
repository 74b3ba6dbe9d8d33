"""What the clerk's terminal works with, assembled in one place from the settings."""
from __future__ import annotations

from dataclasses import dataclass

from db.database import Database
from db.schema import latest_version, version_in
from db.settings import Settings
from store import unit
from store.client import StoreClient
from store.counter import Counter
from store.customers import Customers
from store.errors import DatabaseMissing
from store.hires import Hires
from store.holds import Holds
from store.leases import LeaseKeeper
from store.payments import Payments
from store.receipts import Receipts
from store.reports import Reports
from store.returns import Returns
from store.shelf import Shelf
from store.shop import ShopSettings
from store.stores import StoreInfo, Stores
from store.videos import Videos


@dataclass
class Desk:
    """The counter's managers: hiring out, returns, holds, money, receipts."""
    hires: Hires
    returns: Returns
    holds: Holds
    payments: Payments
    receipts: Receipts


def open_desk(database: Database, counter: Counter, shop: ShopSettings,
              stores: Stores) -> Desk:
    return Desk(Hires(database, counter, shop, stores), Returns(database, counter, shop, stores),
                Holds(database, counter, shop), Payments(database, counter, stores),
                Receipts(database))


@dataclass
class TerminalServices:
    settings: Settings
    client: StoreClient
    leases: LeaseKeeper
    counter: Counter
    shop: ShopSettings
    stores: Stores
    videos: Videos
    _database: Database
    customers: Customers
    desk: Desk
    reports: Reports
    shelf: Shelf          # the copies on the shelf, for completing a copy as it is typed

    def home_store(self) -> StoreInfo:
        """The store this terminal serves: the logged-in clerk's, else the configured one.
        DatabaseMissing when this machine has no password for the database's account:
        create-db has not been run for it here."""
        db = self.settings.db
        if not db.password:
            raise DatabaseMissing(
                f"Database {db.name} is not set up on this machine: no password for its "
                f"account {db.app_user} is configured or saved by create-db.")
        user = self.client.user
        return self.stores.get(user["store_id"] if user else self.settings.terminal.store_id)

    def schema_behind(self) -> str | None:
        """What to tell the clerk when the database is older than this code (a migration
        not run yet after an upgrade): its new tables are missing, so writes would fail."""
        have, need = unit.run(self._database, version_in), latest_version()
        if have >= need:
            return None
        return (f"Database {self.settings.db.name} is at schema version {have}; this program "
                f"needs {need}. Until an admin runs `python main.py migrate` (`make up` does "
                f"it), hires, returns and payments cannot be saved.")

    def close(self) -> None:
        self.leases.close()
        self.client.close()
        self._database.close()


def open_terminal_services(settings: Settings) -> TerminalServices:
    """Managers over a lazily connecting pool, a (not yet started) server client, and the
    keeper of this terminal's locks, checked again after every reconnect."""
    database = Database.for_app(settings.db)
    client = StoreClient(settings.server.host, settings.server.port, tls_ca=settings.server.tls_ca)
    leases = LeaseKeeper(client)
    client.on_resumed = lambda answer: leases.recheck(answer.get("locks", []))
    counter = Counter(client, leases)
    shop = ShopSettings(database, counter)
    stores = Stores(database)
    return TerminalServices(settings, client, leases, counter, shop, stores,
                            Videos(database, counter), database,
                            customers=Customers(database, counter),
                            desk=open_desk(database, counter, shop, stores),
                            reports=Reports(database), shelf=Shelf(database))
