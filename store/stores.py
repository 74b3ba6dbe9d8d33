"""The shops of the chain."""
from __future__ import annotations

from dataclasses import dataclass

from db.database import Database
from db.stores import get_store
from store import unit
from store.errors import NotFound


@dataclass(frozen=True)
class StoreInfo:
    id: int
    name: str
    timezone: str


class Stores:
    """The stores, each read once: a store's name and time zone change rarely enough that a
    terminal started before such a change may show the old one until it restarts."""

    def __init__(self, database: Database):
        self._db = database
        self._known: dict[int, StoreInfo] = {}

    def get(self, store_id: int) -> StoreInfo:
        if store_id in self._known:
            return self._known[store_id]
        row = unit.run(self._db, lambda tx: get_store(tx, store_id))
        if row is None:
            raise NotFound(f"there is no store {store_id} in this database")
        info = StoreInfo(row["id"], row["name"], row["timezone"])
        self._known[store_id] = info
        return info
