"""Card numbers and copy barcodes: digits with a Luhn check digit, so a mistyped or
mis-scanned code is caught before any lookup."""
from __future__ import annotations


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)   # a digit doubled, its two digits added
MAX_NUMBER_DIGITS = 18   # a whole number typed or read from a file: int64 and then some


def is_digits(text: str) -> bool:
    """Only the digits 0-9. str.isdigit() alone also says yes to '²', '⓵' and other
    scripts' digits, which int() refuses (a ValueError, not a clear message)."""
    return text.isascii() and text.isdigit()


def whole_number(text: str) -> int | None:
    """`text` as a whole number when it is 1 to MAX_NUMBER_DIGITS digits 0-9, else None
    (int() refuses over 4300 digits with a ValueError; no count or id needs 19)."""
    return int(text) if len(text) <= MAX_NUMBER_DIGITS and is_digits(text) else None


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for a string of digits."""
    # Every other digit from the right is doubled; maps keep the loop in C (the CSV import
    # makes one card number a row).
    backwards = digits[::-1]
    total = sum(map(_DOUBLED.__getitem__, map(int, backwards[0::2])))
    total += sum(map(int, backwards[1::2]))
    return str((10 - total % 10) % 10)


def is_valid(code: str) -> bool:
    return is_digits(code) and len(code) >= 2 and luhn_digit(code[:-1]) == code[-1]


def card_number(sequence: int) -> str:
    """A customer card number: 8 digits of sequence and a check digit."""
    body = f"{sequence:08d}"
    return body + luhn_digit(body)


def copy_barcode(title_id: int, copy_number: int) -> str:
    """A copy's barcode, unique because (title, copy number) is: 7 + 3 digits and a check."""
    body = f"{title_id:07d}{copy_number:03d}"
    return body + luhn_digit(body)
