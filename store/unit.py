"""How a manager runs its work: one transaction, retried on a deadlock, with every
data-layer failure turned into a StoreError the clerk can act on."""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

from db.database import Database, Tx
from db.errors import DbError
from store.errors import Internal, StoreError, from_db_error

log = logging.getLogger(__name__)

T = TypeVar("T")


def run(database: Database, work: Callable[[Tx], T]) -> T:
    try:
        return database.run(work)
    except DbError as e:
        raise store_error(e) from None


def store_error(e: DbError) -> StoreError:
    """The StoreError for a data-layer failure; one that is a bug is logged here."""
    error = from_db_error(e)
    if isinstance(error, Internal):
        log.error("database error: %s", e, exc_info=True)
    return error
