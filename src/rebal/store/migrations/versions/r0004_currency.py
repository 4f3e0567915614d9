"""Currency (issue 21): a household's base currency; an account's FX cost; a security's
currency, local price, currency mix, foreign tax and treaty country. The household's
``fx_rates_usd`` and ``fx_cost_bps`` live in ``households.settings`` (JSON).

Revision ID: 0004
Revises: 0003 (private funds)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_currency", sa.String(length=3), nullable=False,
                                      server_default="USD"))
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fx_cost_bps", sa.Float(), nullable=True))
    with op.batch_alter_table("securities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=False,
                                      server_default="USD"))
        batch_op.add_column(sa.Column("price_local", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("currency_mix", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("foreign_tax", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("securities", schema=None) as batch_op:
        for name in ("country", "foreign_tax", "currency_mix", "price_local", "currency"):
            batch_op.drop_column(name)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("fx_cost_bps")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_column("base_currency")
