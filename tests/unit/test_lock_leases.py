import pytest

from store.clock import Clock
from store.errors import BadRequest, Locked, NotFound
from store.locks import LockService, check_resource


@pytest.fixture
def clock():
    return Clock(adjustable=True)


@pytest.fixture
def locks(clock):
    return LockService(clock)


def take(locks, resource, session, ttl=30, name=None):
    return locks.acquire(resource, ttl, session, name or f"user{session}", f"till-{session}", 1)


def test_a_held_lock_is_refused_to_another_session_naming_the_holder(locks):
    take(locks, "copy:4411", 1, name="ana")
    with pytest.raises(Locked) as e:
        take(locks, "copy:4411", 2)
    assert e.value.details["username"] == "ana" and e.value.details["terminal"] == "till-1"
    assert "since" in e.value.details and "ana" in e.value.message


def test_a_lock_is_reentrant_for_its_own_session(locks, clock):
    first = take(locks, "customer:7", 1, ttl=10)
    since, expires = first.since, first.expires_at
    clock.advance(5)
    again = take(locks, "customer:7", 1, ttl=10)
    assert again.since == since  # the same lease, held since the first acquire
    assert (again.expires_at - expires).total_seconds() >= 5


def test_a_lease_ends_at_its_ttl_unless_renewed(locks, clock):
    take(locks, "copy:1", 1, ttl=10)
    take(locks, "copy:2", 1, ttl=10)
    clock.advance(8)
    locks.renew("copy:2", 10, 1)
    clock.advance(3)
    take(locks, "copy:1", 2)  # expired: free
    with pytest.raises(Locked):
        take(locks, "copy:2", 2)  # renewed: still held
    with pytest.raises(NotFound):
        locks.renew("copy:1", 10, 1)  # ours no more


def test_release_frees_only_our_own_lease(locks):
    take(locks, "title:3", 1)
    assert locks.release("title:3", 2) is False
    assert locks.release("title:3", 1) is True
    take(locks, "title:3", 2)


def test_release_all_frees_every_lease_of_a_session(locks):
    for n in range(1, 4):
        take(locks, f"copy:{n}", 1)
    take(locks, "copy:9", 2)
    assert locks.release_all(1) == 3
    assert [lease.resource for lease in locks.leases()] == ["copy:9"]


def test_sweep_drops_expired_leases(locks, clock):
    take(locks, "copy:1", 1, ttl=5)
    clock.advance(6)
    assert locks.sweep() == 1 and locks.count() == 0


@pytest.mark.parametrize("bad", ["copy", "copy:", "copy:0", "copy:-1", "shelf:4", "copy:12ab",
                                 "copy:1 ", 7, None, "customer:" + "9" * 11])
def test_malformed_resource_names_are_bad_requests(bad):
    with pytest.raises(BadRequest):
        check_resource(bad)


@pytest.mark.parametrize("name", ["copy:4411\n", "copy:4411\r", " copy:4411", "copy:04411",
                                  "copy:4411\nx"])
def test_a_resource_name_with_anything_around_it_is_refused(name):
    with pytest.raises(BadRequest):
        check_resource(name)
