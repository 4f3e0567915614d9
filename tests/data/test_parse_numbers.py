"""parse_numbers' one-cast fast path gives what its cell-by-cell rule gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.data.validate import MISSING_TEXTS, parse_numbers
from rebal.errors import InputError


def _by_the_rule(texts: list[str]) -> list[float]:
    """The documented rule, one cell at a time: a missing marker is NaN, else float()."""
    out = []
    for text in texts:
        t = text.strip()
        out.append(math.nan if t.lower() in MISSING_TEXTS else float(t))
    return out


numbers = st.floats(allow_infinity=False, allow_nan=False, width=64)
texts = st.one_of(
    numbers.map(repr),
    numbers.map(lambda x: f" {x:.6g} "),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["", "NA", "n/a", "null", "None", "#N/A", "nan", "NaN", " 1_000 "]),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(texts, min_size=1, max_size=12))
def test_fast_path_equals_the_cell_rule(cells: list[str]) -> None:
    want = np.array(_by_the_rule(cells))
    for given_as in (np.array(cells, dtype=object), np.array(cells), cells):
        got = parse_numbers(given_as, file="f.csv", row_ids=list(range(2, 2 + len(cells))),
                            field="A")
        assert np.array_equal(got, want, equal_nan=True)


def test_bad_cells_still_name_their_row() -> None:
    cells = np.array(["1.5", "2", "abc", "4"], dtype=object)
    with pytest.raises(InputError, match="line 4, field 'A': non-numeric value 'abc'"):
        parse_numbers(cells, file="f.csv", row_ids=[2, 3, 4, 5], field="A")
    with pytest.raises(InputError, match="line 3, field 'A': value inf is not finite"):
        parse_numbers(np.array(["1", "1e400"], dtype=object), file="f.csv", row_ids=[2, 3],
                      field="A")
    # a non-text cell (a bool from a Parquet object column) takes the cell loop: refused
    with pytest.raises(InputError, match="non-numeric value 'True'"):
        parse_numbers(np.array(["1", True], dtype=object), file="f.csv", row_ids=[2, 3],
                      field="A")


def test_a_bad_price_after_a_leading_gap_names_its_own_line(tmp_path) -> None:
    from rebal.data.loaders import load_prices

    f = tmp_path / "p.csv"
    # A starts a row late: its present cells are lines 3 and 4; the bad one is line 4
    f.write_text("date,A,B\n2020-01-02,,1\n2020-01-03,1,1\n2020-01-06,0,1\n")
    with pytest.raises(InputError, match="line 4, field 'A': non-positive price 0"):
        load_prices(f)
