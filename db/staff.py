"""SQL for staff accounts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.database import Tx

_COLUMNS = ("id, store_id, username, full_name, password_hash, role, active, failed_logins, "
            "locked_until, last_login, totp_secret")


def insert_staff(tx: Tx, store_id: int, username: str, full_name: str, password_hash: str,
                 role: str, now: datetime, email: str = "", active: bool = True) -> int:
    return tx.insert(
        "INSERT INTO staff (store_id, username, full_name, email, password_hash, role, active, "
        "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (store_id, username, full_name, email, password_hash, role, active, now, now))


def get_by_username(tx: Tx, username: str, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return tx.one(f"SELECT {_COLUMNS} FROM staff WHERE username = %s{lock}", (username,))


def get_by_id(tx: Tx, staff_id: int, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return tx.one(f"SELECT {_COLUMNS} FROM staff WHERE id = %s{lock}", (staff_id,))


def list_staff(tx: Tx, store_id: int | None) -> list[dict[str, Any]]:
    where, params = ("WHERE store_id = %s", (store_id,)) if store_id else ("", ())
    return tx.all(f"SELECT {_COLUMNS} FROM staff {where} ORDER BY store_id, username", params)


def record_failure(tx: Tx, staff_id: int, failed_logins: int,
                   locked_until: datetime | None, now: datetime) -> None:
    tx.execute("UPDATE staff SET failed_logins = %s, locked_until = COALESCE(%s, locked_until), "
               "updated_at = %s WHERE id = %s", (failed_logins, locked_until, now, staff_id))


def record_login(tx: Tx, staff_id: int, now: datetime) -> None:
    tx.execute("UPDATE staff SET failed_logins = 0, locked_until = NULL, last_login = %s, "
               "updated_at = %s WHERE id = %s", (now, now, staff_id))


def set_password(tx: Tx, staff_id: int, password_hash: str, now: datetime) -> None:
    tx.execute("UPDATE staff SET password_hash = %s, failed_logins = 0, locked_until = NULL, "
               "updated_at = %s WHERE id = %s", (password_hash, now, staff_id))


def set_active(tx: Tx, staff_id: int, active: bool, now: datetime) -> None:
    tx.execute("UPDATE staff SET active = %s, updated_at = %s WHERE id = %s",
               (active, now, staff_id))


def unlock(tx: Tx, staff_id: int, now: datetime) -> None:
    tx.execute("UPDATE staff SET failed_logins = 0, locked_until = NULL, updated_at = %s "
               "WHERE id = %s", (now, staff_id))


def set_totp_secret(tx: Tx, staff_id: int, secret: str, now: datetime) -> int:
    """Store a TOTP secret for an account that has none; rows changed (0: it has one)."""
    return tx.execute("UPDATE staff SET totp_secret = %s, updated_at = %s "
                      "WHERE id = %s AND totp_secret IS NULL", (secret, now, staff_id))


def clear_totp_secret(tx: Tx, staff_id: int, now: datetime) -> int:
    """Remove an account's TOTP secret (two-factor off until set up again); rows changed."""
    return tx.execute("UPDATE staff SET totp_secret = NULL, updated_at = %s "
                      "WHERE id = %s AND totp_secret IS NOT NULL", (now, staff_id))
