"""The questions a screen asks: an answer, a number, a choice, yes or no, a new password.

Every question goes through the terminal's `prompt()` (ui/app.py: a session that keeps no
history, so nothing typed, never a password, can be recalled — unless the question names a
search history of its own, ui/history.py). Esc or Ctrl-C cancels the whole form by raising
KeyboardInterrupt; Ctrl-D raises EOFError. The screen decides what a cancel means
(ui/admin.py: back to its sub-menu). F1 (or ? on an empty line) shows the keys
(ui/keyhelp.py): a screen's own text with `form_keys(ITS_HELP)`, else the form's.

A question whose answer has a rule (a date of birth, a phone, a price) passes a
`RuleCheck` of the manager's own rule: Enter is refused, with the rule's message under
the line, until the answer passes — a convenience for the clerk; the manager checks
everything again when it saves.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from prompt_toolkit.completion import Completer, WordCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.key_binding.key_bindings import KeyBindingsBase
from prompt_toolkit.validation import ValidationError as Refusal, Validator

from store.codes import whole_number
from store.errors import StoreError, ValidationError
from ui.keyhelp import help_keys
from ui.messages import error_line


class Asker(Protocol):
    def say(self, text: str) -> None: ...

    def prompt(self, message: str, *, is_password: bool = False, default: str = "",
               completer: Completer | None = None,
               key_bindings: KeyBindingsBase | None = None, history: str = "",
               validator: Validator | None = None) -> str: ...


class RuleCheck(Validator):
    """A field's rule at the prompt: `rule(text)` raises the store's ValidationError
    (store/customer_rules.py, store/title_rules.py) for an answer it refuses; its message,
    in the words error_line gives it, is shown under the line and Enter waits."""

    def __init__(self, rule: Callable[[str], Any]):
        self.rule = rule

    def validate(self, document: Document) -> None:
        try:
            self.rule(document.text)
        except ValidationError as e:
            raise Refusal(cursor_position=len(document.text), message=error_line(e)) from e


def cancel_keys() -> KeyBindings:
    """Keys of every form question."""
    kb = KeyBindings()

    @kb.add("escape", eager=True)
    def _cancel(event: KeyPressEvent) -> None:
        """Esc cancels the form, as Ctrl-C does."""
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    return kb


def form_keys(help_text: str) -> KeyBindingsBase:
    """Keys of a question with help of its own: Esc cancels, F1 or ? shows `help_text`."""
    return merge_key_bindings([cancel_keys(), help_keys(help_text)])


def ask(terminal: Asker, label: str, default: str = "", history: str = "",
        rule: Callable[[str], Any] | None = None, completer: Completer | None = None) -> str:
    """The answer, stripped; `default` (shown in brackets) when left empty. `history` names
    the search history Up recalls (ui/history.py), if any; `rule(answer)` (the answer as
    returned, the default put in) must pass before Enter is taken."""
    shown = f"{label} [{default}]: " if default else f"{label}: "
    check = RuleCheck(lambda text: rule(text.strip() or default)) if rule else None
    answer = terminal.prompt(shown, is_password=False, key_bindings=cancel_keys(),
                             history=history, validator=check, completer=completer).strip()
    return answer or default


def ask_number(terminal: Asker, label: str, default: int | None = None) -> int | None:
    """A whole number above 0; None when left empty with no default. Asked again until it
    is one."""
    while True:
        answer = ask(terminal, label, "" if default is None else str(default))
        if not answer:
            return None
        number = whole_number(answer)
        if number is not None and number > 0:
            return number
        terminal.say(f"{label}: type a number such as 1 (or Esc to cancel).")


def choose(terminal: Asker, label: str, choices: Sequence[str], default: str) -> str:
    """One of `choices` (Tab completes them; an empty answer is `default`). Asked again
    until it is one."""
    completer = WordCompleter(list(choices), ignore_case=True)
    shown = f"{label} ({'/'.join(choices)}) [{default}]: "
    while True:
        answer = terminal.prompt(shown, is_password=False, completer=completer,
                                 key_bindings=cancel_keys()).strip().lower() or default
        if answer in choices:
            return answer
        terminal.say(f"{label}: choose {', '.join(choices)}.")


YES_NO_HELP = """── Help: a yes or no question ──
  y, yes       yes
  n, Enter     no (anything else is no too)
  Esc, Ctrl-C  cancel: nothing of this form is saved
"""


def yes_no(terminal: Asker, question: str) -> bool:
    """True only for y or yes; anything else, or an empty answer, is no."""
    answer = terminal.prompt(f"{question} (y/n) ", is_password=False,
                             key_bindings=form_keys(YES_NO_HELP))
    return answer.strip().lower() in ("y", "yes")


def new_password(terminal: Asker, label: str,
                 check: Callable[[str], None] = lambda _: None) -> str:
    """A new password, typed twice and never shown. `check` raises a StoreError (told to
    the user) for one that may not be used. Asked again until both agree and it passes."""
    while True:
        first = terminal.prompt(f"{label}: ", is_password=True, key_bindings=cancel_keys())
        try:
            check(first)
        except StoreError as e:
            terminal.say(error_line(e))
            continue
        again = terminal.prompt("The same password again: ", is_password=True,
                                key_bindings=cancel_keys())
        if again == first:
            return first
        terminal.say("The two passwords differ; type them again.")
