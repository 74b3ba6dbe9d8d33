"""A write the clerk confirmed, made once however often it is tried.

The action gets one request key (store/once.py) for all its tries. The managers already
try again on their own while the database comes back (a few seconds); when it stays away,
or cannot say whether the write was saved, the clerk is told and asked whether to try
again — with the same key, so a hire or a payment that was in fact saved is shown, not
made twice.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from store.errors import Busy, DatabaseUnavailable, OutcomeUnknown, StoreError
from store.once import RequestKey
from ui.forms import Asker, yes_no
from ui.messages import error_line

T = TypeVar("T")
IN_DOUBT = (OutcomeUnknown, DatabaseUnavailable, Busy)


def save_once(terminal: Asker, what: str, nothing_done: str,
              work: Callable[[RequestKey], T]) -> T | None:
    """`work(key)`'s result, or None once the clerk has been told why not. `what` names
    the action ("hire"); `nothing_done` is said when it surely was not saved."""
    key = RequestKey()
    while True:
        try:
            return work(key)
        except IN_DOUBT as e:
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
              work: Callable[[RequestKey], T]) -> tuple[bool, T | None]:
    """save_once for a write whose result may itself be None (a cancelled hold whose copy
    goes to no one): (True, result) when it was done, (False, None) once the clerk has been
    told why not."""
    boxed = save_once(terminal, what, nothing_done, lambda key: (work(key),))
    return (False, None) if boxed is None else (True, boxed[0])
