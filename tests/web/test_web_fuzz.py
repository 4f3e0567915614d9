"""A hypothesis-driven fuzz of every route of the OpenAPI schema (and the pages): any
path, query, form or JSON value gives an answer below 500 — bad input is a 4xx with a
message, never a crash."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web_helpers import EXAMPLES, client_for

TEXT = st.one_of(st.text(max_size=30), st.sampled_from(
    ["", "0", "-1", "1e309", "nan", "DIY investor (single)", "brokerage", "generic", "lots",
     "balanced", "tax_budget", "9" * 30, "../../etc/passwd", "%00", "a/b"]))
NUMBER = st.one_of(st.integers(-10, 10**20).map(str), TEXT)
FILE = st.one_of(st.binary(max_size=200), st.sampled_from(
    [b"", b"date,account,symbol,side,quantity,price,fees,lot_ids\n2025-07-01,ira,BND,buy,1,2,0,\n",
     b"account,symbol,quantity\nbrokerage,VTI,-1\n", (EXAMPLES / "diy_small.yaml").read_bytes()]))


def _segment(text: str) -> str:
    return "".join(c for c in text if c in string.ascii_letters + string.digits + " ()-_") or "x"


_STATE: dict[str, object] = {}


def _client(tmp_path_factory):
    if "client" not in _STATE:
        from rebal.services.store import add_household, plan_stored

        db = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'web.db'}"
        add_household(str(EXAMPLES / "diy_small.yaml"), db)
        plan_stored("DIY investor (single)", db, save=True)
        c = client_for(db)
        token = c.get("/api/csrf").json()["csrf_token"]
        c.headers["x-csrf-token"] = token
        _STATE["client"] = c
        _STATE["routes"] = sorted(
            (path, method) for path, ops in c.get("/openapi.json").json()["paths"].items()
            for method in ops)
    return _STATE["client"]


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_route_answers_500(tmp_path_factory, data) -> None:
    c = _client(tmp_path_factory)
    pages = [("/", "get"), ("/households/{name}", "get"), ("/plans/{plan_id}", "get"),
             ("/plans/{plan_id}/report", "get"), ("/import", "get"),
             ("/households/{name}/plan", "post"), ("/plans/{plan_id}/fills", "post"),
             ("/import", "post"), ("/import/confirm", "post")]
    path, method = data.draw(st.sampled_from([*_STATE["routes"], *pages]))
    path = path.replace("{name}", _segment(data.draw(TEXT)))
    path = path.replace("{plan_id}", data.draw(st.sampled_from(["1", "2", "0", "-5", "x"])))
    params = {k: data.draw(NUMBER) for k in data.draw(st.lists(st.sampled_from(
        ["sort", "desc", "status", "q", "page", "per_page", "format", "household"]),
        max_size=4, unique=True))}
    if method == "get":
        r = c.get(path, params=params)
    else:
        form = {k: data.draw(TEXT) for k in data.draw(st.lists(st.sampled_from(
            ["household", "account", "kind", "format", "mode", "tax_budget", "pending",
             "dry_run", "account_number"]), max_size=5, unique=True))}
        form["csrf_token"] = c.headers["x-csrf-token"]
        if path.endswith("/plans") and path.startswith("/api/"):
            body = data.draw(st.fixed_dictionaries({}, optional={
                "mode": TEXT, "tax_budget_usd": st.floats(allow_nan=True),
                "min_trade_usd": st.floats(-1, 1e13)}))
            r = c.post(path, params=params, json=body)
        elif data.draw(st.booleans()):
            r = c.post(path, params=params, data=form,
                       files={"file": ("f.csv", data.draw(FILE), "text/csv")})
        else:
            r = c.post(path, params=params, data=form)
    assert r.status_code < 500, (method, path, params, r.status_code, r.text[-500:])
