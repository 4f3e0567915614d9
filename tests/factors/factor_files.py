"""Fixtures for the factor tests: French-library files written as the library ships them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from realdata import SHARED_DATA

# the shared data sits beside the main checkout; a worktree may point at it explicitly
DATA = Path(os.environ.get("REBAL_SHARED_DATA", str(SHARED_DATA)))

MONTHLY_RAW = """This file was created by CMPT_ME_BEME_RETS using the 202412 CRSP database.
The 1-month TBill return is from Ibbotson and Associates, Inc.

,Mkt-RF,SMB,HML,RF
192607,    2.96,   -2.56,   -2.43,    0.22
192608,    2.64,   -1.17,    3.82,    0.25
192609,    0.36,   -1.40,    0.13,    0.23
192610,   -3.24,  -99.99,    0.70,    0.32

 Annual Factors: January-December\x20
,Mkt-RF,SMB,HML,RF
  1927,   29.47,   -2.46,   -3.75,    3.12
  1928,   35.39,    4.41,   -6.15,    3.56

Copyright 2024 Kenneth R. French
"""

DAILY_RAW = """This file was created by CMPT_ME_BEME_RETS_DAILY using the 202412 CRSP database.

,Mkt-RF,SMB,HML,RF
19260701,    0.10,   -0.25,   -0.27,    0.009
19260702,    0.45,   -0.33,   -0.06,    0.009
19260706,    0.17,    0.30,   -0.39,    0.009
"""

MOM_RAW = """Missing data are indicated by -99.99 or -999.

,Mom\x20\x20\x20
192701,    0.57
192702,   -1.50

Annual Factors:
,Mom
1928,   28.12
"""


def data_file(name: str) -> Path:
    """A file of the shared real data, or skip cleanly when it is absent."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real data not available at {path}")
    return path
