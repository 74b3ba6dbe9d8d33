"""A write the clerk confirmed, made once however often it is tried.

The action gets one request key (store/once.py) for all its tries. The managers already
try again on their own while the database comes back (a few seconds); when it stays away,
or cannot say whether the write was saved, the clerk is told and asked whether to try
again — with the same key, so a hire or a payment that was in fact saved is shown, not
made twice.

A write the store server makes for the terminal (staff accounts, notices, two-factor
set-up) is asked about the same way, and also when the server could not be reached or did
not answer (ON_SERVER): the request key goes with the request (StoreClient.request), so a
reply lost on the way back is not a reason to do it twice. A request that never left says
`nothing_done` (its key was never tried).
"""
from __future__ import annotations

from typing import Callable, TypeVar

from store.errors import (Busy, DatabaseUnavailable, OutcomeUnknown, ServerUnavailable,
                          StoreError, Timeout)
from store.once import RequestKey
from ui.forms import Asker, yes_no
from ui.messages import error_line

T = TypeVar("T")
IN_DOUBT: tuple[type[StoreError], ...] = (OutcomeUnknown, DatabaseUnavailable, Busy)
ON_SERVER = IN_DOUBT + (ServerUnavailable, Timeout)


def save_once(terminal: Asker, what: str, nothing_done: str,
              work: Callable[[RequestKey], T],
              in_doubt: tuple[type[StoreError], ...] = IN_DOUBT) -> T | None:
    """`work(key)`'s result, or None once the clerk has been told why not. `what` names
    the action ("hire"); `nothing_done` is said when it surely was not saved. `in_doubt`:
    the errors after which the clerk is asked whether to try again (ON_SERVER for a write
    the store server makes)."""
    key = RequestKey()
    while True:
        try:
            return work(key)
        except in_doubt as e:
            terminal.say(error_line(e))
            if yes_no(terminal, f"Try the {what} again? It will not be done twice."):
                continue
            terminal.say(f"The {what} may have been saved: look it up before doing it again."
                         if key.tried else nothing_done)
            return None
        except StoreError as e:
            terminal.say(f"{error_line(e)} {nothing_done}")
            return None


def done_once(terminal: Asker, what: str, nothing_done: str,
              work: Callable[[RequestKey], T],
              in_doubt: tuple[type[StoreError], ...] = IN_DOUBT) -> tuple[bool, T | None]:
    """save_once for a write whose result may itself be None (a cancelled hold whose copy
    goes to no one): (True, result) when it was done, (False, None) once the clerk has been
    told why not."""
    boxed = save_once(terminal, what, nothing_done, lambda key: (work(key),), in_doubt)
    return (False, None) if boxed is None else (True, boxed[0])
