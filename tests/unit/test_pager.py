"""ui/pager.py: long text a page at a time, driven through a real PromptSession on
prompt_toolkit's pipe input (keys typed as a clerk types them)."""
import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ui.pager import page_size, pages, show_paged

TEXT = "\n".join(f"line {n}" for n in range(1, 26))   # 25 lines


class Terminal:
    """What a screen talks to: say() is recorded, prompt() is a real PromptSession."""

    def __init__(self, pipe):
        self.said: list[str] = []
        self.questions: list[str] = []
        self.session = PromptSession(input=pipe, output=DummyOutput())

    def say(self, text):
        self.said.append(text)

    def prompt(self, message, *, is_password=False, default="", completer=None,
               key_bindings=None):
        self.questions.append(message)
        return self.session.prompt(message, is_password=is_password, default=default,
                                   completer=completer, key_bindings=key_bindings)


@pytest.fixture
def pipe():
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def test_pages_cut_text_into_screenfuls():
    assert pages("a\nb\nc\nd\ne", 2) == ["a\nb", "c\nd", "e"]
    assert page_size(40) == 30 and page_size(3) == 5


def test_text_that_fits_is_said_once_with_no_question(pipe):
    t = Terminal(pipe)
    show_paged(t, TEXT, rows=lambda: 40)
    assert t.said == [TEXT] and t.questions == []


def test_space_and_enter_show_the_next_pages_to_the_end(pipe):
    t = Terminal(pipe)
    pipe.send_text(" \r")
    show_paged(t, TEXT, rows=lambda: 20)               # pages of 10 lines
    assert t.said == [pages(TEXT, 10)[0], pages(TEXT, 10)[1], "line 21\nline 22\nline 23\n"
                      "line 24\nline 25"]
    assert t.questions == ["-- lines 1-10 of 25: space or Enter for more, q or Esc to stop -- ",
                           "-- lines 1-20 of 25: space or Enter for more, q or Esc to stop -- "]


@pytest.mark.parametrize("key", ["q", "\x1b", "\x03"])   # q, Esc, Ctrl-C
def test_q_esc_or_ctrl_c_stops_and_says_where(pipe, key):
    t = Terminal(pipe)
    pipe.send_text(key)
    show_paged(t, TEXT, rows=lambda: 20)
    assert t.said == [pages(TEXT, 10)[0], "(stopped at line 10 of 25)"]


def test_the_screen_height_comes_from_the_terminal(pipe):
    t = Terminal(pipe)
    pipe.send_text("q")
    show_paged(t, "\n".join(["x"] * 60))               # DummyOutput is 40 lines high
    assert t.said[0].count("\n") + 1 == 30
