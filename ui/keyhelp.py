"""F1 on every prompt, and ? on an empty line where ? is no answer: the keys of the screen
the clerk is at, shown above the prompt, and the prompt back with what was typed.

The one way it is done: `help_keys(text)` binds the keys to end the prompt with
HelpAsked(text, typed); `prompt_with_help` (what every prompt of the terminal goes through)
shows the text and asks again with the typed text put back. A screen gives its own text
by adding `help_keys(ITS_HELP)` to its prompt's key bindings (later bindings win); a prompt
that gives none answers with FORM_HELP.
"""
from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit import PromptSession
from prompt_toolkit.application import get_app
from prompt_toolkit.completion import Completer, DummyCompleter
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.key_binding.key_bindings import KeyBindingsBase
from prompt_toolkit.validation import DummyValidator, Validator

FORM_HELP = """── Help: this question ──
  Enter        answer (an empty answer takes the default shown in [brackets], if any)
  Tab          complete, where there are choices or matches
  Esc, Ctrl-C  cancel: nothing of this form is saved
  F1 or ?      this help (what you typed stays)
"""


class HelpAsked(Exception):
    """F1 at a prompt: the help to show, and what was typed so far (given back)."""

    def __init__(self, text: str, typed: str):
        super().__init__("help asked")
        self.text, self.typed = text, typed


def help_keys(text: str, question_mark: bool = True) -> KeyBindings:
    """F1 (and ?, on an empty line, unless `question_mark` is False: a password may begin
    with one) ends the prompt asking for `text`."""
    kb = KeyBindings()

    def _help(event: KeyPressEvent) -> None:
        """Show the keys of this screen; what was typed stays."""
        event.app.exit(exception=HelpAsked(text, event.app.current_buffer.text))

    kb.add("f1")(_help)
    if question_mark:
        kb.add("?", filter=Condition(lambda: not get_app().current_buffer.text))(_help)
    return kb


def prompt_with_help(session: PromptSession[str], say: Callable[[str], None], message: str,
                     *, is_password: bool = False, default: str = "",
                     completer: Completer | None = None,
                     key_bindings: KeyBindingsBase | None = None,
                     help_text: str = FORM_HELP, validator: Validator | None = None) -> str:
    """One answer from `session`, every setting passed (a PromptSession keeps them for its
    later prompts: no completer or validator is passed as a dummy one, since None would
    keep the last). F1 shows the help and asks again, the typed text still there. A
    `validator` refuses Enter, showing its message under the line, until the answer passes
    (checked on Enter, not at every key: half a date is not an error)."""
    keys = merge_key_bindings([help_keys(help_text, question_mark=not is_password),
                               key_bindings or KeyBindings()])
    while True:
        try:
            return session.prompt(message, is_password=is_password, default=default,
                                  completer=completer or DummyCompleter(), key_bindings=keys,
                                  validator=validator or DummyValidator(),
                                  validate_while_typing=False)
        except HelpAsked as asked:
            say(asked.text.rstrip("\n"))
            default = asked.typed
