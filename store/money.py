"""Amounts of money: DECIMAL with two places, never float; parsed from what a clerk types."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from store.errors import ValidationError

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999.99")   # DECIMAL(8,2)


def parse_amount(text: str, allow_zero: bool = True) -> Decimal:
    """An amount typed as 5, 5.5 or 5.50 (a leading currency sign is forgiven);
    ValidationError says what is wrong."""
    cleaned = text.strip().lstrip("$€£").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(f"{text.strip()!r} is not an amount: write it like 1.50") from None
    if (not value.is_finite() or value < 0 or value > MAX_AMOUNT
            or value != value.quantize(CENT) or (value == 0 and not allow_zero)):
        low = "0" if allow_zero else "0.01"
        raise ValidationError(f"{text.strip()!r} is not an amount of money ({low} to "
                              f"{MAX_AMOUNT}, at most 2 decimals)")
    return value.quantize(CENT)
