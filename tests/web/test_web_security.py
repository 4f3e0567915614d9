"""Security of the web app: the token, CSRF on every state-changing route, upload size,
no token or account number in the log, loopback by default; and the JSON API with its
OpenAPI schema."""

from __future__ import annotations

import logging

import pytest

from web_helpers import EXAMPLES, FIXTURES, H, client_for, csrf

TOKEN = "s3cret-token-0123456789"


def test_token_required_on_every_request(db, caplog) -> None:
    from rebal.services.store import db_init

    db_init(db)
    c = client_for(db, token=TOKEN)
    for path in ("/", "/import", "/api/households", "/openapi.json", "/static/htmx.min.js"):
        r = c.get(path)
        assert r.status_code == 401, path
    assert "needs its token" in c.get("/").text
    assert c.get("/", headers={"x-rebal-token": "wrong"}).status_code == 401
    assert c.get("/api/households", headers={"x-rebal-token": TOKEN}).status_code == 200
    assert c.get("/api/households",
                 headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    with caplog.at_level(logging.INFO, logger="rebal.web"):
        r = c.get(f"/import?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/import"
    assert c.get("/import").status_code == 200  # the cookie now carries it
    assert "GET /import 303" in caplog.text and TOKEN not in caplog.text


def test_every_state_changing_route_needs_csrf(client, db) -> None:
    from rebal.services.dashboard import households_page

    files = {"file": ("h.yaml", (EXAMPLES / "diy_small.yaml").read_bytes())}
    routes = [("/households", files, {}), ("/households/x/plan", None, {"mode": "balanced"}),
              ("/plans/1/approve", None, {}), ("/plans/1/orders", None, {}),
              ("/plans/1/fills", files, {}),
              ("/import", files, {"household": "x", "account": "y"}),
              ("/import/confirm", None, {"pending": "x" * 20}),
              ("/api/plans/1/approve", None, {}), ("/api/plans/1/orders", None, {}),
              ("/api/plans/1/fills", files, {}),
              ("/api/imports", files, {"household": "x", "account": "y"})]
    for path, f, data in routes:
        r = client.post(path, data={**data, "csrf_token": "forged"}, files=f)
        assert r.status_code == 403, (path, r.status_code, r.text[-300:])
    r = client.post(f"/api/households/{H}/plans", json={"mode": "balanced"})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    assert households_page(db)["total"] == 0  # nothing was written


def test_upload_size_limit(db) -> None:
    from rebal.services.store import db_init

    db_init(db)
    c = client_for(db, max_upload_bytes=1000)
    c.get("/import")
    big = b"account,symbol\n" + b"x" * 2000
    r = c.post("/households", data={"csrf_token": csrf(c)}, files={"file": ("h.yaml", big)})
    assert r.status_code == 413 and "at most 1,000 bytes" in r.text
    r = c.post("/households", data={"csrf_token": csrf(c)},
               files={"file": ("h.yaml", b"x" * 200_000)})
    assert r.status_code == 413


def test_import_messages_are_the_clis(client, tmp_path, monkeypatch) -> None:
    """A malformed broker file: the same one-line message as ``rebal import`` (file named as
    uploaded, line and field), 400 on the page and in the API, nothing written."""
    from rebal.errors import RebalError
    from rebal.services.imports import import_file
    from rebal.services.store import add_household, export_household

    db = client.app.state.db
    add_household(str(EXAMPLES / "diy_small.yaml"), db)
    before = export_household(H, db)
    bad = (FIXTURES / "generic_positions.csv").read_text().replace("250.5", "lots")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "positions.csv").write_text(bad)
    with pytest.raises(RebalError) as cli:
        import_file("positions", "generic", "positions.csv", household=H,
                    account="brokerage", db=db, dry_run=True)
    form = {"csrf_token": csrf(client), "household": H, "account": "brokerage",
            "kind": "positions", "format": "generic"}
    r = client.post("/import", data=form, files={"file": ("positions.csv", bad.encode())})
    assert r.status_code == 400 and str(cli.value).replace("'", "&#39;") in r.text
    r = client.post("/api/imports", data={k: v for k, v in form.items() if k != "csrf_token"},
                    files={"file": ("positions.csv", bad.encode())},
                    headers={"x-csrf-token": csrf(client)})
    assert r.status_code == 400 and r.json()["error"] == str(cli.value)
    assert "positions.csv" in str(cli.value)
    assert export_household(H, db) == before


def test_api_and_openapi(client) -> None:
    from rebal.services.store import add_household

    db = client.app.state.db
    add_household(str(EXAMPLES / "diy_small.yaml"), db)
    schema = client.get("/openapi.json").json()
    assert {"/api/households", "/api/households/{name}", "/api/households/{name}/plans",
            "/api/plans/{plan_id}", "/api/plans/{plan_id}/approve", "/api/plans/{plan_id}/orders",
            "/api/plans/{plan_id}/fills", "/api/imports", "/api/csrf"} <= set(schema["paths"])
    token = client.get("/api/csrf").json()["csrf_token"]
    r = client.post(f"/api/households/{H}/plans", json={"mode": "balanced"},
                    headers={"x-csrf-token": token})
    assert r.status_code == 201 and r.json()["status"] == "proposed"
    pid = r.json()["plan_id"]
    r = client.post(f"/api/plans/{pid}/orders", headers={"x-csrf-token": token})
    assert r.status_code == 409 and "approve it first" in r.json()["error"]
    assert client.post(f"/api/plans/{pid}/approve",
                       headers={"x-csrf-token": token}).json()["status"] == "approved"
    r = client.post(f"/api/plans/{pid}/orders", headers={"x-csrf-token": token}).json()
    assert r["status"] == "sent" and r["csv"].startswith("account,symbol,side,quantity")
    assert r["orders"] == len(r["csv"].strip().splitlines()) - 1
    r = client.post(f"/api/households/{H}/plans", json={"mode": "tax_budget"},
                    headers={"x-csrf-token": token})
    assert r.status_code == 400 and "tax_budget_usd" in r.json()["error"]


def test_serve_refuses_a_public_address_without_token(capsys, monkeypatch) -> None:
    from rebal.cli.main import main
    from rebal.cli.serve_cmd import is_loopback

    monkeypatch.delenv("REBAL_TOKEN", raising=False)
    with pytest.raises(SystemExit) as done:
        main(["serve", "--host", "0.0.0.0"])
    assert done.value.code == 2
    assert "--host 0.0.0.0: not a loopback address; set --token" in capsys.readouterr().err
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_studies_page_runs_a_study_file(db, tmp_path) -> None:
    """A study file (two policies on two years of the shipped data) → its report; a bad
    one → the compare command's message."""
    from rebal.services.store import db_init

    db_init(db)
    (tmp_path / "tiny.yaml").write_text(
        'title: "Tiny study"\ndata: {prices: us_daily, assets: [US_MKT, UST_INT], '
        "start: 2015-01-01, end: 2016-12-31}\ntarget: {US_MKT: 0.6, UST_INT: 0.4}\n"
        "policies: {Annual: annual}\n")
    c = client_for(db, studies=tmp_path)
    page = c.get("/studies").text
    assert "<option>tiny.yaml</option>" in page
    r = c.post("/studies/run", data={"csrf_token": csrf(c), "name": "tiny.yaml"},
               follow_redirects=False)
    assert r.status_code == 303, r.text[-500:]
    report = c.get(r.headers["location"]).text
    assert "Tiny study" in report and "plotly-graph-div" in report and "Annual" in report
    r = c.post("/studies/run", data={"csrf_token": csrf(c), "name": "other.yaml"})
    assert r.status_code == 400 and "study: choose one of tiny.yaml" in r.text
    r = c.post("/studies/run", data={"csrf_token": csrf(c)},
               files={"file": ("mine.yaml", b"title: x\n")})
    assert r.status_code == 400 and "mine.yaml" in r.text and "/tmp" not in r.text
    assert c.get("/studies/reports/0123456789abcdef").status_code == 404


def test_account_numbers_stay_out_of_pages_and_log(client, caplog) -> None:
    """A Fidelity positions file with account number Z12345678: the page shows it masked,
    the log and the API never hold it."""
    from rebal.services.store import add_household

    add_household(str(EXAMPLES / "diy_small.yaml"), client.app.state.db)
    data = (FIXTURES / "Portfolio_Positions_Jun-30-2025.csv").read_bytes()
    form = {"csrf_token": csrf(client), "household": H, "account": "brokerage",
            "kind": "positions", "format": "fidelity", "account_number": "5678"}
    with caplog.at_level(logging.INFO, logger="rebal.web"):
        page = client.post("/import", data=form, files={"file": ("positions.csv", data)})
        api = client.post("/api/imports", data={**form, "dry_run": "true"},
                          files={"file": ("positions.csv", data)},
                          headers={"x-csrf-token": csrf(client)})
    assert page.status_code == 200 and api.status_code == 200, api.text
    assert "****5678" in page.text and api.json()["account_number"] == "****5678"
    for text in (page.text, api.text, caplog.text):
        assert "12345678" not in text
    assert "POST /import 200" in caplog.text
