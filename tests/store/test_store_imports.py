"""``rebal import``: what a file changes, the reconciliation, idempotency (same file twice
adds nothing), dry runs, atomicity (a killed import leaves the store as it was),
two importers at once, and prices."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_helpers import EXAMPLES

from rebal.errors import InputError
from rebal.services import store as svc
from rebal.services.imports import import_file, import_prices

H = "DIY investor (single)"
POSITIONS = """\
account,symbol,quantity,price,value,cost_basis,type,description
brokerage,VTI,115,$303.93,,"$27,102.50",,Total stock market
brokerage,VXUS,300,68.76,,"$17,400.00",,
brokerage,BND,10,73.40,,"$700.00",,
brokerage,USD,"1,300.00",1,,,cash,sweep
"""
TRANSACTIONS = """\
date,type,symbol,quantity,price,fees,amount,description
2025-06-20,buy,VXUS,10,68.00,0,-680.00,
2025-06-25,sell,AGG,5,99.00,0,495.00,
2025-06-26,dividend,BND,,,0,12.50,
2025-06-26,dividend,BND,,,0,12.50,
"""


@pytest.fixture
def stored(store_url: str) -> str:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), store_url)
    return store_url


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _snapshot(url: str) -> dict[str, list]:
    """Every row of every table but the clock columns (what "as before" means)."""
    from rebal.store.schema import metadata

    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for name, table in metadata.tables.items():
            cols = [c for c in table.c if c.name not in ("created_at", "updated_at", "at")]
            out[name] = [tuple(r) for r in
                         conn.execute(sa.select(*cols).order_by(*table.primary_key.columns))]
    engine.dispose()
    return out


def test_positions_keep_matching_lots_and_flag_the_rest(stored: str, tmp_path: Path) -> None:
    path = _write(tmp_path, "pos.csv", POSITIONS)
    report = import_file("positions", "generic", path, household=H, account="brokerage",
                         db=stored)
    # VTI: 90 + 25 stored = 115 held -> its two dated lots stay; VXUS 360 stored vs 300
    # held and BND new -> one unknown-date lot each at the average cost
    assert (report.lots_before, report.lots_after, report.kept, report.added,
            report.removed, report.unknown_dates) == (4, 4, 2, 2, 2, 2)
    assert report.cash_usd == 1300.0
    assert report.issues == ("BND: a position of 10 shares but no lots",
                             "VXUS: the lots hold 360 shares, the position 300 (difference 60)")
    h = svc.load_stored_household(H, stored)
    lots = {lot.id: lot for lot in h.lots if lot.account == "brokerage"}
    assert {(lot.symbol, lot.quantity) for lot in lots.values()} == {
        ("VTI", 90), ("VTI", 25), ("VXUS", 300), ("BND", 10)}
    vxus = next(lot for lot in lots.values() if lot.symbol == "VXUS")
    assert vxus.cost_basis_usd == 17400.0 and vxus.acquired == h.as_of
    assert h.account("brokerage").cash_usd == 1300.0
    if not stored.startswith("sqlite"):
        return  # planning is the same code on both backends: once is enough
    plan = svc.plan_stored(H, stored).run.plan
    assert any("2 lot(s) imported from positions have no acquisition date" in n
               for n in plan.notes)


def test_the_same_file_twice_adds_nothing(stored: str, tmp_path: Path) -> None:
    pos = _write(tmp_path, "pos.csv", POSITIONS)
    tx = _write(tmp_path, "tx.csv", TRANSACTIONS)
    import_file("positions", "generic", pos, household=H, account="brokerage", db=stored)
    first = import_file("transactions", "generic", tx, household=H, account="brokerage",
                        db=stored)
    # two identical dividend lines on one day are two dividends
    assert (first.transactions_added, first.transactions_skipped) == (4, 0)
    assert "sale of 5 AGG on 2025-06-25 with no lot" in " ".join(first.issues)
    before = _snapshot(stored)
    for kind, path in (("positions", pos), ("transactions", tx)):
        again = import_file(kind, "generic", path, household=H, account="brokerage",
                            db=stored)
        assert again.already_imported and "nothing added" in again.lines()[-1]
    assert _snapshot(stored) == before
    # the same rows in another file (new bytes): recognised row by row
    overlap = _write(tmp_path, "tx2.csv", TRANSACTIONS + "2025-06-27,fee,,,,0,-5.00,\n")
    more = import_file("transactions", "generic", overlap, household=H, account="brokerage",
                       db=stored)
    assert (more.transactions_added, more.transactions_skipped) == (1, 4)


def test_dry_run_writes_nothing(stored: str, tmp_path: Path) -> None:
    before = _snapshot(stored)
    pos = _write(tmp_path, "pos.csv", POSITIONS)
    report = import_file("positions", "generic", pos, household=H, account="brokerage",
                         db=stored, dry_run=True)
    assert report.dry_run and report.added == 2 and report.lines()[-1] == \
        "dry run: nothing written"
    assert _snapshot(stored) == before


def test_an_import_that_would_leave_an_invalid_household_adds_nothing(
        stored: str, tmp_path: Path) -> None:
    before = _snapshot(stored)
    pos = _write(tmp_path, "pos.csv", POSITIONS.replace("BND,10", "XYZ,10"))
    with pytest.raises(InputError, match=r"would leave household .* invalid, so nothing was "
                                         r"imported.*XYZ"):
        import_file("positions", "generic", pos, household=H, account="brokerage", db=stored)
    assert _snapshot(stored) == before


def test_unknown_account_names_the_known_ones(stored: str, tmp_path: Path) -> None:
    pos = _write(tmp_path, "pos.csv", POSITIONS)
    from rebal.store import StoreError

    with pytest.raises(StoreError, match="no account 'x'; accounts: brokerage, ira, roth"):
        import_file("positions", "generic", pos, household=H, account="x", db=stored)


def test_fidelity_file_of_two_accounts_needs_the_number_and_masks_it(
        sqlite_url: str, cli) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    fixture = Path(__file__).parents[1] / "brokers" / "fixtures" / \
        "Portfolio_Positions_Jun-30-2025.csv"
    args = ("import", "positions", str(fixture), "--format", "fidelity", "--household", H,
            "--account", "brokerage", "--db", sqlite_url, "--dry-run")
    code, _, err = cli(*args)
    assert code == 2 and "--account-number" in err and "****5678" in err
    code, out, err = cli(*args, "--account-number", "5678")
    assert "12345678" not in out + err
    assert "****5678" in out


def _lots_csv(path: Path, n: int) -> None:
    lines = ["symbol,quantity,cost_basis,acquired,lot_id"]
    lines += [f"VTI,1,{200 + i % 50},2021-0{1 + i % 9}-1{i % 9},L{i}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")


_PAUSING_IMPORT = textwrap.dedent("""
    import sys, time
    from rebal.store import households as hs
    real = hs.insert_batch
    def pausing(conn, table, rows):
        real(conn, table, rows)
        if table.name == "lots":
            print("MID", flush=True)
            time.sleep(float(sys.argv[4]))
    hs.insert_batch = pausing
    from rebal.services.imports import import_file
    import_file(sys.argv[3], "generic", sys.argv[2], household="DIY investor (single)",
                account="brokerage", db=sys.argv[1])
    print("DONE", flush=True)
""")


def _start(script: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_killed_import_leaves_the_store_as_it_was(sqlite_url: str, tmp_path: Path) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    lots = tmp_path / "lots.csv"
    _lots_csv(lots, 6_000)  # two batches: killed after the first is written
    script = tmp_path / "imp.py"
    script.write_text(_PAUSING_IMPORT)
    before = _snapshot(sqlite_url)
    proc = _start(script, sqlite_url, str(lots), "lots", "60")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "MID", proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(sqlite_url) == before
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
    # and the store takes the same import afterwards, whole
    report = import_file("lots", "generic", str(lots), household=H, account="brokerage",
                         db=sqlite_url)
    assert report.lots_after == 6_000


def test_two_importers_at_once_both_succeed_one_after_the_other(
        sqlite_url: str, tmp_path: Path) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    lots = tmp_path / "lots.csv"
    _lots_csv(lots, 4_000)
    tx = tmp_path / "tx.csv"
    tx.write_text(TRANSACTIONS)
    script = tmp_path / "imp.py"
    script.write_text(_PAUSING_IMPORT)
    first = _start(script, sqlite_url, str(lots), "lots", "1.0")
    assert first.stdout is not None and first.stdout.readline().strip() == "MID"
    # the first holds the write lock now: the second waits for it, then writes
    second = _start(script, sqlite_url, str(tx), "transactions", "0")
    out1, err1 = first.communicate(timeout=60)
    out2, err2 = second.communicate(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0), err1 + err2
    assert "DONE" in out1 and "DONE" in out2
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("SELECT count(*) FROM lots l JOIN accounts a ON "
                                    "a.id = l.account_id WHERE a.key = 'brokerage'"
                                    ).scalar() == 4_000
        assert conn.exec_driver_sql("SELECT count(*) FROM transactions "
                                    "WHERE date >= '2025-06-20'").scalar() == 4
    engine.dispose()


def test_prices_import_values_the_household_at_the_latest_close(stored: str,
                                                                tmp_path: Path) -> None:
    prices = _write(tmp_path, "p.csv", "date,VTI,BND\n2025-06-27,300.0,73.0\n"
                                       "2025-06-30,310.5,73.25\n2025-07-01,999,999\n")
    done = import_prices(prices, stored)
    assert (done.rows, done.first, done.last) == (6, "2025-06-27", "2025-07-01")
    h = svc.load_stored_household(H, stored)
    # the household is as of 2025-06-30: that day's close, not the later one
    assert h.security("VTI").price_usd == 310.5
    assert h.security("BND").price_usd == 73.25
    assert h.security("VXUS").price_usd == 68.76  # no stored close: the stated price


def test_transactions_are_checked_against_the_cash_stored_around_them(
        sqlite_url: str, tmp_path: Path) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)  # cash 1,250 on 06-30
    import datetime as dt

    from rebal.store import Store
    from rebal.store import households as hs

    with Store.open(sqlite_url) as s, s.write() as conn:
        aid = hs.account_row(conn, hs.household_id(conn, H), "brokerage")["id"]
        hs.set_cash(conn, aid, dt.date(2025, 7, 31), 1250.0 + 500.0 - 100.0 + 12.0)
    tx = _write(tmp_path, "tx.csv", "date,type,symbol,quantity,price,fees,amount,description\n"
                "2025-07-02,deposit,,,,0,500.00,\n2025-07-03,fee,,,,0,-100.00,\n"
                "2025-07-10,dividend,BND,,,0,12.00,\n")
    ok = import_file("transactions", "generic", tx, household=H, account="brokerage",
                     db=sqlite_url, dry_run=True)
    assert not any("cash" in i for i in ok.issues)
    off = _write(tmp_path, "tx2.csv", "date,type,symbol,quantity,price,fees,amount,description\n"
                 "2025-07-02,deposit,,,,0,500.00,\n2025-07-03,fee,,,,0,-100.00,\n")
    bad = import_file("transactions", "generic", off, household=H, account="brokerage",
                      db=sqlite_url, dry_run=True)
    # 1,250 + 500 − 100 = 1,650 against the 1,662 stored on 07-31: 12 missing
    assert any("cash does not add up" in i and "1,650.00" in i and "1,662.00" in i
               for i in bad.issues), bad.issues


def test_a_fidelity_positions_import_sets_lots_cash_and_closes(sqlite_url: str) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    fixture = Path(__file__).parents[1] / "brokers" / "fixtures" / \
        "Portfolio_Positions_Jun-30-2025.csv"
    report = import_file("positions", "fidelity", str(fixture), household=H,
                         account="brokerage", db=sqlite_url, account_number="5678")
    assert report.account_number == "****5678"
    # VTI 100 (stored 115: replaced) and BND 250.5 (new): two unknown-date lots at the
    # file's cost; VXUS is no longer held in this account: its two lots go
    assert (report.kept, report.added, report.removed, report.unknown_dates) == (0, 2, 4, 2)
    assert report.cash_usd == 1234.56
    h = svc.load_stored_household(H, sqlite_url)
    got = {(lot.symbol, lot.quantity, lot.cost_basis_usd, lot.acquired.isoformat())
           for lot in h.lots if lot.account == "brokerage"}
    assert got == {("VTI", 100.0, 25000.0, "2025-06-30"), ("BND", 250.5, 18798.0, "2025-06-30")}
    # the file's last prices are the day's closes: they value the household now
    assert (h.security("VTI").price_usd, h.security("BND").price_usd) == (300.0, 72.10)
    assert any("pending activity" in n and "****5678" in n for n in report.notes)
