from db import errors as dberr
from store import errors


def test_an_error_reply_becomes_the_same_store_error_on_the_client():
    original = errors.Forbidden("admins only", {"needs": "admin"})
    rebuilt = errors.from_reply({"code": original.code, "message": original.message,
                                 "details": original.details})
    assert type(rebuilt) is errors.Forbidden
    assert (rebuilt.message, rebuilt.details) == ("admins only", {"needs": "admin"})


def test_an_unknown_error_code_still_gives_a_store_error_with_its_message():
    e = errors.from_reply({"code": "FROM_THE_FUTURE", "message": "hm"})
    assert type(e) is errors.StoreError and e.message == "hm"


def test_every_error_code_is_unique():
    codes = [c.code for c in errors._all_subclasses(errors.StoreError)]
    assert len(codes) == len(set(codes))


def test_database_failures_become_messages_that_say_what_to_do():
    down = errors.from_db_error(dberr.DbUnavailable("Can't connect"))
    assert isinstance(down, errors.DatabaseUnavailable) and "make up" in down.message
    missing = errors.from_db_error(dberr.DatabaseMissing("Unknown database 'x'"))
    assert isinstance(missing, errors.DatabaseMissing) and "create-db" in missing.message
    unknown = errors.from_db_error(dberr.CommitUnknown("lost"))
    assert isinstance(unknown, errors.OutcomeUnknown)
    assert isinstance(errors.from_db_error(dberr.Conflict("deadlock")), errors.Busy)
    read_only = errors.from_db_error(dberr.ReadOnly("--read-only option"))
    assert isinstance(read_only, errors.DatabaseReadOnly) and "nothing was saved" in read_only.message
    full = errors.from_db_error(dberr.StorageFull("The table 'hires' is full"))
    assert isinstance(full, errors.DatabaseFull) and "out of space" in full.message


class _DriverError(Exception):
    def __init__(self, errno, msg):
        super().__init__(msg)
        self.errno, self.msg = errno, msg


def test_driver_errors_are_translated_by_number():
    dup = dberr.translate(_DriverError(1062, "Duplicate entry '7' for key 'uq_hires_open_copy'"))
    assert isinstance(dup, dberr.DuplicateKey) and dup.key == "uq_hires_open_copy"
    dup8 = dberr.translate(_DriverError(1062, "Duplicate entry '7' for key 'hires.uq_hires_open_copy'"))
    assert dup8.key == "uq_hires_open_copy"  # MySQL 8 names the table too
    assert isinstance(dberr.translate(_DriverError(1213, "Deadlock")), dberr.Conflict)
    assert isinstance(dberr.translate(_DriverError(2013, "Lost")), dberr.DbUnavailable)
    assert isinstance(dberr.translate(_DriverError(1142, "DROP denied")), dberr.PermissionDenied)
    assert isinstance(dberr.translate(_DriverError(1049, "Unknown database")), dberr.DatabaseMissing)
    assert isinstance(dberr.translate(_DriverError(1290, "--read-only option")), dberr.ReadOnly)
    assert isinstance(dberr.translate(_DriverError(1114, "The table 'x' is full")),
                      dberr.StorageFull)
    assert isinstance(dberr.translate(_DriverError(3, "Error writing file '/tmp/x' (Errcode: "
                                                      "28 \"No space left on device\")")),
                      dberr.StorageFull)
    assert type(dberr.translate(_DriverError(9999, "odd"))) is dberr.DbError
