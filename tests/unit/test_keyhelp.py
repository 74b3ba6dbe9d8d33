"""ui/keyhelp.py: F1 (and ? on an empty line) shows a prompt's help and gives back what was
typed — driven through a real PromptSession on prompt_toolkit's pipe input."""
import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ui.forms import form_keys
from ui.keyhelp import FORM_HELP, prompt_with_help

F1 = "\x1bOP"
ESC = "\x1b"


@pytest.fixture
def pipe():
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def ask(pipe, keys, **kwargs):
    said = []
    pipe.send_text(keys)
    answer = prompt_with_help(PromptSession(), said.append, "copy> ", **kwargs)
    return answer, said


def test_f1_shows_the_help_and_keeps_what_was_typed(pipe):
    answer, said = ask(pipe, "44" + F1 + "11\r")
    assert answer == "4411"
    assert said == [FORM_HELP.rstrip("\n")]


def test_a_screen_gives_its_own_help_through_its_key_bindings(pipe):
    answer, said = ask(pipe, "?" + "4411\r", key_bindings=form_keys("── Help: Hire out ──"))
    assert answer == "4411" and said == ["── Help: Hire out ──"]


def test_a_question_mark_after_text_is_typed_as_it_is(pipe):
    answer, said = ask(pipe, "why?\r")
    assert answer == "why?" and said == []


def test_a_password_may_begin_with_a_question_mark_and_f1_still_helps(pipe):
    answer, said = ask(pipe, "?secret" + F1 + "!\r", is_password=True)
    assert answer == "?secret!" and said == [FORM_HELP.rstrip("\n")]


def test_esc_still_cancels_a_form_question(pipe):
    pipe.send_text("44" + ESC)
    with pytest.raises(KeyboardInterrupt):
        prompt_with_help(PromptSession(), print, "copy> ", key_bindings=form_keys("help"))


def test_a_sub_menu_f1_lists_its_keys_and_keeps_a_half_typed_barcode(pipe):
    from ui.submenu import Entry, help_text, menu_keys
    entries = [Entry("f", "Find titles", print), Entry("o", "Open a copy", print)]
    shown = help_text("Videos", entries)
    answer, said = ask(pipe, "44" + F1 + "11\r", key_bindings=menu_keys(entries, shown))
    assert answer == "4411" and said == [shown.rstrip("\n")]
    answer, said = ask(pipe, "?" + "o", key_bindings=menu_keys(entries, shown))
    assert answer == "o" and said == [shown.rstrip("\n")]        # one key still chooses
    answer, said = ask(pipe, "4" + ESC, key_bindings=menu_keys(entries, shown))
    assert answer == "" and said == []                           # Esc goes back
