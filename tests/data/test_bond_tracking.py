"""The shipped us_daily series against the real ETFs they stand in for.

Reads ``../shared/data/etf_adjclose_daily_1993_2025.csv`` (never copied into
the repo); skips when it is absent. Floors and ceilings are the values measured
when the dataset was built (see docs/data.md) with a margin, so a change to the
construction that makes tracking worse fails here.

Print the year-by-year table with ``python tests/data/test_bond_tracking.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rebal import datasets

ETF_FILE = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "etf_adjclose_daily_1993_2025.csv"
)
START = "2002-07-30"  # IEF and TLT inception

# (constructed asset, ETF, first date, min daily corr, max annualized TE, max mean |annual diff|)
CASES = [
    ("UST_INT", "IEF", START, 0.955, 0.022, 0.013),  # measured 0.9611, 0.0195, 0.0104
    ("UST_LONG", "TLT", START, 0.950, 0.045, 0.014),  # measured 0.9579, 0.0415, 0.0106
    ("US_MKT", "VTI", "2001-06-15", 0.980, 0.037, 0.008),  # measured 0.9857, 0.0327, 0.0050
]


def _etf_frame():
    pd = pytest.importorskip("pandas")
    if not ETF_FILE.is_file():
        pytest.skip(f"real ETF data not available at {ETF_FILE}")
    return pd.read_csv(ETF_FILE, index_col=0, parse_dates=True)


def tracking(asset: str, etf_name: str, start: str):
    """Daily correlation, annualized tracking error, and the per-year table."""
    import pandas as pd

    etf = _etf_frame()
    built = datasets.load("us_daily").to_frame()[asset]
    end = built.index[-1]
    e = etf[etf_name].loc[start:end].dropna()
    b = built.reindex(e.index)
    assert b.notna().all(), "calendar mismatch between dataset and ETF file"
    rb, re_ = b.pct_change().iloc[1:], e.pct_change().iloc[1:]
    corr = float(np.corrcoef(rb, re_)[0, 1])
    te = float((rb - re_).std() * np.sqrt(252))
    yb = (1 + rb).groupby(rb.index.year).prod() - 1
    ye = (1 + re_).groupby(re_.index.year).prod() - 1
    table = pd.DataFrame({"constructed": yb, "etf": ye, "difference": yb - ye})
    return corr, te, table


@pytest.mark.parametrize(("asset", "etf_name", "start", "min_corr", "max_te", "max_mad"), CASES)
def test_tracking_does_not_degrade(asset, etf_name, start, min_corr, max_te, max_mad):
    corr, te, table = tracking(asset, etf_name, start)
    mad = float(table["difference"].abs().mean())
    assert corr >= min_corr, f"{asset} vs {etf_name}: daily correlation {corr:.4f} < {min_corr}"
    assert te <= max_te, f"{asset} vs {etf_name}: tracking error {te:.4f} > {max_te}"
    assert mad <= max_mad, f"{asset} vs {etf_name}: mean |annual diff| {mad:.4f} > {max_mad}"


def test_bond_years_with_big_moves_have_the_right_sign_and_size():
    # 2008: flight to quality (TLT +34.0 %); 2013: taper tantrum (TLT -13.4 %)
    _, _, long_table = tracking("UST_LONG", "TLT", START)
    assert long_table.loc[2008, "constructed"] == pytest.approx(
        long_table.loc[2008, "etf"], abs=0.03
    )
    assert long_table.loc[2013, "constructed"] < -0.10


def test_market_2008_matches_french_and_spy():
    _, _, table = tracking("US_MKT", "SPY", "1993-01-29")
    assert table.loc[2008, "constructed"] == pytest.approx(-0.3675, abs=0.0005)  # French 2008
    assert table.loc[2008, "etf"] == pytest.approx(-0.368, abs=0.001)  # SPY TR 2008


if __name__ == "__main__":  # pragma: no cover - prints the report table
    for asset, etf_name, start, *_ in CASES:
        corr, te, table = tracking(asset, etf_name, start)
        print(
            f"\n{asset} vs {etf_name} from {start}: daily corr {corr:.4f}, TE {te:.4f}, "
            f"mean |annual diff| {table['difference'].abs().mean():.4f}"
        )
        print(table.round(4).to_string())
