"""Event ops: subscribe, publish, and the stored notices (send, unread, read)."""
from __future__ import annotations

from typing import Any, Callable

from store import args as arg
from store import roles
from store.connection import Connection
from store.errors import BadRequest, Forbidden
from store.events import TOPICS, EventHub, check_event
from store.notices import Notices
from store.once import RequestKey

PUBLISHABLE = ("inventory", "notice")   # staff events come from the server itself


class EventOps:
    # publish waits: a notice published is stored. Subscribing only touches memory.
    INLINE = frozenset({"subscribe"})

    def __init__(self, hub: EventHub, notices: Notices):
        self.hub, self.notices = hub, notices

    def handlers(self) -> dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]]:
        return {"subscribe": self.subscribe, "publish": self.publish,
                "notice.send": self.notice_send, "notice.unread": self.notice_unread,
                "notice.read": self.notice_read}

    def subscribe(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        topics = args.get("topics")
        if (not isinstance(topics, list) or not topics
                or any(t not in TOPICS for t in topics)):
            raise BadRequest(f"topics must be a list of: {', '.join(TOPICS)}")
        self.hub.subscribe(conn, set(topics))
        return {"topics": sorted(set(topics))}

    def publish(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """An inventory event to the other terminals of the store; or, from a manager or
        admin, a notice (stored, as notice.send, and with its optional request key). An
        inventory event takes no key: it is a hint to look again, stored nowhere."""
        topic = arg.choice(args, "topic", PUBLISHABLE)
        if topic == "notice":
            key = arg.request_key(args)
            data = args.get("data", {})
            if not isinstance(data, dict):
                raise BadRequest("data must be a JSON object")
            return self._publish_notice(conn, data, key)
        event, data = check_event(args)
        return {"delivered": self.hub.announce(conn, event, data)}

    def _publish_notice(self, conn: Connection, data: dict[str, Any],
                        key: RequestKey | None) -> dict[str, Any]:
        if not roles.allowed(conn.session.role, roles.MANAGER):
            raise Forbidden("notices are sent by managers and admins")
        to = arg.text(data, "to", 64) if "to" in data else None
        sent = self.notices.send(conn.session, arg.text(data, "text", 4000), to, None, conn,
                                 key)
        return {"delivered": sent["delivered_to"], "id": sent["id"]}

    def notice_send(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        to = arg.text(args, "to", 64) if "to" in args else None
        store_id = arg.integer(args, "store_id", 1, 2 ** 31) if "store_id" in args else None
        return self.notices.send(conn.session, arg.text(args, "text", 4000), to, store_id,
                                 conn, key)

    def notice_unread(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return {"notices": self.notices.unread(conn.session)}

    def notice_read(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        key = arg.request_key(args)
        ids = args.get("ids")
        if (not isinstance(ids, list) or not 1 <= len(ids) <= 500 or any(
                isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in ids)):
            raise BadRequest("ids must be a list of 1 to 500 notice ids")
        return {"marked": self.notices.mark_read(conn.session, ids, key)}
