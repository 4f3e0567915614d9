"""The drift chart in every dropdown view: no empty row, every row a date axis."""

from __future__ import annotations

from rebal.reports import charts
from rebal.reports import series as S


def test_every_policy_draws_on_every_row_of_the_drift_chart(results, policies):
    bands = {r.policy_name: S.policy_bands(r, p) for r, p in zip(results, policies, strict=True)}
    fig = charts.drift_figure(results, bands=bands)
    layout = fig.layout.to_plotly_json()
    rows = sorted(k for k in layout if k.startswith("xaxis"))
    assert len(rows) == 3  # weights, band in force, trigger state
    first, last = str(results[0].dates[0]), str(results[0].dates[-1])
    for k in rows:
        assert layout[k]["type"] == "date" and list(layout[k]["range"]) == [first, last], k
    buttons = layout["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == [r.policy_name for r in results]
    right = next(k for k, v in layout.items() if k.startswith("yaxis") and "overlaying" in v)
    for b in buttons:
        visible = b["args"][0]["visible"]
        shown = [t for t, v in zip(fig.data, visible, strict=True) if v]
        used = {("x" if t.xaxis in (None, "x") else t.xaxis) for t in shown}
        assert used == {"x", "x2", "x3"}, (b["label"], used)
        on_right = any(t.yaxis == "y" + right[5:] for t in shown)
        assert b["args"][1][f"{right}.visible"] == on_right, b["label"]
    # a policy without bands or trigger state says so in those rows
    bh = buttons[0]["args"][0]["visible"]
    notes = [t.text[0] for t, v in zip(fig.data, bh, strict=True) if v and t.mode == "text"]
    assert any("no band" in n for n in notes) and any("no score or regime" in n for n in notes)
