"""The rows the CSV import hands to LOAD DATA: every value must come back as it was."""
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from db.bulk import tsv_value, write_tsv_row

AWKWARD = ["tab\there", "back\\slash", "line\nbreak", "cr\rhere", "nul\0here", "\\N",
           "trailing\\", "", "ordinary", "Zoë O'Brien"]


def row_text(values):
    out = io.StringIO()
    write_tsv_row(out, values)
    return out.getvalue()


def unescape(field):
    """What LOAD DATA ... ESCAPED BY '\\\\' stores for one field."""
    if field == "\\N":
        return None
    table = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "0": "\0"}
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\":
            out.append(table[field[i + 1]])
            i += 2
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def test_a_plain_row_is_its_values_joined_by_tabs():
    assert row_text((7, "Mary", None, date(1980, 1, 2), Decimal("2.50"), True)) == \
        "7\tMary\t\\N\t1980-01-02\t2.50\t1\n"


@pytest.mark.parametrize("text", AWKWARD)
def test_every_awkward_text_comes_back_as_it_was_wherever_it_is_in_the_row(text):
    for values in ((text,), (1, text, None), (None, text), (text, text, "x")):
        line = row_text(values)
        assert line.endswith("\n") and line.count("\n") == 1
        fields = line[:-1].split("\t")
        assert len(fields) == len(values)
        assert [unescape(f) for f in fields] == [
            v if v is None or isinstance(v, str) else str(v) for v in values]


def test_a_row_is_the_same_as_escaping_each_value():
    values = (1, "a\tb", None, "c\\d", datetime(2026, 1, 2, 3, 4, 5))
    assert row_text(values) == "\t".join(map(tsv_value, values)) + "\n"
