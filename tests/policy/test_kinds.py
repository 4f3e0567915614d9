"""Policy kinds: one registry behind both grammars, the kind of every policy, refusals."""

from __future__ import annotations

import pytest

from rebal.errors import ConfigError
from rebal.policy import (
    REGISTRY,
    DynamicPolicy,
    Policy,
    PolicyKind,
    kind_of,
    parse_policy,
    policy_from_spec,
    require_kind,
)
from rebal.policy.spec import KINDS

SHORT_AND_SPEC = [
    ("buy-and-hold", {"kind": "buy_and_hold"}, PolicyKind.BUY_AND_HOLD),
    ("monthly", {"kind": "calendar", "frequency": "monthly"}, PolicyKind.CALENDAR),
    ("band:abs=0.05,rel=0.25", {"kind": "band", "abs": 0.05, "rel": 0.25}, PolicyKind.BAND),
    ("vol-band:base=0.04", {"kind": "vol_band", "base_band": 0.04}, PolicyKind.VOL_BAND),
    ("vix-table:premium=1", {"kind": "vix_table", "premium": 1}, PolicyKind.VIX_TABLE),
    ("adaptive", {"kind": "adaptive"}, PolicyKind.ADAPTIVE),
    ("correlation:window=40", {"kind": "correlation", "window": 40}, PolicyKind.CORRELATION),
    ("score:band=0.04,drift=0.6", {"kind": "score", "band": 0.04, "weights": {"drift": 0.6}},
     PolicyKind.SCORE),
    ("tiers:A=core,B=satellite", {"kind": "tiers", "assign": {"A": "core", "B": "satellite"}},
     PolicyKind.TIERS),
    ("either:calendar=quarterly,abs=0.05",
     {"kind": "either", "calendar": "quarterly", "abs": 0.05}, PolicyKind.EITHER),
]


@pytest.mark.parametrize(("short", "spec", "kind"), SHORT_AND_SPEC)
def test_both_grammars_build_the_same_policy_of_the_same_kind(short, spec, kind) -> None:
    a = parse_policy(short, name="p")
    b = policy_from_spec(spec, name="p")
    assert a == b
    assert a.kind is kind and kind_of(b) is kind


def test_every_kind_but_custom_is_registered_once() -> None:
    assert set(REGISTRY) == set(PolicyKind) - {PolicyKind.CUSTOM}
    assert tuple(k.value for k in REGISTRY) == KINDS
    assert all(entry.kind is kind for kind, entry in REGISTRY.items())


def test_aliases_name_buy_and_hold_in_both_grammars() -> None:
    for text in ("hold", "buy_hold", "buyandhold"):
        assert parse_policy(text).kind is PolicyKind.BUY_AND_HOLD
        assert policy_from_spec({"kind": text}, name="x").kind is PolicyKind.BUY_AND_HOLD


def test_a_cash_flow_only_policy_is_buy_and_hold_and_a_custom_rule_set_is_custom() -> None:
    assert Policy(name="flows", cash_flow_only=True).kind is PolicyKind.BUY_AND_HOLD

    class Rules:
        label = "mine"

        def compile(self, ctx, target, *, name):  # pragma: no cover - never compiled
            raise AssertionError

    assert DynamicPolicy(name="d", rules=Rules()).kind is PolicyKind.CUSTOM
    assert kind_of(object()) is PolicyKind.CUSTOM


def test_require_kind_names_the_kind_and_the_loop() -> None:
    score = parse_policy("score")
    supported = frozenset({PolicyKind.BAND, PolicyKind.CALENDAR})
    with pytest.raises(ConfigError) as info:
        require_kind(score, supported, loop="taxable backtest", name="S")
    assert str(info.value) == (
        "policy 'S': the taxable backtest does not support policy kind 'score' "
        "(supported: calendar, band)"
    )
    assert require_kind(parse_policy("weekly"), supported, loop="x") is PolicyKind.CALENDAR


def test_parse_and_spec_do_not_import_each_other_in_a_cycle() -> None:
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("rebal")
    assert graph.find_shortest_chain(importer="rebal.policy.parse",
                                     imported="rebal.policy.spec") is None
    assert graph.find_shortest_chain(importer="rebal.policy.registry",
                                     imported="rebal.policy.spec") is None


# ----------------------------------------------------------- the loops' declarations


def _market():
    import numpy as np

    from rebal.data import MarketData

    dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2021-01-01"))
    dates = dates[np.is_busday(dates)]
    rng = np.random.default_rng(1)
    prices = 100.0 * np.cumprod(1.0 + rng.normal(0.0, 0.01, (dates.shape[0], 2)), axis=0)
    return MarketData(dates=dates, assets=("A", "B"), prices=prices)


def test_each_loop_declares_its_kinds_as_data() -> None:
    from rebal.backtest import engine
    from rebal.backtest.taxable import simulator
    from rebal.sweep import runner

    assert frozenset(PolicyKind) == engine.SUPPORTED_KINDS
    assert frozenset(PolicyKind) == runner.SUPPORTED_KINDS
    assert PolicyKind.SCORE not in runner.KERNEL_KINDS
    assert set(PolicyKind) - simulator.SUPPORTED_KINDS == {PolicyKind.TIERS, PolicyKind.SCORE}


@pytest.mark.parametrize(("text", "kind"), [("score", "score"),
                                            ("tiers:A=core,B=satellite", "tiers")])
def test_the_taxable_loop_refuses_naming_the_kind_and_the_loop(text, kind) -> None:
    from rebal.backtest.taxable.settings import FlatRates, TaxSettings
    from rebal.backtest.taxable.simulator import run_taxable_backtest

    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15))
    with pytest.raises(ConfigError) as info:
        run_taxable_backtest(_market(), {"A": 0.5, "B": 0.5}, parse_policy(text, name="P"),
                             tax=tax)
    assert str(info.value).startswith(
        f"policy 'P': the taxable backtest does not support policy kind {kind!r} "
        "(supported: buy_and_hold, calendar, band, vol_band"
    )


def test_the_engine_runs_every_kind_it_declares() -> None:
    from rebal.backtest import run_backtest

    for text in ("buy-and-hold", "monthly", "band:abs=0.05", "score",
                 "tiers:A=core,B=satellite", "either:calendar=quarterly,abs=0.05"):
        res = run_backtest(_market(), {"A": 0.5, "B": 0.5}, parse_policy(text))
        assert res.n_days == _market().n_days


def test_the_report_finds_buy_and_hold_by_its_kind_not_its_name() -> None:
    from rebal.backtest import run_backtest
    from rebal.reports.html import compare_report_html

    market, target = _market(), {"A": 0.5, "B": 0.5}
    policies = [Policy.buy_and_hold(name="Passive"), parse_policy("band:abs=0.05")]
    results = [run_backtest(market, target, p) for p in policies]
    with_kind = compare_report_html(results, policies=policies)
    assert "No baseline policy" not in with_kind
    assert "No baseline policy" in compare_report_html(results)  # by name: none
