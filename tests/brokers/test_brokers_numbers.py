"""Numbers, dates and account numbers as brokers print them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.brokers import mask_account_number, parse_amount, parse_date

cents = st.integers(min_value=-10**11, max_value=10**11)


def _broker_spellings(value_cents: int) -> list[str]:
    """Every way a broker prints this amount, built with Python's own formatting."""
    mag = f"{abs(value_cents) / 100:,.2f}"
    plain = f"{abs(value_cents) / 100:.2f}"
    if value_cents < 0:
        return [f"-{plain}", f"-{mag}", f"-${mag}", f"$-{mag}", f"({mag})", f"(${mag})",
                f" -${mag} ", f"-{mag}%"]
    return [plain, mag, f"${mag}", f"+${mag}", f"+{plain}", f"{mag}%", f'  ${plain}  ']


@settings(max_examples=60, deadline=None)
@given(cents)
def test_every_spelling_of_an_amount_reads_back_to_the_cent(value_cents: int) -> None:
    for text in _broker_spellings(value_cents):
        assert parse_amount(text) == pytest.approx(value_cents / 100, abs=1e-9), text


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.booleans())
def test_plain_and_scientific_floats_read_as_python_does(x: float, negative: bool) -> None:
    text = repr(-x if negative else x)
    assert parse_amount(text) == float(text)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789$,.()-+% aEx", min_size=1, max_size=12))
def test_any_text_is_read_or_refused_never_misread(text: str) -> None:
    """Whatever the text, the result is None, a ValueError, or the number obtained by
    removing '$', '%', thousands commas and turning parentheses into a minus."""
    try:
        value = parse_amount(text)
    except ValueError:
        return
    if value is None:
        assert text.strip() in ("", "-", "--")  # the missing-value marks (test below)
        return
    s = text.strip().replace("$", "").replace("%", "").replace(" ", "")
    sign = -1.0 if s.startswith("(") or s.startswith("-") else 1.0
    digits = s.strip("()+-").replace(",", "")
    assert value == pytest.approx(sign * float(digits))


@pytest.mark.parametrize("text", ["--", "n/a", "N/A", "", "  ", "-"])
def test_missing_values_are_none(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize("text", ["12a", "1,23", "12,3456", "$$1", "(-5)", "(5", "nan", "inf",
                                  "1.2.3", "--5", "5-", "USD 5", "1 000"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(("text", "day"), [
    ("06/30/2025", date(2025, 6, 30)),
    ("2025-06-30", date(2025, 6, 30)),
    ("20250630", date(2025, 6, 30)),
    ("20250630;093000", date(2025, 6, 30)),
    ("2025-06-30, 09:30:00", date(2025, 6, 30)),
    ("2025/06/30", date(2025, 6, 30)),
    ("07/01/2025 as of 06/30/2025", date(2025, 6, 30)),
    ("Jun-30-2025", date(2025, 6, 30)),
    ("--", None),
])
def test_dates(text: str, day: date | None) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["13/01/2025", "2025-02-30", "yesterday", "06/30"])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(("number", "masked"), [
    ("Z12345678", "****5678"), ("...123", "****123"), ("XXXX-1234", "****1234"),
    ("U1234567", "****4567"), ("", ""), (None, ""), ("987", "****87"),
    ("brokerage", "brokerage"),
])
def test_account_numbers_are_masked(number: str | None, masked: str) -> None:
    assert mask_account_number(number) == masked
