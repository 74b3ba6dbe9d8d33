from store import codes


def test_luhn_check_digit_matches_the_textbook_example():
    assert codes.luhn_digit("7992739871") == "3"


def test_card_numbers_and_barcodes_are_valid_and_catch_a_mistyped_digit():
    card = codes.card_number(42)
    barcode = codes.copy_barcode(4411, 2)
    assert len(card) == 9 and codes.is_valid(card)
    assert len(barcode) == 11 and codes.is_valid(barcode)
    typo = barcode[:3] + str((int(barcode[3]) + 1) % 10) + barcode[4:]
    assert not codes.is_valid(typo)


def test_barcodes_differ_for_every_title_and_copy_number():
    seen = {codes.copy_barcode(t, n) for t in range(1, 200) for n in range(1, 20)}
    assert len(seen) == 199 * 19
