"""SQL for staff sessions. The token is never stored: only its SHA-256."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx

_LIVE = ("SELECT s.id, s.staff_id, s.terminal, s.client_addr, s.started_at, s.last_seen_at, "
         "st.username, st.role, st.store_id FROM sessions s JOIN staff st ON st.id = s.staff_id "
         "WHERE s.ended_at IS NULL AND st.active")


def insert_session(tx: Tx, staff_id: int, token_hash: str, terminal: str, client_addr: str,
                   now: datetime) -> int:
    return tx.insert(
        "INSERT INTO sessions (staff_id, token_hash, terminal, client_addr, started_at, "
        "last_seen_at) VALUES (%s, %s, %s, %s, %s, %s)",
        (staff_id, token_hash, terminal, client_addr, now, now))


def get_live_by_token(tx: Tx, token_hash: str) -> dict[str, Any] | None:
    return tx.one(f"{_LIVE} AND s.token_hash = %s", (token_hash,))


def list_live(tx: Tx, store_id: int | None) -> list[dict[str, Any]]:
    if store_id:
        return tx.all(f"{_LIVE} AND st.store_id = %s ORDER BY s.started_at", (store_id,))
    return tx.all(f"{_LIVE} ORDER BY s.started_at")


def touch(tx: Tx, session_id: int, now: datetime, client_addr: str | None = None) -> None:
    if client_addr is None:
        tx.execute("UPDATE sessions SET last_seen_at = %s WHERE id = %s", (now, session_id))
    else:
        tx.execute("UPDATE sessions SET last_seen_at = %s, client_addr = %s WHERE id = %s",
                   (now, client_addr, session_id))


def touch_many(tx: Tx, seen: list[tuple[int, datetime]]) -> None:
    """last_seen_at for many sessions at once: [(session id, when)]."""
    tx.many("UPDATE sessions SET last_seen_at = %s WHERE id = %s AND last_seen_at < %s",
            [(when, session_id, when) for session_id, when in seen])


def end_session(tx: Tx, session_id: int, reason: str, now: datetime) -> int:
    return tx.execute("UPDATE sessions SET ended_at = %s, end_reason = %s "
                      "WHERE id = %s AND ended_at IS NULL", (now, reason, session_id))


def idle_since(tx: Tx, cutoff: datetime) -> list[int]:
    """Sessions not ended whose last activity is before `cutoff`."""
    return [r["id"] for r in tx.all("SELECT id FROM sessions WHERE ended_at IS NULL AND "
                                    "last_seen_at < %s", (cutoff,))]


def end_sessions(tx: Tx, session_ids: list[int], reason: str, now: datetime) -> int:
    marks = ", ".join(["%s"] * len(session_ids))
    return tx.execute(f"UPDATE sessions SET ended_at = %s, end_reason = %s "
                      f"WHERE id IN ({marks}) AND ended_at IS NULL",
                      (now, reason, *session_ids))


def end_sessions_of_staff(tx: Tx, staff_id: int, reason: str, now: datetime) -> list[int]:
    rows = tx.all("SELECT id FROM sessions WHERE staff_id = %s AND ended_at IS NULL FOR UPDATE",
                  (staff_id,))
    tx.execute("UPDATE sessions SET ended_at = %s, end_reason = %s "
               "WHERE staff_id = %s AND ended_at IS NULL", (now, reason, staff_id))
    return [r["id"] for r in rows]
