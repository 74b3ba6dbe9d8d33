"""Who may run which op: the one table the server checks before every request.

Every op the server has must be named here (the dispatcher refuses to start otherwise,
and a test checks every op with every role), so a new op cannot slip in unguarded.
Finer rules (a manager manages clerks of their own store only) live with the op.
"""
from __future__ import annotations

PUBLIC = "public"
CLERK, MANAGER, ADMIN = "clerk", "manager", "admin"
RANK = {CLERK: 1, MANAGER: 2, ADMIN: 3}
ROLES = tuple(RANK)

OP_ROLES: dict[str, str] = {
    "hello": PUBLIC, "ping": PUBLIC, "time": PUBLIC, "login": PUBLIC, "resume": PUBLIC,
    "bye": PUBLIC,
    # A test clock is for tests and demos; the op itself refuses on a real clock.
    "clock.advance": PUBLIC,
    "logout": CLERK, "whoami": CLERK,
    "lock.acquire": CLERK, "lock.renew": CLERK, "lock.release": CLERK, "lock.list": CLERK,
    "subscribe": CLERK, "publish": CLERK, "notice.unread": CLERK, "notice.read": CLERK,
    "notice.send": MANAGER,
    "status": MANAGER,
    "staff.add": MANAGER, "staff.reset_password": MANAGER, "staff.deactivate": MANAGER,
    "staff.unlock": MANAGER, "staff.list": MANAGER, "staff.totp_reset": MANAGER,
    # Any role, for their own account (store/twofactor.py).
    "totp.enroll": CLERK, "totp.confirm": CLERK,
    "session.list": MANAGER, "session.end": MANAGER,
}

# What a session may do while the shop makes it set up two-factor login first.
WHILE_ENROLLING = frozenset({"totp.enroll", "totp.confirm", "whoami", "logout", "bye"})


def allowed(role: str, needed: str) -> bool:
    """Whether a session of `role` may run an op that needs `needed`."""
    return needed == PUBLIC or RANK.get(role, 0) >= RANK[needed]


def may_manage(actor_role: str, actor_store: int, target_role: str, target_store: int) -> bool:
    """Admins manage everyone; managers manage clerks of their own store only."""
    if actor_role == ADMIN:
        return True
    return actor_role == MANAGER and target_role == CLERK and actor_store == target_store
