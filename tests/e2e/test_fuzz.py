"""A fuzzer over the real store server (`python server.py`, a real socket): wrong types in
every field of every op of its dispatch table, random bytes, deep and huge JSON, unicode
edge cases, slow clients, thousands of connections opened and dropped. Through all of it
the server keeps its pid, answers bad input with an error code — never INTERNAL, which
would be a bug — serves a well-formed client, and ends with the threads and file
descriptors it started with and its memory within a bound.

(test_server.py and test_limits.py test each limit on its own; this is the storm.) The
counts are printed (`pytest -s`) for docs/reliability.md. VIDEOSTORE_SOAK=1 makes it
bigger."""
from __future__ import annotations

import json
import os
import random
import re
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

from db.create import drop_database
from store.protocol import MAX_LINE_BYTES
from tests.conftest import STAFF_PASSWORD, create_test_db, make_staff, new_db_name
from tests.figures import Figures
from tests.helpers import ROOT, LineClient, start_server
from tests.properties import EDGE_CASES

SOAK = bool(os.environ.get("VIDEOSTORE_SOAK"))
SEED = 20250615
RSS_GROWTH_LIMIT_KB = 64 * 1024   # after the storm, beyond what it started with
# Error codes bad input may get: a client's mistake, or the server protecting itself.
# Not INTERNAL (a bug), nor a database or server failure, which bad input must not cause.
EXPECTED_CODES = {"BAD_JSON", "BAD_REQUEST", "UNKNOWN_OP", "TOO_LARGE", "FORBIDDEN",
                  "UNAUTHENTICATED", "OTP_REQUIRED", "ACCOUNT_LOCKED", "RATE_LIMITED",
                  "LOCKED", "VALIDATION", "NOT_FOUND", "REFUSED", "TIMEOUT", "BUSY"}


def _nested(depth: int, inner: object = 1) -> object:
    value = inner
    for _ in range(depth):
        value = [value]
    return value


# Values of every JSON type, and of the right type but absurd: for every field of every op.
WRONG_VALUES: list[object] = [
    None, True, False, 0, -1, 2 ** 31, 2 ** 63 - 1, -2 ** 63, 1.5, -0.0, 1e308, "", "x" * 5000,
    [], [None], ["copy:1"] * 60, list(range(600)), {}, {"a": {"b": {}}}, _nested(250),
    {"data": _nested(300)}, *EDGE_CASES[:40],
]
# Always among CI's sample: what found a bug once (an event nested deeper than it could be
# sent on was INTERNAL) and the longest text.
SHARP: list[object] = [{"data": _nested(300)}, "x" * 5000]


# A plausible value for each field the ops read, so that with one field made wrong the
# rest gets a request past its first checks to the deeper ones (a field named nowhere
# here is simply absent). The database is the fuzz's own: what they write harms no one.
# The password is too short to be hashed: a slow KDF a request would make CI slow.
PLAUSIBLE: dict[str, object] = {
    "topic": "inventory", "topics": ["inventory"], "event": "copy.hired",
    "data": {"copy_id": 1}, "resource": "copy:1", "resources": ["copy:2", "customer:1"],
    "announce": [{"event": "copy.returned", "data": {}}], "ttl_s": 30,
    "username": "fuzz-nobody", "password": "short", "role": "clerk", "store_id": 1,
    "full_name": "Fuzz", "session_id": 2 ** 40, "ids": [1], "text": "hello",
    "to": "fuzz-nobody", "code": "123456", "otp": "123456", "seconds": 1,
    "token": "x" * 43, "terminal": "till-9",
}


def op_fields() -> list[str]:
    """Every argument name the ops read, from their source: a field added later is fuzzed
    too, with no list here to keep up to date."""
    source = "".join(p.read_text() for p in (ROOT / "store" / "ops").glob("*.py"))
    source += (ROOT / "store" / "events.py").read_text() + (ROOT / "store" / "clock.py").read_text()
    names = re.findall(r'(?:args|data|x), "(\w+)"|(?:args|data)\.get\("(\w+)"|'
                       r'"(\w+)" in (?:args|data)|args\["(\w+)"\]', source)
    return sorted({n for group in names for n in group if n})


def proc_stats(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    field = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {"fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": int(field["Threads"]),
            "rss_kb": int(field["VmRSS"].split()[0])}


def wait_for(condition, timeout_s: float = 15.0, step_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step_s)
    return True


@pytest.fixture(scope="module")
def target(private_mariadb, tmp_path_factory):
    """A server of its own over a database of its own (the fuzz may write notices and
    locks), with the request rate limit lifted so every line reaches an op."""
    settings, _ = create_test_db(new_db_name("fuzz"))
    admin = "fuzzadmin"
    make_staff(settings, admin, "admin")
    env = {"VIDEOSTORE_SERVER_REQUESTS_PER_S": "1000000",
           "VIDEOSTORE_SERVER_REQUEST_BURST": "1000000"}
    srv = start_server(tmp_path_factory.mktemp("fuzz"), settings.db.name, "--test-clock",
                       env=env)
    try:
        warm_up(srv, admin)
        # Sessions logged in before the fuzz: its logins with junk count as failed ones
        # from this address, which then refuses logins for a while (as it should).
        tokens = []
        for _ in range(2):
            with srv.client() as c:
                tokens.append(c.login(admin, STAFF_PASSWORD)["token"])
        yield srv, tokens
    finally:
        srv.stop()
        drop_database(settings)


def warm_up(srv, admin: str) -> None:
    """Start what the server starts lazily and then keeps (its worker threads, its
    database pool) by keeping it busy from many clients at once, so what it holds after
    that is the baseline a leak would grow from."""
    def busy() -> None:
        with srv.client() as c:
            c.login(admin, STAFF_PASSWORD)
            for _ in range(5):
                c.ask("notice.unread")
                c.ask("status")

    clients = [threading.Thread(target=busy) for _ in range(32)]
    for t in clients:
        t.start()
    for t in clients:
        t.join(60)


def check_replies(replies: list[dict], tried: str) -> None:
    bad = [r for r in replies if not r.get("ok") and "event" not in r
           and r["error"]["code"] not in EXPECTED_CODES]
    assert not bad, f"{tried}: {bad[:3]}"


def internal(replies: list[dict]) -> int:
    """How many replies are INTERNAL: a bug, which the tests then assert there is none of."""
    return sum(1 for r in replies if not r.get("ok") and "event" not in r
               and r["error"]["code"] == "INTERNAL")


def died(srv, pid: int) -> int:
    """1 if the server is not the one (pid) it was, or not running; else 0."""
    return int(srv.proc.pid != pid or srv.proc.poll() is not None)


def served(srv) -> bool:
    """A well-formed client is answered at once."""
    with srv.client() as c:
        return c.ask("ping")["result"] == {"pong": True}


def test_wrong_types_in_every_field_of_every_op_are_error_codes_not_internal(
        target, reliability: Figures):
    srv, (token, _) = target
    pid, before = srv.proc.pid, proc_stats(srv.proc.pid)
    fields = op_fields()
    with srv.client() as c:
        ops = c.ask("no.such.op")["error"]["details"]["ops"]
    # As an admin, so every op gets past its role check to its arguments: each field in
    # turn made wrong among plausible others, then every field wrong at once. The ops
    # that end the session last. Pipelined: a batch of requests, then their replies.
    ordered = sorted(ops, key=lambda op: (op in ("logout", "bye"), op))
    rng = random.Random(SEED)   # CI tries 8 wrong values a field, every one in the soak
    sent = 0
    with srv.client() as c:
        c.result("resume", {"token": token})
        for op in ordered:
            base = {name: PLAUSIBLE[name] for name in fields if name in PLAUSIBLE}
            requests = [{**base, name: value} for name in fields for value in (
                WRONG_VALUES if SOAK else SHARP + rng.sample(WRONG_VALUES, 6))]
            requests += [{name: value for name in fields} for value in WRONG_VALUES]
            if op in ("logout", "bye"):
                requests = requests[:1]
            lines = [json.dumps({"id": sent + i, "op": op, "args": args}).encode() + b"\n"
                     for i, args in enumerate(requests)]
            lines = [line for line in lines if len(line) <= MAX_LINE_BYTES]  # else TOO_LARGE
            c.send_raw(b"".join(lines))
            sent += len(lines)
            replies = [c.recv() for _ in lines]
            assert None not in replies, f"{op}: the connection was closed"
            reliability.add("bad input", "INTERNAL replies", internal(replies))
            check_replies(replies, op)
            if op == "bye":   # public: it needs no session (logout ended it)
                break
    print(f"\nfuzz: {sent} requests: {len(ops)} ops x {len(fields)} fields x "
          f"{len(WRONG_VALUES) if SOAK else len(SHARP) + 6} of {len(WRONG_VALUES)} wrong values among "
          f"plausible others, and every field at once; 0 INTERNAL")
    reliability.add("bad input", "wrong-type requests (every op, every field)", sent)
    reliability.add("bad input", "store server died", died(srv, pid))
    assert srv.proc.pid == pid and srv.proc.poll() is None and served(srv)
    assert "Traceback" not in srv.log()
    assert wait_for(lambda: proc_stats(pid)["fds"] <= before["fds"])


def deep(depth: int) -> bytes:
    """JSON arrays nested `depth` deep (written out: Python's json recurses)."""
    return b"[" * depth + b"1" + b"]" * depth


def junk_lines(rng: random.Random, count: int) -> list[bytes]:
    """Random bytes, broken and hostile JSON, unicode edge cases; each one line."""
    makers = [
        lambda: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))),
        lambda: b"[" * rng.randrange(1, 5000),
        lambda: b'{"id":1,"op":"ping","args":{"a":' + deep(rng.randrange(900, 1100)) + b"}}",
        lambda: b'{"id":1,"op":"publish","args":{"topic":"inventory","event":"copy.x","data":'
                b'{"d":' + deep(rng.randrange(200, 1000)) + b"}}}",
        lambda: json.dumps({"id": 1, "op": "ping", "args": {"x": list(range(9000))}}).encode(),
        lambda: json.dumps({"id": rng.choice(EDGE_CASES), "op": rng.choice(EDGE_CASES)}).encode(),
        lambda: json.dumps({"id": [1], "op": "ping"}).encode(),
        lambda: b'{"id":1,"op":"ping","args":{"n":1e400}}',
        lambda: b'{"id":1,"op":"ping","args":{"s":"\\ud800"}}',
        lambda: b'{"id":1,"op":"ping"}\x00',
        lambda: b'{"id":1,"op":"login","args":{"username":"' + "é".encode() * 40 + b'\xff"}}',
        lambda: b"\xef\xbb\xbf" + b'{"id":1,"op":"ping"}',
        lambda: json.dumps({"id": 2 ** 64, "op": "time"}).encode(),
        lambda: json.dumps({"id": 1, "op": "time", "args": [1, 2]}).encode(),
        lambda: json.dumps({"id": 1, "op": "\u202e" * 64}).encode(),
        lambda: rng.choice(EDGE_CASES).encode("utf-8", "surrogatepass"),
    ]
    lines = [rng.choice(makers)().replace(b"\n", b" ") for _ in range(count)]
    return [line for line in lines if len(line) < MAX_LINE_BYTES]


def test_random_bytes_deep_and_huge_json_are_answered_and_harm_no_one(target,
                                                                      reliability: Figures):
    srv, _ = target
    pid, before = srv.proc.pid, proc_stats(srv.proc.pid)
    rng = random.Random(SEED)
    lines = junk_lines(rng, 20000 if SOAK else 3000)
    replies: list[dict] = []
    for start in range(0, len(lines), 100):
        batch = lines[start:start + 100]
        with srv.client() as c:
            c.send_raw(b"\n".join(batch) + b'\n{"id":"end","op":"ping"}\n')
            while (reply := c.recv()) is not None and reply.get("id") != "end":
                replies.append(reply)
            assert reply is not None, "the server closed a connection it had no cause to"
    reliability.add("bad input", "junk lines", len(lines))
    reliability.add("bad input", "INTERNAL replies", internal(replies))
    check_replies(replies, "junk")
    codes = sorted({r["error"]["code"] for r in replies if not r["ok"]})
    print(f"\nfuzz: {len(lines)} junk lines (random bytes, deep/huge JSON, unicode), "
          f"{len(replies)} replies, codes {codes}")
    # An over-long line is refused and its connection closed; the server stays up.
    with srv.client() as c:
        c.send_raw(os.urandom(MAX_LINE_BYTES + 10).replace(b"\n", b"x") + b"\n")
        assert c.recv()["error"]["code"] == "TOO_LARGE"
    reliability.add("bad input", "store server died", died(srv, pid))
    assert srv.proc.pid == pid and srv.proc.poll() is None and served(srv)
    assert "Traceback" not in srv.log()
    assert wait_for(lambda: proc_stats(pid)["fds"] <= before["fds"])


def test_slow_clients_do_not_hold_up_the_others(target, reliability: Figures):
    srv, _ = target
    line = b'{"id":"slow","op":"ping"}\n'
    gaps = [0.1 if SOAK else 0.02] * len(line)   # about 1 s (CI) for the slowest
    results: dict[int, object] = {}

    def dribble(n: int) -> None:
        with srv.client() as c:
            for i, byte in enumerate(line):
                c.send_raw(bytes([byte]))
                time.sleep(gaps[i] * (1 + n % 5))
            results[n] = c.recv()

    slow = [threading.Thread(target=dribble, args=(n,)) for n in range(20)]
    for t in slow:
        t.start()
    latencies = []
    with srv.client() as c:
        while any(t.is_alive() for t in slow):
            started = time.monotonic()
            assert c.ask("ping")["ok"]
            latencies.append(time.monotonic() - started)
    for t in slow:
        t.join(30)
    reliability.add("bad input", "slow clients (a byte at a time) answered", len(results))
    reliability.add("bad input", "pings served meanwhile", len(latencies))
    reliability.record("bad input", "slowest of them, ms", round(max(latencies) * 1000, 1))
    assert len(results) == 20 and all(
        r["id"] == "slow" and r["result"] == {"pong": True} for r in results.values())
    print(f"\nfuzz: 20 clients sending one byte at a time; {len(latencies)} pings served "
          f"meanwhile, slowest {max(latencies) * 1000:.1f} ms")
    assert max(latencies) < 1.0


def test_thousands_of_connections_opened_and_dropped_leak_nothing(target,
                                                                   reliability: Figures):
    srv, (_, token) = target
    pid = srv.proc.pid
    assert wait_for(lambda: served(srv))
    before = proc_stats(pid)
    total = 20000 if SOAK else 3000
    done = {"count": 0}
    errors: list[BaseException] = []

    def churn(worker: int) -> None:
        rng = random.Random(SEED + worker)
        try:
            for _ in range(total // 10):
                s = socket.create_connection((srv.host, srv.port), timeout=10)
                how = rng.randrange(4)
                if how == 1:
                    s.sendall(b'{"id":1,"op":"ti')               # half a line, then gone
                elif how == 2:
                    s.sendall(b'{"id":1,"op":"ping"}\n' * 3)     # requests, no reading
                elif how == 3:                                    # RST instead of FIN
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                done["count"] += 1
        except BaseException as e:   # noqa: B036 — reported below, in the test's thread
            errors.append(e)

    workers = [threading.Thread(target=churn, args=(n,)) for n in range(10)]
    # Connected first: the churn may fill this address's share of connections (BUSY).
    with LineClient(srv.host, srv.port) as steady:
        steady.result("resume", {"token": token})
        for t in workers:
            t.start()
        asked = 0
        while any(t.is_alive() for t in workers):
            assert steady.ask("time")["ok"]   # a well-formed client is served throughout
            asked += 1
    for t in workers:
        t.join(60)
    assert not errors, errors[:3]
    assert wait_for(lambda: proc_stats(pid)["fds"] <= before["fds"]), (before, proc_stats(pid))
    after = proc_stats(pid)
    print(f"\nfuzz: {done['count']} connections opened and dropped while a clerk was "
          f"answered {asked} times; fds {before['fds']}->{after['fds']}, threads "
          f"{before['threads']}->{after['threads']}, RSS {before['rss_kb']}->"
          f"{after['rss_kb']} kB")
    reliability.add("bad input", "connections opened and dropped", done["count"])
    reliability.record("bad input", "server RSS growth after them, kB",
                       after["rss_kb"] - before["rss_kb"])
    reliability.add("bad input", "store server died", died(srv, pid))
    assert done["count"] == total
    assert after["threads"] <= before["threads"]
    assert after["rss_kb"] - before["rss_kb"] < RSS_GROWTH_LIMIT_KB
    assert srv.proc.pid == pid and srv.proc.poll() is None and served(srv)
    assert "Traceback" not in srv.log()
