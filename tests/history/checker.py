"""The contention check's judge: a recorded history of clerk operations against the rows
the database ended with, as pure functions (no I/O), in the manner of Jepsen.

A history is a list of events, each a dict: `process` (one clerk process, one staff
session), `n` (the operation's number within its process), `type` ("invoke", then one of
"ok", "fail", "unknown"), `op`, `args`, `time` (time.monotonic(), one clock for every
process on the machine) and, once done, `result` or `error`. An operation whose reply was
lost — or that never completed — is *unknown*: it may or may not have happened, and every
check allows both. A *fail* is a definite refusal: it must have written nothing.

The ops: hire {customer, copies, pay_now} -> {hires: [{hire_id, copy_id, rate}], paid};
return {copies} -> {customer_id, hires: [{hire_id, copy_id, charged}], paid}; renew {copy}
-> {hire_id, customer_id, rate}; pay {customer, amount}; hold {customer, title} ->
{hold_id}; and, recorded from the store server's replies, lock.acquire {resources, ttl_s}
(ok once granted) and lock.release {resources} (ok once sent; unknown if it could not be).

The database: rows of hires, charges, payments, holds and copies as the tables hold them.
The checks (each a list of violations; empty is a pass):
  double_hires     never two hires of one copy open at once (so never two open hires)
  hires            every acknowledged hire present exactly once; no other hire than an
                   unknown one could explain
  returns          every acknowledged return present (by its clerk); no other return
  renewals         each hire renewed as often as acknowledged, plus at most the unknown
  payments         every acknowledged payment present exactly once; no other
  holds            every acknowledged hold present exactly once; no other
  balances         each customer's charges and payments in the database are those of the
                   history; a hire's rental paid at most once
  copies           a copy is "hired" exactly when it has an open hire
  locks            no lock held by two sessions at once: between the reply that granted
                   it and the release sent (or its TTL), no other session was granted it
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable

Row = dict[str, Any]
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Op:
    """One operation: its invocation and how it ended."""
    process: int
    n: int
    op: str
    args: dict[str, Any]
    status: str                 # ok | fail | unknown
    start: float
    end: float | None           # None: never completed
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class World:
    """What the checker knows besides the history: each process's staff id and each
    copy's title and rental rate."""
    staff: dict[int, int]
    rates: dict[int, Decimal]
    titles: dict[int, int]


@dataclass
class Db:
    hires: list[Row]
    charges: list[Row]
    payments: list[Row]
    holds: list[Row]
    copies: list[Row]


@dataclass
class Report:
    counts: dict[str, int]
    violations: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not any(self.violations.values())

    def figures(self, errors: dict[str, int]) -> dict[str, int]:
        """The counts under the names docs/reliability.md shows (tests/figures.py), with
        how often each error ended an operation (runner.errors)."""
        c = self.counts
        return {"operations attempted": c["attempted"], "acknowledged": c["ok"],
                **{f"{op} acknowledged": c[op] for op in
                   ("hires", "returns", "renewals", "payments", "holds")},
                "failed": c["fail"], "unknown": c["unknown"], "lock grants": c["grants"],
                "locked resources": c["resources"], "invariants checked": len(self.violations),
                "violations": sum(len(v) for v in self.violations.values()),
                "lost": c["lost"], "double": c["double"],
                **{f"error {error}": n for error, n in sorted(errors.items())}}

    def lines(self) -> list[str]:
        c = self.counts
        out = [f"operations attempted {c['attempted']}, acknowledged {c['ok']}, failed "
               f"{c['fail']}, unknown {c['unknown']} (hires {c['hires']}, returns "
               f"{c['returns']}, renewals {c['renewals']}, payments {c['payments']}, holds "
               f"{c['holds']} acknowledged); lock grants {c['grants']} over "
               f"{c['resources']} resources",
               f"invariants checked {len(self.violations)}: "
               + ", ".join(f"{name} {len(v)}" for name, v in self.violations.items())
               + f"; lost {c['lost']}, double {c['double']}"]
        for name, found in self.violations.items():
            out += [f"  {name}: {v}" for v in found[:10]]
        return out


def pair(events: Iterable[dict[str, Any]]) -> list[Op]:
    """The operations of a history: each invocation with its completion; one with none
    is unknown."""
    invoked: dict[tuple[int, int], dict[str, Any]] = {}
    done: dict[tuple[int, int], dict[str, Any]] = {}
    for e in events:
        key = (e["process"], e["n"])
        (invoked if e["type"] == "invoke" else done)[key] = e
    ops = []
    for key, e in invoked.items():
        end = done.get(key)
        ops.append(Op(e["process"], e["n"], e["op"], e.get("args", {}),
                      end["type"] if end else "unknown", e["time"],
                      end["time"] if end else None,
                      (end or {}).get("result") or {}, (end or {}).get("error", "")))
    return sorted(ops, key=lambda o: (o.start, o.process, o.n))


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(ZERO)


def _of(ops: list[Op], name: str, status: str) -> list[Op]:
    return [o for o in ops if o.op == name and o.status == status]


def _explained(what: str, extra: Counter, unknown: Counter) -> list[str]:
    """Rows no acknowledged op claims, per key, beyond what unknown ops could explain."""
    return [f"{extra[k] - unknown[k]} {what} {k} that no acknowledged op made and only "
            f"{unknown[k]} unknown op(s) could" for k in sorted(extra)
            if extra[k] > unknown[k]]


# --- the checks ---------------------------------------------------------------------------

def double_hires(db: Db) -> list[str]:
    found = []
    by_copy: dict[int, list[Row]] = {}
    for h in db.hires:
        by_copy.setdefault(h["copy_id"], []).append(h)
    for copy, hires in sorted(by_copy.items()):
        hires.sort(key=lambda h: (h["hired_at"], h["id"]))
        for a, b in zip(hires, hires[1:]):
            if a["returned_at"] is None or b["hired_at"] < a["returned_at"]:
                found.append(f"copy {copy}: hire {b['id']} began while hire {a['id']} "
                             f"was open")
    return found


def hires(ops: list[Op], db: Db, world: World) -> list[str]:
    rows = {h["id"]: h for h in db.hires}
    found, claimed = [], Counter()
    for o in _of(ops, "hire", "ok"):
        for line in o.result["hires"]:
            hire_id = line["hire_id"]
            claimed[hire_id] += 1
            row = rows.get(hire_id)
            want = (line["copy_id"], o.args["customer"], world.staff[o.process])
            if row is None:
                found.append(f"acknowledged hire {hire_id} of copy {line['copy_id']} "
                             f"(process {o.process}) is missing")
            elif (row["copy_id"], row["customer_id"], row["hired_by"]) != want:
                found.append(f"hire {hire_id} is copy/customer/staff "
                             f"{(row['copy_id'], row['customer_id'], row['hired_by'])}, "
                             f"acknowledged as {want}")
    found += [f"hire {i} acknowledged {n} times" for i, n in claimed.items() if n > 1]
    extra = Counter((h["hired_by"], h["customer_id"], h["copy_id"])
                    for h in db.hires if h["id"] not in claimed)
    unknown = Counter((world.staff[o.process], o.args["customer"], c)
                      for o in _of(ops, "hire", "unknown") for c in o.args["copies"])
    return found + _explained("hire(s) by staff/customer/copy", extra, unknown)


def returns(ops: list[Op], db: Db, world: World) -> list[str]:
    rows = {h["id"]: h for h in db.hires}
    found, claimed = [], set()
    for o in _of(ops, "return", "ok"):
        for line in o.result["hires"]:
            row = rows.get(line["hire_id"])
            claimed.add(line["hire_id"])
            if row is None or row["returned_at"] is None:
                found.append(f"acknowledged return of hire {line['hire_id']} (copy "
                             f"{line['copy_id']}, process {o.process}) is missing")
            elif row["returned_by"] != world.staff[o.process]:
                found.append(f"hire {line['hire_id']} returned by staff "
                             f"{row['returned_by']}, acknowledged to process {o.process}")
    extra = Counter((h["returned_by"], h["copy_id"]) for h in db.hires
                    if h["returned_at"] is not None and h["id"] not in claimed)
    unknown = Counter((world.staff[o.process], c)
                      for o in _of(ops, "return", "unknown") for c in o.args["copies"])
    return found + _explained("return(s) by staff/copy", extra, unknown)


def renewals(ops: list[Op], db: Db, world: World) -> list[str]:
    acked = Counter(o.result["hire_id"] for o in _of(ops, "renew", "ok"))
    unknown = Counter(o.args["copy"] for o in _of(ops, "renew", "unknown"))
    found = []
    for h in db.hires:
        low = acked[h["id"]]
        if not low <= h["renewals"] <= low + unknown[h["copy_id"]]:
            found.append(f"hire {h['id']} renewed {h['renewals']} times; acknowledged "
                         f"{low}, unknown {unknown[h['copy_id']]}")
    hire_ids = {h["id"] for h in db.hires}
    found += [f"acknowledged renewal of hire {i} has no hire" for i in acked if i not in hire_ids]
    return found


def payments(ops: list[Op], db: Db, world: World) -> list[str]:
    """Payments on account (hire and return payments are checked with the balances)."""
    def key(o: Op) -> tuple[int, int, Decimal]:
        return world.staff[o.process], o.args["customer"], money(o.args["amount"])
    acked = Counter(key(o) for o in _of(ops, "pay", "ok"))
    unknown = Counter(key(o) for o in _of(ops, "pay", "unknown"))
    present = Counter((p["staff_id"], p["customer_id"], money(p["amount"]))
                      for p in db.payments if p["kind"] == "account")
    found = [f"{acked[k] - present[k]} acknowledged payment(s) staff/customer/amount {k} "
             f"missing" for k in sorted(acked) if present[k] < acked[k]]
    return found + _explained("payment(s) staff/customer/amount",
                              present - acked, unknown)


def holds(ops: list[Op], db: Db, world: World) -> list[str]:
    rows = {h["id"]: h for h in db.holds}
    found, claimed = [], Counter()
    for o in _of(ops, "hold", "ok"):
        hold_id = o.result["hold_id"]
        claimed[hold_id] += 1
        row = rows.get(hold_id)
        want = (o.args["customer"], o.args["title"], world.staff[o.process])
        if row is None or (row["customer_id"], row["title_id"], row["placed_by"]) != want:
            found.append(f"acknowledged hold {hold_id} {want} is missing or different")
    found += [f"hold {i} acknowledged {n} times" for i, n in claimed.items() if n > 1]
    extra = Counter((h["placed_by"], h["customer_id"], h["title_id"])
                    for h in db.holds if h["id"] not in claimed)
    unknown = Counter((world.staff[o.process], o.args["customer"], o.args["title"])
                      for o in _of(ops, "hold", "unknown"))
    return found + _explained("hold(s) by staff/customer/title", extra, unknown)


def balances(ops: list[Op], db: Db, world: World) -> list[str]:
    """Each customer's charges and payments as the history says, against the database.
    Charges are determined once the other checks decided which hires and renewals happened:
    a hire's rate at hiring and at each renewal (its rate is the copy's, which the
    acknowledgement repeats), and what each return charged. Payments: the acknowledged
    ones exactly; an unknown hire's rental or an unknown payment may be there or not."""
    found = []
    rate_of = {h["id"]: money(h["rate_charged"]) for h in db.hires}
    customer_of = {h["id"]: h["customer_id"] for h in db.hires}
    charged: Counter = Counter()
    for h in db.hires:
        charged[h["customer_id"]] += world.rates[h["copy_id"]] * (1 + h["renewals"])
        if money(h["rate_charged"]) != world.rates[h["copy_id"]]:
            found.append(f"hire {h['id']} charged {h['rate_charged']}, the copy's rate is "
                         f"{world.rates[h['copy_id']]}")
    acked_return = {line["hire_id"]: money(line["charged"])
                    for o in _of(ops, "return", "ok") for line in o.result["hires"]}
    by_hire_kind: Counter = Counter()
    for c in db.charges:
        if c["kind"] != "rental":
            by_hire_kind[c["hire_id"]] += money(c["amount"])
    for hire_id, amount in acked_return.items():
        if by_hire_kind[hire_id] != amount:
            found.append(f"return of hire {hire_id} acknowledged charging {amount}, "
                         f"the database has {by_hire_kind[hire_id]}")
    returned = {h["id"] for h in db.hires if h["returned_at"] is not None}
    for hire_id, amount in by_hire_kind.items():  # unknown returns: as the database says
        if hire_id not in returned:
            found.append(f"hire {hire_id} is not returned but charged {amount} for a return")
        charged[customer_of.get(hire_id)] += amount
    in_db: Counter = Counter()
    for c in db.charges:
        in_db[c["customer_id"]] += money(c["amount"])
    for customer in sorted(set(charged) | set(in_db), key=str):
        if charged[customer] != in_db[customer]:
            found.append(f"customer {customer}: charges {in_db[customer]} in the database, "
                         f"{charged[customer]} by the history")

    # A hire's rental is paid once or not at all: as acknowledged, or as an unknown hire
    # that was asked to pay now might have.
    rental_paid: Counter = Counter()
    for p in db.payments:
        if p["kind"] == "rental":
            rental_paid[p["hire_id"]] += money(p["amount"])
    acked_paid = {line["hire_id"]: money(o.result["paid"]) > 0
                  for o in _of(ops, "hire", "ok") for line in o.result["hires"]}
    may_pay = {(o.args["customer"], c) for o in _of(ops, "hire", "unknown")
               if o.args.get("pay_now") for c in o.args["copies"]}
    for hire_id, rate in rate_of.items():
        paid = rental_paid[hire_id]
        if hire_id in acked_paid:
            allowed = {rate if acked_paid[hire_id] else ZERO}
        else:
            row = next(h for h in db.hires if h["id"] == hire_id)
            allowed = {ZERO, rate} if (row["customer_id"], row["copy_id"]) in may_pay \
                else {ZERO}
        if paid not in allowed:
            found.append(f"hire {hire_id}: rental paid {paid}, the history allows "
                         f"{sorted(allowed)}")
    return found


def copies(ops: list[Op], db: Db, world: World) -> list[str]:
    open_copies = {h["copy_id"] for h in db.hires if h["returned_at"] is None}
    return [f"copy {c['id']} is {c['status']} but {'has' if c['id'] in open_copies else 'has no'}"
            f" open hire" for c in db.copies
            if (c["status"] == "hired") != (c["id"] in open_copies)]


def lock_intervals(ops: list[Op]) -> dict[str, list[tuple[float, float, int]]]:
    """Per resource, (from, to, process): from the reply granting it to the moment its
    release was sent or, if none was sent, to the TTL counted from the request (the lease
    was granted after it, so it lasted at least that long). Each interval lies within the
    lease's true life, so two that overlap are two sessions holding one lock. Leases are
    renewed in the background; an interval is cut at its TTL all the same, so a renewal
    that failed unseen cannot make a false alarm."""
    out: dict[str, list[tuple[float, float, int]]] = {}
    grants: dict[tuple[int, str], tuple[float, float]] = {}

    def at(o: Op) -> float:
        """A grant counts from its reply; a release from before it was sent (the server
        may act on it before the sender notes the time)."""
        return o.end if o.op == "lock.acquire" else o.start  # type: ignore[return-value]
    for o in sorted((o for o in ops if o.op.startswith("lock.") and o.status == "ok"), key=at):
        for resource in o.args["resources"]:
            key = (o.process, resource)
            if o.op == "lock.acquire":
                if key not in grants:       # re-entrant: the first grant counts
                    grants[key] = (at(o), o.start + o.args["ttl_s"])
            elif key in grants:
                start, expiry = grants.pop(key)
                out.setdefault(resource, []).append((start, min(at(o), expiry), o.process))
    for (process, resource), (start, expiry) in grants.items():
        out.setdefault(resource, []).append((start, expiry, process))
    return out


def locks(ops: list[Op], db: Db, world: World) -> list[str]:
    found = []
    for resource, spans in sorted(lock_intervals(ops).items()):
        spans.sort()
        for i, (start, end, process) in enumerate(spans):
            for other_start, _, other in spans[i + 1:]:
                if other_start >= end:
                    break
                if other != process:
                    found.append(f"{resource} granted to process {other} at {other_start:.6f}"
                                 f" while process {process} held it ({start:.6f}-{end:.6f})")
    return found


CHECKS: dict[str, Callable[[list[Op], Db, World], list[str]]] = {
    "double_hires": lambda ops, db, world: double_hires(db),
    "hires": hires, "returns": returns, "renewals": renewals, "payments": payments,
    "holds": holds, "balances": balances, "copies": copies, "locks": locks,
}


def check(events: Iterable[dict[str, Any]], db: Db, world: World) -> Report:
    ops = pair(events)
    violations = {name: run(ops, db, world) for name, run in CHECKS.items()}
    business = [o for o in ops if not o.op.startswith("lock.")]
    status = Counter(o.status for o in business)
    acked = Counter(o.op for o in business if o.status == "ok")
    intervals = lock_intervals(ops)
    counts = {
        "attempted": len(business), "ok": status["ok"], "fail": status["fail"],
        "unknown": status["unknown"], "hires": acked["hire"], "returns": acked["return"],
        "renewals": acked["renew"], "payments": acked["pay"], "holds": acked["hold"],
        "grants": sum(len(v) for v in intervals.values()), "resources": len(intervals),
        "lost": sum(1 for name in ("hires", "returns", "renewals", "payments", "holds")
                    for v in violations[name] if "missing" in v),
        "double": len(violations["double_hires"]) + len(violations["locks"]) + sum(
            1 for name in ("hires", "payments", "holds") for v in violations[name]
            if "missing" not in v),
    }
    return Report(counts, violations)
