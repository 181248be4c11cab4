"""Windowed and scoped leaderboards, cohorts, streaks, departed members.

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.tables

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("boards",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("hide_departed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("left_at", bot.storage.tables.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("member_totals") as batch:
        batch.add_column(
            sa.Column("current_streak", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("longest_streak", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_active_on", sa.Date(), nullable=True))

    op.create_table(
        "board_totals",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name=op.f("fk_board_totals_community_id_communities"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"],
            name=op.f("fk_board_totals_member_id_members"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "community_id", "scope", "scope_id", "period", "period_start", "member_id",
            name=op.f("pk_board_totals"),
        ),
    )
    op.create_index(
        "ix_board_totals_rank", "board_totals",
        ["community_id", "scope", "scope_id", "period", "period_start", "points"],
    )
    op.create_index("ix_board_totals_member", "board_totals", ["member_id"])

    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name=op.f("fk_cohorts_community_id_communities"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["members.id"],
            name=op.f("fk_cohorts_owner_id_members"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_cohorts_community_id_name")),
    )
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", bot.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"],
            name=op.f("fk_cohort_members_cohort_id_cohorts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"],
            name=op.f("fk_cohort_members_member_id_members"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "member_id", name=op.f("pk_cohort_members")),
    )
    op.create_table(
        "cohort_channels",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"],
            name=op.f("fk_cohort_channels_cohort_id_cohorts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"],
            name=op.f("fk_cohort_channels_channel_id_channels"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "channel_id", name=op.f("pk_cohort_channels")),
    )
    # Existing all-time totals become the community's all-time board.
    op.execute(
        "INSERT INTO board_totals (community_id, scope, scope_id, period, period_start, "
        "member_id, points, answers, correct) SELECT community_id, 'community', 0, 'all', "
        "'1970-01-01', member_id, points, answers, correct FROM member_totals"
    )


def downgrade() -> None:
    op.drop_table("cohort_channels")
    op.drop_table("cohort_members")
    op.drop_table("cohorts")
    op.drop_index("ix_board_totals_member", table_name="board_totals")
    op.drop_index("ix_board_totals_rank", table_name="board_totals")
    op.drop_table("board_totals")
    with op.batch_alter_table("member_totals") as batch:
        batch.drop_column("last_active_on")
        batch.drop_column("longest_streak")
        batch.drop_column("current_streak")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("left_at")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("hide_departed")
