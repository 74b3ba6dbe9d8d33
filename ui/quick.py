"""The quick command line, for clerks who know what they want: at the main menu, `/` then
`hire 4411 to 555-0123`, `return 4411`, `find cust smith`, `find title alien`.

`parse` reads a command line into a Command (pure: no I/O, unit tested); `run_command`
carries it out through the same screens' functions as the menu's screens, so a hire or a
return goes through the same managers and the same confirmation (what will be written,
the due dates and charges) before anything is. `QuickCompleter` completes the command
words, the copies on the shelf after `hire`, a customer after `to` / `find cust` and a
title after `find title`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, Union

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from store.codes import whole_number
from store.customers import Customer
from store.customer_rules import nothing_found
from ui import hire, returns, titles, videos
from ui.customers import find_customer
from ui.forms import Asker
from ui.pick import MATCHES

PREFIX = "/"


@dataclass(frozen=True)
class Hire:
    copies: tuple[str, ...]
    customer: str           # a card number, a phone or a name, as typed


@dataclass(frozen=True)
class Return:
    copies: tuple[str, ...]


@dataclass(frozen=True)
class FindCustomer:
    text: str


@dataclass(frozen=True)
class FindTitle:
    text: str


@dataclass(frozen=True)
class FindCopy:
    copy: str


@dataclass(frozen=True)
class Help:
    pass


Command = Union[Hire, Return, FindCustomer, FindTitle, FindCopy, Help]


class CommandError(ValueError):
    """A command line that cannot be read: its message is the one line the clerk sees."""


# The words a clerk may type, each for one command; the first of each is the one shown.
HIRE_WORDS = ("hire", "h", "rent", "out")
RETURN_WORDS = ("return", "r", "ret", "back", "in")
FIND_WORDS = ("find", "f", "search")
HELP_WORDS = ("help", "?")
KINDS: dict[str, tuple[str, ...]] = {
    "cust": ("cust", "customer", "customers", "c", "who"),
    "title": ("title", "titles", "t", "film", "movie", "video"),
    "copy": ("copy", "where", "barcode"),
}
TO_WORDS = ("to", "for")
COMMAND_WORDS = ("hire", "return", "find", "cust", "title", "copy", "help")
FIND_KINDS = ("cust", "title", "copy")

HELP_TEXT = """── Help: quick commands ── (at the main menu: / then the command, Enter)
  /hire 4411 to 555-0123     hire copies (barcodes or copy numbers, several allowed) to a
                             customer found by card number, phone or name; the charges and
                             due dates are shown to confirm first      (also: h, rent, out)
  /return 4411 4412          take copies back; the charges are shown first  (r, ret, back)
  /find cust smith           find a customer and open them    (/cust smith, /f c smith)
  /find title alien          find a title and its copies      (/title alien, /f t alien)
  /find copy 4411            open a copy: where it is         (/copy 4411, /where 4411)
  /help                      this list (/? too)
  Tab completes the words, the copies on the shelf after hire, a customer after `to`
  and a title after find title; Up recalls earlier commands.
  Esc or Ctrl-C cancels a command's questions: nothing is written before the last yes.
"""

USAGE = {
    "hire": "hire COPY... to CUSTOMER, e.g. hire 4411 to 555-0123",
    "return": "return COPY..., e.g. return 4411",
    "cust": "find cust NAME, PHONE or CARD, e.g. find cust smith",
    "title": "find title PART OF THE TITLE, e.g. find title alien",
    "copy": "find copy BARCODE or NUMBER, e.g. find copy 4411",
}


def _kind(word: str) -> str | None:
    return next((kind for kind, words in KINDS.items() if word in words), None)


def _copies(words: list[str], usage: str) -> tuple[str, ...]:
    """Copy barcodes or numbers, separated by spaces or commas; digits only here (the
    managers check the rest: check digit, a copy that exists)."""
    copies = tuple(c for w in words for c in w.split(",") if c)
    if not copies:
        raise CommandError(f"Which copies? Type {usage}.")
    for copy in copies:
        if whole_number(copy) is None:
            raise CommandError(f"{copy!r} is not a copy: a copy is its barcode or its number "
                               f"(digits). Type {usage}.")
    return copies


def parse(line: str) -> Command:
    """A quick command line (with or without its leading /) as a Command; CommandError
    says, in one line, what is wrong with it and how it is typed."""
    text = line.strip()
    if text.startswith(PREFIX):
        text = text[len(PREFIX):].strip()
    words = text.split()
    if not words:
        return Help()
    verb, rest = words[0].lower(), words[1:]
    if verb in HELP_WORDS:
        return Help()
    if verb in HIRE_WORDS:
        usage = USAGE["hire"]
        at = next((i for i, w in enumerate(rest) if w.lower() in TO_WORDS), None)
        if at is None:
            raise CommandError(f"To whom? Type {usage}.")
        customer = " ".join(rest[at + 1:])
        if not customer:
            raise CommandError(f"To whom? Name a card number, phone or name after "
                               f"{rest[at]!r}: {usage}.")
        return Hire(_copies(rest[:at], usage), customer)
    if verb in RETURN_WORDS:
        return Return(_copies(rest, USAGE["return"]))
    kind = _kind(verb)
    if verb in FIND_WORDS:
        kind = _kind(rest[0].lower()) if rest else None
        if kind is None:
            raise CommandError("Find what? Type find cust NAME, find title NAME or find copy "
                               "NUMBER.")
        rest = rest[1:]
    if kind is None:
        raise CommandError(f"No command {words[0]!r}: try hire, return or find (/help lists "
                           f"them).")
    what = " ".join(rest)
    if not what:
        raise CommandError(f"Find which? Type {USAGE[kind]}.")
    if kind == "cust":
        return FindCustomer(what)
    if kind == "title":
        return FindTitle(what)
    copies = _copies(rest, USAGE["copy"])
    if len(copies) > 1:
        raise CommandError(f"One copy at a time: {USAGE['copy']}.")
    return FindCopy(copies[0])


# --- completion ----------------------------------------------------------------------------

class QuickCompleter(Completer):
    """For the main menu line: the command words after `/`, the kinds after `find`, the
    copies on the shelf here after `hire` (ui/completion.py), the top matching customers
    after `hire ... to` or `find cust` (put in as their card number) and titles after
    `find title`. Nothing for a line without the `/`: those are the menu's keys."""

    def __init__(self, customers: Completer, copies: Completer | None = None,
                 titles: Completer | None = None):
        self.customers, self.copies, self.titles = customers, copies, titles

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        if not before.lstrip().startswith(PREFIX):
            return
        line = before.lstrip()[len(PREFIX):]
        words = line.split()
        typing = not line or not line[-1].isspace()   # in the middle of a word
        current = words[-1] if words and typing else ""
        done = words[:-1] if typing and words else words
        if not done:
            yield from _words(COMMAND_WORDS, current)
        elif len(done) == 1 and done[0].lower() in FIND_WORDS:
            yield from _words(FIND_KINDS, current)
        elif self.copies and _at_hired_copy(done) and current:
            copy = current.split(",")[-1]                # copies may be 4411,4412
            yield from self.copies.get_completions(Document(copy), complete_event)
        elif self.titles and (text := _after(line, done, "title")) is not None:
            yield from self.titles.get_completions(Document(text), complete_event)
        else:
            text = _customer_text(line, done)
            if text is not None:
                yield from self.customers.get_completions(Document(text), complete_event)


def _at_hired_copy(done: list[str]) -> bool:
    """The cursor is at a copy of `hire` (before its `to`)."""
    lowered = [w.lower() for w in done]
    return lowered[0] in HIRE_WORDS and not any(w in TO_WORDS for w in lowered)


def _after(line: str, done: list[str], kind: str) -> str | None:
    """What is typed after `find KIND` (or the KIND word alone), as typed up to the
    cursor; None when the line is not such a find."""
    lowered = [w.lower() for w in done]
    if lowered[0] in FIND_WORDS and len(done) >= 2 and _kind(lowered[1]) == kind:
        skip = 2
    elif _kind(lowered[0]) == kind:
        skip = 1
    else:
        return None
    return re.split(r"\s+", line.lstrip(), maxsplit=skip)[skip] if len(done) >= skip else None


def _words(words: tuple[str, ...], start: str) -> Iterator[Completion]:
    for word in words:
        if word.startswith(start.lower()):
            yield Completion(word + " ", start_position=-len(start), display=word)


def _customer_text(line: str, done: list[str]) -> str | None:
    """What is typed of a customer, exactly as typed up to the cursor (after `to`, or
    `find cust`), or None when the cursor is not at a customer. `done`: the whole words
    before the one being typed."""
    lowered = [w.lower() for w in done]
    if lowered[0] not in HIRE_WORDS:
        return _after(line, done, "cust")
    if not any(w in TO_WORDS for w in lowered):
        return None
    skip = next(i for i, w in enumerate(lowered) if w in TO_WORDS) + 1
    return re.split(r"\s+", line.lstrip(), maxsplit=skip)[skip] if len(done) >= skip else None


# --- carrying a command out ----------------------------------------------------------------

class Terminal(Asker, Protocol):
    services: Any
    store: Any

    def timezone(self) -> str: ...

    def watch(self, callback: Callable[[str, dict], None]) -> Any: ...


def run_command(terminal: Terminal, line: str) -> None:
    """Read and carry out one quick command line. A StoreError or a cancel (Esc, Ctrl-C)
    passes to the caller, which tells it in one line, as for any screen."""
    try:
        command = parse(line)
    except CommandError as e:
        terminal.say(str(e))
        return
    if isinstance(command, Help):
        terminal.say(HELP_TEXT)
    elif isinstance(command, Hire):
        _hire(terminal, command)
    elif isinstance(command, Return):
        _return(terminal, command)
    elif isinstance(command, FindCustomer):
        if _logged_in(terminal, "Finding a customer needs a login: their details are "
                                "personal."):
            find_customer(terminal, command.text)
    elif isinstance(command, FindTitle):
        titles.show_hits(terminal, titles.Shown(), command.text,
                         terminal.services.videos.find_titles(command.text,
                                                              here=titles.here(terminal)))
    else:
        videos.open_copy(terminal, terminal.services.videos.find_copy(command.copy))


def _logged_in(terminal: Terminal, refusal: str) -> bool:
    if terminal.services.client.user is None:
        terminal.say(f"{refusal} This terminal is not logged in (read-only).")
        return False
    return True


def _hire(terminal: Terminal, command: Hire) -> None:
    if not _logged_in(terminal, "Hiring needs a login."):
        return
    customer = one_customer(terminal, command.customer)
    if customer is not None:
        hire.hire_named(terminal, customer, list(command.copies))


def one_customer(terminal: Terminal, text: str) -> Customer | None:
    """The one customer `text` finds; None, said in one line, when none or several do."""
    found = terminal.services.customers.find(text, MATCHES)
    if not found:
        terminal.say(nothing_found(text) + " Nothing hired.")
        return None
    if len(found) > 1:
        names = ", ".join(f"{c.name} ({c.card_number})" for c in found[:3])
        more = " and more" if len(found) > 3 else ""
        terminal.say(f"{len(found) if len(found) < MATCHES else 'Many'} customers match "
                     f"{text!r}: {names}{more}. Nothing hired: give a card number, a phone "
                     f"or more of the name.")
        return None
    return found[0]


def _return(terminal: Terminal, command: Return) -> None:
    if _logged_in(terminal, "Returns need a login."):
        returns.return_named(terminal, list(command.copies))
