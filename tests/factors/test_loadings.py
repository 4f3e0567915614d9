"""Rolling OLS loadings checked against scipy's independent regression and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from rebal.errors import ConfigError, InputError
from rebal.factors import portfolio_exposure, rolling_loadings


def _data(n=120, k=3, a=2, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(0.005, 0.04, (n, k))
    f[0] = np.nan  # row 0 carries no return
    beta = rng.normal(0.5, 0.5, (a, k))
    y = 0.001 + f @ beta.T + rng.normal(0, 0.01, (n, a))
    return f, y, beta


def test_one_factor_matches_scipy_linregress():
    f, y, _ = _data(k=1, a=1)
    w = 40
    L = rolling_loadings(y, f, w, assets=("A",), names=("Mkt-RF",))
    assert np.isnan(L.beta[:w, 0, 0]).all() and np.isfinite(L.beta[w:, 0, 0]).all()
    for t in (w, 77, 119):
        ref = stats.linregress(f[t - w + 1 : t + 1, 0], y[t - w + 1 : t + 1, 0])
        assert L.beta[t, 0, 0] == pytest.approx(ref.slope, rel=1e-10)
        assert L.se[t, 0, 0] == pytest.approx(ref.stderr, rel=1e-10)
        assert L.alpha[t, 0] == pytest.approx(ref.intercept, rel=1e-10)
        assert L.alpha_se[t, 0] == pytest.approx(ref.intercept_stderr, rel=1e-10)
        assert L.r2[t, 0] == pytest.approx(ref.rvalue**2, rel=1e-10)


def test_multi_factor_slopes_and_errors_by_frisch_waugh_lovell():
    """Each multiple-regression slope equals the simple slope of y on that factor's residual
    after the other factors (FWL); its standard error is linregress's times
    sqrt((n − 2) / (n − p)) (the degrees of freedom differ)."""
    f, y, _ = _data(k=3, a=2, seed=4)
    w, t = 60, 100
    L = rolling_loadings(y, f, w, assets=("A", "B"), names=("F1", "F2", "F3"))
    x, yy = f[t - w + 1 : t + 1], y[t - w + 1 : t + 1]
    for j in range(3):
        others = np.column_stack([np.ones(w), np.delete(x, j, axis=1)])
        resid_x = x[:, j] - others @ np.linalg.lstsq(others, x[:, j], rcond=None)[0]
        for i in range(2):
            resid_y = yy[:, i] - others @ np.linalg.lstsq(others, yy[:, i], rcond=None)[0]
            ref = stats.linregress(resid_x, resid_y)
            assert L.beta[t, i, j] == pytest.approx(ref.slope, rel=1e-9)
            assert L.se[t, i, j] == pytest.approx(ref.stderr * np.sqrt((w - 2) / (w - 4)),
                                                  rel=1e-9)


def test_noiseless_returns_give_their_loadings_exactly():
    rng = np.random.default_rng(1)
    f = rng.normal(0, 0.03, (50, 5))
    beta = np.array([[1.0, 0.8, 0.3, -0.2, 0.1]])
    y = 0.002 + f @ beta.T
    L = rolling_loadings(y, f, 30, assets=("A",), names=tuple("ABCDE"))
    np.testing.assert_allclose(L.beta[49, 0], beta[0], atol=1e-12)
    assert L.alpha[49, 0] == pytest.approx(0.002, abs=1e-13)
    assert L.r2[49, 0] == pytest.approx(1.0, abs=1e-12)
    assert L.se[49, 0].max() < 1e-10


def test_asset_before_its_first_price_has_no_loadings():
    f, y, _ = _data(a=2)
    y[:70, 1] = np.nan
    L = rolling_loadings(y, f, 30, assets=("A", "B"), names=("F1", "F2", "F3"))
    assert np.isnan(L.beta[98, 1]).all() and np.isfinite(L.beta[99, 1]).all()
    assert np.isfinite(L.beta[40, 0]).all()


def test_window_errors():
    f, y, _ = _data(n=50)
    with pytest.raises(InputError, match=r"ff5\.csv, field 'window': window of 50 rows is "
                                         r"longer than the 49 returns"):
        rolling_loadings(y, f, 50, assets=("A", "B"), names=("a", "b", "c"), source="ff5.csv")
    with pytest.raises(ConfigError, match="window must exceed the 4 coefficients"):
        rolling_loadings(y, f, 4, assets=("A", "B"), names=("a", "b", "c"))


def test_portfolio_exposure_is_the_value_weighted_loading():
    beta = np.array([[1.0, 0.9, -0.1], [1.1, 0.2, 0.4]])
    np.testing.assert_allclose(portfolio_exposure([0.25, 0.75], beta),
                               [0.25 * 1.0 + 0.75 * 1.1, 0.25 * 0.9 + 0.75 * 0.2,
                                0.25 * -0.1 + 0.75 * 0.4])
    # an unheld asset's unknown loading does not count
    beta[0] = np.nan
    np.testing.assert_allclose(portfolio_exposure([0.0, 1.0], beta), beta[1])


@settings(max_examples=15, deadline=None)
@given(scale=st.floats(0.1, 10), shift=st.floats(-0.01, 0.01), seed=st.integers(0, 50))
def test_scaling_and_shifting_returns(scale, shift, seed):
    """y → c·y + s scales the loadings and their errors by c and leaves R² alone."""
    f, y, _ = _data(n=60, seed=seed)
    a = rolling_loadings(y, f, 40, assets=("A", "B"), names=("a", "b", "c"))
    b = rolling_loadings(scale * y + shift, f, 40, assets=("A", "B"), names=("a", "b", "c"))
    np.testing.assert_allclose(b.beta[40:], scale * a.beta[40:], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(b.se[40:], scale * a.se[40:], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(b.r2[40:], a.r2[40:], rtol=1e-7, atol=1e-9)


def test_a_factor_constant_over_the_window_leaves_no_loadings():
    f, y, _ = _data(n=80, k=2, a=1)
    f[1:50, 1] = 0.0  # the second factor is 0 on rows 1…49: collinear with the intercept
    L = rolling_loadings(y, f, 30, assets=("A",), names=("F1", "F2"))
    assert np.isnan(L.beta[49]).all() and np.isnan(L.r2[49]).all()
    assert np.isfinite(L.beta[50]).all()  # row 50's window holds one non-zero value
    assert np.isfinite(L.beta[79]).all()
