"""Holding the lock of what a screen shows (a copy, a customer) while it is open, so other
tills see who is working on it — and saying plainly when this till cannot: someone else
has it, no one is logged in here, or the store server is out of reach (then the screen is
for looking only)."""
from __future__ import annotations

from typing import Any, Protocol

from store.errors import Locked, ServerUnavailable, Timeout, Unauthenticated
from ui.messages import error_line, in_use


class Terminal(Protocol):
    services: Any

    def say(self, text: str) -> None: ...

    def timezone(self) -> str: ...


def hold_shown(t: Terminal, resource: str, what: str) -> bool:
    """Take the lock on `resource` (`what` names it for the clerk); False, said why, when
    this till may only look."""
    if t.services.client.user is None:
        t.say(f"  Read-only: log in to work on {what}.")
        return False
    try:
        t.services.leases.acquire(resource)
    except Locked as e:
        t.say(f"  {in_use(e.details, t.timezone())}: you can look; changes wait until they "
              f"leave {what}.")
        return False
    except (ServerUnavailable, Timeout, Unauthenticated) as e:
        t.say(f"  Read-only: {error_line(e)}")
        return False
    return True
