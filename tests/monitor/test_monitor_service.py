"""``rebal monitor`` on household files: exit codes, JSON, failures counted, and new
alerts POSTed to a local HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from rebal.services.monitor import MonitorRequest, monitor, post_alerts

ROOT = Path(__file__).resolve().parents[2]
DIY = str(ROOT / "examples" / "households" / "diy_small.yaml")
ARTICLE = str(ROOT / "examples" / "households" / "article_client.yaml")


@pytest.fixture
def hook():
    """A loopback HTTP server recording each POST body; answers ``status`` (default 204)."""
    received: list[dict] = []
    state = {"status": 204}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            n = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(n)))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, state
    server.shutdown()
    server.server_close()


def test_alerts_are_posted_once_as_json(hook):
    url, received, _ = hook
    run = monitor(MonitorRequest(households=(DIY, ARTICLE), notify=url))
    assert run.exit_code == 10 and run.notify_error is None
    assert len(received) == 1
    posted = received[0]["alerts"]
    assert run.notified == len(posted) == len(run.new_alerts) == 6
    assert {a["household"] for a in posted} == {"DIY investor (single)",
                                                "Article client (married, 70/30)"}
    assert {a["key"] for a in posted} >= {"band_breach:bonds", "harvest:T-BND-1"}


def test_a_refusing_hook_is_an_error_line_and_exit_2(hook):
    url, _, state = hook
    state["status"] = 500
    run = monitor(MonitorRequest(households=(DIY,), notify=url))
    assert run.exit_code == 2 and run.notify_error == f"--notify: {url} answered HTTP 500"
    assert post_alerts("ftp://x", []) == "--notify: 'ftp://x' is not an http(s) URL"
    down = post_alerts("http://127.0.0.1:9/hook", [{"k": 1}], timeout_s=2)
    assert down is not None and down.startswith("--notify: could not reach http://127.0.0.1:9")


def test_cli_exit_codes_and_json(cli, tmp_path):
    calm = tmp_path / "calm.yaml"
    calm.write_text("""
as_of: 2025-06-30
household: {name: calm, filing_status: single}
accounts: [{id: roth, type: roth}]
securities:
  - {symbol: VTI, price_usd: 100, asset_class: stocks}
  - {symbol: BND, price_usd: 10, asset_class: bonds}
targets: {classes: {stocks: 0.6, bonds: 0.4}}
lots:
  - {account: roth, symbol: VTI, quantity: 600}
  - {account: roth, symbol: BND, quantity: 4000}
""")
    code, out, _ = cli("monitor", str(calm))
    assert code == 0 and "calm" in out and "nothing to do" in out
    code, out, _ = cli("monitor", str(calm), DIY, "--json")
    assert code == 10
    doc = json.loads(out)
    assert doc["n_households"] == 2 and doc["action_needed"] is True
    assert [h["action_needed"] for h in doc["households"]] == [False, True]
    code, out, _ = cli("monitor", str(calm), str(tmp_path / "missing.yaml"))
    assert code == 2 and "1 failed" in out and "missing.yaml" in out


def test_market_and_factor_options_are_checked_first(cli):
    code, _, err = cli("monitor", DIY, "--factors", "us_ff3_monthly")
    assert code == 2 and "--factors needs --factor-bands" in err
    code, _, err = cli("monitor", DIY, "--policy", "factor-band:file=us_ff3_monthly,on=HML")
    assert code == 2 and "use --factors FILE --factor-bands" in err
    code, _, err = cli("monitor", DIY, "--prices", "default")
    assert code == 2 and "--prices and --class-prices need --policy or --factors" in err
    code, _, err = cli("monitor", DIY, "--factors", "us_ff3_monthly", "--factor-bands", "HML")
    assert code == 2 and "--factor-bands: expected FACTOR=WIDTH" in err
