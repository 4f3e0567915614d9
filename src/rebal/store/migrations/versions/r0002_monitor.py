"""The monitor: alerts get a dedup key, a last-seen time and their figures; the
monitor's per-household fingerprint (what it last evaluated) gets a table.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("figures", sa.JSON(), nullable=True))
        batch_op.create_index("ix_alerts_household_key", ["household_id", "key"], unique=False)
    op.create_table(
        "monitor_state",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"],
                                name=op.f("fk_monitor_state_household_id_households"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_monitor_state")),
    )


def downgrade() -> None:
    op.drop_table("monitor_state")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_household_key")
        batch_op.drop_column("figures")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("key")
