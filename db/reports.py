"""SQL for the reports (store/reports.py): one statement each, over the indexes named in
its docstring.

A range of days arrives as *windows*, one per store: (store id, UTC start, UTC end),
since each store's day follows its own time zone. They become an OR of index ranges,
`(store_id = 1 AND t >= .. AND t < ..) OR (store_id = 2 AND ..)`, which the optimizer
reads as one range scan per store on a (store_id, time) index. Grouping by the store's
local day takes *segments*: (store id, UTC start, UTC end, UTC offset in seconds) pieces
of the windows in which the offset holds (a summer-time change cuts a window in two).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from db.database import Tx

Window = tuple[int, datetime, datetime]
Segment = tuple[int, datetime, datetime, int]
STATUSES = ("available", "hired", "held", "damaged", "lost", "retired")
IN_CIRCULATION = STATUSES[:3]   # copies a customer could hire


def _windows(store_col: str, time_col: str, windows: Sequence[Window],
             also: str = "") -> tuple[str, list[Any]]:
    """`windows` as one condition (FALSE for none); `also` is added to each range."""
    extra = f" AND {also}" if also else ""
    parts = [f"({store_col} = %s{extra} AND {time_col} >= %s AND {time_col} < %s)"
             for _ in windows]
    return "(" + (" OR ".join(parts) or "FALSE") + ")", [v for w in windows for v in w]


def _local_day(store_col: str, time_col: str,
               segments: Sequence[Segment]) -> tuple[str, list[Any]]:
    """The store's calendar day of `time_col`: its UTC time moved by the offset in force."""
    whens = " ".join(f"WHEN {store_col} = %s AND {time_col} >= %s AND {time_col} < %s "
                     f"THEN %s" for _ in segments)
    case = f"CASE {whens} ELSE 0 END" if segments else "0"
    return f"DATE({time_col} + INTERVAL ({case}) SECOND)", [v for s in segments for v in s]


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values)) or "NULL"


def _limit(limit: int | None) -> tuple[str, list[Any]]:
    return (" LIMIT %s", [limit]) if limit is not None else ("", [])


def stores(tx: Tx, store_id: int | None = None) -> list[dict[str, Any]]:
    """One store or all of them: id, name, timezone."""
    if store_id is not None:
        return tx.all("SELECT id, name, timezone FROM stores WHERE id = %s", (store_id,))
    return tx.all("SELECT id, name, timezone FROM stores ORDER BY id")


HIRE_PEOPLE = (
    "SELECT h.id AS hire_id, h.store_id, s.name AS store, h.hired_at, h.due_at, "
    "cu.card_number, cu.first_name, cu.last_name, cu.phone, cu.email, t.title, c.barcode "
    "FROM hires h JOIN stores s ON s.id = h.store_id "
    "JOIN customers cu ON cu.id = h.customer_id "
    "JOIN copies c ON c.id = h.copy_id JOIN titles t ON t.id = c.title_id ")


def overdue(tx: Tx, store_ids: Sequence[int], now: datetime,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Open hires due before `now`, most overdue first (ix_hires_store_open_due)."""
    tail, more = _limit(limit)
    return tx.all(
        HIRE_PEOPLE + f"WHERE h.store_id IN ({_in(store_ids)}) AND h.returned_at IS NULL "
        f"AND h.due_at < %s ORDER BY h.due_at, h.id" + tail, [*store_ids, now, *more])


def due(tx: Tx, windows: Sequence[Window], limit: int | None = None) -> list[dict[str, Any]]:
    """Open hires due within the windows, soonest first (ix_hires_store_open_due)."""
    where, params = _windows("h.store_id", "h.due_at", windows, "h.returned_at IS NULL")
    tail, more = _limit(limit)
    return tx.all(HIRE_PEOPLE + f"WHERE {where} ORDER BY h.due_at, s.name, h.id" + tail,
                  [*params, *more])


def takings(tx: Tx, windows: Sequence[Window], segments: Sequence[Segment],
            limit: int | None = None) -> list[dict[str, Any]]:
    """Money taken per local day, store and clerk; refunds count against it
    (ix_payments_store_paid)."""
    day, day_params = _local_day("p.store_id", "p.paid_at", segments)
    where, params = _windows("p.store_id", "p.paid_at", windows)
    tail, more = _limit(limit)
    return tx.all(
        f"SELECT {day} AS day, p.store_id, s.name AS store, st.username AS clerk, "
        "COUNT(*) AS payments, SUM(p.amount) AS amount "
        "FROM payments p JOIN stores s ON s.id = p.store_id JOIN staff st ON st.id = p.staff_id "
        f"WHERE {where} GROUP BY day, p.store_id, s.name, st.id, st.username "
        "ORDER BY day, s.name, st.username" + tail, [*day_params, *params, *more])


def top_titles(tx: Tx, windows: Sequence[Window], limit: int | None) -> list[dict[str, Any]]:
    """Titles by hires within the windows, most first (ix_hires_store_hired)."""
    where, params = _windows("h.store_id", "h.hired_at", windows)
    tail, more = _limit(limit)
    return tx.all(
        "SELECT t.id AS title_id, t.title, t.release_year, t.genre, COUNT(*) AS hires, "
        "COUNT(DISTINCT h.customer_id) AS customers, SUM(h.rate_charged) AS charged "
        "FROM hires h JOIN copies c ON c.id = h.copy_id JOIN titles t ON t.id = c.title_id "
        f"WHERE {where} GROUP BY t.id, t.title, t.release_year, t.genre "
        "ORDER BY hires DESC, t.title, t.id" + tail, [*params, *more])


def slowest_titles(tx: Tx, store_ids: Sequence[int], windows: Sequence[Window],
                   limit: int | None) -> list[dict[str, Any]]:
    """Per store and title, the copies in circulation (ix_copies_store_status), their
    hires within the windows and their last hire ever (ix_hires_copy_hired): the fewest
    hires first, then the longest since the last one (never hired: first of all). Titles
    are read only for the store's copies (grouped first, then joined)."""
    where, params = _windows("h.store_id", "h.hired_at", windows, "h.copy_id = c.id")
    tail, more = _limit(limit)
    return tx.all(
        "SELECT x.store_id, s.name AS store, t.id AS title_id, t.title, t.genre, x.copies, "
        "x.hires, x.last_hired "
        "FROM (SELECT c.store_id, c.title_id, COUNT(*) AS copies, "
        f"  SUM((SELECT COUNT(*) FROM hires h WHERE {where})) AS hires, "
        "  MAX((SELECT MAX(l.hired_at) FROM hires l WHERE l.copy_id = c.id)) AS last_hired "
        f" FROM copies c WHERE c.store_id IN ({_in(store_ids)}) "
        f" AND c.status IN ({_in(IN_CIRCULATION)}) GROUP BY c.store_id, c.title_id) x "
        "JOIN stores s ON s.id = x.store_id JOIN titles t ON t.id = x.title_id "
        "ORDER BY x.hires, x.last_hired, s.name, t.title, t.id" + tail,
        [*params, *store_ids, *IN_CIRCULATION, *more])


def stock(tx: Tx, store_ids: Sequence[int], limit: int | None = None) -> list[dict[str, Any]]:
    """Copies per store and title by status, counted inside ix_copies_store_title_status;
    titles are read only for the store's copies (grouped first, then joined)."""
    counts = ", ".join(f"COUNT(CASE WHEN c.status = %s THEN 1 END) AS {s}" for s in STATUSES)
    tail, more = _limit(limit)
    return tx.all(
        "SELECT x.*, s.name AS store, t.title FROM (SELECT c.store_id, c.title_id, "
        f" {counts}, COUNT(*) AS total FROM copies c WHERE c.store_id IN ({_in(store_ids)}) "
        " GROUP BY c.store_id, c.title_id) x "
        "JOIN stores s ON s.id = x.store_id JOIN titles t ON t.id = x.title_id "
        "ORDER BY s.name, x.store_id, t.title, x.title_id" + tail,
        [*STATUSES, *store_ids, *more])


def balances(tx: Tx, store_ids: Sequence[int], above: Decimal,
             limit: int | None = None) -> list[dict[str, Any]]:
    """Customers of these home stores (ix_customers_store) who owe more than `above`,
    most first: SUM(charges) - SUM(payments), each by its customer index."""
    tail, more = _limit(limit)
    return tx.all(
        "SELECT b.* FROM (SELECT cu.id AS customer_id, cu.card_number, cu.first_name, "
        " cu.last_name, cu.phone, cu.email, cu.active, cu.store_id, s.name AS store, "
        " (SELECT COALESCE(SUM(ch.amount), 0) FROM charges ch WHERE ch.customer_id = cu.id) "
        " - (SELECT COALESCE(SUM(p.amount), 0) FROM payments p WHERE p.customer_id = cu.id) "
        " AS owed FROM customers cu JOIN stores s ON s.id = cu.store_id "
        f" WHERE cu.store_id IN ({_in(store_ids)})) b WHERE b.owed > %s "
        "ORDER BY b.owed DESC, b.last_name, b.first_name, b.customer_id" + tail,
        [*store_ids, above, *more])


def sales_by_store(tx: Tx, store_ids: Sequence[int],
                   windows: Sequence[Window]) -> list[dict[str, Any]]:
    """Like Sakila's sales_by_store view: each store, its managers (ix_staff_store_role)
    and the money taken there within the windows (ix_payments_store_paid)."""
    where, params = _windows("p.store_id", "p.paid_at", windows)
    return tx.all(
        "SELECT s.id AS store_id, s.name AS store, "
        " (SELECT GROUP_CONCAT(COALESCE(NULLIF(m.full_name, ''), m.username) "
        "   ORDER BY m.username SEPARATOR ', ') FROM staff m "
        "   WHERE m.store_id = s.id AND m.role = 'manager' AND m.active) AS managers, "
        " COALESCE(x.payments, 0) AS payments, COALESCE(x.total, 0) AS total "
        "FROM stores s LEFT JOIN (SELECT p.store_id, COUNT(*) AS payments, "
        f" SUM(p.amount) AS total FROM payments p WHERE {where} GROUP BY p.store_id) x "
        f" ON x.store_id = s.id WHERE s.id IN ({_in(store_ids)}) ORDER BY s.name, s.id",
        [*params, *store_ids])


def sales_by_genre(tx: Tx, windows: Sequence[Window]) -> list[dict[str, Any]]:
    """Like Sakila's sales_by_film_category view: money taken within the windows
    (ix_payments_store_paid) by the genre of the hire it was for, most first; genre NULL
    for money not for one hire (account payments, refunds)."""
    where, params = _windows("p.store_id", "p.paid_at", windows)
    return tx.all(
        "SELECT t.genre, COUNT(*) AS payments, SUM(p.amount) AS total FROM payments p "
        "LEFT JOIN hires h ON h.id = p.hire_id LEFT JOIN copies c ON c.id = h.copy_id "
        f"LEFT JOIN titles t ON t.id = c.title_id WHERE {where} "
        "GROUP BY t.genre ORDER BY total DESC, t.genre", params)
