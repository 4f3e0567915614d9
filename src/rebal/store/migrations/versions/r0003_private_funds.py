"""Private funds (issue 20): a ``private_funds`` table, a private class's liquid
substitute on its target, and the monitor's last look at the private classes
(``monitor_state.private_look``). The household's exposure view and call reserve are kept in
its ``settings`` JSON (no column).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "private_funds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("fund_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("asset_class", sa.String(length=100), nullable=False),
        sa.Column("commitment_usd", sa.Float(), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("called_usd", sa.Float(), nullable=False),
        sa.Column("distributed_usd", sa.Float(), nullable=False),
        sa.Column("nav_usd", sa.Float(), nullable=True),
        sa.Column("nav_as_of", sa.Date(), nullable=True),
        sa.Column("remaining_life_years", sa.Float(), nullable=False),
        sa.Column("proxy", sa.String(length=32), nullable=True),
        sa.Column("proxy_price_at_nav_usd", sa.Float(), nullable=True),
        sa.Column("model", sa.JSON(), nullable=True),
        sa.Column("account_key", sa.String(length=100), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"],
                                name=op.f("fk_private_funds_household_id_households"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_private_funds")),
        sa.UniqueConstraint("household_id", "fund_key", name="uq_private_funds_household_key"),
    )
    with op.batch_alter_table("private_funds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_private_funds_household_id"), ["household_id"],
                              unique=False)
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("liquid_substitute", sa.String(length=32), nullable=True))
    with op.batch_alter_table("monitor_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_look", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitor_state", schema=None) as batch_op:
        batch_op.drop_column("private_look")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_column("liquid_substitute")
    with op.batch_alter_table("private_funds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_private_funds_household_id"))
    op.drop_table("private_funds")
