import pytest

from store import roles
from store.dispatch import Dispatcher


def test_roles_rank_clerk_below_manager_below_admin():
    assert roles.allowed("clerk", roles.CLERK) and not roles.allowed("clerk", roles.MANAGER)
    assert roles.allowed("manager", roles.CLERK) and not roles.allowed("manager", roles.ADMIN)
    assert roles.allowed("admin", roles.MANAGER)
    assert roles.allowed("nobody", roles.PUBLIC) and not roles.allowed("nobody", roles.CLERK)


def test_managers_manage_clerks_of_their_own_store_only():
    assert roles.may_manage("manager", 1, "clerk", 1)
    assert not roles.may_manage("manager", 1, "clerk", 2)
    assert not roles.may_manage("manager", 1, "manager", 1)
    assert not roles.may_manage("clerk", 1, "clerk", 1)
    assert roles.may_manage("admin", 1, "admin", 2)


def test_every_op_rule_names_a_known_role():
    assert set(roles.OP_ROLES.values()) <= {roles.PUBLIC, *roles.ROLES}


def test_the_dispatcher_refuses_to_start_with_an_op_that_has_no_role_rule():
    """The guard behind the table-driven role test (tests/e2e/test_sessions.py): a new op
    added without a rule in store/roles.py stops the server at start, naming it."""
    def handler(conn, args):
        return {}
    with pytest.raises(ValueError, match="hire.everything"):
        Dispatcher({"ping": handler, "hire.everything": handler}, sessions=None)
    assert Dispatcher({"ping": handler}, sessions=None).handlers == {"ping": handler}
