# Types of the lazily re-exported public API (see __init__.py and rebal/api.py).
from rebal import datasets as datasets
from rebal.api import audit_trades as audit_trades
from rebal.api import backtest_policy as backtest_policy
from rebal.api import check as check
from rebal.api import compare as compare
from rebal.api import estimate_tax as estimate_tax
from rebal.api import factor_exposures as factor_exposures
from rebal.api import load_household as load_household
from rebal.api import load_prices as load_prices
from rebal.api import monitor_households as monitor_households
from rebal.api import plan as plan
from rebal.api import simulate as simulate
from rebal.api import sweep_study as sweep_study

__version__: str
__all__: list[str]
