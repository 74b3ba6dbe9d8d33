"""The audit chain's links and their check, without a database."""
from datetime import datetime

from store.audit_chain import GENESIS, ChainCheck, seal

KEY = b"k" * 32


def rows(n):
    return [{"id": i, "at": datetime(2024, 5, 1, 12, 0, 0, i), "staff_id": 2, "store_id": 1,
             "action": "hire.create", "table_name": "hires", "row_id": 100 + i,
             "old_values": None, "new_values": '{"rate": "2.99"}', "reason": ""}
            for i in range(1, n + 1)]


def sealed(rs, key=KEY):
    """Seals joined with their rows, as the database hands them back."""
    out, previous = [], GENESIS
    for seq, row in enumerate(rs, start=1):
        s, audit_id, h, tags = seal(key, previous, seq, row)
        out.append({"seq": s, "audit_id": audit_id, "hash": h, "field_tags": tags, **row})
        previous = h
    return out


def problems(seals, key=KEY):
    chain = ChainCheck(key)
    found = list(chain.check(seals))
    return chain, found


def test_an_untouched_chain_has_no_problems():
    chain, found = problems(sealed(rows(5)))
    assert found == [] and chain.checked == 5 and chain.last_seq == 5


def test_a_changed_column_is_named():
    seals = sealed(rows(3))
    seals[1]["reason"] = "nothing to see"
    [p] = problems(seals)[1]
    assert (p.seq, p.audit_id) == (2, 2) and p.what.endswith("reason differs")


def test_a_row_moved_to_another_time_and_staff_names_both_columns():
    seals = sealed(rows(3))
    seals[0].update(at=datetime(2024, 4, 1), staff_id=3)
    [p] = problems(seals)[1]
    assert p.what.endswith("at, staff_id differ")


def test_a_missing_row_and_a_missing_seal_are_told_apart():
    seals = sealed(rows(4))
    seals[1].update({c: None for c in ("id", "at", "action")})
    del seals[2]
    found = problems(seals)[1]
    assert [(p.seq, p.what.split(":")[0]) for p in found] == [
        (2, "the audit row is missing"), (4, "seal 3 missing before it")]


def test_two_seals_swapped_break_the_chain_at_the_first():
    seals = sealed(rows(3))
    seals[0]["seq"], seals[1]["seq"] = 2, 1
    found = problems(sorted(seals, key=lambda s: s["seq"]))[1]
    assert found and found[0].seq == 1


def test_without_the_key_no_seal_matches():
    [first, *_] = problems(sealed(rows(2)), key=b"x" * 32)[1]
    assert "not the key that sealed it" in first.what
