"""Property tests of the wire protocol (store/protocol.py) and of the checks ops make of
what a client sends: any bytes are a request or a BAD_JSON / BAD_REQUEST refusal, never
an exception; what is encoded decodes to itself; an encoded message is always one line."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import protocol
from store.errors import BadJson, BadRequest, StoreError, ValidationError
from store.events import MAX_DATA_DEPTH, check_event
from tests.properties import any_text

# JSON as a client can send it and orjson reads it back unchanged: 64-bit integers,
# finite floats, text without lone surrogates.
json_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
json_scalars = (st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63 - 1)
                | st.floats(allow_nan=False, allow_infinity=False) | json_text)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(json_text, inner, max_size=5), max_leaves=30)
request_ids = st.integers(-2 ** 63, 2 ** 63 - 1) | st.text(
    st.characters(exclude_categories=("Cs",)), max_size=64)
ops = st.text(st.characters(exclude_categories=("Cs",)), min_size=1,
              max_size=protocol.MAX_OP_LENGTH)


def lines_of_bytes():
    """Random bytes, JSON-ish fragments and well-formed JSON of the wrong shape."""
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: protocol.encode({"v": v})[5:-2]),   # a bare value
        st.dictionaries(st.sampled_from(["id", "op", "args", "x"]), json_values,
                        max_size=4).map(lambda d: protocol.encode(d).rstrip(b"\n")),
        any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(1, 3000).map(lambda n: b'{"id":1,"op":"x","args":' + b"[" * n),
    )


@given(line=lines_of_bytes())
def test_any_line_is_a_request_or_a_clear_refusal(line):
    try:
        request = protocol.decode_request(line)
    except (BadJson, BadRequest) as e:
        assert e.message
    else:
        assert isinstance(request.op, str) and 1 <= len(request.op) <= protocol.MAX_OP_LENGTH
        assert isinstance(request.args, dict)
        assert request.id is None or type(request.id) in (int, str)
    rid = protocol.request_id_of(line)
    assert rid is None or (type(rid) in (int, str) and len(str(rid)) <= 64)


@given(request_id=request_ids, op=ops, args=st.dictionaries(json_text, json_values, max_size=6))
def test_an_encoded_request_decodes_to_itself(request_id, op, args):
    line = protocol.encode_request(request_id, op, args)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.decode_request(line) == protocol.Request(request_id, op, args)


@given(request_id=st.none() | request_ids, result=st.dictionaries(json_text, json_values),
       message=any_text, code=any_text)
def test_replies_are_one_line_that_decodes_to_what_was_sent(request_id, result, message, code):
    ok = protocol.decode_message(protocol.encode_result(request_id, result))
    assert ok == {"id": request_id, "ok": True, "result": result}
    error = StoreError(message, {"typed": message})
    error.code = code
    line = protocol.encode_error(request_id, error)
    assert line.count(b"\n") == 1
    assert protocol.decode_message(line)["error"]["code"] in (code, "INTERNAL")


unencodable = st.one_of(st.just({1, 2}), st.just(b"\xff"), st.just(object()),
                        st.just("\ud800"), st.just(2 ** 70),
                        st.integers(255, 400).map(lambda n: _nested(n)))


def _nested(depth):
    value = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@given(request_id=st.none() | request_ids, value=unencodable | json_values)
def test_encoding_never_raises_and_says_internal_for_what_json_cannot_hold(request_id, value):
    line = protocol.encode_result(request_id, {"value": value})
    reply = protocol.decode_message(line)
    assert line.count(b"\n") == 1 and reply["id"] == request_id
    assert reply["ok"] or reply["error"]["code"] == "INTERNAL"


@pytest.mark.parametrize("depth", [MAX_DATA_DEPTH - 1, MAX_DATA_DEPTH, MAX_DATA_DEPTH + 1, 1000])
def test_an_event_nested_deeper_than_can_be_sent_on_is_refused_not_an_internal_error(depth):
    """Found by the protocol fuzzer: orjson decodes 1024 levels but encodes 254, so a
    publish of deeply nested data failed with INTERNAL when its size was measured."""
    data = _nested(depth - 1)   # the data object itself is one level
    args = {"event": "copy.hired", "data": data}
    if depth <= MAX_DATA_DEPTH:
        assert check_event(args) == ("copy.hired", data)
        assert protocol.decode_message(protocol.encode_event("copy.hired", data))["data"] == data
    else:
        with pytest.raises(BadRequest, match="nested at most"):
            check_event(args)


@given(args=st.dictionaries(st.sampled_from(["event", "data", "x"]), json_values | unencodable,
                            max_size=3))
def test_any_announced_event_is_checked_or_refused(args):
    try:
        event, data = check_event(args)
    except (BadRequest, ValidationError):
        return
    assert protocol.decode_message(protocol.encode_event(event, data))["data"] == data
