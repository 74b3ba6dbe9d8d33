"""SQL for titles and their copies."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from db.database import Tx


def insert_title(tx: Tx, title: str, release_year: int | None, rating: str, genre: str,
                 length_min: int | None, rental_rate: Decimal, rental_days: int,
                 replacement_cost: Decimal, description: str, now: datetime) -> int:
    return tx.insert(
        "INSERT INTO titles (title, release_year, rating, genre, length_min, rental_rate, "
        "rental_days, replacement_cost, description, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (title, release_year, rating, genre, length_min, rental_rate, rental_days,
         replacement_cost, description, now, now))


def insert_copies(tx: Tx, rows: Sequence[tuple[int, int, str, str, int, datetime]]) -> int:
    """rows: (title_id, store_id, format, barcode, copy_number, now)."""
    return tx.many(
        "INSERT INTO copies (title_id, store_id, format, barcode, copy_number, created_at, "
        "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [(t, s, f, b, n, now, now) for t, s, f, b, n, now in rows])


_COPY_WHEREABOUTS = (
    "SELECT c.id, c.barcode, c.copy_number, c.format, c.status, c.store_id, "
    "s.name AS store_name, t.id AS title_id, t.title, t.rating, t.release_year, "
    "h.id AS hire_id, h.hired_at, h.due_at, hc.first_name AS hirer_first, "
    "hc.last_name AS hirer_last, hc.card_number AS hirer_card, "
    "ho.id AS hold_id, oc.first_name AS holder_first, oc.last_name AS holder_last, "
    "oc.phone AS holder_phone "
    "FROM copies c JOIN titles t ON t.id = c.title_id JOIN stores s ON s.id = c.store_id "
    "LEFT JOIN hires h ON h.open_copy_id = c.id "
    "LEFT JOIN customers hc ON hc.id = h.customer_id "
    "LEFT JOIN holds ho ON ho.copy_id = c.id AND ho.status = 'ready' "
    "LEFT JOIN customers oc ON oc.id = ho.customer_id ")


def copy_whereabouts(tx: Tx, copy_id: int | None = None,
                     barcode: str | None = None) -> dict[str, Any] | None:
    """One copy with its title, store, open hire (and hirer) and ready hold (and holder)."""
    if barcode is not None:
        return tx.one(_COPY_WHEREABOUTS + "WHERE c.barcode = %s", (barcode,))
    return tx.one(_COPY_WHEREABOUTS + "WHERE c.id = %s", (copy_id,))


_TITLE_COLUMNS = ("t.id, t.title, t.release_year, t.rating, t.genre, t.length_min, "
                  "t.rental_rate, t.rental_days, t.replacement_cost, t.description")


def get_title(tx: Tx, title_id: int, for_update: bool = False) -> dict[str, Any] | None:
    return tx.one(f"SELECT {_TITLE_COLUMNS} FROM titles t WHERE t.id = %s"
                  + (" FOR UPDATE" if for_update else ""), (title_id,))


def same_title(tx: Tx, title: str, release_year: int | None) -> dict[str, Any] | None:
    """A title of that name (any case) and year, if the catalogue has one (uses
    ix_titles_title)."""
    return tx.one("SELECT t.id, t.title, t.release_year FROM titles t "
                  "WHERE t.title = %s AND t.release_year <=> %s ORDER BY t.id LIMIT 1",
                  (title, release_year))


def update_title(tx: Tx, title_id: int, title: str, release_year: int | None, rating: str,
                 genre: str, length_min: int | None, rental_rate: Decimal, rental_days: int,
                 replacement_cost: Decimal, description: str, now: datetime) -> int:
    return tx.execute(
        "UPDATE titles SET title = %s, release_year = %s, rating = %s, genre = %s, "
        "length_min = %s, rental_rate = %s, rental_days = %s, replacement_cost = %s, "
        "description = %s, updated_at = %s WHERE id = %s",
        (title, release_year, rating, genre, length_min, rental_rate, rental_days,
         replacement_cost, description, now, title_id))


def genres(tx: Tx) -> list[str]:
    """Every genre in use (a loose scan of ix_titles_genre: one read per genre)."""
    return [r["genre"] for r in tx.all(
        "SELECT t.genre FROM titles t WHERE t.genre <> '' GROUP BY t.genre ORDER BY t.genre")]


_IN_STOCK = "('available', 'hired', 'held', 'damaged')"


def find_titles_query(match: str | None, prefix: str | None, contains: Sequence[str],
                      genre: str | None, rating: str | None, fmt: str | None,
                      available_at: int | None, here: int | None,
                      limit: int, ordered: bool = True) -> tuple[str, list[Any]]:
    """The SQL and parameters of a title search (see find_titles); public so that a test
    can EXPLAIN exactly what a screen runs. Built from fixed fragments only."""
    if (match is None) == (prefix is None):
        raise ValueError("a title search is by FULLTEXT match or by prefix, one of them")
    by_format = " AND c.format = %s" if fmt else ""
    fmt_params = [fmt] if fmt else []
    select = (
        f"SELECT {_TITLE_COLUMNS}, "
        f"(SELECT COUNT(*) FROM copies c WHERE c.store_id = %s AND c.title_id = t.id "
        f"AND c.status = 'available'{by_format}) AS available_here, "
        f"(SELECT COUNT(*) FROM copies c WHERE c.store_id = %s AND c.title_id = t.id "
        f"AND c.status IN {_IN_STOCK}{by_format}) AS copies_here, "
        f"(SELECT COUNT(*) FROM copies c WHERE c.title_id = t.id "
        f"AND c.status IN {_IN_STOCK}{by_format}) AS copies_total "
        f"FROM titles t WHERE ")
    params: list[Any] = [here, *fmt_params, here, *fmt_params, *fmt_params]
    where: list[str] = []
    if match is not None:
        where.append("MATCH (t.title) AGAINST (%s IN BOOLEAN MODE)")
        params.append(match)
    else:
        where.append("t.title LIKE %s")
        params.append(prefix)
    for pattern in contains:
        where.append("t.title LIKE %s")
        params.append(pattern)
    if genre:
        where.append("t.genre = %s")
        params.append(genre)
    if rating:
        where.append("t.rating = %s")
        params.append(rating)
    if available_at is not None:
        where.append(f"EXISTS (SELECT 1 FROM copies c WHERE c.store_id = %s AND "
                     f"c.title_id = t.id AND c.status = 'available'{by_format})")
        params += [available_at, *fmt_params]
    elif fmt:
        where.append("EXISTS (SELECT 1 FROM copies c WHERE c.title_id = t.id AND "
                     "c.format = %s)")
        params.append(fmt)
    params.append(limit)
    order = " ORDER BY t.title, t.id" if ordered else ""
    return select + " AND ".join(where) + order + " LIMIT %s", params


def find_titles(tx: Tx, match: str | None, prefix: str | None, contains: Sequence[str],
                genre: str | None, rating: str | None, fmt: str | None,
                available_at: int | None, here: int | None,
                limit: int, ordered: bool = True) -> list[dict[str, Any]]:
    """Titles by a FULLTEXT `match` (boolean mode) or a title `prefix` (LIKE 'ab%'), each
    further `contains` LIKE pattern, genre, rating; with a copy in format `fmt`; with an
    available copy at store `available_at`. Each with its copies (in `fmt`, if given):
    available at store `here`, in stock there, in stock in every store. Sorted by title,
    unless not `ordered` (then the first the index gives: sorting every match of a short
    word costs tens of milliseconds at a million titles)."""
    sql, params = find_titles_query(match, prefix, contains, genre, rating, fmt,
                                    available_at, here, limit, ordered)
    return tx.all(sql, params)


def highest_copy_number(tx: Tx, title_id: int) -> int:
    """The title's highest copy number, 0 for none (the end of uq_copies_title_number)."""
    return int(tx.scalar("SELECT COALESCE(MAX(copy_number), 0) FROM copies "
                         "WHERE title_id = %s", (title_id,)))


def copies_numbered(tx: Tx, title_id: int, first: int, last: int) -> list[dict[str, Any]]:
    return tx.all("SELECT id, title_id, store_id, format, barcode, copy_number, status "
                  "FROM copies WHERE title_id = %s AND copy_number BETWEEN %s AND %s "
                  "ORDER BY copy_number", (title_id, first, last))


def copy_for_change(tx: Tx, copy_id: int) -> dict[str, Any] | None:
    """The copy's row, locked until the transaction ends, with its open hire and ready
    hold (if any) and its store's name."""
    return tx.one(
        "SELECT c.id, c.title_id, c.store_id, c.status, c.format, c.copy_number, "
        "s.name AS store_name, "
        "(SELECT h.id FROM hires h WHERE h.open_copy_id = c.id) AS hire_id, "
        "(SELECT ho.id FROM holds ho WHERE ho.copy_id = c.id AND ho.status = 'ready' "
        "ORDER BY ho.id LIMIT 1) AS hold_id "
        "FROM copies c JOIN stores s ON s.id = c.store_id WHERE c.id = %s FOR UPDATE",
        (copy_id,))


def set_copy_status(tx: Tx, copy_id: int, status: str, now: datetime) -> int:
    return tx.execute("UPDATE copies SET status = %s, updated_at = %s WHERE id = %s",
                      (status, now, copy_id))


def copies_whereabouts(tx: Tx, title_id: int) -> list[dict[str, Any]]:
    """Every copy of a title (all stores), as copy_whereabouts gives one."""
    return tx.all(_COPY_WHEREABOUTS + "WHERE c.title_id = %s "
                  "ORDER BY c.store_id, c.copy_number, ho.id", (title_id,))


# --- what the counter's completion offers: a store's copies on the shelf -------------------

_SHELF_COPY = "SELECT c.id, c.barcode, c.copy_number, c.format, t.title, t.release_year FROM "
_ON_SHELF = _SHELF_COPY + "copies c JOIN titles t ON t.id = c.title_id "
_ON_SHELF_HERE = "c.store_id = %s AND c.status = 'available'"


def shelf_copies_by_barcode(tx: Tx, store_id: int, prefix: str,
                            limit: int) -> list[dict[str, Any]]:
    """Copies available at the store whose barcode begins with `prefix` (digits), in
    barcode order (a range of uq_copies_barcode, read until `limit` are found)."""
    return tx.all(_ON_SHELF + f"WHERE c.barcode LIKE %s AND {_ON_SHELF_HERE} "
                  "ORDER BY c.barcode LIMIT %s", (prefix + "%", store_id, limit))


def shelf_copies_by_number(tx: Tx, store_id: int, ranges: Sequence[tuple[int, int]],
                           limit: int) -> list[dict[str, Any]]:
    """Copies available at the store whose number (id) is in one of `ranges` (low, high):
    the numbers that begin with what was typed, as ranges of the primary key."""
    if not ranges:
        return []
    within = " OR ".join(["c.id BETWEEN %s AND %s"] * len(ranges))
    return tx.all(_ON_SHELF + f"WHERE ({within}) AND {_ON_SHELF_HERE} ORDER BY c.id LIMIT %s",
                  [*[n for r in ranges for n in r], store_id, limit])


def shelf_copies_by_title_start(tx: Tx, store_id: int, prefix: str, titles: int,
                                limit: int) -> list[dict[str, Any]]:
    """Copies available at the store of the first `titles` titles that begin with `prefix`
    (LIKE 'ab%'): at most `limit`, in title order, each title's copies by number.

    The copies are picked first from the two indexes alone (title and id are in
    ix_titles_title, the copy's id in ix_copies_store_title_status), and only the `limit`
    picked are read whole. Reading each title's row as it was tried (for its year) read
    every title that begins so — a thousand at a million titles, most with no copy on this
    shelf: 60-120 ms when they were not in memory (ANALYZE: 1000 rows of `t` for 0 found).
    Bounded by `titles` because even from the index alone, a thousand titles with no copy
    here are a thousand dives into ix_copies_store_title_status: 50-74 ms when its pages
    are not in memory."""
    tried = ("SELECT t.id, t.title FROM titles t WHERE t.title LIKE %s "
             "ORDER BY t.title, t.id LIMIT %s")
    picked = (f"SELECT c.id AS copy_id, t.id AS title_id, t.title AS sort_title "
              f"FROM ({tried}) t JOIN copies c ON c.title_id = t.id "
              f"WHERE {_ON_SHELF_HERE} ORDER BY t.title, t.id, c.id LIMIT %s")
    return tx.all(f"{_SHELF_COPY}({picked}) p JOIN copies c ON c.id = p.copy_id "
                  f"JOIN titles t ON t.id = p.title_id "
                  f"ORDER BY p.sort_title, p.title_id, p.copy_id",
                  (prefix, titles, store_id, limit))


def shelf_copies_by_title_word(tx: Tx, store_id: int, match: str, contains: Sequence[str],
                               titles: int, limit: int) -> list[dict[str, Any]]:
    """Copies available at the store of the first `titles` titles that the FULLTEXT
    `match` (boolean mode) gives that also hold each `contains` pattern: at most `limit`,
    in the order the indexes give them (the caller sorts them).

    Bounded by `titles` because InnoDB's FULLTEXT access reads each matching title's row:
    "+alic*" matches a thousand titles at a million, and when none has a copy on this
    shelf all thousand were read to find nothing (ANALYZE: `t` fulltext, r_rows 1000, 300
    to 850 pages from disk, 38-77 ms). The `contains` patterns are tested after the
    bound, on the titles picked, so that they cannot make it read more."""
    also = "".join(" AND m.title LIKE %s" for _ in contains)
    matched = ("SELECT t.id, t.title FROM titles t "
               "WHERE MATCH (t.title) AGAINST (%s IN BOOLEAN MODE) LIMIT %s")
    picked = (f"SELECT c.id AS copy_id, m.id AS title_id "
              f"FROM ({matched}) m JOIN copies c ON c.title_id = m.id "
              f"WHERE {_ON_SHELF_HERE}{also} LIMIT %s")
    return tx.all(f"{_SHELF_COPY}({picked}) p JOIN copies c ON c.id = p.copy_id "
                  f"JOIN titles t ON t.id = p.title_id",
                  (match, titles, store_id, *contains, limit))
