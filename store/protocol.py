"""Protocol v1 of the store server: one UTF-8 JSON object per line (docs/protocol.md).

Pure functions, no sockets: both the server and the terminal's client use them.
    request  {"id": 7, "op": "time", "args": {}}
    reply    {"id": 7, "ok": true, "result": {...}}
             {"id": 7, "ok": false, "error": {"code": "...", "message": "...", "details": {}}}
    event    {"event": "copy.hired", "data": {...}}      (no id)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

# orjson, not json: decoding and encoding are most of what a `time` or lock request costs
# the server (measured 4x and 10x faster than the standard library's), and it is stricter
# where we want it: NaN, lone surrogates, invalid UTF-8 and nesting deeper than 1024 are
# all refused.
import orjson

from store.errors import BadJson, BadRequest, Internal, StoreError

log = logging.getLogger(__name__)

VERSION = 1
MAX_LINE_BYTES = 65536
MAX_OP_LENGTH = 64


@dataclass(frozen=True)
class Request:
    id: int | str | None
    op: str
    args: dict[str, Any] = field(default_factory=dict)


def decode_request(line: bytes) -> Request:
    """Parse one request line. BadJson if it is not JSON; BadRequest if it is not a
    request. The id is recovered whenever possible so the error reply can carry it."""
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        raise BadJson(f"not a JSON line: {_short(e)}") from None
    if not isinstance(message, dict):
        raise BadRequest("a request is a JSON object: {\"id\": 1, \"op\": \"ping\"}")
    request_id = message.get("id")
    if request_id is not None and (isinstance(request_id, bool)
                                   or not isinstance(request_id, (int, str))):
        raise BadRequest("id must be an integer or a string")
    if isinstance(request_id, str) and len(request_id) > 64:
        raise BadRequest("id may have at most 64 characters")
    op, args = message.get("op"), message.get("args", {})
    if not isinstance(op, str) or not op or len(op) > MAX_OP_LENGTH:
        raise BadRequest("op must be a non-empty string")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise BadRequest("args must be a JSON object")
    return Request(request_id, op, args)


def request_id_of(line: bytes) -> int | str | None:
    """Best-effort id of a request that failed to decode, for its error reply."""
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    rid = message.get("id") if isinstance(message, dict) else None
    valid = isinstance(rid, (int, str)) and not isinstance(rid, bool)
    return rid if valid and len(str(rid)) <= 64 else None


_OPTIONS = orjson.OPT_NON_STR_KEYS


def encode(message: dict[str, Any]) -> bytes:
    """One line. Never raises: what cannot be encoded is a bug, logged and answered as an
    INTERNAL error for the same request."""
    try:
        return orjson.dumps(message, default=str, option=_OPTIONS) + b"\n"
    except TypeError:
        log.exception("cannot encode a message for request %r", message.get("id"))
        return orjson.dumps({"id": _safe_id(message.get("id")), "ok": False, "error": {
            "code": Internal.code, "message": "the server could not encode its reply; it "
            "has been logged", "details": {}}}) + b"\n"


def _safe_id(rid: Any) -> int | str | None:
    return rid if isinstance(rid, (str, int)) and not isinstance(rid, bool) else None


def encode_request(request_id: int | str, op: str, args: dict[str, Any] | None = None) -> bytes:
    return encode({"id": request_id, "op": op, "args": args or {}})


def encode_result(request_id: int | str | None, result: dict[str, Any]) -> bytes:
    return encode({"id": request_id, "ok": True, "result": result})


def encode_error(request_id: int | str | None, error: StoreError) -> bytes:
    return encode({"id": request_id, "ok": False, "error": {
        "code": error.code, "message": error.message, "details": error.details}})


def encode_event(name: str, data: dict[str, Any]) -> bytes:
    return encode({"event": name, "data": data})


def decode_message(line: bytes) -> dict[str, Any]:
    """A reply or an event received by a client; BadJson if the line is not one."""
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        raise BadJson(f"the server sent a line that is not JSON: {_short(e)}") from None
    if not isinstance(message, dict):
        raise BadJson("the server sent a line that is not a JSON object")
    return message


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) <= 120 else text[:117] + "..."
