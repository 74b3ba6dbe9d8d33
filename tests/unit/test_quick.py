"""The quick command line read into commands (pure), and its completion of command words."""
import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from ui.quick import (CommandError, FindCopy, FindCustomer, FindTitle, Help, Hire,
                      QuickCompleter, Return, parse)


@pytest.mark.parametrize("line, command", [
    ("/hire 4411 to 555-0123", Hire(("4411",), "555-0123")),
    ("hire 4411 to 555-0123", Hire(("4411",), "555-0123")),
    ("/  HIRE 4411 4412,4413 to Mary Smith ", Hire(("4411", "4412", "4413"), "Mary Smith")),
    ("/h 4411 for 12345678903", Hire(("4411",), "12345678903")),
    ("/rent 4411 to toby to", Hire(("4411",), "toby to")),  # the first `to` only
    ("/return 4411", Return(("4411",))),
    ("/r 4411 4412", Return(("4411", "4412"))),
    ("/back 4411,4412", Return(("4411", "4412"))),
    ("/find cust smith", FindCustomer("smith")),
    ("/find customer mary smi", FindCustomer("mary smi")),
    ("/f c 555 0101", FindCustomer("555 0101")),
    ("/cust smith", FindCustomer("smith")),
    ("/find title alien", FindTitle("alien")),
    ("/title the alien", FindTitle("the alien")),
    ("/f t Alien", FindTitle("Alien")),
    ("/find copy 4411", FindCopy("4411")),
    ("/where 4411", FindCopy("4411")),
    ("/", Help()),
    ("/help", Help()),
    ("/?", Help()),
])
def test_a_command_line_is_read_into_its_command(line, command):
    assert parse(line) == command


@pytest.mark.parametrize("line, says", [
    ("/hire 4411", "To whom? Type hire COPY... to CUSTOMER"),
    ("/hire 4411 to", "To whom? Name a card number, phone or name after 'to'"),
    ("/hire to mary", "Which copies? Type hire COPY... to CUSTOMER"),
    ("/hire alien to mary", "'alien' is not a copy: a copy is its barcode or its number"),
    ("/return", "Which copies? Type return COPY..."),
    ("/return 44x1", "'44x1' is not a copy"),
    ("/return 44²", "'44²' is not a copy"),          # a digit int() cannot read
    ("/find", "Find what? Type find cust NAME, find title NAME or find copy NUMBER."),
    ("/find shoes", "Find what?"),
    ("/find cust", "Find which? Type find cust NAME, PHONE or CARD"),
    ("/title", "Find which? Type find title PART OF THE TITLE"),
    ("/copy 4411 4412", "One copy at a time"),
    ("/zap 4411", "No command 'zap': try hire, return or find (/help lists them)."),
])
def test_a_line_that_cannot_be_read_says_how_it_is_typed_in_one_line(line, says):
    with pytest.raises(CommandError) as raised:
        parse(line)
    assert says in str(raised.value) and "\n" not in str(raised.value)


class _Customers:
    """A stand-in for the customer completer: what it was asked, and one match."""
    def __init__(self):
        self.asked = []

    def get_completions(self, document, event):
        self.asked.append(document.text)
        from prompt_toolkit.completion import Completion
        yield Completion("10000000009", start_position=-len(document.text_before_cursor))


def completions(text):
    customers = _Customers()
    found = list(QuickCompleter(customers).get_completions(Document(text), CompleteEvent()))
    return [c.text for c in found], customers.asked


def test_command_words_complete_after_the_slash_and_nothing_without_it():
    assert completions("/")[0] == ["hire ", "return ", "find ", "cust ", "title ", "copy ",
                                   "help "]
    assert completions("/re")[0] == ["return "]
    assert completions("/find t")[0] == ["title "]
    assert completions("re") == ([], [])
    assert completions("1") == ([], [])


def test_a_customer_is_completed_after_to_and_after_find_cust():
    words, asked = completions("/hire 4411 to mary sm")
    assert words == ["10000000009"] and asked == ["mary sm"]
    assert completions("/h 4411 to  mary  sm")[1] == ["mary  sm"]  # as typed: replaced whole
    assert completions("/find cust smi")[1] == ["smi"]
    assert completions("/hire 4411 ")[1] == []       # no `to` yet: no customer asked
    assert completions("/return 4411 ")[1] == []


def test_copies_complete_after_hire_and_titles_after_find_title():
    customers, copies, titles = _Customers(), _Customers(), _Customers()
    quick = QuickCompleter(customers, copies=copies, titles=titles)

    def texts(line):
        return [c.text for c in quick.get_completions(Document(line), CompleteEvent())]
    assert texts("/hire 4411 ali") == ["10000000009"]       # the copy being typed
    assert texts("/hire ali") and texts("/h 4411,44") and texts("/hire 4411 to mary")
    assert texts("/hire 4411 ") == []                        # nothing typed of a copy yet
    assert texts("/find title the ali") and texts("/t ali")
    assert texts("/return 44") == []                         # copies out are not on the shelf
    assert copies.asked == ["ali", "ali", "44"]
    assert titles.asked == ["the ali", "ali"]
    assert customers.asked == ["mary"]
