"""The Videos screen's title entries: find titles (with filters), open one with its copies,
add one, edit one, add copies of one.

Each answer is checked at its field with the catalogue's own rules (store/title_rules.py):
Enter is refused, saying what is wrong under the line, until it is right; the manager
checks it all again when it saves. Esc or Ctrl-C cancels the entry. The screen remembers
the last title it showed, added or changed, and offers it as the default wherever a title
is asked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from prompt_toolkit.completion import Completer, WordCompleter

from store import title_rules as rules
from store.codes import whole_number
from store.errors import Locked
from store.services import TerminalServices
from store.stores import StoreInfo
from store.videos import CopyView, TitleCard, TitleHit, TitleView
from ui.completion import titles_for
from ui.forms import Asker, RuleCheck, ask, cancel_keys, yes_no
from ui.messages import error_line
from ui.once import save_once
from ui.tables import DATE_TIME, format_money, format_moment, format_table

TITLE_WIDTH = 40  # a long title is cut in tables so that a row fits 120 columns
FIELD_LABELS = {
    "title": "Title",
    "release_year": "Year (e.g. 1999; empty: unknown)",
    "rating": f"Rating ({'/'.join(rules.RATINGS)})",
    "genre": "Genre (Tab completes one in use)",
    "length_min": "Length in minutes (empty: unknown)",
    "rental_rate": "Rental rate",
    "rental_days": "Rental days",
    "replacement_cost": "Replacement cost",
    "description": "Description (empty: none)",
}


class Terminal(Asker, Protocol):
    services: TerminalServices
    store: StoreInfo | None

    def timezone(self) -> str: ...


@dataclass
class Shown:
    """What the Videos screen showed last: the default title for the next question."""
    title_id: int | None = None


# --- questions ---------------------------------------------------------------------------

def ask_valid(t: Terminal, label: str, parse: Callable[[str], Any], prefill: str = "",
              completer: Completer | None = None) -> Any:
    """`parse(answer)`: Enter is refused, saying what is wrong, until the answer parses
    (the catalogue's own rule, store/title_rules.py). `prefill` is put in the line to edit
    (Enter keeps it)."""
    answer = t.prompt(f"{label}: ", default=prefill, completer=completer,
                      key_bindings=cancel_keys(),
                      validator=RuleCheck(lambda text: parse(text.strip())))
    return parse(answer.strip())


def this_year(t: Terminal) -> int:
    """The year by the store server's clock (as last synchronised), for checking a
    release year as it is typed; the manager checks it again by the server's clock."""
    now = t.services.client.server_now() or datetime.now(timezone.utc)
    return now.year


def ask_title_fields(t: Terminal, current: TitleView | None = None) -> dict[str, Any]:
    """Every field of a title, checked one by one; the current values to edit, if any."""
    parsers = rules.field_parsers(this_year(t))
    genres = WordCompleter(t.services.videos.genres(), ignore_case=True, sentence=True)
    completers = {"rating": WordCompleter(list(rules.RATINGS), ignore_case=True),
                  "genre": genres}
    values = {}
    now = current.fields.as_dict() if current else {}
    for name, label in FIELD_LABELS.items():
        shown = "" if now.get(name) is None else str(now[name])
        values[name] = ask_valid(t, label, parsers[name], shown, completers.get(name))
    return values


def pick_title(t: Terminal, shown: Shown) -> int | None:
    """A title asked for by its number or part of its name (a list to choose from when
    several match); None when none is given or found."""
    default = str(shown.title_id) if shown.title_id else ""
    text = ask(t, "Title: its number or part of its name", default,
               completer=titles_for(t, put_number=True))
    if not text:
        t.say("No title chosen.")
        return None
    number = whole_number(text)
    if number is not None:
        return number
    hits = t.services.videos.find_titles(text, here=here(t))
    if len(hits) == 1:
        return hits[0].title.id
    return choose_hit(t, hits, text)


def choose_hit(t: Terminal, hits: list[TitleHit], text: str) -> int | None:
    """Show the titles found; the number of the one the clerk opens (None: none)."""
    if not hits:
        t.say(f"No title matches {text!r}.")
        return None
    t.say(hits_table(hits))
    answer = ask(t, "Open one? Its number (empty: none)")
    if not answer:
        return None
    number = whole_number(answer)
    if number is None:
        t.say(f"{answer!r} is not a title number: nothing opened.")
    return number


def here(t: Terminal) -> int | None:
    """The store whose copies are counted as "here": the terminal's."""
    return t.store.id if t.store else None


# --- what is shown -----------------------------------------------------------------------

def cut(text: str, width: int = TITLE_WIDTH) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def hits_table(hits: list[TitleHit]) -> str:
    """Titles found, each with its copies on the shelf here, its copies here, and its
    copies in all stores (lost and retired ones are not counted)."""
    rows = [[h.title.id, cut(h.title.title), h.title.release_year, h.title.rating,
             h.title.genre, h.title.rental_rate, h.available_here, h.copies_here,
             h.copies_total] for h in hits]
    more = "\n(the first 20: type more of the title to narrow it)" if len(hits) >= 20 else ""
    return format_table(["No.", "Title", "Year", "Rating", "Genre", "Rate", "On shelf", "Here",
                         "All stores"], rows, money_columns=["Rate"]) + more


def describe_title(title: TitleView) -> str:
    year = f", {title.release_year}" if title.release_year else ""
    length = f" · {title.length_min} min" if title.length_min else ""
    lines = [f"Title {title.id} · {title.title} ({title.rating}{year}) · {title.genre}{length}",
             f"  Rental {format_money(title.rental_rate)} for {title.rental_days} "
             f"day{'' if title.rental_days == 1 else 's'} · replacement cost "
             f"{format_money(title.replacement_cost)}"]
    if title.description:
        lines.append(f"  {title.description}")
    return "\n".join(lines)


def whereabouts(copy: CopyView, tz_name: str) -> str:
    """Where the copy is, as the clerk says it."""
    if copy.hired_to:
        due = format_moment(copy.due_at, tz_name, DATE_TIME) if copy.due_at else "?"
        return f"Hired to {copy.hired_to}, due back {due}."
    if copy.status == "held" and copy.held_for:
        phone = f" ({copy.held_for_phone})" if copy.held_for_phone else ""
        return f"Held for {copy.held_for}{phone}."
    return {"available": "On the shelf.", "hired": "Out on hire.", "held": "Set aside for a hold.",
            "damaged": "Marked damaged.", "lost": "Marked lost.",
            "retired": "Retired."}.get(copy.status, copy.status)


def describe_card(card: TitleCard, tz_name: str, store_id: int | None) -> str:
    """A title, a count of its copies and a table of where each one is."""
    copies = card.copies
    in_stock = [c for c in copies if c.status in rules.IN_STOCK]
    mine = [c for c in in_stock if c.store_id == store_id]
    count = (f"  Copies: {len(mine)} here ({sum(c.status == 'available' for c in mine)} on "
             f"the shelf), {len(in_stock)} in all stores")
    if not copies:
        return f"{describe_title(card.title)}\n{count}\n  No copies yet: add some with c."
    table = format_table(["Copy", "No.", "Format", "Barcode", "Store", "Where"],
                         [[c.id, c.copy_number, c.format, c.barcode, c.store_name,
                           whereabouts(c, tz_name)] for c in copies])
    return f"{describe_title(card.title)}\n{count}\n{table}"


# --- the entries -------------------------------------------------------------------------

def find_titles(t: Terminal, shown: Shown) -> None:
    """Titles by part of their name."""
    text = ask(t, "Part of the title", history="titles", completer=titles_for(t))
    if text:
        show_hits(t, shown, text, t.services.videos.find_titles(text, here=here(t)))


def search_titles(t: Terminal, shown: Shown) -> None:
    """Titles by part of their name, genre, rating, format, and a copy on the shelf here."""
    text = ask(t, "Part of the title", history="titles", completer=titles_for(t))
    if not text:
        return
    rules.title_search(text)  # said now, not after the filters
    genres = WordCompleter(t.services.videos.genres(), ignore_case=True, sentence=True)
    genre = ask_valid(t, "Genre (empty: any)", optional(rules.parse_genre), completer=genres)
    rating = ask_valid(t, f"Rating ({'/'.join(rules.RATINGS)}; empty: any)",
                       optional(rules.parse_rating))
    fmt = ask_valid(t, f"Format ({'/'.join(rules.FORMATS)}; empty: any)",
                    optional(rules.parse_format))
    store = here(t)
    only_here = store is not None and yes_no(t, "Only titles with a copy on the shelf here?")
    hits = t.services.videos.find_titles(text, genre=genre, rating=rating, format=fmt,
                                         available_at_store=store if only_here else None,
                                         here=store)
    show_hits(t, shown, text, hits)


def optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda text: parse(text) if text else None


def show_hits(t: Terminal, shown: Shown, text: str, hits: list[TitleHit]) -> None:
    title_id = choose_hit(t, hits, text)
    if title_id is not None:
        show_title(t, shown, title_id)


def open_title(t: Terminal, shown: Shown) -> None:
    title_id = pick_title(t, shown)
    if title_id is not None:
        show_title(t, shown, title_id)


def show_title(t: Terminal, shown: Shown, title_id: int) -> None:
    card = t.services.videos.title_card(title_id)
    shown.title_id = title_id
    t.say(describe_card(card, t.timezone(), here(t)))


def add_title(t: Terminal, shown: Shown) -> None:
    values = ask_title_fields(t)
    title = save_once(t, "new title", "No title was added.",
                      lambda key: t.services.videos.add_title(request=key, **values))
    if title is None:
        return
    shown.title_id = title.id
    t.say(f"Added title {title.id}: {title.title}. Add its copies with c.")


def edit_title(t: Terminal, shown: Shown) -> None:
    """Each field offered to edit (Enter keeps it), under the title's lock."""
    title_id = pick_title(t, shown)
    if title_id is None:
        return
    videos, leases = t.services.videos, t.services.leases
    title = videos.title(title_id)
    shown.title_id = title_id
    t.say(describe_title(title))
    try:
        with leases.holding(title.resource):  # other tills see who is editing it
            values = ask_title_fields(t, title)
            _, after = rules.title_changes(title.fields, rules.title_fields(
                values, this_year(t)))
            if not after:
                t.say("Nothing changed.")
                return
            t.say("\n".join(f"  {FIELD_LABELS[name].split(' (')[0]}: "
                            f"{shown_value(getattr(title.fields, name))} → "
                            f"{shown_value(value)}" for name, value in after.items()))
            if not yes_no(t, f"Save these changes to title {title_id}?"):
                t.say("Nothing changed.")
                return
            edit = save_once(t, "edit", "Nothing changed.",
                             lambda key: videos.edit_title(title_id, request=key, **after))
    except Locked as e:
        t.say(f"{error_line(e)}: you can look, not change it.")
        return
    if edit is None:
        return
    t.say(f"Saved title {title_id}: {edit.title.title}.")


def shown_value(value: Any) -> str:
    return "(none)" if value is None or value == "" else str(value)


def add_copies(t: Terminal, shown: Shown) -> None:
    title_id = pick_title(t, shown)
    if title_id is None:
        return
    videos = t.services.videos
    title = videos.title(title_id)
    shown.title_id = title_id
    t.say(describe_title(title))
    count = ask_valid(t, f"How many copies (1-{rules.COPIES_PER_ADD})", rules.parse_copy_count,
                      "1")
    fmt = ask_valid(t, f"Format ({'/'.join(rules.FORMATS)})", rules.parse_format, "DVD",
                    WordCompleter(list(rules.FORMATS), ignore_case=True))
    added = save_once(t, "new copies", "No copies were added.",
                      lambda key: videos.add_copies(title_id, count, fmt, key))
    if added is None:
        return
    numbers = [c["copy_number"] for c in added.copies]
    t.say(f"Added {len(numbers)} {added.format} cop{'y' if len(numbers) == 1 else 'ies'} of "
          f"{added.title.title} (title {title_id}) at {added.store_name}, numbered "
          f"{numbers[0]}{'' if len(numbers) == 1 else f' to {numbers[-1]}'}:\n"
          + format_table(["Copy", "No.", "Barcode"],
                         [[c["id"], c["copy_number"], c["barcode"]] for c in added.copies]))
