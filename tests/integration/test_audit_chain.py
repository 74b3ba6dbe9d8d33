"""The audit log's hash chain on the real database: sealing in order, two sealers racing,
rows that commit late, and every kind of tampering named by `verify`."""
import threading
from datetime import datetime, timezone

import pytest

from db.audit import insert_audit
from db.database import Database
from store.audit import LATE_WINDOW, Sealer, key_file, load_key, verify
from store.errors import ValidationError


@pytest.fixture
def dbs(fresh_db):
    """The application's and the admin's connections to a fresh database."""
    app, admin = Database.for_app(fresh_db.db), Database.for_app(fresh_db.db, role="admin")
    yield app, admin
    app.close()
    admin.close()


def write_rows(database, count, action="copy.mark"):
    now = datetime.now(timezone.utc)
    with database.transaction() as tx:
        return [insert_audit(tx, now, None, 1, action, "copies", n,
                             {"status": "available"}, {"status": "damaged"}, f"row {n}")
                for n in range(count)]


def run(database, sql, params=()):
    with database.transaction() as tx:
        return tx.execute(sql, params)


def test_a_clean_log_verifies_and_every_row_is_sealed_once_in_order(fresh_db, dbs):
    app, admin = dbs
    ids = write_rows(app, 7)
    report = verify(fresh_db, admin)
    assert report.intact and report.problems == []
    assert (report.sealed_now, report.checked, report.head_seq) == (7, 7, 7)
    with admin.transaction() as tx:
        assert [r["audit_id"] for r in tx.all("SELECT audit_id FROM audit_seals ORDER BY seq")] == ids
    again = verify(fresh_db, admin)
    assert (again.intact, again.sealed_now, again.checked) == (True, 0, 7)


def test_a_row_changed_after_sealing_is_named_with_the_column_that_differs(fresh_db, dbs):
    app, admin = dbs
    ids = write_rows(app, 5)
    assert verify(fresh_db, admin).intact
    run(admin, "UPDATE audit_log SET new_values = %s WHERE id = %s",
        ('{"status": "available"}', ids[2]))
    report = verify(fresh_db, admin)
    assert not report.intact
    [problem] = report.problems
    assert (problem.seq, problem.audit_id) == (3, ids[2])
    assert "new_values differs" in problem.what


def test_a_deleted_row_is_reported_missing(fresh_db, dbs):
    app, admin = dbs
    ids = write_rows(app, 4)
    verify(fresh_db, admin)
    run(admin, "DELETE FROM audit_log WHERE id = %s", (ids[1],))
    [problem] = verify(fresh_db, admin).problems
    assert problem.audit_id == ids[1] and "missing" in problem.what


def test_a_deleted_row_and_its_seal_show_as_a_gap(fresh_db, dbs):
    app, admin = dbs
    ids = write_rows(app, 4)
    verify(fresh_db, admin)
    run(admin, "DELETE FROM audit_log WHERE id = %s", (ids[1],))
    run(admin, "DELETE FROM audit_seals WHERE audit_id = %s", (ids[1],))
    [problem] = verify(fresh_db, admin).problems
    assert problem.seq == 3 and "seal 2 missing" in problem.what


def test_a_recomputed_plain_hash_does_not_pass_for_a_seal(fresh_db, dbs):
    """Someone without the key who rewrites a row and its seal's hash is still caught."""
    app, admin = dbs
    ids = write_rows(app, 3)
    verify(fresh_db, admin)
    run(admin, "UPDATE audit_seals SET hash = SHA2('forged', 256) WHERE audit_id = %s", (ids[0],))
    problems = verify(fresh_db, admin).problems
    assert problems[0].audit_id == ids[0] and "hash was changed" in problems[0].what


def test_another_key_breaks_every_seal_and_says_so(fresh_db, dbs):
    app, admin = dbs
    write_rows(app, 2)
    verify(fresh_db, admin)
    key_file(fresh_db).write_text("ab" * 32 + "\n")
    report = verify(fresh_db, admin)
    assert len(report.problems) == 2
    assert "not the key that sealed it" in report.problems[0].what


def test_a_missing_key_is_refused_once_the_log_is_sealed(fresh_db, dbs):
    app, admin = dbs
    write_rows(app, 1)
    verify(fresh_db, admin)
    key_file(fresh_db).unlink()
    with pytest.raises(ValidationError, match="audit key file .* is missing"):
        verify(fresh_db, admin)


def test_the_key_file_is_readable_by_its_owner_only(fresh_db, dbs):
    verify(fresh_db, dbs[1])
    assert key_file(fresh_db).stat().st_mode & 0o777 == 0o600


def test_two_sealers_racing_seal_each_row_exactly_once(fresh_db, dbs):
    app, admin = dbs
    ids = write_rows(app, 1200)
    key = load_key(fresh_db, app)
    errors = []

    def seal():
        try:
            Sealer(app, key).seal()
        except Exception as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=seal) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with admin.transaction() as tx:
        seals = tx.all("SELECT seq, audit_id FROM audit_seals ORDER BY seq")
    assert [s["seq"] for s in seals] == list(range(1, 1201))
    assert sorted(s["audit_id"] for s in seals) == ids
    report = verify(fresh_db, admin)
    assert report.intact and report.checked == 1200


def test_a_row_that_commits_after_a_newer_one_is_sealed_by_the_next_pass(fresh_db, dbs):
    app, admin = dbs
    key = load_key(fresh_db, app)
    late = Database.for_app(fresh_db.db)
    try:
        with late.transaction() as slow:
            now = datetime.now(timezone.utc)
            early_id = insert_audit(slow, now, None, 1, "hire.create", "hires", 1, None, {})
            [newer_id] = write_rows(app, 1)  # a higher id, committed first
            assert Sealer(app, key).seal(LATE_WINDOW) == 1
        assert Sealer(app, key).seal(LATE_WINDOW) == 1
    finally:
        late.close()
    with admin.transaction() as tx:
        order = [r["audit_id"] for r in tx.all("SELECT audit_id FROM audit_seals ORDER BY seq")]
    assert order == [newer_id, early_id]
    assert verify(fresh_db, admin).intact
