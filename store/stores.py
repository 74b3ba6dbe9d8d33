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
    def __init__(self, database: Database):
        self._db = database

    def get(self, store_id: int) -> StoreInfo:
        row = unit.run(self._db, lambda tx: get_store(tx, store_id))
        if row is None:
            raise NotFound(f"there is no store {store_id} in this database")
        return StoreInfo(row["id"], row["name"], row["timezone"])
