"""Staff notices: managers and admins write to every terminal of a store or to one staff
member; each notice is stored, pushed live to those logged in, and kept unread for the rest
until they read it.

Sending and marking read take an optional request key (store/once.py): a retry of one that
was written gets its stored reply. A notice is pushed after the commit by the try that
wrote it, never by a replay (whose `delivered_to` is therefore 0).
"""
from __future__ import annotations

from typing import Any

from db import messages as sql
from db import staff as staff_sql
from db.database import Database, Tx
from db.errors import ForeignKeyViolation
from store import once, roles, unit
from store.clock import Clock, to_wire, utc
from store.errors import Forbidden, NotFound, ValidationError
from store.connection import Connection
from store.events import EventHub
from store.once import RequestKey
from store.sessions import Session

MAX_LENGTH = 1000
UNREAD_LIMIT = 50


def check_text(text: str) -> str:
    body = text.strip()
    if not body:
        raise ValidationError("A notice needs some text.")
    if len(body) > MAX_LENGTH:
        raise ValidationError(f"A notice may have at most {MAX_LENGTH} characters.")
    if any(not (ch.isprintable() or ch == "\n") for ch in body):
        raise ValidationError("A notice may not hold control characters.")
    return body


class Notices:
    def __init__(self, database: Database, clock: Clock, hub: EventHub):
        self.database, self.clock, self.hub = database, clock, hub

    def send(self, actor: Session, text: str, to_username: str | None,
             store_id: int | None, sender: Connection | None = None,
             request: RequestKey | None = None) -> dict[str, Any]:
        """Store a notice and push it to those logged in (never back to `sender`, the
        connection it came from)."""
        body = check_text(text)
        args = {"text": body, "to": to_username.strip().lower() if to_username else None,
                "store_id": store_id}
        done = once.stored(self.database, request, actor.staff_id, "notice.send", args,
                           dict[str, Any])
        if done is not None:
            return {**done, "delivered_to": 0}
        now = self.clock.now()
        recipient = self._recipient(actor, to_username) if to_username else None
        store = None if recipient else (store_id or actor.store_id)
        if store is not None and store != actor.store_id and actor.role != roles.ADMIN:
            raise Forbidden("managers send notices to their own store only")

        def work(tx: Tx) -> dict[str, Any]:
            try:
                return {"id": sql.insert_message(tx, actor.staff_id, store,
                                                 recipient["id"] if recipient else None,
                                                 body, now)}
            except ForeignKeyViolation:
                raise NotFound(f"there is no store {store}") from None
        stored, written = once.write(self.database, request, actor.staff_id, "notice.send",
                                     args, now, work, dict[str, Any])
        message_id = stored["id"]
        if not written:  # another try of this request wrote and pushed it
            return {"id": message_id, "delivered_to": 0}
        data = {"id": message_id, "from": actor.username, "text": body, "sent_at": to_wire(now),
                "to": "you" if recipient else f"store {store}"}
        if recipient:
            delivered = self.hub.to_staff(recipient["id"], "notice", "notice", data)
        else:
            delivered = self.hub.publish(store, "notice", "notice", data,  # type: ignore[arg-type]
                                         sender=sender)
        return {"id": message_id, "delivered_to": delivered}

    def unread(self, actor: Session) -> list[dict[str, Any]]:
        rows = unit.run(self.database, lambda tx: sql.unread_for(
            tx, actor.staff_id, actor.store_id, UNREAD_LIMIT))
        return [{"id": r["id"], "from": r["sender"], "text": r["body"],
                 "sent_at": to_wire(utc(r["sent_at"])),  # type: ignore[arg-type]
                 "to": "you" if r["recipient_id"] else f"store {r['store_id']}"} for r in rows]

    def mark_read(self, actor: Session, ids: list[int], request: RequestKey | None = None) -> int:
        """How many of `ids` this marked read (a notice read already is not counted again,
        nor is one a retry of this request marked: its stored count is returned)."""
        now = self.clock.now()
        return once.run(self.database, request, actor.staff_id, "notice.read",
                        {"ids": sorted(ids)}, now, lambda tx: sql.mark_read(
                            tx, ids, actor.staff_id, actor.store_id, now), int)

    def _recipient(self, actor: Session, username: str) -> dict[str, Any]:
        row = unit.run(self.database,
                       lambda tx: staff_sql.get_by_username(tx, username.strip().lower()))
        if row is None or not row["active"]:
            raise NotFound(f"there is no active staff account {username!r}")
        if actor.role != roles.ADMIN and row["store_id"] != actor.store_id:
            raise Forbidden("managers send notices to the staff of their own store only")
        return row
