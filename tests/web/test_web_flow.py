"""The web app's pages over a real store: add a household, see it out of band, plan,
approve, download the orders, record the fills, see it inside its bands; and every way
that flow can be refused (a clear message, a 4xx, nothing written)."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from web_helpers import EXAMPLES, H, csrf

HOUSEHOLD_URL = "/households/" + quote(H, safe="")


def _text(html: str, element_id: str) -> str:
    """The text inside the element with ``element_id`` (tags removed, spaces collapsed)."""
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:table|p|div|span)>', html, re.S)
    assert m, f"no element #{element_id}"
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1))).strip())


def _add(client, path: Path = EXAMPLES / "diy_small.yaml"):
    with path.open("rb") as f:
        return client.post("/households", data={"csrf_token": csrf(client)},
                           files={"file": (path.name, f, "application/yaml")},
                           follow_redirects=False)


def _hand_value(path: Path) -> float:
    """Investable value by hand from the file: Σ shares × price + cash − minimum cash."""
    d = yaml.safe_load(path.read_text())
    price = {s["symbol"]: s["price_usd"] for s in d["securities"]}
    return (sum(lot["quantity"] * price[lot["symbol"]] for lot in d["lots"])
            + sum(a.get("cash_usd", 0) - a.get("min_cash_usd", 0) for a in d["accounts"]))


def _fills_from_orders(text: str, day: str) -> str:
    """A generic fills file executing every order of an order file at its estimated price."""
    out = ["date,account,symbol,side,quantity,price,fees,lot_ids"]
    for row in csv.DictReader(io.StringIO(text)):
        out.append(f"{day},{row['account']},{row['symbol']},{row['side']},{row['quantity']},"
                   f"{row['est_price']},0,{row['lot_id']}")
    return "\n".join(out) + "\n"


def test_add_plan_approve_orders_fills_turns_green(client) -> None:
    r = _add(client)
    assert r.status_code == 303 and r.headers["location"] == HOUSEHOLD_URL
    listing = client.get("/").text
    assert H in listing and "action needed" in listing
    # value by hand: 127,005.71 of securities + 1,390 cash − 500 reserve
    assert f"${_hand_value(EXAMPLES / 'diy_small.yaml'):,.2f}" == "$127,895.71"
    assert "$127,895.71" in listing
    page = client.get(HOUSEHOLD_URL).text
    assert _text(page, "status") == "action needed"
    # the value-history chart (plotly, from rebal.reports) plots the recorded value
    assert 'id="value-history-chart"' in page and "127895.70512" in page
    js = client.get("/plotly.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    # the file's lot brokerage:VTI:2, bought 2025-02-19: long term from 2026-02-20, which
    # is 235 days after 2025-06-30 (IRC §1222: held more than one year)
    lots = _text(page, "lots")
    assert "brokerage:VTI:2" in lots and "2026-02-20 235" in lots
    # plan
    r = client.post(HOUSEHOLD_URL + "/plan", data={"csrf_token": csrf(client),
                                                   "mode": "balanced"}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    plan_id = int(url.rsplit("/", 1)[1])
    page = client.get(url).text
    assert _text(page, "plan-status") == "proposed"
    assert "Naive plan" in page and "toward target" in _text(page, "trades")
    # approve, then orders
    assert client.post(f"/plans/{plan_id}/approve",
                       data={"csrf_token": csrf(client)}).status_code == 200
    r = client.post(f"/plans/{plan_id}/orders", data={"csrf_token": csrf(client),
                                                      "format": "generic"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'attachment; filename="plan-{plan_id}-orders.csv"'
    orders = list(csv.DictReader(io.StringIO(r.text)))
    # every taxable sale names its lot (specific identification); what the planner
    # chooses to sell is its own business (the store's fills tests use hand-made fills)
    assert all(o["lot_id"] for o in orders if o["account"] == "brokerage" and o["side"] == "sell")
    assert _text(client.get(url).text, "plan-status") == "sent"
    # fills: every order at its price, the day after the household's date
    fills = _fills_from_orders(r.text, "2025-07-01")
    r = client.post(f"/plans/{plan_id}/fills", data={"csrf_token": csrf(client),
                                                     "format": "generic"},
                    files={"file": ("fills.csv", fills.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert f"{len(orders)} fills recorded for plan {plan_id}; it is now executed" in r.text
    # realized by hand from the orders and the file's lots (short term: bought in 2025)
    from rebal.household import load_household

    h = load_household(EXAMPLES / "diy_small.yaml")
    st = sum(float(o["quantity"]) * (float(o["est_price"]) - h.lot(o["lot_id"]).cost_basis_usd
                                     / h.lot(o["lot_id"]).quantity)
             for o in orders if o["account"] == "brokerage" and o["side"] == "sell"
             and h.lot(o["lot_id"]).acquired.year == 2025)
    if st:
        assert f"short term {'-' if st < 0 else ''}${abs(st):,.2f}" in r.text
    page = client.get(HOUSEHOLD_URL).text
    assert _text(page, "status") == "within bands"
    assert "outside band" not in _text(page, "classes")
    listing = client.get("/").text
    assert "within bands" in listing and f"plan {plan_id}</a> (executed)" in listing


def test_refusals_write_nothing(client, db) -> None:
    from rebal.services.dashboard import plan_detail

    _add(client)
    token = csrf(client)
    # unknown household: 404 on the page and in the API, naming the known ones
    r = client.get("/households/nobody")
    assert r.status_code == 404
    assert _text(r.text, "error").startswith("no household 'nobody' in the store")
    r = client.get("/api/households/nobody")
    assert r.status_code == 404 and r.json()["error"].startswith("no household 'nobody'")
    # no CSRF token: 403, no plan stored
    r = client.post(HOUSEHOLD_URL + "/plan", data={"mode": "balanced"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert "No stored plan" in client.get(HOUSEHOLD_URL).text
    # orders of a proposed plan: refused with the CLI's message
    r = client.post(HOUSEHOLD_URL + "/plan", data={"csrf_token": token, "mode": "balanced"},
                    follow_redirects=False)
    pid = int(r.headers["location"].rsplit("/", 1)[1])
    r = client.post(f"/plans/{pid}/orders", data={"csrf_token": token})
    assert r.status_code == 409
    assert "orders are written only for an approved plan" in r.text
    # approved twice: 409 naming the status, one approval event only
    client.post(f"/plans/{pid}/approve", data={"csrf_token": token})
    before = plan_detail(pid, db)
    r = client.post(f"/plans/{pid}/approve", data={"csrf_token": token})
    assert r.status_code == 409
    assert f"plan {pid} is approved; it cannot become approved" in _text(r.text, "error")
    r = client.post(f"/api/plans/{pid}/approve", headers={"x-csrf-token": token})
    assert r.status_code == 409 and "cannot become approved" in r.json()["error"]
    assert plan_detail(pid, db) == before
    # fills that do not match the household: the file's name, line and field; nothing kept
    bad = "date,account,symbol,side,quantity,price,fees,lot_ids\n" \
          "2025-07-01,brokerage,VTI,sell,1,300,0,\n2025-07-01,hsa,VTI,buy,1,300,0,\n"
    r = client.post(f"/plans/{pid}/fills", data={"csrf_token": token},
                    files={"file": ("my-fills.csv", bad.encode(), "text/csv")})
    assert r.status_code == 400
    assert _text(r.text, "error") == (
        "my-fills.csv, line 3, field 'account': account 'hsa' is not an account of "
        f"'{H}' (brokerage, ira, roth)")
    assert plan_detail(pid, db) == before
    # a fills file that is not CSV at all
    r = client.post(f"/plans/{pid}/fills", data={"csrf_token": token},
                    files={"file": ("x.csv", b"\x00\x01garbage", "text/csv")})
    assert 400 <= r.status_code < 500 and plan_detail(pid, db) == before
    # an unknown plan
    r = client.get("/plans/999")
    assert r.status_code == 404 and "no plan 999" in r.text


def test_households_sort_filter_pages(client, tmp_path: Path) -> None:
    base = yaml.safe_load((EXAMPLES / "diy_small.yaml").read_text())
    for i in range(5):
        d = dict(base, household=dict(base["household"], name=f"family {i:02d}"))
        d["accounts"] = [dict(a, cash_usd=a.get("cash_usd", 0) + 1000 * i)
                         for a in base["accounts"]]
        path = tmp_path / f"h{i}.yaml"
        path.write_text(yaml.safe_dump(d))
        r = _add(client, path)
        assert r.status_code == 303, r.text[-600:]
    from rebal.services.dashboard import households_page

    page = client.get("/api/households", params={"sort": "value", "desc": "true",
                                                 "per_page": 2, "page": 2}).json()
    # 5 households, 2 per page: 3 pages; by value descending family 04 (4 × 3 accounts ×
    # $1,000 more cash) first, so page 2 is families 02 and 01
    assert (page["total"], page["pages"]) == (5, 3)
    assert [r["name"] for r in page["rows"]] == ["family 02", "family 01"]
    assert page["rows"][0]["value_usd"] == pytest.approx(127895.70512 + 2 * 3000)
    html = client.get("/", params={"q": "03"}).text
    assert "family 03" in html and "family 04" not in html
    part = client.get("/", params={"status": "within bands"},
                      headers={"hx-request": "true"}).text
    assert "<html" not in part and "No household matches the filter" in part
    assert households_page  # the same service backs the page and the API
    r = client.get("/api/households", params={"sort": "colour"})
    assert r.status_code == 400 and "sort: unknown column 'colour'" in r.json()["error"]


def test_import_dry_run_then_confirm(client, db) -> None:
    from web_helpers import FIXTURES
    from rebal.services.store import export_household

    _add(client)
    before = export_household(H, db)
    form = {"csrf_token": csrf(client), "household": H, "account": "brokerage",
            "kind": "positions", "format": "generic"}
    data = (FIXTURES / "generic_positions.csv").read_bytes()
    r = client.post("/import", data=form, files={"file": ("positions.csv", data)})
    assert r.status_code == 200
    report = html_lib.unescape(re.sub(r"<[^>]+>", " ", r.text))
    assert "positions of positions.csv (generic) into " + H in report
    assert "2 would be added, 4 removed" in report and "dry run: nothing written" in report
    assert export_household(H, db) == before  # the dry run wrote nothing
    pending = re.search(r'name="pending" value="([^"]+)"', r.text).group(1)
    r = client.post("/import/confirm", data={"csrf_token": csrf(client), "pending": pending})
    assert r.status_code == 200 and "2 added, 4 removed" in r.text
    r = client.post("/import/confirm", data={"csrf_token": csrf(client), "pending": pending})
    assert r.status_code == 404 and "already confirmed" in r.text  # once only
    # the list shows the new state: by hand, brokerage 100 VTI × 303.93 + 250.5 BND × 73.40
    # + 1,234.56 cash = 50,014.26; IRA 420 × 73.40 + 35 × 303.93 + 140 = 41,605.55; Roth
    # 60 × 303.93 + 110.512 × 68.76 = 25,834.61; less the 500 reserve = 116,954.42
    row = client.get("/api/households").json()["rows"][0]
    assert row["value_usd"] == pytest.approx(116954.41512)
    assert row["status"] == "action needed"


def test_monitor_alerts_show_on_both_pages(client, db) -> None:
    from rebal.services.monitor import MonitorRequest, monitor

    _add(client)
    run = monitor(MonitorRequest(db=db, all_=True))
    assert run.new_alerts  # diy_small is out of band: at least the drift alert
    row = client.get("/api/households").json()["rows"][0]
    # the monitor's check records the value too: 127,895.71 by hand (see above)
    assert row["value_usd"] == pytest.approx(127895.70512)
    assert row["open_alerts"] == len(run.new_alerts)
    page = client.get(HOUSEHOLD_URL).text
    for alert in run.new_alerts:
        assert html_lib.escape(alert["message"], quote=True) in page


def test_household_page_shows_currency_exposure(client) -> None:
    path = EXAMPLES / "international.yaml"
    r = _add(client, path)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    table = _text(page, "currencies")
    # SAP 40 × €250 = €10,000 at the stored 1.172 USD per euro (base EUR)
    assert "EUR developed $11,720.00 10,000 EUR" in table
    assert "Tax is computed in US dollars" in page
    # a dollar-only household has no such table
    _add(client)
    assert 'id="currencies"' not in client.get(HOUSEHOLD_URL).text
