#!/usr/bin/env python3
"""Build rebal's shipped factor files from factor returns inside PyPI packages.

Usage (from the repository root)::

    python scripts/build_factor_data.py            # download, build, write
    python scripts/build_factor_data.py --check    # rebuild and compare with the committed files

Two wheels are downloaded with pip (no dependencies, nothing installed); the data is
read out of the archives and written in the French library's own layout (a preamble,
a header row, ``YYYYMM`` rows in percent), so :func:`rebal.data.french.read_french`
reads the shipped files exactly as it reads a user's download:

* arch 8.0.0 (NCSA, © Kevin Sheppard): ``arch/data/frenchdata/frenchdata.csv.gz`` —
  Fama/French 3 factors, monthly 1926-07 … 2018-11, percent → ``us_ff3_monthly.csv``
  (the rows as they are, the preamble added);
* linearmodels 7.1 (NCSA, © Kevin Sheppard): ``linearmodels/datasets/french/french.csv.bz2``
  — Mkt-RF, SMB, HML, momentum (Mom) and RF, monthly 1949-01 … 2017-03, fractions →
  ``us_ff3_mom_monthly.csv`` (×100, printed with 2 decimals as the library does; the
  build checks that this loses nothing: every value is a whole number of basis points
  within 1e-9).

The source files' sha256 are pinned, so a silent change upstream stops the build.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "rebal" / "datasets" / "files"
PACKAGES = {"arch": "8.0.0", "linearmodels": "7.1"}
SOURCES = {
    "arch": "arch/data/frenchdata/frenchdata.csv.gz",
    "linearmodels": "linearmodels/datasets/french/french.csv.bz2",
}
SOURCE_SHA256 = {
    "arch": "f23436727b01d879e1372e3ee277514b0962a23d2b158f1aee6a402a90994f52",
    "linearmodels": "fab6482f4f011a2fcec2fd087d740eef3c5bcc24a39459569a4224516fca1b6e",
}
ATTRIBUTION = ("Source: Kenneth R. French, Data Library, Tuck School of Business at Dartmouth "
               "(free with attribution).")


def _download(dest: Path) -> dict[str, Path]:
    found = {}
    for name, version in PACKAGES.items():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        "--only-binary=:all:", "-d", str(dest), f"{name}=={version}"], check=True)
        found[name] = next(p for p in dest.iterdir()
                           if p.name.startswith(f"{name}-{version}") and p.suffix == ".whl")
    return found


def _member(wheel: Path, member: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def build(raw: dict[str, bytes]) -> dict[str, str]:
    """The two files' text from the two source files' bytes."""
    arch = gzip.decompress(raw["arch"]).decode().splitlines()
    if arch[0].strip() != "Date,Mkt-RF,SMB,HML,RF":
        raise SystemExit(f"unexpected header in arch's frenchdata: {arch[0]!r}")
    ff3 = "\n".join([
        "Fama/French 3 factors, monthly, percent: Mkt-RF, SMB, HML and the 1-month T-bill RF.",
        f"As shipped in arch {PACKAGES['arch']} ({SOURCES['arch']}, NCSA licence).",
        ATTRIBUTION, "", ",Mkt-RF,SMB,HML,RF", *arch[1:], "",
    ])
    lm = bz2.decompress(raw["linearmodels"]).decode().splitlines()
    head = lm[0].split(",")
    cols = [head.index(c) for c in ("MktRF", "SMB", "HML", "Mom", "RF")]
    rows = []
    for line in lm[1:]:
        cells = line.split(",")
        date = cells[0]
        if len(date) != 10 or date[8:] != "01":
            raise SystemExit(f"unexpected date in linearmodels' french.csv: {date!r}")
        values = []
        for j in cols:
            pct = float(cells[j]) * 100
            if abs(pct - round(pct, 2)) > 1e-9:
                raise SystemExit(f"{date}: {cells[j]} is not a whole number of basis points")
            values.append(f"{round(pct, 2):.2f}")
        rows.append(date[:4] + date[5:7] + "," + ",".join(values))
    mom = "\n".join([
        "Fama/French 3 factors and momentum (Mom), monthly, percent; RF = 1-month T-bill.",
        f"As shipped in linearmodels {PACKAGES['linearmodels']} ({SOURCES['linearmodels']}, "
        "NCSA licence), fractions there.", ATTRIBUTION, "", ",Mkt-RF,SMB,HML,Mom,RF", *rows, "",
    ])
    return {"us_ff3_monthly.csv": ff3, "us_ff3_mom_monthly.csv": mom}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheels = _download(Path(tmp))
        raw = {name: _member(wheels[name], SOURCES[name]) for name in PACKAGES}
    for name, blob in raw.items():
        digest = hashlib.sha256(blob).hexdigest()
        if digest != SOURCE_SHA256[name]:
            raise SystemExit(f"{SOURCES[name]} changed upstream: sha256 {digest}")
    files = build(raw)
    status = 0
    for fname, text in files.items():
        path = OUT_DIR / fname
        if args.check:
            same = path.exists() and path.read_text() == text
            print(f"{fname}: {'identical' if same else 'DIFFERS'}")
            status |= not same
        else:
            path.write_text(text)
            print(f"wrote {path} ({text.count(chr(10))} lines, sha256 "
                  f"{hashlib.sha256(text.encode()).hexdigest()}: put it in "
                  "rebal.datasets.FACTOR_FILES)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
