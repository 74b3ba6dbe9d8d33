import json

import pytest

from store import protocol
from store.errors import BadJson, BadRequest


def test_a_request_line_decodes_to_id_op_and_args():
    r = protocol.decode_request(b'{"id": 7, "op": "lock.acquire", "args": {"resource": "copy:1"}}\n')
    assert (r.id, r.op, r.args) == (7, "lock.acquire", {"resource": "copy:1"})


def test_args_default_to_an_empty_object_and_id_may_be_absent():
    r = protocol.decode_request(b'{"op":"ping"}')
    assert (r.id, r.op, r.args) == (None, "ping", {})


@pytest.mark.parametrize("line", [b"not json", b"{", b"\xff\xfe", b'{"op": NaN}', b"[" * 100000])
def test_lines_that_are_not_json_are_bad_json(line):
    with pytest.raises(BadJson):
        protocol.decode_request(line)


@pytest.mark.parametrize("line, why", [
    (b"[1, 2]", "object"),
    (b'{"id": 1}', "op"),
    (b'{"id": 1, "op": ""}', "op"),
    (b'{"id": 1, "op": 5}', "op"),
    (b'{"id": 1, "op": "ping", "args": [1]}', "args"),
    (b'{"id": true, "op": "ping"}', "id"),
    (b'{"id": {"a": 1}, "op": "ping"}', "id"),
])
def test_json_that_is_not_a_request_is_a_bad_request(line, why):
    with pytest.raises(BadRequest) as e:
        protocol.decode_request(line)
    assert why in e.value.message


def test_the_id_of_a_bad_request_is_recovered_for_its_error_reply():
    assert protocol.request_id_of(b'{"id": 12, "op": 5}') == 12
    assert protocol.request_id_of(b'{"id": true}') is None
    assert protocol.request_id_of(b"garbage") is None


def test_replies_and_events_are_single_json_lines():
    ok = protocol.encode_result(3, {"utc": "x", "text": "Réunion"})
    err = protocol.encode_error(4, BadRequest("no", {"field": "op"}))
    ev = protocol.encode_event("copy.hired", {"copy": 1})
    for line in (ok, err, ev):
        assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(ok) == {"id": 3, "ok": True, "result": {"utc": "x", "text": "Réunion"}}
    assert json.loads(err) == {"id": 4, "ok": False, "error": {
        "code": "BAD_REQUEST", "message": "no", "details": {"field": "op"}}}
    assert json.loads(ev) == {"event": "copy.hired", "data": {"copy": 1}}
