"""Suggestions as the clerk types a title or a copy (customers: ui/pick.py).

Each completer asks a manager for the top matches (store/shelf.py for copies on the shelf
here, Videos.find_titles for titles), through an index; the screens wrap it in a
ThreadedCompleter, so the lookup runs off the UI thread and typing never waits on the
database. A lookup that fails (half a word, the database away) suggests nothing: the
prompt itself stays usable and Enter says what is wrong.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, ThreadedCompleter
from prompt_toolkit.document import Document

from store.errors import StoreError
from store.shelf import TOP, Shelf
from store.videos import Videos

log = logging.getLogger(__name__)

MIN_TYPED = 2            # one character matches too much to be worth a lookup
META_WIDTH = 60          # a suggestion's description, cut so the menu fits 120 columns


def _cut(text: str, width: int = META_WIDTH) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _typed(document: Document) -> str | None:
    text = document.text_before_cursor
    return text if len(text.strip()) >= MIN_TYPED else None


def _quietly(lookup: Callable[[], list[Any]], what: str) -> list[Any]:
    try:
        return lookup()
    except StoreError:
        return []
    except Exception:
        log.exception("%s completion failed", what)
        return []


class CopyCompleter(Completer):
    """Copies on the shelf of the terminal's store (`store_id()`; none while it is not
    known) whose barcode or number begins with the digits typed, or whose title matches
    the words typed. Choosing one puts in the barcode, or the number when that is what
    was being typed."""

    def __init__(self, shelf: Shelf, store_id: Callable[[], int | None], limit: int = TOP):
        self.shelf, self.store_id, self.limit = shelf, store_id, limit

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterator[Completion]:
        text, store = _typed(document), self.store_id()
        if text is None or store is None:
            return
        digits = text.strip()
        for c in _quietly(lambda: self.shelf.copies(text, store, self.limit), "copy"):
            by_number = digits.isdigit() and not c.barcode.startswith(digits)
            put = str(c.id) if by_number else c.barcode
            year = f" ({c.release_year})" if c.release_year else ""
            yield Completion(put, start_position=-len(text), display=put,
                             display_meta=_cut(f"{c.title}{year} · {c.format} · copy {c.id} · "
                                               f"barcode {c.barcode}"))


class TitleCompleter(Completer):
    """Titles by part of their name, as Find titles finds them (those that begin so first).
    Choosing one puts in its title, or its number where the prompt takes a number
    (`put_number`)."""

    def __init__(self, videos: Videos, here: Callable[[], int | None], put_number: bool = False,
                 limit: int = TOP):
        self.videos, self.here, self.put_number, self.limit = videos, here, put_number, limit

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterator[Completion]:
        text = _typed(document)
        if text is None or (self.put_number and text.strip().isdigit()):
            return
        hits = _quietly(lambda: self.videos.find_titles(text, limit=self.limit,
                                                        here=self.here()), "title")
        for hit in hits:
            title = hit.title
            shelf = (f" · {hit.available_here} on the shelf here"
                     if hit.available_here is not None else "")
            year = f" ({title.release_year})" if title.release_year else ""
            yield Completion(str(title.id) if self.put_number else title.title,
                             start_position=-len(text), display=_cut(title.title + year),
                             display_meta=f"title {title.id}{shelf}")


def store_of(terminal: Any) -> Callable[[], int | None]:
    """The terminal's store as it is when asked (it is known once the database is)."""
    return lambda: terminal.store.id if terminal.store is not None else None


def copies_for(terminal: Any) -> Completer:
    """Copy suggestions for a screen of `terminal`, looked up off the UI thread."""
    return ThreadedCompleter(CopyCompleter(terminal.services.shelf, store_of(terminal)))


def titles_for(terminal: Any, put_number: bool = False) -> Completer:
    """Title suggestions for a screen of `terminal`, looked up off the UI thread."""
    return ThreadedCompleter(TitleCompleter(terminal.services.videos, store_of(terminal),
                                            put_number))
