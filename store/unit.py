"""How a manager runs its work: one transaction, retried on a deadlock, with every
data-layer failure turned into a StoreError the clerk can act on."""
from __future__ import annotations

from typing import Callable, TypeVar

from db.database import Database, Tx
from db.errors import DbError
from store.errors import from_db_error

T = TypeVar("T")


def run(database: Database, work: Callable[[Tx], T]) -> T:
    try:
        return database.run(work)
    except DbError as e:
        raise from_db_error(e) from None
