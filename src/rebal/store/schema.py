"""The store's tables (SQLAlchemy Core), documented in ``docs/store.md``.

One :class:`sqlalchemy.MetaData`; the Alembic migrations in ``migrations/versions``
create exactly these tables (``tests/store/test_migrations.py`` compares them).
Money is in dollars (``*_usd``), quantities in shares, dates are trade dates.
Every child row names its parent with a foreign key (``ON DELETE CASCADE``), so
removing a household removes everything it owns.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["PLAN_STATUSES", "TRANSACTION_KINDS", "metadata"]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

TRANSACTION_KINDS = (
    "buy", "sell", "dividend", "interest", "fee", "transfer_in", "transfer_out", "split",
)
"""What a stored transaction may be."""

PLAN_STATUSES = (
    "proposed", "approved", "sent", "executed", "partially_executed", "cancelled",
)
"""A stored plan's life: proposed → approved → sent → executed / partially executed,
or cancelled from any state before executed (:data:`rebal.store.plans.TRANSITIONS`)."""


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _fk(table: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:
    return sa.Column(
        f"{table.rstrip('s')}_id",
        sa.Integer,
        sa.ForeignKey(f"{table}.id", ondelete=ondelete),
        nullable=nullable,
        index=True,
    )


households = sa.Table(
    "households", metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("as_of", sa.Date, nullable=False),
    # harvest thresholds, wash-sale flags, realize_zero_bracket_gains, hold_for_step_up
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # the currency values are shown in (a view; tax is in USD); fx_rates_usd and
    # fx_cost_bps are in settings (migration 0004)
    sa.Column("base_currency", sa.String(3), nullable=False, server_default="USD"),
)

tax_settings = sa.Table(
    "tax_settings", metadata,
    _id(),
    _fk("households"),
    sa.Column("tax_year", sa.Integer, nullable=False),
    sa.Column("filing_status", sa.String(8), nullable=False),
    sa.Column("ordinary_income_usd", sa.Float, nullable=False),
    sa.Column("investment_income_usd", sa.Float, nullable=True),
    sa.Column("qualified_dividends_usd", sa.Float, nullable=False),
    sa.Column("state_rate", sa.Float, nullable=False),
    sa.Column("carryforward_st_usd", sa.Float, nullable=False),
    sa.Column("carryforward_lt_usd", sa.Float, nullable=False),
    sa.Column("realized_st_usd", sa.Float, nullable=False),
    sa.Column("realized_lt_usd", sa.Float, nullable=False),
    sa.UniqueConstraint("household_id", "tax_year", name="uq_tax_settings_household_year"),
)

accounts = sa.Table(
    "accounts", metadata,
    _id(),
    _fk("households"),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(8), nullable=False),
    sa.Column("broker", sa.String(50), nullable=True),
    sa.Column("number", sa.String(50), nullable=True),  # shown masked (…1234) in all output
    sa.Column("min_cash_usd", sa.Float, nullable=False),
    sa.Column("pending_flow_usd", sa.Float, nullable=False),
    sa.Column("whole_shares", sa.Boolean, nullable=False),
    sa.Column("lot_method", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("fx_cost_bps", sa.Float, nullable=True),  # None: the household's
    sa.UniqueConstraint("household_id", "key", name="uq_accounts_household_key"),
)

cash = sa.Table(
    "cash", metadata,
    _id(),
    _fk("accounts"),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("amount_usd", sa.Float, nullable=False),
    sa.UniqueConstraint("account_id", "as_of", name="uq_cash_account_date"),
)

securities = sa.Table(
    "securities", metadata,
    _id(),
    _fk("households"),
    sa.Column("symbol", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("asset_class", sa.String(100), nullable=True),
    sa.Column("look_through", sa.JSON, nullable=True),  # {class: fraction} when no single class
    sa.Column("wash_group", sa.String(100), nullable=False),
    sa.Column("substitutes", sa.JSON, nullable=False),
    sa.Column("tradable", sa.Boolean, nullable=False),
    sa.Column("cost_bps", sa.Float, nullable=False),
    sa.Column("expense_ratio", sa.Float, nullable=True),
    sa.Column("price_usd", sa.Float, nullable=False),  # as stated; stored prices override
    sa.Column("position", sa.Integer, nullable=False),
    # a non-USD security: its currency and price in it (price_usd = at the as_of rate)
    sa.Column("currency", sa.String(3), nullable=False, server_default="USD"),
    sa.Column("price_local", sa.Float, nullable=True),
    sa.Column("currency_mix", sa.JSON, nullable=True),  # {ISO code: fraction}
    sa.Column("foreign_tax", sa.JSON, nullable=True),  # file form: preset or {yield, share}
    sa.Column("country", sa.String(2), nullable=True),  # a direct holding's treaty country
    sa.UniqueConstraint("household_id", "symbol", name="uq_securities_household_symbol"),
)

targets = sa.Table(
    "targets", metadata,
    _id(),
    _fk("households"),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("asset_class", sa.String(100), nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("band_abs", sa.Float, nullable=True),
    sa.Column("band_rel", sa.Float, nullable=True),
    sa.Column("location", sa.JSON, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    # a private class's public stand-in until capital is called (migration 0003)
    sa.Column("liquid_substitute", sa.String(32), nullable=True),
    sa.UniqueConstraint("household_id", "effective_from", "asset_class",
                        name="uq_targets_household_date_class"),
)

# Private funds of a household as its file states them (migration 0003): commitment,
# calls, distributions, the reported NAV and its date, the proxy (and its price on the
# NAV date), the cash-flow model's preset name and the account that pays the calls.
private_funds = sa.Table(
    "private_funds", metadata,
    _id(),
    _fk("households"),
    sa.Column("fund_key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("asset_class", sa.String(100), nullable=False),
    sa.Column("commitment_usd", sa.Float, nullable=False),
    sa.Column("vintage", sa.Integer, nullable=False),
    sa.Column("called_usd", sa.Float, nullable=False),
    sa.Column("distributed_usd", sa.Float, nullable=False),
    sa.Column("nav_usd", sa.Float, nullable=True),
    sa.Column("nav_as_of", sa.Date, nullable=True),
    sa.Column("remaining_life_years", sa.Float, nullable=False),
    sa.Column("proxy", sa.String(32), nullable=True),
    sa.Column("proxy_price_at_nav_usd", sa.Float, nullable=True),
    sa.Column("model", sa.JSON, nullable=True),  # a preset name or the parameters
    sa.Column("account_key", sa.String(100), nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("household_id", "fund_key", name="uq_private_funds_household_key"),
)

imports = sa.Table(
    "imports", metadata,
    _id(),
    _fk("households"),
    _fk("accounts"),
    sa.Column("kind", sa.String(16), nullable=False),  # positions | lots | transactions
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("filename", sa.String(500), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("account_id", "kind", "sha256", name="uq_imports_account_kind_sha"),
)

lots = sa.Table(
    "lots", metadata,
    _id(),
    _fk("accounts"),
    sa.Column("lot_key", sa.String(200), nullable=False),
    sa.Column("symbol", sa.String(32), nullable=False),
    sa.Column("quantity", sa.Float, nullable=False),
    sa.Column("cost_basis_usd", sa.Float, nullable=True),
    sa.Column("acquired", sa.Date, nullable=True),
    sa.Column("holding_start", sa.Date, nullable=True),
    # a position imported without lots: acquired is conservatively the import date
    sa.Column("unknown_acquired", sa.Boolean, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", ondelete="SET NULL"),
              nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("account_id", "lot_key", name="uq_lots_account_key"),
)

transactions = sa.Table(
    "transactions", metadata,
    _id(),
    _fk("accounts"),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("symbol", sa.String(32), nullable=True),
    sa.Column("quantity", sa.Float, nullable=True),
    sa.Column("price_usd", sa.Float, nullable=True),
    sa.Column("amount_usd", sa.Float, nullable=False),  # + into the account's cash, - out
    sa.Column("fees_usd", sa.Float, nullable=False),
    sa.Column("description", sa.String(500), nullable=True),
    # sha256 of the row's content and its ordinal among identical rows of its file
    sa.Column("fingerprint", sa.String(80), nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", ondelete="SET NULL"),
              nullable=True),
    # an execution of this stored plan (rebal fills import)
    sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="SET NULL"),
              nullable=True, index=True),
    sa.UniqueConstraint("account_id", "fingerprint", name="uq_transactions_account_fp"),
)

prices = sa.Table(
    "prices", metadata,
    _id(),
    sa.Column("symbol", sa.String(32), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("close", sa.Float, nullable=False),
    sa.Column("total_return", sa.Boolean, nullable=False),
    sa.UniqueConstraint("symbol", "date", name="uq_prices_symbol_date"),
)

plans = sa.Table(
    "plans", metadata,
    _id(),
    _fk("households"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("inputs_hash", sa.String(64), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("n_trades", sa.Integer, nullable=False),
    sa.Column("tax_usd", sa.Float, nullable=False),
    sa.Column("naive_tax_usd", sa.Float, nullable=True),
    sa.Column("summary", sa.JSON, nullable=False),  # the plan's to_dict() (trades, lots, reasons)
    sa.Column("payload", sa.Text, nullable=False),  # the exact plan (rebal.services.codec JSON)
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
)

plan_events = sa.Table(
    "plan_events", metadata,
    _id(),
    _fk("plans"),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("by", sa.String(100), nullable=False),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=False),
    sa.Column("note", sa.String(500), nullable=True),
)

alerts = sa.Table(
    "alerts", metadata,
    _id(),
    _fk("households"),
    sa.Column("created_at", sa.DateTime, nullable=False),  # = first seen
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("message", sa.String(1000), nullable=False),
    sa.Column("resolved_at", sa.DateTime, nullable=True),
    # the monitor's dedup identity (rebal.monitor.Alert.key), the last run that saw it,
    # and the figures behind the message
    sa.Column("key", sa.String(200), nullable=False, server_default=""),
    sa.Column("last_seen_at", sa.DateTime, nullable=True),
    sa.Column("figures", sa.JSON, nullable=True),
    sa.Index("ix_alerts_household_key", "household_id", "key"),
)

monitor_state = sa.Table(
    "monitor_state", metadata,
    sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="CASCADE"),
              primary_key=True),
    # hash of the household's stored content (holdings, cash, prices, targets, tax) when
    # the monitor last evaluated it: unchanged → not evaluated again (unless --all)
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("evaluated_at", sa.DateTime, nullable=False),
    # what that evaluation saw of the private classes (rebal.monitor.private.PrivateLook;
    # migration 0003): the next run's denominator-effect rule compares with it
    sa.Column("private_look", sa.JSON, nullable=True),
)

runs = sa.Table(
    "runs", metadata,
    _id(),
    sa.Column("kind", sa.String(20), nullable=False),  # study | simulation | sweep
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("inputs_hash", sa.String(64), nullable=False, index=True),
    sa.Column("inputs", sa.JSON, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
)

snapshots = sa.Table(
    "snapshots", metadata,
    _id(),
    _fk("households"),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("account_key", sa.String(100), nullable=False),
    sa.Column("asset_class", sa.String(100), nullable=False),
    sa.Column("value_usd", sa.Float, nullable=False),
    sa.UniqueConstraint("household_id", "date", "account_key", "asset_class",
                        name="uq_snapshots_household_date_account_class"),
)

drift_checks = sa.Table(
    "drift_checks", metadata,
    _id(),
    _fk("households"),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("action_needed", sa.Boolean, nullable=False),
    sa.Column("max_abs_drift", sa.Float, nullable=False),  # weight units (0.031 = 3.1 pp)
    sa.Column("summary", sa.JSON, nullable=False),
)
