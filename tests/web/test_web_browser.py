"""End to end in a real browser: Playwright driving Debian's Chromium against
``rebal serve`` started on a free loopback port. Add a household, import its brokerage
positions from a broker file (dry run, then confirm), see it out of band, make a plan,
approve it, download the orders, upload the fills, see it inside its bands; no console
error on any page. Screenshots are kept under the test's tmp dir, or in
``$REBAL_SCREENSHOTS`` when set (CI artifacts).

Skipped, with how to get them, without the ``chromium`` binary or the playwright package.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from web_helpers import EXAMPLES, FIXTURES, H

CHROMIUM = next((p for p in (os.environ.get("REBAL_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary (install it with: apt-get update && apt-get install -y chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path):
    """``rebal serve`` on a fresh store and a free loopback port; stopped afterwards."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rebal.cli.main", "serve", "--port", str(port),
         "--db", f"sqlite:///{tmp_path / 'web.db'}"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "REBAL_TOKEN": ""})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urlopen(url + "/openapi.json", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail((tmp_path / "server.log").read_text())
                time.sleep(0.1)
        else:
            pytest.fail("rebal serve did not answer within 30 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _fills(orders_csv: str, day: str) -> str:
    import csv
    import io

    out = ["date,account,symbol,side,quantity,price,fees,lot_ids"]
    for row in csv.DictReader(io.StringIO(orders_csv)):
        out.append(f"{day},{row['account']},{row['symbol']},{row['side']},{row['quantity']},"
                   f"{row['est_price']},0,{row['lot_id']}")
    return "\n".join(out) + "\n"


def test_import_plan_approve_orders_fills_in_chromium(server: str, tmp_path: Path,
                                                      browser) -> None:
    """``browser``: pytest-playwright's session browser (Debian's Chromium, launched by the
    suite's ``browser_type_launch_args`` in tests/conftest.py), shared with the report
    tests: a second sync Playwright in one process is refused."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (the test extra)")
    shots = Path(os.environ.get("REBAL_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with contextlib.closing(browser.new_context(
            accept_downloads=True, viewport={"width": 1300, "height": 900})) as context:
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        # a download ends its navigation as "aborted", and so does plotly.js when the test
        # leaves a page before the bundle has loaded (the chart check below proves it loads)
        page.on("requestfailed", lambda r: None if r.url.endswith("/orders") or (
            r.url.endswith("/plotly.min.js") and r.failure == "net::ERR_ABORTED")
            else problems.append(f"request failed: {r.url} {r.failure}"))
        expect = sync_api.expect

        def shot(name: str) -> None:
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

        page.goto(server + "/")
        expect(page.locator("#households")).to_contain_text("No household in the store")
        page.set_input_files("input[name=file]", str(EXAMPLES / "diy_small.yaml"))
        page.click("#add-household")
        expect(page.locator("h1")).to_have_text(H)
        shot("1-household-added")
        # import the brokerage positions from a broker file: dry run, then confirm
        page.click("text=Import a broker file into this household")
        page.fill("input[name=account]", "brokerage")
        page.select_option("select[name=kind]", "positions")
        page.select_option("select[name=format]", "generic")
        page.set_input_files("input[name=file]", str(FIXTURES / "generic_positions.csv"))
        page.click("#dry-run")
        report = page.locator("#import-report")
        expect(report).to_contain_text("2 would be added, 4 removed")
        expect(report).to_contain_text("dry run: nothing written")
        shot("2-import-dry-run")
        page.click("#confirm-import")
        expect(report).to_contain_text("2 added, 4 removed")
        page.click("#to-household")
        # out of band: bonds 42.08% against 25%–35% after the import
        expect(page.locator("#status")).to_have_text("action needed")
        expect(page.locator("#classes")).to_contain_text("outside band")
        shot("3-out-of-band")
        page.click("#make-plan")
        expect(page.locator("#plan-status")).to_have_text("proposed")
        expect(page.locator("#trades")).to_contain_text("toward target")
        shot("4-plan")
        page.click("#approve")
        expect(page.locator("#plan-status")).to_have_text("approved")
        with page.expect_download() as info:
            page.click("#download-orders")
        download = info.value
        assert download.suggested_filename.endswith("-orders.csv")
        orders = Path(download.path()).read_text()
        fills = tmp_path / "fills.csv"
        fills.write_text(_fills(orders, "2025-07-01"))
        page.reload()
        expect(page.locator("#plan-status")).to_have_text("sent")
        page.set_input_files("form[action$='/fills'] input[name=file]", str(fills))
        page.click("#upload-fills")
        expect(page.locator("#message")).to_contain_text("it is now executed")
        expect(page.locator("#plan-status")).to_have_text("executed")
        shot("5-fills-recorded")
        page.click(f"text={H}")
        expect(page.locator("#status")).to_have_text("within bands")
        expect(page.locator("#classes")).not_to_contain_text("outside band")
        # the value-history chart rendered (plotly drew its svg)
        expect(page.locator("#value-history-chart svg.main-svg").first).to_be_visible()
        shot("6-within-bands")
        page.goto(server + "/")
        expect(page.locator("#households")).to_contain_text("executed")
        shot("7-households")
        # htmx (vendored): filtering swaps the table in place, the page is not reloaded
        page.evaluate("window.__kept = true")
        page.fill("input[name=q]", "nobody")
        expect(page.locator("#households")).to_contain_text("No household matches the filter")
        page.fill("input[name=q]", "DIY")
        expect(page.locator("#households")).to_contain_text("within bands")
        assert page.evaluate("window.__kept === true") and "q=DIY" in page.url
    assert not problems, problems
    print(f"screenshots: {shots}")
    assert all((shots / f"{n}.png").stat().st_size > 10_000 for n in (
        "1-household-added", "2-import-dry-run", "3-out-of-band", "4-plan",
        "5-fills-recorded", "6-within-bands", "7-households"))
