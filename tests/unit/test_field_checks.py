"""Checks at the field and suggestions as you type, driven through a real PromptSession on
prompt_toolkit's pipe input: a bad answer's Enter is refused with the manager's own rule's
message and the line kept to fix; the title and copy completers offer what their manager
found and put in what the prompt takes. The managers here are small fakes (plain
classes returning fixed rows): what is checked is the screen's side."""
from datetime import date
from decimal import Decimal

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.output import DummyOutput

from store import title_rules
from store.customer_rules import clean_field
from store.errors import ValidationError
from store.shelf import ShelfCopy, copy_lookup, number_ranges
from store.videos import TitleHit, TitleView
from ui.completion import CopyCompleter, TitleCompleter
from ui.forms import RuleCheck, ask, ask_number
from ui.keyhelp import prompt_with_help

TODAY = date(2025, 6, 1)
CLEAR_LINE, PEEK = "\x15", "\x14"    # Ctrl-U; Ctrl-T: the test's own key, see peek_keys


@pytest.fixture
def pipe():
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def peek_keys(seen: list[str]) -> KeyBindings:
    """Ctrl-T notes what the line shows under it (the refusal), as a clerk would read it."""
    kb = KeyBindings()

    @kb.add("c-t")
    def _peek(event):
        error = event.app.current_buffer.validation_error
        seen.append(error.message if error else "")
    return kb


def test_a_bad_date_of_birth_is_refused_at_enter_with_the_rules_message(pipe):
    seen: list[str] = []
    check = RuleCheck(lambda text: clean_field("date_of_birth", text, TODAY))
    pipe.send_text(f"1985-13-02\r{PEEK}{CLEAR_LINE}1985-04-02\r")
    answer = prompt_with_help(PromptSession(), print, "Date of birth: ", validator=check,
                              key_bindings=peek_keys(seen))
    assert answer == "1985-04-02"                    # the first Enter was not taken
    with pytest.raises(ValidationError) as rule:
        clean_field("date_of_birth", "1985-13-02", TODAY)
    assert seen == [rule.value.message[0].upper() + rule.value.message[1:]]


@pytest.mark.parametrize("column, bad", [("phone", "12"), ("email", "mary@"),
                                         ("first_name", "")])
def test_each_customer_rule_refuses_what_the_manager_refuses(column, bad):
    check = RuleCheck(lambda text: clean_field(column, text, TODAY))
    with pytest.raises(Exception) as refused:
        check.validate(Document(bad))
    with pytest.raises(ValidationError) as rule:
        clean_field(column, bad, TODAY)
    assert refused.value.message.lower() == rule.value.message.lower()
    check.validate(Document({"phone": "0207 555 0199", "email": "mary@example.com",
                             "first_name": "Mary"}[column]))     # a good one passes


class Asking:
    """A terminal whose prompt() is a real PromptSession on the pipe."""

    def __init__(self):
        self.said: list[str] = []
        self.session = PromptSession()

    def say(self, text):
        self.said.append(text)

    def prompt(self, message, *, is_password=False, default="", completer=None,
               key_bindings=None, history="", validator=None):
        return prompt_with_help(self.session, self.say, message, is_password=is_password,
                                default=default, completer=completer,
                                key_bindings=key_bindings, validator=validator)


def test_a_price_is_checked_at_the_field_and_the_next_question_has_no_check_left(pipe):
    t = Asking()
    pipe.send_text(f"2.999\r{CLEAR_LINE}2.99\r" "anything\r")
    rate = ask(t, "Rental rate", rule=lambda text: title_rules.parse_money(text, "The rate"))
    assert rate == "2.99"
    assert ask(t, "Why?") == "anything"     # the session kept no validator from before


def test_an_empty_answer_is_checked_as_the_default_it_stands_for(pipe):
    t = Asking()
    pipe.send_text("\r" "1999\r")            # Enter alone means 1887: too early, refused
    year = ask(t, "Year", "1887", rule=lambda text: title_rules.parse_year(text, 2025))
    assert year == "1999"


# --- completers, over fakes of the managers -------------------------------------------

ALIEN = ShelfCopy(4411, "00000120014", 1, "DVD", "Alien", 1979)
ALIEN2 = ShelfCopy(4412, "00000120022", 2, "Blu-ray", "Alien", 1979)


class FakeShelf:
    def __init__(self, copies):
        self.copies_found, self.asked = copies, []

    def copies(self, text, store_id, limit=10):
        self.asked.append((text, store_id, limit))
        return self.copies_found


def completions(completer, text):
    return list(completer.get_completions(Document(text), CompleteEvent()))


def test_copies_typed_by_title_put_in_the_barcode_and_name_the_title():
    shelf = FakeShelf([ALIEN, ALIEN2])
    found = completions(CopyCompleter(shelf, lambda: 1), "ali")
    assert [c.text for c in found] == ["00000120014", "00000120022"]
    assert all(c.start_position == -3 for c in found)
    assert "Alien (1979) · DVD · copy 4411" in found[0].display_meta_text
    assert shelf.asked == [("ali", 1, 10)]


def test_copies_typed_by_number_put_in_the_number():
    found = completions(CopyCompleter(FakeShelf([ALIEN]), lambda: 1), "44")
    assert [c.text for c in found] == ["4411"]
    by_barcode = completions(CopyCompleter(FakeShelf([ALIEN]), lambda: 1), "0000012")
    assert [c.text for c in by_barcode] == ["00000120014"]


def test_no_copy_lookup_for_one_character_or_without_a_store():
    shelf = FakeShelf([ALIEN])
    assert completions(CopyCompleter(shelf, lambda: 1), "a") == []
    assert completions(CopyCompleter(shelf, lambda: None), "alien") == []
    assert shelf.asked == []


def test_a_failed_lookup_suggests_nothing():
    class Broken:
        def copies(self, text, store_id, limit=10):
            raise ValidationError("half a word")
    assert completions(CopyCompleter(Broken(), lambda: 1), "4!") == []


def title_hit(title_id, name, on_shelf):
    view = TitleView(title_id, name, 1979, "R", "Horror", 117, Decimal("2.99"), 3,
                     Decimal("19.99"), "")
    return TitleHit(view, on_shelf, on_shelf, on_shelf)


class FakeVideos:
    def __init__(self, hits):
        self.hits, self.asked = hits, []

    def find_titles(self, text, limit=20, here=None):
        self.asked.append((text, limit, here))
        return self.hits


def test_titles_put_in_the_title_or_its_number_where_a_number_is_asked():
    videos = FakeVideos([title_hit(12, "Alien", 2), title_hit(13, "Aliens", 0)])
    by_name = completions(TitleCompleter(videos, lambda: 1), "alie")
    assert [c.text for c in by_name] == ["Alien", "Aliens"]
    assert by_name[0].display_meta_text == "title 12 · 2 on the shelf here"
    by_number = completions(TitleCompleter(videos, lambda: 1, put_number=True), "alie")
    assert [c.text for c in by_number] == ["12", "13"]
    assert videos.asked == [("alie", 10, 1), ("alie", 10, 1)]
    assert completions(TitleCompleter(videos, lambda: 1, put_number=True), "12") == []


# --- how typed text is looked up (pure) -----------------------------------------------

def test_the_numbers_that_begin_with_the_digits_typed_are_ranges_of_ids():
    assert number_ranges("44", highest=50_000) == ((44, 44), (440, 449), (4400, 4499),
                                                    (44000, 44999))
    assert number_ranges("0001") == ()                 # a barcode's start, not a number
    assert number_ranges("9", highest=95) == ((9, 9), (90, 95))


def test_digits_look_up_barcodes_and_numbers_and_words_look_up_titles():
    digits = copy_lookup("0000 12")
    assert digits.barcode_prefix == "000012" and digits.title is None
    words = copy_lookup("alien res")
    assert words.barcode_prefix is None and words.title == title_rules.title_search("alien res")
    with pytest.raises(ValidationError, match="longer than a barcode"):
        copy_lookup("123456789012")


def test_a_number_in_another_script_is_asked_again_not_a_crash(pipe):
    t = Asking()
    pipe.send_text("\u00b2\r" "\u0663\r" "3\r")      # superscript two, Arabic-Indic three
    assert ask_number(t, "How many copies") == 3
    assert t.said == ["How many copies: type a number such as 1 (or Esc to cancel)."] * 2
